"""Fill a PostgreSQL database with a realistic ISP, fast (COPY, not one ORM insert at a
time).

Usage (the schema must be migrated and ``flask panel init`` run first)::

    DATABASE_URL=postgresql://postgres@127.0.0.1/bench \\
        .venv/bin/python -m bench.generate --customers 1000000

At ``--customers N`` it writes about: N customers (10 % companies), N contracts,
1.2 N subscriptions (a tenth of the customers have a 3-plan combo), 12 N charges (a year
per contract, mostly paid), 0.8 N ONUs on 200 OLTs, N PPPoE logins with their radcheck,
radreply and radusergroup rows, and 5 N audit entries. Everything is deterministic
(``--seed``). Only tables the generator owns are filled; it refuses a database that
already holds customers unless ``--append`` is given.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import psycopg

from app.validators import complete_cnpj, complete_cpf

FIRST = (  # noqa: SIM905 - a list of names reads better as one string
    "Maria José Ana João Francisca Antônio Adriana Carlos Juliana Paulo Márcia Lucas "
    "Patrícia Rafael Aline Pedro Fernanda Marcos Luiz Sandra Gabriel Camila Bruno Letícia "
    "Rodrigo Amanda Felipe Jéssica Thiago Bruna Gustavo Larissa Diego Vanessa Eduardo"
).split()
LAST = (  # noqa: SIM905
    "Silva Santos Oliveira Souza Lima Pereira Costa Ferreira Almeida Nascimento Araújo "
    "Medeiros Dantas Cavalcanti Wanderley Brito Rodrigues Gomes Martins Barbosa Ribeiro "
    "Carvalho Rocha Alves Monteiro Mendes Freitas Barros Pinto Moura Cardoso Teixeira"
).split()
STATES = ["PB", "PE", "RN", "CE", "AL", "BA", "SE", "PI", "MA", "PR"]
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
MONTHS = [date(2025, 12, 1) + timedelta(days=31 * i) for i in range(12)]
MONTHS = [date(m.year, m.month, 1) for m in MONTHS]


def cpf(n: int) -> str:
    """A valid CPF from a number (deterministic, unique per n below 10**9)."""
    return complete_cpf(f"{n:09d}")


def cnpj(n: int) -> str:
    """A valid CNPJ from a number (unique per n below 10**8)."""
    return complete_cnpj(f"{n:08d}0001")


def copy(conn: psycopg.Connection, table: str, columns: list[str], rows: Iterable[tuple]) -> int:
    """COPY rows into a table in chunks; returns how many."""
    count = 0
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with conn.cursor() as cur, cur.copy(sql) as out:
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join(r"\N" if v is None else str(v) for v in row))
            buffer.write("\n")
            count += 1
            if count % 50_000 == 0:
                out.write(buffer.getvalue())
                buffer = io.StringIO()
        out.write(buffer.getvalue())
    return count


@contextmanager
def without_secondary_indexes(conn: psycopg.Connection, table: str) -> Iterator[None]:
    """Drop a table's indexes that back no constraint, and rebuild them afterwards.

    Filling millions of rows into a table with several btree indexes maintains each index
    row by row; building them once at the end, sorted, is several times faster.
    """
    with conn.cursor() as cur:
        cur.execute(
            """
            SELECT i.relname, pg_get_indexdef(x.indexrelid)
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            WHERE x.indrelid = %s::regclass AND NOT x.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
            """,
            (table,),
        )
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
    yield
    with conn.cursor() as cur:
        started = time.perf_counter()
        cur.execute("SET maintenance_work_mem = '512MB'")
        for _, definition in indexes:
            cur.execute(definition)
        print(
            f"{table + ' indexes':<22} {len(indexes):>12,} built "
            f"{time.perf_counter() - started:7.1f} s",
            flush=True,
        )


def encrypted_secret(value: str) -> str:
    """``value`` encrypted with the key the panel reads from this environment."""
    from flask import Flask

    from app.crypto import encrypt
    from config import Config

    app = Flask(__name__)
    app.config.update(Config().as_dict())
    with app.app_context():
        return encrypt(value)


def step(name: str, func: Callable[[], int]) -> None:
    started = time.perf_counter()
    count = func()
    print(f"{name:<22} {count:>12,} rows  {time.perf_counter() - started:7.1f} s", flush=True)


def generate(conn: psycopg.Connection, customers: int, seed: int, base: int) -> None:
    """Write the whole ISP; ``base`` offsets every id (for --append)."""
    rng = random.Random(seed)
    n = customers
    cities = 50
    access_points = 200
    olts = 200
    nas_count = 20

    def ts() -> str:
        return (NOW - timedelta(days=rng.randrange(1, 1500))).isoformat()

    with conn.cursor() as cur:
        cur.execute("SELECT id, kind FROM payment_methods")
        methods = [row[0] for row in cur.fetchall()]
        if not methods:
            sys.exit("run `flask panel init` first: there are no payment methods")

    if base == 0:
        nas_secret = encrypted_secret("bench-nas-secret")
        step(
            "cities",
            lambda: copy(
                conn,
                "cities",
                ["id", "name", "state", "ibge_code"],
                (
                    (i, f"Cidade {i}", STATES[i % len(STATES)], f"{2500000 + i}")
                    for i in range(1, cities + 1)
                ),
            ),
        )
        step(
            "access_points",
            lambda: copy(
                conn,
                "access_points",
                ["id", "name", "city_id", "active"],
                ((i, f"POP {i}", 1 + i % cities, "t") for i in range(1, access_points + 1)),
            ),
        )
        plans = []
        for i in range(1, 31):
            down = [100, 200, 300, 400, 500, 600, 700, 800, 1000, 2000][i % 10] * 1000
            plans.append(
                (
                    i,
                    f"Fibra {down // 1000} Mega {i}",
                    "internet" if i <= 24 else "tv",
                    down,
                    down // 2,
                    f"{60 + i * 5}.90",
                    "300.00",
                    12,
                    "t" if i % 3 == 0 else "f",
                    "t" if i % 5 == 0 else "f",
                    "t" if i != 30 else "f",
                    NOW.isoformat(),
                    NOW.isoformat(),
                )
            )
        step(
            "plans",
            lambda: copy(
                conn,
                "plans",
                [
                    "id",
                    "name",
                    "kind",
                    "download_kbps",
                    "upload_kbps",
                    "price",
                    "fine_amount",
                    "loyalty_months",
                    "has_playhub",
                    "has_watchtv",
                    "active",
                    "created_at",
                    "updated_at",
                ],
                plans,
            ),
        )
        step(
            "contract_templates",
            lambda: copy(
                conn,
                "contract_templates",
                ["id", "name", "body", "number_prefix", "active", "created_at", "updated_at"],
                [
                    (
                        1,
                        "Contrato SCM",
                        "Contrato {contract_number} de {customer_name}",
                        "SCM",
                        "t",
                        NOW.isoformat(),
                        NOW.isoformat(),
                    )
                ],
            ),
        )
        step(
            "olts",
            lambda: copy(
                conn,
                "olts",
                [
                    "id",
                    "name",
                    "vendor",
                    "model",
                    "host",
                    "ssh_port",
                    "username",
                    "snmp_port",
                    "active",
                    "created_at",
                    "updated_at",
                ],
                (
                    (
                        i,
                        f"OLT {i}",
                        "huawei" if i % 2 else "zte",
                        "MA5800" if i % 2 else "C320",
                        f"10.{i // 250}.{i % 250}.1",
                        22,
                        "admin",
                        161,
                        "t",
                        NOW.isoformat(),
                        NOW.isoformat(),
                    )
                    for i in range(1, olts + 1)
                ),
            ),
        )
        step(
            "nas_devices",
            lambda: copy(
                conn,
                "nas_devices",
                [
                    "id",
                    "name",
                    "ip_address",
                    "secret",
                    "kind",
                    "coa_port",
                    "active",
                    "created_at",
                    "updated_at",
                ],
                # The app decrypts the secret whenever it lists NAS devices.
                (
                    (
                        i,
                        f"BRAS {i}",
                        f"10.200.0.{i}",
                        nas_secret,
                        "mikrotik",
                        3799,
                        "t",
                        NOW.isoformat(),
                        NOW.isoformat(),
                    )
                    for i in range(1, nas_count + 1)
                ),
            ),
        )

    def customer_rows() -> Iterator[tuple]:
        for i in range(1, n + 1):
            cid = base + i
            company = i % 10 == 0
            first, last = FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)]
            middle = LAST[(i * 13) % len(LAST)]
            if company:
                name = f"{last} {middle} Comércio Ltda {cid}"
                document = cnpj(10_000_000 + cid)
            else:
                name = f"{first} {middle} {last}"
                document = cpf(100_000_000 + cid)
            yield (
                cid,
                "company" if company else "person",
                name,
                document,
                f"cliente{cid}@example.com.br",
                f"8399{cid % 10_000_000:07d}",
                "t",
                ts(),
                ts(),
                1,
            )

    step(
        "customers",
        lambda: copy(
            conn,
            "customers",
            [
                "id",
                "kind",
                "name",
                "document",
                "email",
                "mobile",
                "active",
                "created_at",
                "updated_at",
                "version",
            ],
            customer_rows(),
        ),
    )

    def contract_rows() -> Iterator[tuple]:
        for i in range(1, n + 1):
            cid = base + i
            yield (
                cid,
                f"SCM-{cid:09d}",
                cid,
                1,
                "300.00",
                methods[i % len(methods)],
                [5, 10, 15, 20, 25][i % 5],
                "active",
                ts(),
                ts(),
                1,
            )

    step(
        "contracts",
        lambda: copy(
            conn,
            "contracts",
            [
                "id",
                "number",
                "customer_id",
                "template_id",
                "fine_amount",
                "payment_method_id",
                "due_day",
                "status",
                "created_at",
                "updated_at",
                "version",
            ],
            contract_rows(),
        ),
    )

    combo_every = 10

    def combo_rows() -> Iterator[tuple]:
        for i in range(combo_every, n + 1, combo_every):
            cid = base + i
            yield (cid, "Combo Fibra + TV + Voz", cid, cid, ts(), ts())

    step(
        "combos",
        lambda: copy(
            conn,
            "combos",
            ["id", "name", "customer_id", "contract_id", "created_at", "updated_at"],
            combo_rows(),
        ),
    )

    def subscription_rows() -> Iterator[tuple]:
        sid = base * 2
        for i in range(1, n + 1):
            cid = base + i
            in_combo = i % combo_every == 0
            plans_of = [1 + i % 24, 25 + i % 5, 30] if in_combo else [1 + i % 24]
            status = "active"
            if i % 23 == 0:
                status = "suspended"
            elif i % 37 == 0:
                status = "cancelled"
            first = (NOW - timedelta(days=30 + i % 1400)).date()
            for plan in plans_of:
                sid += 1
                yield (
                    sid,
                    cid,
                    plan,
                    cid,
                    cid if in_combo else None,
                    status,
                    1 + i % cities,
                    1 + i % access_points,
                    first.isoformat(),
                    first.isoformat(),
                    None,
                    first.isoformat() if status != "active" else None,
                    "f",
                    f"Rua {LAST[i % len(LAST)]}",
                    str(i % 2000),
                    "Centro",
                    "58400000",
                    ts(),
                    ts(),
                    1,
                )

    step(
        "subscriptions",
        lambda: copy(
            conn,
            "subscriptions",
            [
                "id",
                "customer_id",
                "plan_id",
                "contract_id",
                "combo_id",
                "status",
                "city_id",
                "access_point_id",
                "first_activated_on",
                "enabled_on",
                "renewed_on",
                "suspended_on",
                "provisional_used",
                "street",
                "number",
                "district",
                "zip_code",
                "created_at",
                "updated_at",
                "version",
            ],
            subscription_rows(),
        ),
    )

    def charges_sql() -> int:
        # A year of monthly charges per contract, generated by the server: twelve million
        # rows are too many to format in Python one by one.
        with conn.cursor() as cur:
            cur.execute(
                """
                INSERT INTO charges (customer_id, contract_id, description, amount, due_on,
                    reference_month, status, paid_on, paid_amount, created_at, updated_at,
                    version)
                SELECT c.customer_id, c.id, 'Mensalidade ' || to_char(m.month, 'MM/YYYY'),
                       p.price, m.month + (c.due_day - 1),
                       m.month,
                       CASE WHEN m.k < 10 OR (m.k = 10 AND c.id %% 3 <> 0)
                            THEN 'paid' ELSE 'open' END,
                       CASE WHEN m.k < 10 OR (m.k = 10 AND c.id %% 3 <> 0)
                            THEN m.month + (c.due_day - 1) END,
                       CASE WHEN m.k < 10 OR (m.k = 10 AND c.id %% 3 <> 0) THEN p.price END,
                       %(now)s, %(now)s, 1
                FROM contracts c
                JOIN plans p ON p.id = 1 + c.id %% 24
                CROSS JOIN LATERAL (
                    SELECT k, (date '2025-12-01' + make_interval(months => k))::date AS month
                    FROM generate_series(0, 11) AS k
                ) m
                WHERE c.id > %(base)s
                ORDER BY c.id, m.k
                """,
                {"now": NOW, "base": base},
            )
            return cur.rowcount

    with without_secondary_indexes(conn, "charges"):
        step("charges", charges_sql)

    # Each customer's first subscription: its ONU and its PPPoE login belong to it.
    first_sub: dict[int, int] = {}
    with conn.cursor() as cur:
        cur.execute(
            "SELECT DISTINCT ON (customer_id) customer_id, id FROM subscriptions "
            "WHERE customer_id > %s ORDER BY customer_id, id",
            (base,),
        )
        first_sub.update(cur.fetchall())

    def onu_rows() -> Iterator[tuple]:
        oid = base
        per_port = 128
        for i in range(1, n + 1):
            if i % 5 == 0:
                continue  # 80 % of customers have an ONU
            oid += 1
            position = oid - 1
            olt = 1 + position % olts
            rest = position // olts
            slot, port, index = (
                1 + (rest // (16 * per_port)) % 16,
                (rest // per_port) % 16,
                rest % per_port,
            )
            yield (
                oid,
                f"HWTC{oid:08X}",
                "EG8145V5",
                olt,
                0,
                slot,
                port,
                index,
                first_sub[base + i],
                "pppoe",
                100,
                f"cliente{base + i}",
                "provisioned",
                NOW.isoformat(),
                NOW.isoformat(),
            )

    step(
        "onus",
        lambda: copy(
            conn,
            "onus",
            [
                "id",
                "serial",
                "model",
                "olt_id",
                "frame",
                "slot",
                "port",
                "onu_index",
                "subscription_id",
                "connection_type",
                "vlan",
                "pppoe_login",
                "state",
                "created_at",
                "updated_at",
            ],
            onu_rows(),
        ),
    )
    def login_rows() -> Iterator[tuple]:
        for i in range(1, n + 1):
            cid = base + i
            yield (cid, first_sub[cid], f"cliente{cid}", "f", NOW.isoformat(), NOW.isoformat())

    step(
        "radius_logins",
        lambda: copy(
            conn,
            "radius_logins",
            ["id", "subscription_id", "username", "blocked", "created_at", "updated_at"],
            login_rows(),
        ),
    )
    step(
        "radcheck",
        lambda: copy(
            conn,
            "radcheck",
            ["username", "attribute", "op", "value"],
            (
                (f"cliente{base + i}", "Cleartext-Password", ":=", f"senha{i:08d}")
                for i in range(1, n + 1)
            ),
        ),
    )
    step(
        "radreply",
        lambda: copy(
            conn,
            "radreply",
            ["username", "attribute", "op", "value"],
            (
                (
                    f"cliente{base + i}",
                    "Mikrotik-Rate-Limit",
                    "=",
                    f"{(1 + i % 24) * 25}M/{(1 + i % 24) * 50}M",
                )
                for i in range(1, n + 1)
            ),
        ),
    )
    step(
        "radusergroup",
        lambda: copy(
            conn,
            "radusergroup",
            ["username", "groupname", "priority"],
            ((f"cliente{base + i}", "planos", 1) for i in range(1, n + 1)),
        ),
    )

    def audit_sql() -> int:
        with conn.cursor() as cur:
            cur.execute(
                """
                INSERT INTO audit_logs (at, username, source, action, table_name, record_id,
                    changes)
                SELECT %(now)s - make_interval(mins => i), 'suporte', 'view', 'update',
                       'customers', (%(base)s + 1 + (i::bigint * 7919) %% %(n)s)::text,
                       '{"mobile": {"before": "1", "after": "2"}}'
                FROM generate_series(1, 5 * %(n)s) AS i
                """,
                {"now": NOW, "base": base, "n": n},
            )
            return cur.rowcount

    with without_secondary_indexes(conn, "audit_logs"):
        step("audit_logs", audit_sql)

    with conn.cursor() as cur:
        for table in (
            "cities",
            "access_points",
            "plans",
            "contract_templates",
            "olts",
            "nas_devices",
            "customers",
            "contracts",
            "combos",
            "subscriptions",
            "charges",
            "onus",
            "radius_logins",
        ):
            cur.execute(
                # Table names come from the fixed tuple above, never from input.
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        cur.execute("ANALYZE")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--append", action="store_true", help="add to a database with data")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args(argv)
    if not args.database_url or not args.database_url.startswith(("postgresql", "postgres")):
        sys.exit("set DATABASE_URL (or --database-url) to a PostgreSQL database")
    url = args.database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        with conn.cursor() as cur:
            cur.execute("SET synchronous_commit = off")
            cur.execute("SET work_mem = '256MB'")
            cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if cur.fetchone()[0]:
                # Foreign keys are checked by a trigger per row: 30 million checks of
                # references the generator makes consistent by construction. A
                # superuser can switch those triggers off for this session.
                cur.execute("SET session_replication_role = replica")
            cur.execute("SELECT COALESCE(MAX(id), 0) FROM customers")
            base = cur.fetchone()[0]
        if base and not args.append:
            sys.exit(f"the database already has {base} customers; use --append")
        generate(conn, args.customers, args.seed, base)
        conn.commit()
    print(f"done in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
