"""The HTTP and provisioning benchmarks run end to end on a small generated ISP.

A smoke test: at 300 customers their figures mean nothing, but their plumbing (gunicorn
in benchmark mode, the plain FAB screens, the SQL floors, real RQ workers against
simulated OLTs) must keep working as the panel changes. PostgreSQL and Redis only, as
the benchmarks themselves.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import delete_test_rows

ROOT = Path(__file__).resolve().parents[2]
# Databases of the test Redis server the benchmarks may empty (they do, after a run).
BENCH_REDIS_DB = {"http": 13, "provisioning": 12}


def _redis_url(db: int) -> str:
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    base = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15").rsplit("/", 1)[0]
    url = f"{base}/{db}"
    try:
        Redis.from_url(url).ping()
    except RedisDown:
        pytest.skip("no Redis")
    return url


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def small_isp(app, database_url, db_session):
    """300 generated customers in the test database; the benchmark account removed after."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the benchmarks run on PostgreSQL")
    from bench.generate import main

    main(["--customers", "300", "--database-url", database_url])
    yield database_url
    # The account's audit entries, sessions and records go first; it goes last.
    delete_test_rows(app)
    user = app.appbuilder.sm.find_user(username="bench")
    if user is not None:
        db_session.delete(user)
        db_session.commit()


def _run(module: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own modules, fixed arguments
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_http_benchmark_measures_every_endpoint(small_isp, tmp_path):
    figures = tmp_path / "http.json"
    done = _run(
        "bench.http", "--database-url", small_isp,
        "--redis-url", _redis_url(BENCH_REDIS_DB["http"]),
        "--port", str(_free_port()), "--workers", "1", "--concurrency", "1", "--requests", "3",
        "--baseline-requests", "1", "--warmup", "1", "--deep-page", "3", "--json", str(figures),
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    report = json.loads(figures.read_text())
    rows = {row["name"]: row for row in report["rows"]}
    assert len(rows) == 13
    for name, row in rows.items():
        assert row["errors"] == 0, name
        assert row["p95"] > 0, name
        if row.get("baseline_p95") is not None:
            assert row["baseline_errors"] == 0, name
    assert rows["search: name substring"]["floor_p50"] > 0
    assert report["rss_mb"] and all(mb > 0 for mb in report["rss_mb"])


def test_provisioning_benchmark_provisions_every_onu(small_isp):
    done = _run(
        "bench.provisioning", "--database-url", small_isp,
        "--redis-url", _redis_url(BENCH_REDIS_DB["provisioning"]),
        "--onus", "4", "--olts", "2", "--workers", "2", "--latency", "0.01",
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "jobs: done 4" in done.stdout
    # The ONU jobs ran in the workers themselves, which kept their OLT sessions.
    assert "work-horses 0 MB" in done.stdout
