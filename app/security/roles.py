"""The role matrix: which seeded role holds which permission.

Roles are created and brought in line with this matrix by ``flask panel init``; an
admin can still adjust them in Segurança > Papéis, and ``init`` puts back only the
permissions listed here (it never removes ones an admin added).
"""

from __future__ import annotations

from app.security import permissions as p

ADMIN = "Admin"
SUPPORT = "Suporte"
TECHNICIAN = "Técnico"
FINANCE = "Financeiro"
READ_ONLY = "Somente leitura"

SEEDED_ROLES = [ADMIN, SUPPORT, TECHNICIAN, FINANCE, READ_ONLY]


def _read(*menus: str) -> set[tuple[str, str]]:
    return {(p.can(p.READ), m) for m in menus}


def _write(*menus: str) -> set[tuple[str, str]]:
    return {(p.can(p.WRITE), m) for m in menus} | _read(*menus)


def _delete(*menus: str) -> set[tuple[str, str]]:
    return {(p.can(p.DELETE), m) for m in menus}


def _actions(*names: str) -> set[tuple[str, str]]:
    for name in names:
        assert name in p.ACTIONS, name
    return {(p.can(n), p.SUBSCRIPTION_ACTIONS) for n in names}


# Everybody who logs in may read the catalogue they work with.
_CATALOGUE_READ = _read(*p.CATALOGUE)

ROLE_PERMISSIONS: dict[str, set[tuple[str, str]]] = {
    # Admin gets every permission that exists (handled in the seeding code).
    ADMIN: set(),
    SUPPORT: _CATALOGUE_READ
    | _write(p.CUSTOMER, p.SUBSCRIPTION)
    | _read(p.CONTRACT, p.CHARGE, p.ONU, p.OLT)
    | _actions(
        "add_subscription",
        "change_access_point",
        "edit_subscription",
        "tv_packages",
        "change_plan",
        "customer_access_log",
        "suspend",
        "restore_speed",
        "voice_terminals",
        "extra_services",
        "link_onu",
    ),
    TECHNICIAN: _CATALOGUE_READ
    | _read(p.CUSTOMER, p.SUBSCRIPTION, p.NAS)
    | _write(p.ONU, p.OLT)
    | _actions(
        "change_access_point",
        "delete_radius_login",
        "link_onu",
        "manage_onu",
        "add_phone_category",
        "voice_terminals",
    ),
    FINANCE: _CATALOGUE_READ
    | _read(p.CUSTOMER, p.SUBSCRIPTION)
    | _write(p.CONTRACT, p.CHARGE)
    | _actions(
        "edit_contract_fine",
        "change_due_day",
        "cancel",
        "suspend",
        "transfer_ownership",
        "manage_booklets",
        "receive_payment",
        "customer_access_log",
    ),
    READ_ONLY: _CATALOGUE_READ
    | _read(p.CUSTOMER, p.SUBSCRIPTION, p.CONTRACT, p.CHARGE, p.ONU, p.OLT, p.NAS),
}

# Menu entries (FAB "menu_access") each role needs to see its screens.
ROLE_MENUS: dict[str, set[str]] = {
    SUPPORT: {"Clientes", "Cadastros", "Rede"},
    TECHNICIAN: {"Clientes", "Cadastros", "Rede"},
    FINANCE: {"Clientes", "Cadastros"},
    READ_ONLY: {"Clientes", "Cadastros", "Rede"},
}
