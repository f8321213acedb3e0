"""OLT drivers: one vendor-neutral interface, one module per vendor.

Use :func:`get_driver` to build the driver for an OLT record's vendor; see
:mod:`app.drivers.olt.base` for the interface, result types and errors.
"""

from __future__ import annotations

from typing import Any

from app.drivers.olt.base import (
    ApplyResult,
    CommandExchange,
    ConnectionType,
    DeviceCommandError,
    DiscoveredOnu,
    OltAuthenticationError,
    OltConnectionError,
    OltDriver,
    OltError,
    OnuConflictError,
    OnuLocation,
    OnuStatus,
    ProvisionedOnu,
    ProvisionRequest,
    UnsafeValueError,
    VerifyResult,
    WifiSettings,
)
from app.drivers.olt.huawei import HuaweiOltDriver
from app.drivers.olt.zte import ZteOltDriver

DRIVERS: dict[str, type[OltDriver]] = {
    HuaweiOltDriver.vendor: HuaweiOltDriver,
    ZteOltDriver.vendor: ZteOltDriver,
}


def get_driver(vendor: str, host: str, port: int = 22, username: str = "", password: str = "",
               **opts: Any) -> OltDriver:
    """Build the driver for ``vendor`` ("huawei" or "zte"); nothing is connected yet.

    ``opts`` go to the driver: ``conn_timeout``, ``command_timeout``,
    ``save_config``, ``session_log``, ``connection_factory``.

    Raises:
        UnsafeValueError: unknown vendor.
    """
    try:
        driver_class = DRIVERS[str(vendor).strip().lower()]
    except KeyError:
        raise UnsafeValueError("Fabricante de OLT não suportado") from None
    return driver_class(host, port, username, password, **opts)


__all__ = [
    "DRIVERS",
    "ApplyResult",
    "CommandExchange",
    "ConnectionType",
    "DeviceCommandError",
    "DiscoveredOnu",
    "HuaweiOltDriver",
    "OltAuthenticationError",
    "OltConnectionError",
    "OltDriver",
    "OltError",
    "OnuConflictError",
    "OnuLocation",
    "OnuStatus",
    "ProvisionRequest",
    "ProvisionedOnu",
    "UnsafeValueError",
    "VerifyResult",
    "WifiSettings",
    "ZteOltDriver",
    "get_driver",
]
