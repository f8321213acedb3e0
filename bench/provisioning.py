"""Provisioning throughput: N ONUs on M simulated OLTs with a per-command latency, run by
K real ``rq worker`` processes, against the ideal.

Usage (any migrated PostgreSQL database with active subscriptions that have no ONU, such
as one filled by ``bench.generate``; Redis for RQ)::

    DATABASE_URL=postgresql://postgres@127.0.0.1/bench1m \\
        .venv/bin/python -m bench.provisioning --onus 200 --olts 8 --workers 8 --latency 0.05

Steps: start M simulated Huawei OLTs (:mod:`app.oltsim`, real SSH on 127.0.0.1) seeded
with N/M unprovisioned ONUs each; add their OLT records; link each ONU to a subscription
through :func:`app.services.onus.link_onu` (the wizard's own service), which queues one
job per ONU on RQ, with no latency yet; then turn on the latency, start K
``rq worker --burst`` processes (the panel's :class:`app.jobs.worker.PanelWorker`) and
wait for every job to end.

The ideal is ``commands × latency ÷ min(M, K)``: each OLT takes one job at a time (its
lock), so at most ``min(M, K)`` OLTs work at once, and a job cannot be faster than its
commands' latency. The commands are those the simulators received (the login commands
netmiko sends included). The run's time goes from the first job's start to the last
job's end (``onu_provisionings``), so worker start-up is not counted; the wall time
with start-up is printed too. The workers' peak resident memory (sampled from /proc,
work-horses included) is reported as well.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUEUE = "bench-network"


def huawei_serial(olt: int, index: int, run: int) -> str:
    """A Huawei-style serial (4 letters, 8 hex digits), unique per run, OLT and ONU."""
    return f"BNCH{run % 0x100:02X}{olt:02X}{index:04X}"


def sample_rss(pids: list[int], stop: threading.Event, peaks: dict[int, float]) -> None:
    """Keep the peak VmRSS (MB) of each worker and of its work-horse children."""
    from bench.http import rss_mb

    while not stop.wait(0.2):
        for pid in pids:
            try:
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
                for p in [pid, *map(int, children)]:
                    peaks[p] = max(peaks.get(p, 0.0), rss_mb(p))
            except OSError:
                continue  # the process ended between reads


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--onus", type=int, default=200, help="N: ONUs to provision")
    parser.add_argument("--olts", type=int, default=8, help="M: simulated OLTs")
    parser.add_argument("--workers", type=int, default=8, help="K: rq worker processes")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per command")
    args = parser.parse_args(argv)
    if not args.database_url:
        sys.exit("set DATABASE_URL (or --database-url)")

    os.environ["DATABASE_URL"] = args.database_url
    os.environ["REDIS_URL"] = args.redis_url
    from redis import Redis
    from sqlalchemy import exists, func, select

    from app import create_app
    from app.extensions import db
    from app.models import JobStatus, Olt, OltVendor, Onu, OnuProvisioning, Subscription
    from app.models.subscriptions import SubscriptionStatus
    from app.oltsim import start_simulator
    from app.services.onus import link_onu

    Redis.from_url(args.redis_url).flushdb()  # a dedicated database number: ours alone
    run = int(time.time())
    per_olt = -(-args.onus // args.olts)
    sims = []
    for m in range(args.olts):
        seed = {
            "autofind": [
                {"frame": 0, "slot": 1, "port": k // 128, "serial": huawei_serial(m, k, run),
                 "model": "EG8145V5"}
                for k in range(per_olt)
            ],
            "line_profiles": [10],
            "service_profiles": [10],
        }
        sims.append(start_simulator("huawei", seed=seed))
    app = create_app(
        {
            "REDIS_URL": args.redis_url,
            "ONU_JOB_QUEUE": QUEUE,
            "ONU_JOB_RETRY_INTERVALS": [1, 1],
        }
    )
    workers: list[subprocess.Popen] = []
    try:
        with app.app_context():
            olts = [
                Olt(
                    name=f"Bench OLT {run}-{m}",
                    vendor=OltVendor.HUAWEI,
                    host=sim.host,
                    ssh_port=sim.port,
                    username=sim.username,
                    password=sim.password,
                    line_profile_id=10,
                    service_profile_id=10,
                    default_vlan=100,
                )
                for m, sim in enumerate(sims)
            ]
            db.session.add_all(olts)
            db.session.commit()
            olt_ids = [olt.id for olt in olts]
            subscriptions = db.session.scalars(
                select(Subscription.id)
                .where(
                    Subscription.status == SubscriptionStatus.ACTIVE,
                    ~exists().where(Onu.subscription_id == Subscription.id),
                )
                .order_by(Subscription.id.desc())
                .limit(args.onus)
            ).all()
            if len(subscriptions) < args.onus:
                sys.exit(f"only {len(subscriptions)} active subscriptions without an ONU")
            started = time.perf_counter()
            job_ids = []
            for n, subscription_id in enumerate(subscriptions):
                m, k = n % args.olts, n // args.olts
                job = link_onu(
                    subscription_id,
                    {
                        "olt_id": olt_ids[m],
                        "serial": huawei_serial(m, k, run),
                        "frame": 0,
                        "slot": 1,
                        "port": k // 128,
                        "model": "EG8145V5",
                        "connection_type": "pppoe",
                        "vlan": 100,
                        "pppoe_login": f"bench{run}.{subscription_id}",
                        "pppoe_password": "S3nh@Forte",
                    },
                )
                job_ids.append(job.id)
            print(f"linked {len(job_ids)} ONUs in {time.perf_counter() - started:.1f} s "
                  "(jobs queued, no latency)", flush=True)

        for sim in sims:
            sim.faults.latency_s = args.latency
        commands_before = [len(sim.log.commands()) for sim in sims]

        env = {**os.environ, "DATABASE_URL": args.database_url, "REDIS_URL": args.redis_url,
               "ONU_JOB_QUEUE": QUEUE}
        wall = time.perf_counter()
        for _ in range(args.workers):
            workers.append(
                subprocess.Popen(  # noqa: S603
                    [str(ROOT / ".venv" / "bin" / "rq"), "worker", "--burst", "--url",
                     args.redis_url, "--worker-class", "app.jobs.worker.PanelWorker",
                     "--logging_level", "WARNING", QUEUE],
                    cwd=ROOT,
                    env=env,
                )
            )
        peaks: dict[int, float] = {}
        stop = threading.Event()
        sampler = threading.Thread(
            target=sample_rss, args=([w.pid for w in workers], stop, peaks), daemon=True
        )
        sampler.start()
        for worker in workers:
            worker.wait()
        stop.set()
        wall = time.perf_counter() - wall

        with app.app_context():
            rows = db.session.execute(
                select(
                    OnuProvisioning.status,
                    func.count(),
                    func.min(OnuProvisioning.started_at),
                    func.max(OnuProvisioning.finished_at),
                )
                .where(OnuProvisioning.id.in_(job_ids))
                .group_by(OnuProvisioning.status)
            ).all()
        statuses = {status: count for status, count, _, _ in rows}
        first = min(r[2] for r in rows if r[2])
        last = max(r[3] for r in rows if r[3])
        elapsed = (last - first).total_seconds()
        commands = [len(sim.log.commands()) - before
                    for sim, before in zip(sims, commands_before, strict=True)]
        parallel = min(args.olts, args.workers)
        ideal = sum(commands) * args.latency / parallel
        busiest = max(commands) * args.latency
        print()
        print(f"ONUs {args.onus}, OLTs {args.olts}, workers {args.workers}, "
              f"latency {args.latency * 1000:.0f} ms per command")
        print(f"jobs: {', '.join(f'{s.value} {c}' for s, c in statuses.items())}")
        print(f"commands sent: {sum(commands)} ({sum(commands) / args.onus:.1f} per ONU; "
              f"busiest OLT {max(commands)})")
        print(f"ideal (commands × latency ÷ {parallel} parallel OLTs): {ideal:.1f} s; "
              f"busiest OLT alone: {busiest:.1f} s")
        print(f"first job start → last job end: {elapsed:.1f} s = {elapsed / ideal:.2f}× ideal "
              f"(target ≤ 1.25×: {'met' if elapsed / ideal <= 1.25 else 'missed'})")
        print(f"wall time with worker start-up: {wall:.1f} s")
        worker_pids = {w.pid for w in workers}
        parents = [mb for pid, mb in peaks.items() if pid in worker_pids]
        horses = [mb for pid, mb in peaks.items() if pid not in worker_pids]
        print(f"peak RSS: workers {max(parents, default=0):.0f} MB, "
              f"work-horses {max(horses, default=0):.0f} MB")
        if statuses.get(JobStatus.DONE, 0) != args.onus:
            sys.exit("not every job ended done")
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
        for sim in sims:
            sim.stop()


if __name__ == "__main__":
    main()
