"""FreeRADIUS 3.2 settings that point its ``sql`` module at the panel's database.

The panel writes subscribers' logins into the FreeRADIUS tables (``radcheck``,
``radreply``, ``radusergroup``, ``radgroupreply``, ``nas`` ...); FreeRADIUS reads
them on every request. :func:`render_sql_module` turns the panel's SQLAlchemy
database URL into the ``sql { ... }`` section an admin puts in
``/etc/freeradius/3.0/mods-available/sql`` (and links into ``mods-enabled/``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

__all__ = ["UnsupportedDatabaseError", "render_sql_module"]


class UnsupportedDatabaseError(ValueError):
    """The database URL names a database FreeRADIUS cannot share with the panel."""


@dataclass(frozen=True)
class _Backend:
    driver: str
    dialect: str
    default_port: int


_BACKENDS = {
    "postgresql": _Backend("rlm_sql_postgresql", "postgresql", 5432),
    "mysql": _Backend("rlm_sql_mysql", "mysql", 3306),
    "mariadb": _Backend("rlm_sql_mysql", "mysql", 3306),
}

# libpq connection options that may come in the URL's query string
# (``?sslmode=require``); they go into a libpq connection string in radius_db.
_LIBPQ_OPTIONS = frozenset(
    {
        "sslmode",
        "sslcert",
        "sslkey",
        "sslrootcert",
        "sslcrl",
        "sslpassword",
        "connect_timeout",
        "target_session_attrs",
        "options",
        "gssencmode",
        "channel_binding",
    }
)


def _quoted(value: str, quote: str) -> str | None:
    """Write ``value`` between ``quote`` characters the way FreeRADIUS reads it back.

    FreeRADIUS 3.2's parser turns a backslash followed by the quote character
    into the quote character and keeps every other backslash pair as it is
    (``\\\\`` stays two backslashes). So a backslash in ``value`` must be
    followed by something other than the quote (or it would be read as an
    escaped quote), and cannot be the last character.
    """
    out = []
    position = 0
    while position < len(value):
        character = value[position]
        if character == "\\":
            following = value[position + 1 : position + 2]
            if following in ("", quote):
                return None
            out.append(character + following)
            position += 2
            continue
        out.append("\\" + quote if character == quote else character)
        position += 1
    return quote + "".join(out) + quote


def _config_string(value: str, setting: str) -> str:
    """Quote a value for a FreeRADIUS configuration file.

    Single quotes when possible, because FreeRADIUS expands ``${...}`` inside
    double quotes; double quotes for a value with a backslash before a single
    quote.

    Raises:
        UnsupportedDatabaseError: no quoting makes FreeRADIUS read the value back.
    """
    single = _quoted(value, "'")
    if single is not None:
        return single
    double = _quoted(value, '"')
    if double is not None and "${" not in value:
        return double
    raise UnsupportedDatabaseError(
        f"O valor de '{setting}' tem uma combinação de caracteres (barra invertida, aspas, "
        "'${') que o FreeRADIUS não consegue ler do arquivo de configuração. "
        "Troque-o (por exemplo, uma senha só com letras, números e - _ . !)."
    )


def _libpq_value(value: str) -> str:
    """Escape a value that rlm_sql_postgresql wraps in single quotes for libpq.

    rlm_sql_postgresql builds ``host='%s' user='%s' password='%s'`` without
    escaping it; inside quotes libpq reads a backslash as escaping the next
    character.
    """
    return value.replace("\\", "\\\\").replace("'", "\\'")


def _parse(database_url: str | URL) -> URL:
    try:
        return make_url(database_url)
    except ArgumentError as error:
        raise UnsupportedDatabaseError(
            f"URL de banco de dados inválida para o FreeRADIUS: {error}"
        ) from error


def render_sql_module(
    database_url: str | URL,
    *,
    read_clients: bool = True,
    client_table: str = "nas",
    query_timeout: int = 5,
    logfile: str | None = None,
) -> str:
    """Render the FreeRADIUS 3.2 ``sql`` module for the panel's database.

    The result is a complete ``mods-available/sql``: driver and dialect,
    connection settings, the standard FreeRADIUS table names (the ones the
    panel writes), ``read_clients`` so NAS rows of ``client_table`` become
    RADIUS clients when FreeRADIUS starts, the connection pool, and the
    dialect's stock ``queries.conf``.

    Args:
        database_url: the SQLAlchemy URL of the panel's database, e.g.
            ``postgresql+psycopg://radius:secret@db.example:5432/isp``.
            PostgreSQL and MySQL/MariaDB are supported. libpq options in the
            query string (``?sslmode=require``) are kept for PostgreSQL;
            other query options are not rendered.
        read_clients: read the RADIUS clients (NAS) from ``client_table`` at
            startup.
        client_table: table holding the NAS list.
        query_timeout: seconds FreeRADIUS waits for a query.
        logfile: if given, FreeRADIUS logs every SQL query to this file
            (useful while debugging, noisy otherwise).

    Returns:
        The ``sql { ... }`` section as text, ending with a newline. It holds
        the database password: write it to a file readable only by
        FreeRADIUS (``chmod 640``, group ``freerad``).

    Raises:
        UnsupportedDatabaseError: the URL is malformed, names SQLite (a file
            on the panel's machine that FreeRADIUS cannot share safely) or
            another database without a FreeRADIUS driver, or has no database
            name.
    """
    url = _parse(database_url)
    backend_name = url.get_backend_name()
    if backend_name == "sqlite":
        raise UnsupportedDatabaseError(
            "O FreeRADIUS não pode usar o banco SQLite do painel: é um arquivo local, "
            "sem acesso concorrente pela rede. Use PostgreSQL (recomendado) ou MySQL."
        )
    backend = _BACKENDS.get(backend_name)
    if backend is None:
        raise UnsupportedDatabaseError(
            f"Banco '{backend_name}' não suportado para o FreeRADIUS: "
            "use PostgreSQL ou MySQL/MariaDB."
        )
    if not url.database:
        raise UnsupportedDatabaseError(
            "A URL do banco não informa o nome do banco de dados (…/nome_do_banco)."
        )

    is_postgresql = backend.dialect == "postgresql"
    escape = _libpq_value if is_postgresql else (lambda value: value)

    server = url.host or ""
    if is_postgresql and not server and "host" in url.query:
        # SQLAlchemy spells a Unix socket directory as ?host=/run/postgresql
        server = str(url.query["host"])

    radius_db = url.database
    if is_postgresql:
        options = {
            key: str(value)
            for key, value in url.query.items()
            if key in _LIBPQ_OPTIONS and isinstance(value, str)
        }
        if options:
            # A value with "=" switches rlm_sql_postgresql to a libpq connection
            # string; server/port/login/password are still appended to it.
            radius_db = " ".join(
                f"{key}='{_libpq_value(value)}'"
                for key, value in {"dbname": url.database, **options}.items()
            )
        else:
            radius_db = _libpq_value(radius_db)

    lines = [
        "# Generated by the ISP panel: FreeRADIUS reads subscribers from the panel's database.",
        "# Keep this file private (it holds the database password): chmod 640, group freerad.",
        "sql {",
        f'\tdialect = "{backend.dialect}"',
        f'\tdriver = "{backend.driver}"',
        "",
        f"\tserver = {_config_string(escape(server), 'server')}",
        f"\tport = {url.port or backend.default_port}",
        f"\tlogin = {_config_string(escape(url.username or ''), 'login')}",
        f"\tpassword = {_config_string(escape(url.password or ''), 'password')}",
        f"\tradius_db = {_config_string(radius_db, 'radius_db')}",
        "",
    ]
    if is_postgresql:
        lines += ["\tpostgresql {", "\t\tsend_application_name = yes", "\t}", ""]
    lines += [
        '\tacct_table1 = "radacct"',
        '\tacct_table2 = "radacct"',
        '\tpostauth_table = "radpostauth"',
        '\tauthcheck_table = "radcheck"',
        '\tgroupcheck_table = "radgroupcheck"',
        '\tauthreply_table = "radreply"',
        '\tgroupreply_table = "radgroupreply"',
        '\tusergroup_table = "radusergroup"',
        "\tread_groups = yes",
        "\tdelete_stale_sessions = yes",
        f"\tquery_timeout = {int(query_timeout)}",
    ]
    if logfile:
        lines.append(f"\tlogfile = {_config_string(logfile, 'logfile')}")
    lines += [
        "",
        "\tpool {",
        "\t\tstart = ${thread[pool].start_servers}",
        "\t\tmin = ${thread[pool].min_spare_servers}",
        "\t\tmax = ${thread[pool].max_servers}",
        "\t\tspare = ${thread[pool].max_spare_servers}",
        "\t\tuses = 0",
        "\t\tretry_delay = 30",
        "\t\tlifetime = 0",
        "\t\tidle_timeout = 60",
        "\t}",
        "",
        f"\tread_clients = {'yes' if read_clients else 'no'}",
        f"\tclient_table = {_config_string(client_table, 'client_table')}",
        '\tgroup_attribute = "SQL-Group"',
        "",
        "\t$INCLUDE ${modconfdir}/${.:name}/main/${dialect}/queries.conf",
        "}",
    ]
    return "\n".join(lines) + "\n"
