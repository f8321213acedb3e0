"""Extension points of the customer page, so each area plugs its screens in from its own
module instead of editing the page:

- customer tabs (Dados, Planos, Contratos, Financeiro, Log de acesso ...);
- sections of a subscription's details panel (ONU, RADIUS login, TV, voice ...);
- actions of a subscription's context menu (Mudar Plano, Cancelar, Vincular ONU ...).

Each entry names the permission it needs (a ``can_<action>`` on a view menu); the page
shows it only to users who hold it, and the route behind it must check it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CustomerTab:
    """A tab of the customer page; ``render(customer)`` returns its HTML."""

    key: str
    label: Any
    render: Callable[[Any], str]
    permission: tuple[str, str] | None = None
    order: int = 100


@dataclass(frozen=True)
class SubscriptionSection:
    """A block of the subscription details panel; ``render(subscription)`` returns HTML."""

    key: str
    label: Any
    render: Callable[[Any], str]
    permission: tuple[str, str] | None = None
    order: int = 100


@dataclass(frozen=True)
class SubscriptionAction:
    """An entry of the subscription context menu.

    ``url(subscription)`` gives the screen of the action; ``applies(subscription)`` says
    whether it makes sense for it (e.g. Reativar only for suspended ones). An action
    with ``url`` None is shown as not yet available, never as a broken link.
    """

    key: str
    label: Any
    permission: tuple[str, str]
    url: Callable[[Any], str] | None = None
    applies: Callable[[Any], bool] = field(default=lambda subscription: True)
    group: Any = None
    order: int = 100


CUSTOMER_TABS: dict[str, CustomerTab] = {}
SUBSCRIPTION_SECTIONS: dict[str, SubscriptionSection] = {}
SUBSCRIPTION_ACTIONS: dict[str, SubscriptionAction] = {}


def register_customer_tab(tab: CustomerTab) -> None:
    """Add (or replace, by key) a tab of the customer page."""
    CUSTOMER_TABS[tab.key] = tab


def register_subscription_section(section: SubscriptionSection) -> None:
    """Add (or replace, by key) a section of the subscription details panel."""
    SUBSCRIPTION_SECTIONS[section.key] = section


def register_subscription_action(action: SubscriptionAction) -> None:
    """Add (or replace, by key) an entry of the subscription context menu."""
    SUBSCRIPTION_ACTIONS[action.key] = action


def ordered(registry: dict) -> list:
    """Entries of a registry in display order."""
    return sorted(registry.values(), key=lambda e: (e.order, e.key))
