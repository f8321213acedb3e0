"""The sweep of due work as a process of its own (``flask panel run-due [--every N]``)."""

import threading

from app.jobs import due


def test_run_due_once_from_the_command_line(app, db_session):
    result = app.test_cli_runner().invoke(args=["panel", "run-due"])

    assert result.exit_code == 0, result.output
    # One line per area of due work, each with what it did.
    assert "due_transfers: 0" in result.output
    assert "due_provisional_speeds: 0" in result.output
    assert "due_monthly_charges: 0" in result.output


def test_every_sweeps_again_until_stopped_and_outlives_a_failing_area(
    app, db_session, monkeypatch
):
    rounds: list[int] = []
    stop = threading.Event()

    def counting() -> int:
        rounds.append(1)
        if len(rounds) == 3:
            stop.set()
        return 1

    def failing() -> int:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(due, "SWEEPS", [failing, counting])
    reported: list[dict[str, int]] = []

    due.run_due_work_every(0.01, stop, report=reported.append)

    # Three rounds: the failing area did not stop the loop nor the area after it.
    assert len(rounds) == 3
    assert reported == [{"counting": 1}] * 3


def test_the_interval_must_be_a_positive_number_of_seconds(app):
    result = app.test_cli_runner().invoke(args=["panel", "run-due", "--every", "0"])

    assert result.exit_code == 2
    assert "--every" in result.output
