"""RQ entry point of scheduled ownership transfers."""

from __future__ import annotations

from app.jobs import panel_job


@panel_job
def run_transfer(transfer_id: int) -> bool:
    """Carry a scheduled transfer out; a second run (or a second worker) does nothing."""
    from app.services.transfers import execute_transfer

    return execute_transfer(transfer_id)
