"""``flask panel ...`` commands: set a database up, load demo data, create the admin."""

from __future__ import annotations

import os
import secrets
import string
from datetime import datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.oltsim_cli import olt_sim_command
from app.radius_cli import radius_cli

panel = AppGroup("panel", help="Set the ISP panel up and maintain it.")


@panel.command("init")
def init_command() -> None:
    """Create roles and permissions, system variables and payment methods (idempotent)."""
    from app.services.setup import initialise

    counts = initialise()
    for role, count in counts.items():
        click.echo(f"role {role}: {count} permissions")


@panel.command("demo-data")
@click.option("--force", is_flag=True, help="Load even if the database already has customers.")
def demo_data_command(force: bool) -> None:
    """Fill the database with a small believable ISP (once)."""
    from app.services.demo import load_demo_data

    created = load_demo_data(force=force)
    if created:
        click.echo("demo data loaded: " + ", ".join(f"{k}={v}" for k, v in created.items()))
    else:
        click.echo("demo data already present; nothing loaded")


def _generate_password() -> str:
    # Meets FAB's complexity rule: upper, lower, digit and a symbol, 16+ characters.
    alphabet = string.ascii_letters + string.digits
    core = "".join(secrets.choice(alphabet) for _ in range(16))
    return f"{core}Aa1!"


@panel.command("create-admin")
@click.option("--username", default="admin", show_default=True)
@click.option("--email", default="admin@provedor.local", show_default=True)
@click.option("--password", envvar="ADMIN_PASSWORD", default=None, help="Default: generated.")
def create_admin_command(username: str, email: str, password: str | None) -> None:
    """Create the first admin account and print how to log in.

    A generated password is kept in ``instance/admin-password`` (mode 600) so that
    ``make run`` can print it again on the next start.
    """
    from config import INSTANCE_DIR

    sm = current_app.appbuilder.sm
    keep = Path(INSTANCE_DIR) / "admin-password"
    user = sm.find_user(username=username)
    if user is None:
        if not password:
            password = _generate_password()
            keep.parent.mkdir(parents=True, exist_ok=True)
            keep.write_text(password)
            os.chmod(keep, 0o600)
        role = sm.find_role(current_app.config["AUTH_ROLE_ADMIN"])
        if role is None:
            raise click.ClickException("Run `flask panel init` first: the Admin role is missing.")
        if not sm.add_user(username, "Admin", "Provedor", email, role, password=password):
            raise click.ClickException("The admin account could not be created.")
    elif keep.exists() and not password:
        password = keep.read_text().strip()
    port = current_app.config["PORT"]
    click.echo(
        f"Panel: http://127.0.0.1:{port}/  user: {username}  password: {password or '(as set)'}"
    )


@panel.command("reset-two-factor")
@click.option("--username", required=True)
def reset_two_factor_command(username: str) -> None:
    """Turn off a user's two-step verification (a lost or replaced phone).

    The user logs in with the password alone and may set it up again.
    """
    from app.services import two_factor
    from app.services.audit import audit_context

    user = current_app.appbuilder.sm.find_user(username=username)
    if user is None:
        raise click.ClickException(f"No user {username}.")
    with audit_context("cli", reason="reset-two-factor"):
        removed = two_factor.reset(user.id)
    click.echo(
        f"{username}: two-step verification turned off"
        if removed
        else f"{username}: had no two-step verification"
    )


@panel.command("run-due")
@click.option(
    "--every",
    type=click.IntRange(min=1),
    default=None,
    help="Keep running: sweep again every this many seconds (in-process installs).",
)
def run_due_command(every: int | None) -> None:
    """Run the work whose time has come (scheduled transfers, speed reverts ...).

    Once from cron beside RQ; with ``--every`` as the one sweeper of an install
    without Redis (``make run`` starts it beside the web server).
    """
    from app.jobs.due import run_due_work, run_due_work_every

    if every is None:
        for area, count in run_due_work().items():
            click.echo(f"{area}: {count}")
        return

    def report(done: dict[str, int]) -> None:
        # The log of make run: a line when a round did something.
        if any(done.values()):
            moment = datetime.now().astimezone().isoformat(timespec="seconds")
            click.echo(f"{moment} " + ", ".join(f"{area}: {n}" for area, n in done.items()))

    click.echo(f"Sweeping due work every {every} s.")
    run_due_work_every(every, report=report)


def register_cli(app: Flask) -> None:
    """Attach the panel's commands to the app's ``flask`` CLI."""
    app.cli.add_command(panel)
    app.cli.add_command(radius_cli)
    app.cli.add_command(olt_sim_command)
