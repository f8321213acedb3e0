"""``flask radius ...`` commands: FreeRADIUS settings and upkeep of the RADIUS tables."""

from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import AppGroup

radius_cli = AppGroup("radius", help="FreeRADIUS: its sql settings, NAS clients, CoA upkeep.")


@radius_cli.command("sql-settings")
@click.option(
    "--read-clients/--no-read-clients",
    default=None,
    help="Read NAS clients from the nas table (default: the RADIUS_READ_CLIENTS setting).",
)
@click.option("--logfile", default=None, help="Log every SQL query FreeRADIUS makes here.")
def sql_settings_command(read_clients: bool | None, logfile: str | None) -> None:
    """Print the FreeRADIUS sql module for the database holding the RADIUS tables.

    Save it as /etc/freeradius/3.0/mods-available/sql (chmod 640, group freerad: it
    holds the database password), link it into mods-enabled and restart FreeRADIUS.
    """
    from app.drivers.radius import UnsupportedDatabaseError, render_sql_module
    from app.services import radius

    if read_clients is None:
        read_clients = radius.radius_settings().read_clients
    try:
        text = render_sql_module(
            radius.radius_database_url(), read_clients=read_clients, logfile=logfile
        )
    except UnsupportedDatabaseError as error:
        raise click.ClickException(str(error)) from error
    click.echo(text, nl=False)


@radius_cli.command("sync-nas")
def sync_nas_command() -> None:
    """Write every active NAS into FreeRADIUS's nas table (RADIUS_READ_CLIENTS on).

    The table holds each NAS secret in clear because FreeRADIUS reads it there;
    restart FreeRADIUS afterwards, it reads clients at start-up only.
    """
    from app.services import radius
    from app.services.errors import DomainError

    try:
        count = radius.sync_nas_clients()
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{count} NAS written to the nas table; restart FreeRADIUS to read them.")


@radius_cli.command("send-queued")
@click.option("--older-than", default=300, show_default=True, help="Seconds queued.")
def send_queued_command(older_than: int) -> None:
    """Send again CoA/Disconnect requests whose dispatch was lost (still queued)."""
    from app.services import radius

    ids = radius.queued_request_ids(timedelta(seconds=older_than))
    radius.dispatch_requests(ids)
    click.echo(f"{len(ids)} request(s) dispatched.")
