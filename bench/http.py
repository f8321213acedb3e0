"""HTTP benchmark: the panel under gunicorn, against plain FAB screens and the bare SQL.

Usage (a database filled by ``bench.generate``, migrated to head)::

    DATABASE_URL=postgresql://postgres@127.0.0.1/bench1m \\
        .venv/bin/python -m bench.http --requests 300 --concurrency 4 --workers 4

It starts gunicorn with ``PANEL_BENCH=1`` (see :mod:`bench.baseline`: plain
``ModelView`` screens under ``/baseline/`` and an ``X-Query-Count`` header), creates a
benchmark user, logs one ``requests.Session`` per client thread in, warms every
endpoint up, then drives each one with ``--concurrency`` threads and prints, per
endpoint: p50/p95/p99 latency, requests per second, SQL statements per request, the
same page served by the plain ``ModelView`` (p95 and the speed-up) and the bare SQL
behind the page run straight through psycopg (its p50, and how many times slower the
panel is). It ends with the resident memory of each gunicorn worker.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
USERNAME = "bench"
PASSWORD = "Bench-Senha-2026!"  # noqa: S105 - a throw-away account of benchmark databases
TARGET_MS = 100.0
TYPEAHEAD_TARGET_MS = 30.0
SPEEDUP_TARGET = 5.0
PLAN_TERMS = ["fib", "mega", "500", "1000", "fibra 3"]


@dataclass
class Endpoint:
    """One thing a user does, how the panel and the baseline serve it, and its SQL floor.

    ``panel``/``baseline`` build a path from the run's random generator; ``floor`` gives
    the statements (with parameters) that fetch the page's data and nothing else.
    """

    name: str
    panel: Callable[[random.Random], str]
    baseline: Callable[[random.Random], str] | None = None
    floor: Callable[[random.Random], list[tuple[str, tuple]]] | None = None
    method: str = "GET"
    body: Callable[[random.Random], dict] | None = None
    api: bool = False
    target_ms: float = TARGET_MS
    speedup_target: float | None = None


@dataclass
class Result:
    """Latencies (ms), SQL counts and errors of one endpoint on one server."""

    latencies: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    errors: int = 0
    wall: float = 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0


# --------------------------------------------------------------------------- data


class Samples:
    """Real values from the database to search for and open (ids, names, logins...)."""

    def __init__(self, conn: psycopg.Connection, rng: random.Random, size: int = 400) -> None:
        with conn.cursor() as cur:
            cur.execute("SELECT min(id), max(id) FROM customers")
            low, high = cur.fetchone()
            ids = sorted({rng.randint(low, high) for _ in range(size * 2)})
            cur.execute(
                "SELECT c.id, c.name, c.document, min(r.username), min(o.serial) "
                "FROM customers c "
                "LEFT JOIN subscriptions s ON s.customer_id = c.id "
                "LEFT JOIN radius_logins r ON r.subscription_id = s.id "
                "LEFT JOIN onus o ON o.subscription_id = s.id "
                "WHERE c.id = ANY(%s) GROUP BY c.id",
                (ids,),
            )
            rows = cur.fetchall()
            cur.execute("SELECT id, city_id FROM access_points WHERE active ORDER BY id")
            self.access_points = cur.fetchall()
            cur.execute("SELECT id FROM plans WHERE active AND kind = 'internet' ORDER BY id")
            self.plans = [r[0] for r in cur.fetchall()]
            cur.execute("SELECT id FROM payment_methods ORDER BY id")
            self.payment_methods = [r[0] for r in cur.fetchall()]
            cur.execute("SELECT min(id) FROM contract_templates")
            self.template = cur.fetchone()[0]
            cur.execute("SELECT count(*) FROM customers")
            self.customers = cur.fetchone()[0]
        self.ids = [r[0] for r in rows]
        self.names = [r[1] for r in rows]
        self.documents = [r[2] for r in rows]
        self.logins = [r[3] for r in rows if r[3]]
        self.serials = [r[4] for r in rows if r[4]]

    def name_fragment(self, rng: random.Random) -> str:
        """A piece of a real name as staff type it: a word and the start of the next."""
        words = rng.choice(self.names).split()
        start = rng.randrange(len(words))
        fragment = " ".join(words[start : start + 2])
        return fragment[: rng.randint(5, max(5, len(fragment)))]

    def document_prefix(self, rng: random.Random) -> str:
        document = rng.choice(self.documents)
        return document if rng.random() < 0.5 else document[:8]

    def login_fragment(self, rng: random.Random) -> str:
        login = rng.choice(self.logins)
        return login if rng.random() < 0.5 else login[3:]

    def serial_fragment(self, rng: random.Random) -> str:
        serial = rng.choice(self.serials)
        return serial if rng.random() < 0.5 else serial[-7:]


def endpoints(s: Samples, deep_page: int) -> list[Endpoint]:
    """What the benchmark measures; see docs/performance.md for why these."""
    from urllib.parse import quote

    def q(value: str) -> str:
        return quote(value, safe="")

    deep_offset = deep_page * 25
    counter = iter(range(1, 10**9))
    lock = threading.Lock()
    run = os.getpid()

    def new_subscription(rng: random.Random) -> dict:
        from bench.generate import cpf

        with lock:
            n = next(counter)
        access_point, city = rng.choice(s.access_points)
        return {
            "plan_ids": [rng.choice(s.plans)],
            "street": "Rua do Benchmark",
            "number": str(n),
            "district": "Centro",
            "zip_code": "58400-000",
            "city_id": city,
            "access_point_id": access_point,
            "template_id": s.template,
            "contract_number": f"BENCH-{run}-{n}",
            "responsible_name": "Ana Lima",
            "responsible_document": cpf(700_000_000 + n),
            "witness1_name": "Bruno Costa",
            "witness1_document": cpf(800_000_000 + n),
            "witness2_name": "Carla Dias",
            "witness2_document": cpf(900_000_000 + n),
            "payment_method_id": s.payment_methods[0],
            "due_day": "10",
        }

    def ilike(value: str) -> str:
        return "%" + value.replace("%", r"\%").replace("_", r"\_") + "%"

    # Each lambda takes the run's random generator; searching endpoints pick a fresh term
    # per request so that caches (the database's included) see a realistic spread.
    return [
        Endpoint(
            "search: name substring",
            lambda r: f"/customers/find?q={q(s.name_fragment(r))}",
            lambda r: f"/baseline/customers/list/?_flt_2_name={q(s.name_fragment(r))}",
            lambda r: [
                (
                    "SELECT id, name, document FROM customers WHERE name ILIKE %s LIMIT 20",
                    (ilike(s.name_fragment(r)),),
                )
            ],
            speedup_target=SPEEDUP_TARGET,
        ),
        Endpoint(
            "search: CPF/CNPJ",
            lambda r: f"/customers/find?q={s.document_prefix(r)}",
            lambda r: f"/baseline/customers/list/?_flt_0_document={s.document_prefix(r)}",
            lambda r: [
                (
                    "SELECT id, name, document FROM customers WHERE document LIKE %s LIMIT 20",
                    (s.document_prefix(r) + "%",),
                )
            ],
            speedup_target=SPEEDUP_TARGET,
        ),
        Endpoint(
            "search: PPPoE login",
            lambda r: f"/customers/find?q={q(s.login_fragment(r))}",
            lambda r: f"/baseline/radius_logins/list/?_flt_2_username={q(s.login_fragment(r))}",
            lambda r: [
                (
                    "SELECT s.customer_id FROM radius_logins l JOIN subscriptions s "
                    "ON s.id = l.subscription_id WHERE l.username ILIKE %s LIMIT 20",
                    (ilike(s.login_fragment(r)),),
                )
            ],
            speedup_target=SPEEDUP_TARGET,
        ),
        Endpoint(
            "search: ONU serial",
            lambda r: f"/customers/find?q={q(s.serial_fragment(r))}",
            lambda r: f"/baseline/onus/list/?_flt_2_serial={q(s.serial_fragment(r))}",
            lambda r: [
                (
                    "SELECT s.customer_id FROM onus o JOIN subscriptions s "
                    "ON s.id = o.subscription_id WHERE o.serial ILIKE %s LIMIT 20",
                    (ilike(s.serial_fragment(r)),),
                )
            ],
            speedup_target=SPEEDUP_TARGET,
        ),
        Endpoint(
            "customer page, Plans tab",
            lambda r: f"/customers/{r.choice(s.ids)}/?tab=planos",
            lambda r: f"/baseline/customers/show/{r.choice(s.ids)}",
            lambda r: [
                ("SELECT * FROM customers WHERE id = %s", (cid := r.choice(s.ids),)),
                (
                    "SELECT s.*, p.name FROM subscriptions s JOIN plans p ON p.id = s.plan_id "
                    "WHERE s.customer_id = %s ORDER BY s.id",
                    (cid,),
                ),
            ],
        ),
        Endpoint(
            "plan type-ahead",
            lambda r: f"/customers/plan-search?q={q(r.choice(PLAN_TERMS))}",
            None,
            lambda r: [
                (
                    "SELECT * FROM plans WHERE active AND lower(name) LIKE %s "
                    "ORDER BY name LIMIT 10",
                    ("%" + r.choice(PLAN_TERMS) + "%",),
                )
            ],
            target_ms=TYPEAHEAD_TARGET_MS,
        ),
        Endpoint(
            "customer list, page 1",
            lambda r: "/customerview/list/",
            lambda r: "/baseline/customers/list/",
            lambda r: [("SELECT * FROM customers ORDER BY name, id LIMIT 25", ())],
        ),
        Endpoint(
            f"customer list, page {deep_page}",
            lambda r: f"/customerview/list/?page_CustomerView={deep_page}",
            lambda r: f"/baseline/customers/list/?page_BaselineCustomerView={deep_page}",
            lambda r: [
                (
                    "SELECT * FROM customers ORDER BY name, id OFFSET %s LIMIT 25",
                    (deep_offset,),
                )
            ],
            speedup_target=SPEEDUP_TARGET,
        ),
        Endpoint(
            "subscription list, page 1",
            lambda r: "/subscriptionlistview/list/",
            lambda r: "/baseline/subscriptions/list/",
            lambda r: [
                (
                    "SELECT s.*, c.name, p.name, a.name FROM subscriptions s "
                    "JOIN customers c ON c.id = s.customer_id JOIN plans p ON p.id = s.plan_id "
                    "LEFT JOIN access_points a ON a.id = s.access_point_id LIMIT 25",
                    (),
                )
            ],
        ),
        Endpoint(
            "charge list, page 1",
            lambda r: "/chargelistview/list/",
            lambda r: "/baseline/charges/list/",
            lambda r: [
                (
                    "SELECT h.*, c.name, k.number FROM charges h "
                    "JOIN customers c ON c.id = h.customer_id "
                    "JOIN contracts k ON k.id = h.contract_id "
                    "ORDER BY h.due_on DESC, h.id DESC LIMIT 25",
                    (),
                )
            ],
        ),
        Endpoint(
            f"charge list, page {deep_page}",
            lambda r: f"/chargelistview/list/?page_ChargeListView={deep_page}",
            lambda r: f"/baseline/charges/list/?page_BaselineChargeView={deep_page}",
            lambda r: [
                (
                    "SELECT h.*, c.name, k.number FROM charges h "
                    "JOIN customers c ON c.id = h.customer_id "
                    "JOIN contracts k ON k.id = h.contract_id "
                    "ORDER BY h.due_on DESC, h.id DESC OFFSET %s LIMIT 25",
                    (deep_offset,),
                )
            ],
            speedup_target=SPEEDUP_TARGET,
        ),
        Endpoint(
            f"audit list, page {deep_page}",
            lambda r: f"/auditlogview/list/?page_AuditLogView={deep_page}",
            lambda r: f"/baseline/audit_logs/list/?page_BaselineAuditLogView={deep_page}",
            lambda r: [
                (
                    "SELECT * FROM audit_logs ORDER BY at DESC, id DESC OFFSET %s LIMIT 25",
                    (deep_offset,),
                )
            ],
            speedup_target=SPEEDUP_TARGET,
        ),
        Endpoint(
            "API: new subscription",
            lambda r: (
                f"/api/v1/subscription-actions/customers/{r.choice(s.ids)}/subscriptions"
            ),
            method="POST",
            body=new_subscription,
            api=True,
        ),
    ]


# --------------------------------------------------------------------------- server


def start_gunicorn(database_url: str, port: int, workers: int, redis_url: str | None):
    """Start gunicorn on ``run:app`` in benchmark mode; returns the process."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PANEL_BENCH": "1",
        "PANEL_ENV": "development",
        "AUTH_RATE_LIMIT": "1000 per second",
    }
    env.pop("REDIS_URL", None)
    if redis_url:
        # Jobs the new subscriptions enqueue wait there; nothing runs them.
        env["REDIS_URL"] = redis_url
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        # The plain ModelView's deep pages on the big tables take longer than gunicorn's
        # default 30 s worker timeout.
        "--timeout",
        "300",
        "run:app",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/login/", timeout=10).status_code == 200:
                return process
        except requests.RequestException:
            pass
        if process.poll() is not None:
            sys.exit("gunicorn exited at start-up")
        time.sleep(0.5)
    stop_gunicorn(process)
    sys.exit("gunicorn did not answer within 120 s")


def stop_gunicorn(process: subprocess.Popen) -> None:
    """Stop gunicorn and its workers (their own process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def worker_rss_mb(master_pid: int) -> list[float]:
    """Resident memory (MB) of each worker of a gunicorn master, from /proc."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return [rss_mb(int(pid)) for pid in children]


def rss_mb(pid: int) -> float:
    """VmRSS of a process in MB (psutil is not needed for one number)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def ensure_user(database_url: str) -> None:
    """Create the benchmark's admin account when missing (through the panel's CLI)."""
    env = {**os.environ, "DATABASE_URL": database_url}
    subprocess.run(  # noqa: S603
        [
            str(ROOT / ".venv" / "bin" / "flask"),
            "--app",
            "run",
            "panel",
            "create-admin",
            "--username",
            USERNAME,
            "--password",
            PASSWORD,
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def browser_session(base: str) -> requests.Session:
    """A session logged in through the login form (with its CSRF token)."""
    session = requests.Session()
    page = session.get(f"{base}/login/", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = {"username": USERNAME, "password": PASSWORD}
    if token:
        data["csrf_token"] = token.group(1)
    response = session.post(f"{base}/login/", data=data, timeout=30, allow_redirects=False)
    if response.status_code != 302:
        sys.exit(f"login failed: {response.status_code}")
    return session


def api_session(base: str) -> requests.Session:
    """A session carrying a JWT from the API login."""
    session = requests.Session()
    response = session.post(
        f"{base}/api/v1/security/login",
        json={"username": USERNAME, "password": PASSWORD, "provider": "db"},
        timeout=30,
    )
    response.raise_for_status()
    session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    return session


# --------------------------------------------------------------------------- driving


def drive(
    base: str,
    sessions: list[requests.Session],
    endpoint: Endpoint,
    path_of: Callable[[random.Random], str],
    total: int,
    seed: int,
) -> Result:
    """Send ``total`` requests, ``len(sessions)`` at a time; one thread per session."""
    result = Result()
    lock = threading.Lock()
    threads = len(sessions)
    per_thread = [total // threads + (i < total % threads) for i in range(threads)]

    def work(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        session = sessions[index]
        for _ in range(per_thread[index]):
            url = base + path_of(rng)
            started = time.perf_counter()
            if endpoint.method == "POST":
                response = session.post(url, json=endpoint.body(rng), timeout=60)
            else:
                response = session.get(url, timeout=60)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if response.status_code >= 400:
                    result.errors += 1
                result.latencies.append(elapsed)
                count = response.headers.get("X-Query-Count")
                if count is not None:
                    result.queries.append(int(count))

    started = time.perf_counter()
    with ThreadPoolExecutor(len(sessions)) as pool:
        list(pool.map(work, range(len(sessions))))
    result.wall = time.perf_counter() - started
    return result


def floor(database_url: str, endpoint: Endpoint, repeats: int, seed: int) -> Result:
    """The bare SQL behind a page, run serially through psycopg (latency of all of it)."""
    result = Result()
    rng = random.Random(seed)
    with psycopg.connect(database_url) as conn:
        for i in range(repeats + 5):
            statements = endpoint.floor(rng)
            started = time.perf_counter()
            with conn.cursor() as cur:
                for sql, params in statements:
                    cur.execute(sql, params)
                    cur.fetchall()
            if i >= 5:  # the first few warm the connection up
                result.latencies.append((time.perf_counter() - started) * 1000)
    result.wall = sum(result.latencies) / 1000
    return result


def report(rows: list[dict], rss: list[float], meta: dict) -> str:
    """The results as a Markdown table (also what docs/performance.md quotes)."""
    lines = [
        f"{meta['customers']:,} customers; gunicorn {meta['workers']} workers, "
        f"{meta['concurrency']} concurrent clients, {meta['requests']} requests per endpoint",
        "",
        "| endpoint | p50 ms | p95 ms | p99 ms | req/s | SQL/req | errors | FAB ModelView p95 ms "
        "| × faster than FAB (p95) | SQL floor p50 ms | × floor (p50) | target |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        def f(value, fmt="{:.1f}"):
            return "–" if value is None else fmt.format(value)

        queries = row["queries"]
        lines.append(
            f"| {row['name']} | {f(row['p50'])} | {f(row['p95'])} | {f(row['p99'])} "
            f"| {f(row['rps'])} | {queries} | {row['errors']} | {f(row['baseline_p95'])} "
            f"| {f(row['speedup'], '{:.1f}×')} | {f(row['floor_p50'], '{:.2f}')} "
            f"| {f(row['floor_ratio'], '{:.1f}×')} | {row['verdict']} |"
        )
    lines += [
        "",
        "gunicorn workers' resident memory after the run: "
        + ", ".join(f"{mb:.0f} MB" for mb in rss),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument(
        "--redis-url", default="redis://127.0.0.1:6379/15", help="emptied after the run"
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads")
    parser.add_argument("--requests", type=int, default=200, help="per endpoint and server")
    parser.add_argument(
        "--baseline-requests", type=int, default=40, help="per endpoint on the plain ModelView"
    )
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured requests first")
    parser.add_argument("--deep-page", type=int, default=2000, help="page number (25 rows)")
    parser.add_argument("--only", help="run the endpoints whose name contains this")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    if not args.database_url or not args.database_url.startswith("postgres"):
        sys.exit("set DATABASE_URL (or --database-url) to a generated PostgreSQL database")
    url = args.database_url.replace("postgresql+psycopg://", "postgresql://", 1)

    # A plain `kill` of the benchmark must stop its gunicorn too (through `finally`).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    ensure_user(url)
    with psycopg.connect(url) as conn:
        samples = Samples(conn, random.Random(args.seed))
    chosen = [
        e for e in endpoints(samples, args.deep_page) if not args.only or args.only in e.name
    ]
    server = start_gunicorn(url, args.port, args.workers, args.redis_url)
    base = f"http://127.0.0.1:{args.port}"
    rows = []
    try:
        browsers = [browser_session(base) for _ in range(args.concurrency)]
        apis = [api_session(base) for _ in range(args.concurrency)]
        for number, endpoint in enumerate(chosen):
            sessions = apis if endpoint.api else browsers
            seed = args.seed + number
            drive(base, sessions, endpoint, endpoint.panel, args.warmup, seed + 500)
            panel = drive(base, sessions, endpoint, endpoint.panel, args.requests, seed)
            baseline = None
            if endpoint.baseline and not args.no_baseline:
                drive(base, sessions, endpoint, endpoint.baseline, len(sessions), seed + 500)
                baseline = drive(
                    base, sessions, endpoint, endpoint.baseline, args.baseline_requests, seed
                )
            sql = floor(url, endpoint, min(args.requests, 100), seed) if endpoint.floor else None
            p95 = panel.pct(95)
            speedup = baseline.pct(95) / p95 if baseline else None
            verdict = "p95 ok" if p95 <= endpoint.target_ms else f"p95 > {endpoint.target_ms:.0f}"
            if endpoint.speedup_target and speedup is not None:
                verdict += (
                    ", ≥5× ok" if speedup >= endpoint.speedup_target else ", < 5× FAB"
                )
            queries = (
                f"{min(panel.queries)}"
                if panel.queries and min(panel.queries) == max(panel.queries)
                else f"{min(panel.queries, default=0)}–{max(panel.queries, default=0)}"
            )
            row = {
                "name": endpoint.name,
                "p50": panel.pct(50),
                "p95": p95,
                "p99": panel.pct(99),
                "rps": panel.rps,
                "queries": queries,
                "errors": panel.errors,
                "baseline_p95": baseline.pct(95) if baseline else None,
                "baseline_queries": (
                    f"{min(baseline.queries)}–{max(baseline.queries)}"
                    if baseline and baseline.queries
                    else None
                ),
                "baseline_errors": baseline.errors if baseline else None,
                "speedup": speedup,
                "floor_p50": sql.pct(50) if sql else None,
                "floor_ratio": panel.pct(50) / sql.pct(50) if sql else None,
                "verdict": verdict,
            }
            rows.append(row)
            print(
                f"{endpoint.name:<28} p50 {row['p50']:7.1f}  p95 {p95:7.1f}  "
                f"p99 {row['p99']:7.1f}  {row['rps']:6.1f} req/s  SQL {queries}  "
                f"errors {panel.errors}"
                + (
                    f"  | FAB p95 {baseline.pct(95):8.1f} ({speedup:.1f}×, "
                    f"SQL {row['baseline_queries']}, errors {baseline.errors})"
                    if baseline
                    else ""
                ),
                flush=True,
            )
        rss = worker_rss_mb(server.pid)
    finally:
        stop_gunicorn(server)
        if args.redis_url:
            # The jobs the new subscriptions queued (nothing runs them): this database
            # number is the benchmark's own.
            from redis import Redis

            Redis.from_url(args.redis_url).flushdb()
    meta = {
        "customers": samples.customers,
        "workers": args.workers,
        "concurrency": args.concurrency,
        "requests": args.requests,
        "deep_page": args.deep_page,
    }
    print()
    print(report(rows, rss, meta))
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "rows": rows, "rss_mb": rss}, indent=2))


if __name__ == "__main__":
    main()
