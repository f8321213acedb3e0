"""A simulated Huawei/ZTE OLT reachable over SSH, stateful enough to provision against.

From Python (tests)::

    from app.oltsim import start_simulator
    with start_simulator("huawei", seed={"autofind": [...]}) as olt:
        ...  # connect netmiko or an OltDriver to 127.0.0.1:olt.port (admin/admin)
        olt.state, olt.log, olt.faults

From a shell: ``python -m app.oltsim --vendor huawei --port 2222 [--olt zte:2223]``
(:func:`main`).
"""

from app.oltsim.server import SimulatorHandle, main, start_simulator
from app.oltsim.state import (
    AutofindEntry,
    CommandRecord,
    Faults,
    OltState,
    SessionLog,
    SessionRecord,
    SimOnu,
    SimServicePort,
)

__all__ = [
    "AutofindEntry",
    "CommandRecord",
    "Faults",
    "OltState",
    "SessionLog",
    "SessionRecord",
    "SimOnu",
    "SimServicePort",
    "SimulatorHandle",
    "main",
    "start_simulator",
]
