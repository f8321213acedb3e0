"""The suite's one SNMP agent: snmpsim serving ``snmprec/public.snmprec`` on a free UDP port.

The driver tests (``tests/drivers/snmp``) and the ONU status tests (services, views, API)
read the same records, so one agent serves them all for the whole run. The records
(``OID|type|value``) hold the Huawei and ZTE OIDs of the ONUs those tests use;
``tests/conftest.py`` registers the fixture for every directory.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

DATA_DIR = Path(__file__).parent / "snmprec"
COMMUNITY = "public"  # snmpsim answers the community named after the .snmprec file
# Installed next to the interpreter by the test requirements (snmpsim).
RESPONDER = Path(sys.executable).with_name("snmpsim-command-responder")
if not RESPONDER.exists():
    RESPONDER = Path(shutil.which("snmpsim-command-responder") or RESPONDER)


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def snmp_agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """Start snmpsim-command-responder once and yield its UDP port as soon as it answers."""
    from app.drivers.snmp import SnmpError, read_onu_status

    port = _free_udp_port()
    cache = tmp_path_factory.mktemp("snmpsim-cache")
    log = tmp_path_factory.mktemp("snmpsim-log") / "responder.log"
    # snmpsim refuses to run as root unless told it may (CI runs as root).
    env = {**os.environ, "SNMPSIM_ALLOW_ROOT": "true"}
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(RESPONDER), f"--data-dir={DATA_DIR}", f"--cache-dir={cache}",
             f"--agent-udpv4-endpoint=127.0.0.1:{port}"],
            env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60  # indexing the data is slow on a busy machine
        while True:
            assert process.poll() is None, log.read_text()
            try:
                # Any answer proves the agent is up and has indexed the data.
                read_onu_status("huawei", "127.0.0.1", COMMUNITY, 0, 1, 0, 1, snmp_port=port,
                                timeout=0.3, retries=0)
                break
            except SnmpError:
                assert time.monotonic() < deadline, log.read_text()
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
