"""OLT sessions kept open between the jobs of one process.

Logging in to an OLT (TCP, SSH key exchange, password, privileged mode) costs about half
a second, as much as several configuration commands. A worker that provisions ONU after
ONU on the same OLTs keeps one session per OLT open and lends it to each job in turn
(:class:`SessionPool`), instead of logging in and out for every job.

A session goes back to the pool only when the job's block ended normally, so it is in
privileged mode (every change plan ends there, and the driver leaves config mode after
a refusal). Anything that escaped the block (a dropped session, a timeout, a bug) closes
it. A kept session is lent again only if the OLT has not closed it and it has been idle
less than ``idle_timeout`` (OLTs log idle VTY sessions out, Huawei after 10 minutes by
default; a session about to be dropped is not worth the risk).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager

from app.drivers.olt.base import OltDriver

logger = logging.getLogger(__name__)

# Sessions a forked child inherited and must neither use nor free (see SessionPool.forget).
_INHERITED: list[dict] = []


class SessionPool:
    """Open OLT sessions of one process, at most one idle session per key.

    Args:
        idle_timeout: seconds a kept session may stay unused before it is closed
            instead of lent.

    A key names one OLT and the way in (host, port, user and a digest of the
    password), so a changed address or password never reuses the old session. Two
    threads asking for the same key at once each get a session of their own; the
    pool keeps one of them afterwards.
    """

    def __init__(self, idle_timeout: float = 60.0) -> None:
        self.idle_timeout = idle_timeout
        self._idle: dict[Hashable, tuple[OltDriver, float]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._idle)

    @contextmanager
    def session(self, key: Hashable, build: Callable[[], OltDriver]) -> Iterator[OltDriver]:
        """Lend the open session of ``key``, or open one with ``build()``.

        Raises:
            OltConnectionError, OltAuthenticationError: opening a new session failed.
        """
        driver = self._take(key)
        if driver is None:
            driver = build()
            driver.open()
        try:
            yield driver
        except BaseException:
            driver.close()
            raise
        self._give_back(key, driver)

    def close_all(self) -> None:
        """Log out of every kept session (worker shutdown)."""
        with self._lock:
            drivers = [driver for driver, _ in self._idle.values()]
            self._idle.clear()
        for driver in drivers:
            driver.close()

    def close_idle(self) -> int:
        """Log out of the kept sessions idle for ``idle_timeout`` or more; returns how many.

        Run now and then while the process waits for work (the worker's reaper thread):
        a session nobody will lend again must not hold one of the OLT's few VTY lines
        (the NOC's own logins need them) until the OLT's idle logout.
        """
        now = time.monotonic()
        with self._lock:
            stale = [key for key, (_, since) in self._idle.items()
                     if now - since >= self.idle_timeout]
            drivers = [self._idle.pop(key)[0] for key in stale]
        for driver in drivers:
            driver.close()
        return len(drivers)

    def forget(self) -> None:
        """Drop every kept session without logging out.

        For a forked child: the sessions belong to the parent, whose SSH threads did
        not come along; closing (or freeing) them here would cut the parent's sessions.
        The lock is made anew, not taken: another thread of the parent may have held it
        at the fork, and only the forking thread exists in the child.
        """
        # Freed, a driver's SSH channel would send its close through the parent's
        # connection (paramiko closes channels on garbage collection), cutting the
        # parent's session: the child keeps them referenced until it exits.
        _INHERITED.append(self._idle)
        self._lock = threading.Lock()
        self._idle = {}

    def _take(self, key: Hashable) -> OltDriver | None:
        with self._lock:
            kept = self._idle.pop(key, None)
        if kept is None:
            return None
        driver, since = kept
        if time.monotonic() - since < self.idle_timeout and driver.is_open:
            return driver
        logger.debug("kept session %r is stale; opening a new one", driver)
        driver.close()
        return None

    def _give_back(self, key: Hashable, driver: OltDriver) -> None:
        if not driver.is_open:
            driver.close()
            return
        driver.forget_secrets()
        with self._lock:
            extra = self._idle.get(key)
            self._idle[key] = (driver, time.monotonic())
        if extra is not None:
            extra[0].close()
