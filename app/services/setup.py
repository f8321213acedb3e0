"""Setting a database up: permissions, roles, system variables and payment methods.

Everything here is idempotent: ``flask panel init`` runs it on every deploy.
"""

from __future__ import annotations

import logging

from flask import current_app

from app.extensions import db
from app.models import PaymentMethod, PaymentMethodKind, SystemVariable
from app.models import system as sysvars
from app.security import roles

log = logging.getLogger(__name__)

SYSTEM_VARIABLES = {
    sysvars.ALLOW_ONU_MOVE: (
        "N",
        "S permite mover ou excluir ONUs pelo painel (CODLMPONU).",
    ),
    sysvars.CHARGE_DUE_DAY_CHANGE: (
        "N",
        "S cobra a diferença de dias ao mudar o dia de vencimento (Cobrar Mudança de DT. "
        "Vencimento).",
    ),
    sysvars.STOCK_ON_ONU_DELETE: (
        "S",
        "S devolve a ONU ao estoque ao excluí-la (Movimenta Estoque ao Apagar ONU).",
    ),
    sysvars.PROVISIONAL_SPEED_DAYS: (
        "3",
        "Dias de velocidade provisória ao restabelecer um plano suspenso.",
    ),
    sysvars.RADIUS_BLOCKED_GROUP: (
        "bloqueado",
        "Grupo RADIUS dos logins de planos suspensos.",
    ),
    sysvars.PIX_KEY: (
        "",
        "Chave Pix do provedor (CPF, CNPJ, e-mail, celular +55 ou aleatória) nos títulos Pix.",
    ),
    sysvars.PIX_MERCHANT_NAME: (
        "",
        "Nome do recebedor no Pix (até 25 caracteres, sem acentos).",
    ),
    sysvars.PIX_MERCHANT_CITY: (
        "",
        "Cidade do recebedor no Pix (até 15 caracteres, sem acentos).",
    ),
}

PAYMENT_METHODS = [
    ("Boleto", PaymentMethodKind.BOLETO),
    ("PIX", PaymentMethodKind.PIX),
    ("Cartão de crédito", PaymentMethodKind.CARD),
    ("Carnê", PaymentMethodKind.BOOKLET),
    ("Débito automático", PaymentMethodKind.DIRECT_DEBIT),
]

# Every logged-in user may see and change their own account.
SELF_SERVICE = {
    ("can_userinfo", "UserDBModelView"),
    ("resetmypassword", "UserDBModelView"),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
    ("can_this_form_get", "UserInfoEditView"),
    ("can_this_form_post", "UserInfoEditView"),
}


def seed_system_variables() -> None:
    """Create the system variables the panel reads, keeping values already set."""
    existing = {v.code for v in db.session.query(SystemVariable.code)}
    for code, (value, description) in SYSTEM_VARIABLES.items():
        if code not in existing:
            db.session.add(SystemVariable(code=code, value=value, description=description))


def seed_payment_methods() -> None:
    """Create the standard payment methods, PIX included."""
    existing = {m.kind for m in db.session.query(PaymentMethod)}
    for name, kind in PAYMENT_METHODS:
        if kind not in existing:
            db.session.add(PaymentMethod(name=name, kind=kind))


def _menu_access(appbuilder, role_perms: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Menu entries a role needs: each screen it may read, and that screen's category."""
    from app.views import MENU

    readable = {view for perm, view in role_perms if perm == "can_read"}
    entries: set[tuple[str, str]] = set()
    for view, name, _label, _icon, category in MENU:
        if view.class_permission_name in readable:
            entries |= {("menu_access", name), ("menu_access", category)}
    return entries


def sync_roles() -> dict[str, int]:
    """Create the seeded roles and grant each the permissions of the role matrix.

    Returns:
        Number of permissions each role holds afterwards.

    Raises:
        LookupError: the matrix names a permission no registered view declares.
    """
    appbuilder = current_app.appbuilder
    sm = appbuilder.sm
    # FAB grants each new permission to Admin as it creates it: the role must exist first.
    sm.add_role(current_app.config["AUTH_ROLE_PUBLIC"])
    admin = sm.add_role(roles.ADMIN)
    appbuilder.add_permissions(update_perms=True)
    held = set(admin.permissions)
    admin.permissions.extend(
        pv for pv in db.session.query(sm.permissionview_model) if pv not in held
    )
    counts = {roles.ADMIN: len(admin.permissions)}
    for role_name, perms in roles.ROLE_PERMISSIONS.items():
        if role_name == roles.ADMIN:
            continue
        role = sm.add_role(role_name)
        held = set(role.permissions)
        wanted = perms | SELF_SERVICE | _menu_access(appbuilder, perms)
        for permission, view_menu in sorted(wanted):
            pv = sm.find_permission_view_menu(permission, view_menu)
            if pv is None:
                raise LookupError(f"{role_name}: no permission {permission} on {view_menu}")
            if pv not in held:
                role.permissions.append(pv)
        counts[role_name] = len(role.permissions)
    return counts


def initialise() -> dict[str, int]:
    """Bring a migrated database to a usable state (roles, variables, payment methods)."""
    counts = sync_roles()
    seed_system_variables()
    seed_payment_methods()
    db.session.commit()
    return counts
