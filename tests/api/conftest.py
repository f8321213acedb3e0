"""Fixtures of the ONU tests: simulated OLTs and their records (tests/support/onus.py)."""

from tests.support.onus import (  # noqa: F401 - fixtures
    make_plan_for,
    manual_jobs,
    network,
    onu_settings,
)

# Fixtures of the RADIUS tests (tests/support/radius.py).
from tests.support.radius import fake_nas, radius_inline  # noqa: F401
