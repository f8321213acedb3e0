"""``flask olt-sim``: run the simulated OLTs the demo data points at.

Without arguments it starts the two demo OLTs on ``OLT_SIM_HOST``: a Huawei MA5800 on
``OLT_SIM_BASE_PORT`` (2222) and a ZTE C320 on the next port, login admin/admin, each
with a few unprovisioned ONUs to discover and the provisioning profiles of
:data:`app.services.demo.DEMO_OLT_PROFILES` (other profiles are refused, as a real OLT
refuses them). It runs until interrupted; the OLTs' state lives in memory only.

Anything after ``--`` goes unchanged to the simulator's own command line
(``python -m app.oltsim --help``), e.g. ``flask olt-sim -- --vendor zte --port 2300``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext


def demo_seeds(onus: int) -> dict[str, dict[str, Any]]:
    """Seeds of the two demo OLTs: ``onus`` ONUs to discover each, and the demo's profiles."""
    from app.oltsim.state import demo_seed
    from app.services.demo import DEMO_OLT_PROFILES

    huawei, zte = DEMO_OLT_PROFILES["huawei"], DEMO_OLT_PROFILES["zte"]
    return {
        "huawei": {
            **demo_seed("huawei", onus),
            "line_profiles": [huawei["line_profile_id"]],
            "service_profiles": [huawei["service_profile_id"]],
        },
        "zte": {
            **demo_seed("zte", onus),
            "onu_types": [zte["onu_type"]],
            "tcont_profiles": [zte["tcont_profile"]],
            "vlan_profiles": [zte["vlan_profile"]],
        },
    }


@click.command("olt-sim", context_settings={"ignore_unknown_options": True})
@click.option("--onus", default=8, show_default=True,
              help="Unprovisioned ONUs each demo OLT starts with.")
@click.option("--latency", default=0.0, show_default=True,
              help="Seconds each simulated OLT waits before answering a command.")
@click.argument("simulator_args", nargs=-1, type=click.UNPROCESSED)
@with_appcontext
def olt_sim_command(onus: int, latency: float, simulator_args: tuple[str, ...]) -> None:
    """Run the demo's simulated OLTs (Huawei and ZTE) over SSH until interrupted."""
    from app.oltsim import main
    from config import INSTANCE_DIR

    if simulator_args:
        raise SystemExit(main(list(simulator_args)))
    host = current_app.config["OLT_SIM_HOST"]
    base = int(current_app.config["OLT_SIM_BASE_PORT"])
    folder = Path(INSTANCE_DIR) / "oltsim"
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for vendor, seed in demo_seeds(onus).items():
        paths[vendor] = folder / f"{vendor}.json"
        paths[vendor].write_text(json.dumps(seed, indent=2), encoding="utf-8")
    click.echo(f"Simulated OLTs: Huawei on {host}:{base}, ZTE on {host}:{base + 1} "
               "(user admin, password admin)")
    raise SystemExit(main([
        "--vendor", "huawei", "--host", host, "--port", str(base),
        "--seed", str(paths["huawei"]), "--latency", str(latency),
        "--olt", f"zte:{base + 1}:{paths['zte']}",
    ]))
