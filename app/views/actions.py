"""Screens of the actions in a subscription's context menu (Plans tab): Mudar Plano with
Comparar Plano, Alterar Ponto de Acesso, Alterar Multa / Editar Contrato, Suspender /
Reativar, Restabelecer Velocidade Provisória, Cancelar with its Protocolo de
Cancelamento (Resumo, printable receipt and PDF), Pacotes de TV, Terminais de Voz and
Serviços Adicionais.

Every view here shares the ``SubscriptionActions`` view menu and maps each route onto
the action's own permission; like every view of that menu it declares all of the menu's
permissions, because FAB deletes from a shared view menu those a registering view does
not declare. The rules live in the services (:mod:`app.services.plan_changes`,
:mod:`app.services.subscription_actions`, :mod:`app.services.cancellations`,
:mod:`app.services.composition`); these views parse the form, call one and render.

The context-menu entries registered at the end replace, by key, the placeholders of
:mod:`app.views.subscriptions`, which is imported first for that reason.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import abort, flash, g, make_response, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import (
    City,
    Contract,
    ContractStatus,
    ExtraServiceType,
    PaymentMethod,
    PhoneCategory,
    Subscription,
    SubscriptionStatus,
    TvPackage,
    VoiceTerminal,
)
from app.security import permissions as p
from app.services import billing, cancellations, composition, plan_changes
from app.services import subscription_actions as actions
from app.services import subscriptions as subs
from app.services.clock import local_today
from app.services.errors import DomainError, NotFoundError
from app.views import subscriptions as _subscriptions  # noqa: F401 - registers first, see below
from app.views.action_forms import posted, quiet, refused, submit
from app.views.customer_page import user_can
from app.views.labels import enum_label
from app.views.registry import SubscriptionAction, register_subscription_action

ACTION_PERMISSIONS = [p.can(action) for action in p.ACTIONS]
ADD_PHONE_CATEGORY = (p.can("add_phone_category"), p.SUBSCRIPTION_ACTIONS)
CANCEL = (p.can("cancel"), p.SUBSCRIPTION_ACTIONS)
# What Alterar Terminal de Voz posts to its service (the form's other fields are not).
TERMINAL_FORM_FIELDS = (
    "number",
    "sip_user",
    "sip_password",
    "price",
    "category_id",
    "active",
    "contact_email",
    "customer_version",
    "new_category",
)


def plans_tab(subscription: Subscription):
    """Back to the customer's Plans tab with the subscription selected."""
    return redirect(
        url_for(
            "CustomerPageView.page",
            customer_id=subscription.customer_id,
            tab="planos",
            status="all",
            sub=subscription.id,
        )
    )


def _end(end, success, back: str):
    """Remove an item of the plan's composition (``end()``) and go back to its list,
    saying what happened; an item not on the plan is a 404."""
    try:
        item = end()
    except NotFoundError:
        abort(404)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        flash(str(success(item)), "success")
    return redirect(back)


def _subscription(subscription_id: int) -> Subscription:
    return db.session.get(Subscription, subscription_id) or abort(404)


def _money(value) -> str:
    """An amount (a Decimal, or a string as stored on a protocol) as ``1.234,56``."""
    return billing.format_money(Decimal(value) if isinstance(value, str) else value)


def _context() -> dict:
    return {
        "money": _money,
        "enum_label": enum_label,
        "plans_tab_url": _tab_url,
        "streaming_sentence": streaming_sentence,
    }


def _tab_url(subscription: Subscription) -> str:
    return url_for(
        "CustomerPageView.page",
        customer_id=subscription.customer_id,
        tab="planos",
        status="all",
        sub=subscription.id,
    )


def _local(moment) -> str:
    """A stored (UTC) moment in the ISP's time zone, as people read it."""
    return format_datetime(actions.aware(moment), "dd/MM/yyyy HH:mm")


def _active_payment_methods() -> list[PaymentMethod]:
    return db.session.scalars(
        select(PaymentMethod).where(PaymentMethod.active.is_(True)).order_by(PaymentMethod.id)
    ).all()


# --------------------------------------------------------------------------- Mudar Plano


class PlanChangeView(BaseView):
    """Mudar Plano: choose the new plan (type-ahead), Comparar Plano, then confirm with
    the Forma de Pagamento and Manter Serviço Extra."""

    route_base = "/subscriptions"
    class_permission_name = p.SUBSCRIPTION_ACTIONS
    base_permissions = ACTION_PERMISSIONS
    method_permission_name = {"change_plan": "change_plan"}

    @expose("/<int:subscription_id>/change-plan", methods=["GET", "POST"])
    @has_access
    def change_plan(self, subscription_id: int):
        """GET: the form. POST go=compare: the comparison. POST go=confirm: the change."""
        subscription = _subscription(subscription_id)
        try:
            subs.ensure_editable_directly(subscription)
        except subs.ComboMemberError as exc:
            flash(str(exc), "warning")
            return plans_tab(subscription)
        contract = actions.contract_of(subscription)
        values = {
            "plan_id": "",
            "plan_label": "",
            "payment_method_id": str(contract.payment_method_id) if contract else "",
            "keep_extra_services": "1",
            "reason": "",
            "version": str(subscription.version),
        }
        errors: dict[str, str] = {}
        comparison = None
        if request.method == "POST":
            values = {**values, **posted()}
            try:
                if request.form.get("go") == "confirm":
                    change = plan_changes.change_plan(
                        subscription.id,
                        values.get("plan_id"),
                        payment_method_id=values.get("payment_method_id"),
                        keep_extra_services=actions.parse_flag(
                            values.get("keep_extra_services"), True
                        ),
                        expected_difference=values.get("expected_difference"),
                        expected_version=values.get("version"),
                        reason=values.get("reason"),
                    )
                    flash(_change_message(change), "success")
                    return plans_tab(subscription)
                comparison = plan_changes.compare_plans(subscription.id, values.get("plan_id"))
            except DomainError as exc:
                refused(exc, errors)
                if request.form.get("go") == "confirm" and "plan_id" not in errors:
                    comparison = quiet(
                        lambda: plan_changes.compare_plans(subscription.id, values.get("plan_id"))
                    )
            if comparison is not None:
                values["expected_difference"] = str(comparison.difference)
                values["plan_label"] = comparison.new.name
        return self.render_template(
            "actions/change_plan.html",
            subscription=subscription,
            contract=contract,
            values=values,
            errors=errors,
            comparison=comparison,
            methods=_active_payment_methods(),
            **_context(),
        )


def _change_message(change: plan_changes.PlanChange) -> str:
    """What a done plan change says: the new plan, the difference charged or credited,
    and which streaming add-ons (PlayHub, WatchTV) were kept, dropped or added."""
    charge = change.charge
    message = _l("Plan changed to %(plan)s.", plan=change.comparison.new.name)
    if charge.difference > 0:
        message = _l(
            "%(message)s A charge of R$ %(amount)s was created for the difference.",
            message=message,
            amount=billing.format_money(charge.difference),
        )
    elif charge.difference < 0:
        message = _l(
            "%(message)s A credit of R$ %(amount)s was given for the difference.",
            message=message,
            amount=billing.format_money(-charge.difference),
        )
    return " ".join(
        [str(message)] + [str(streaming_sentence(s)) for s in change.comparison.streaming]
    )


def streaming_sentence(change: plan_changes.StreamingChange):
    """One streaming add-on's fate in a plan change, as the comparison and the change say."""
    if change.outcome == plan_changes.KEPT:
        return _l("%(name)s is kept.", name=change.name)
    if change.outcome == plan_changes.DROPPED:
        return _l("%(name)s is dropped: the new plan does not include it.", name=change.name)
    return _l("%(name)s is added: the new plan includes it.", name=change.name)


# --------------------------------------------------------------------------- data


class SubscriptionDataView(BaseView):
    """Alterar Ponto de Acesso and Alterar Multa / Editar Contrato."""

    route_base = "/subscriptions"
    class_permission_name = p.SUBSCRIPTION_ACTIONS
    base_permissions = ACTION_PERMISSIONS
    method_permission_name = {
        "access_point": "change_access_point",
        "contract": "edit_contract_fine",
    }

    @expose("/<int:subscription_id>/access-point", methods=["GET", "POST"])
    @has_access
    def access_point(self, subscription_id: int):
        """City, then that city's access points; saves and says so."""
        subscription = _subscription(subscription_id)
        values, errors, done = submit(
            {
                "city_id": str(subscription.city_id or ""),
                "access_point_id": str(subscription.access_point_id or ""),
                "version": str(subscription.version),
            },
            lambda v: actions.change_access_point(
                subscription.id,
                v.get("city_id"),
                v.get("access_point_id"),
                expected_version=v.get("version"),
            ),
            lambda _moved: _l("Access point changed successfully."),
            lambda _moved: plans_tab(subscription),
        )
        if done is not None:
            return done
        city_id = values.get("city_id") or ""
        return self.render_template(
            "actions/access_point.html",
            subscription=subscription,
            values=values,
            errors=errors,
            cities=db.session.scalars(select(City).order_by(City.name)).all(),
            access_points=subs.access_points_of(int(city_id)) if city_id.isdigit() else [],
            **_context(),
        )

    @expose("/<int:subscription_id>/contract", methods=["GET", "POST"])
    @has_access
    def contract(self, subscription_id: int):
        """The contract's fine and its other editable fields, with the reason."""
        subscription = _subscription(subscription_id)
        contract = actions.contract_of(subscription) or abort(404)
        values, errors, done = submit(
            {**actions.contract_values(contract), "reason": ""},
            lambda v: actions.edit_contract(
                contract.id,
                {k: v.get(k, "") for k in actions.CONTRACT_FIELDS},
                v.get("reason", ""),
                expected_version=v.get("version"),
            ),
            lambda _edit: _l("Contract %(number)s saved.", number=contract.number),
            lambda _edit: plans_tab(subscription),
        )
        if done is not None:
            return done
        return self.render_template(
            "actions/contract.html",
            subscription=subscription,
            contract=contract,
            values=values,
            errors=errors,
            methods=_active_payment_methods(),
            editable=contract.status == ContractStatus.ACTIVE,
            **_context(),
        )


# --------------------------------------------------------------------------- status


class SubscriptionStatusView(BaseView):
    """Suspender / Reativar, Restabelecer Velocidade Provisória, and Cancelar with its
    Protocolo de Cancelamento and receipt."""

    route_base = "/subscriptions"
    class_permission_name = p.SUBSCRIPTION_ACTIONS
    base_permissions = ACTION_PERMISSIONS
    method_permission_name = {
        "suspend": "suspend",
        "reactivate": "suspend",
        "restore_speed": "restore_speed",
        "cancel": "cancel",
        "receipt": "cancel",
        "receipt_pdf": "cancel",
    }

    @expose("/<int:subscription_id>/suspend", methods=["GET", "POST"])
    @has_access
    def suspend(self, subscription_id: int):
        """Suspender: the suspension date (default today) and an optional reason."""
        subscription = _subscription(subscription_id)
        values, errors, done = submit(
            {"suspended_on": local_today().isoformat(), "reason": ""},
            lambda v: actions.suspend(
                subscription.id, suspended_on=v.get("suspended_on"), reason=v.get("reason")
            ),
            lambda s: _l("Plan suspended on %(date)s.", date=s.suspended_on.strftime("%d/%m/%Y")),
            plans_tab,
        )
        if done is not None:
            return done
        return self.render_template(
            "actions/suspend.html",
            subscription=subscription,
            values=values,
            errors=errors,
            **_context(),
        )

    @expose("/<int:subscription_id>/reactivate", methods=["GET", "POST"])
    @has_access
    def reactivate(self, subscription_id: int):
        """Reativar a suspended plan, with an optional reason."""
        subscription = _subscription(subscription_id)
        values, errors, done = submit(
            {"reason": ""},
            lambda v: actions.reactivate(subscription.id, reason=v.get("reason")),
            lambda _s: _l("Plan reactivated."),
            plans_tab,
        )
        if done is not None:
            return done
        return self.render_template(
            "actions/reactivate.html",
            subscription=subscription,
            values=values,
            errors=errors,
            **_context(),
        )

    @expose("/<int:subscription_id>/provisional-speed", methods=["GET", "POST"])
    @has_access
    def restore_speed(self, subscription_id: int):
        """Restabelecer Velocidade Provisória: how long, then confirm."""
        subscription = _subscription(subscription_id)
        days, days_error = None, None
        try:
            days = actions.provisional_speed_days()
        except DomainError as exc:
            days_error = str(exc)
        if request.method == "POST":
            try:
                actions.restore_provisional_speed(subscription.id)
            except DomainError as exc:
                db.session.rollback()
                flash(str(exc), "danger")
            else:
                flash(
                    str(
                        _l(
                            "Service restored until %(until)s; it is suspended again "
                            "automatically then.",
                            until=_local(subscription.provisional_until),
                        )
                    ),
                    "success",
                )
                return plans_tab(subscription)
        return self.render_template(
            "actions/provisional_speed.html",
            subscription=subscription,
            days=days,
            days_error=days_error,
            until_text=_local(subscription.provisional_until)
            if subscription.provisional_until
            else None,
            **_context(),
        )

    @expose("/<int:subscription_id>/cancel", methods=["GET", "POST"])
    @has_access
    def cancel(self, subscription_id: int):
        """Cancelar: Protocolo tab (date, reason) and Resumo tab (what is owed); go=preview
        recomputes the Resumo for another date, go=confirm registers the protocol."""
        subscription = _subscription(subscription_id)
        today = local_today()
        values = {"cancelled_on": today.isoformat(), "reason": ""}
        errors: dict[str, str] = {}
        if request.method == "POST":
            values = {**values, **posted()}
            if request.form.get("go") == "confirm":
                try:
                    protocol = cancellations.cancel_subscription(
                        subscription.id,
                        values.get("reason", ""),
                        cancelled_on=values.get("cancelled_on"),
                        expected_total=values.get("expected_total"),
                        user_id=g.user.id,
                    )
                except DomainError as exc:
                    refused(exc, errors)
                else:
                    flash(
                        str(
                            _l("Plan cancelled: protocol %(number)s.", number=protocol.number)
                        ),
                        "success",
                    )
                    return redirect(url_for(".receipt", protocol_id=protocol.id))
        summary = None
        if subscription.status in actions.LIVE:
            try:
                summary = cancellations.preview_cancellation(
                    subscription.id, values.get("cancelled_on")
                )
            except DomainError as exc:
                refused(exc, errors)
        if summary is not None:
            values["expected_total"] = str(summary.total)
        return self.render_template(
            "actions/cancel.html",
            subscription=subscription,
            values=values,
            errors=errors,
            summary=summary,
            protocols=cancellations.protocols_of(subscription.id),
            today=today,
            **_context(),
        )

    def _receipt_html(self, protocol_id: int, *, printable: bool = True) -> tuple:
        try:
            protocol = cancellations.get_protocol(protocol_id)
        except NotFoundError:
            abort(404)
        html = self.render_template(
            "actions/receipt.html",
            protocol=protocol,
            summary=protocol.summary or {},
            printable=printable,
            subscription=protocol.subscription,
            parse_day=date.fromisoformat,
            **_context(),
        )
        return protocol, html

    @expose("/cancellations/<int:protocol_id>/receipt")
    @has_access
    def receipt(self, protocol_id: int):
        """The printable receipt of a cancellation, with its protocol number."""
        return self._receipt_html(protocol_id)[1]

    @expose("/cancellations/<int:protocol_id>/pdf")
    @has_access
    def receipt_pdf(self, protocol_id: int):
        """The receipt as a PDF (WeasyPrint)."""
        protocol, html = self._receipt_html(protocol_id, printable=False)
        response = make_response(cancellations.receipt_pdf(html, base_url=request.url_root))
        response.headers["Content-Type"] = "application/pdf"
        response.headers["Content-Disposition"] = (
            f'attachment; filename="protocolo-cancelamento-{protocol.number}.pdf"'
        )
        return response


# --------------------------------------------------------------------------- composition


class CompositionView(BaseView):
    """Pacotes de TV (packages and TV points), Terminais de Voz (add, Alterar Terminal de
    Voz) and Serviços Adicionais (add, remove)."""

    route_base = "/subscriptions"
    class_permission_name = p.SUBSCRIPTION_ACTIONS
    base_permissions = ACTION_PERMISSIONS
    method_permission_name = {
        "tv": "tv_packages",
        "add_tv_package": "tv_packages",
        "end_tv_package": "tv_packages",
        "add_tv_point": "tv_packages",
        "end_tv_point": "tv_packages",
        "voice": "voice_terminals",
        "edit_voice_terminal": "voice_terminals",
        "extras": "extra_services",
        "end_extra_service": "extra_services",
    }

    def _tv_page(self, subscription, values=None, errors=None, point_values=None,
                 point_errors=None):
        packages = db.session.scalars(
            select(TvPackage).where(TvPackage.active.is_(True)).order_by(TvPackage.name)
        ).all()
        return self.render_template(
            "actions/tv.html",
            subscription=subscription,
            packages=packages,
            values=values or {},
            errors=errors or {},
            point_values=point_values or {},
            point_errors=point_errors or {},
            **_context(),
        )

    @expose("/<int:subscription_id>/tv", methods=["GET"])
    @has_access
    def tv(self, subscription_id: int):
        """The subscription's TV packages and TV points, with forms to add more."""
        return self._tv_page(_subscription(subscription_id))

    @expose("/<int:subscription_id>/tv/packages", methods=["POST"])
    @has_access
    def add_tv_package(self, subscription_id: int):
        subscription = _subscription(subscription_id)
        values, errors, done = submit(
            {},
            lambda v: composition.add_tv_package(
                subscription.id, v.get("tv_package_id"), price=v.get("price")
            ),
            lambda item: _l("TV package %(name)s added.", name=item.tv_package.name),
            lambda _item: redirect(url_for(".tv", subscription_id=subscription.id)),
        )
        if done is not None:
            return done
        return self._tv_page(subscription, values, errors)

    @expose("/<int:subscription_id>/tv/packages/<int:item_id>/end", methods=["POST"])
    @has_access
    def end_tv_package(self, subscription_id: int, item_id: int):
        return _end(
            lambda: composition.end_tv_package(subscription_id, item_id),
            lambda item: _l("TV package %(name)s removed.", name=item.tv_package.name),
            url_for(".tv", subscription_id=subscription_id),
        )

    @expose("/<int:subscription_id>/tv/points", methods=["POST"])
    @has_access
    def add_tv_point(self, subscription_id: int):
        subscription = _subscription(subscription_id)
        values, errors, done = submit(
            {},
            lambda v: composition.add_tv_point(
                subscription.id,
                serial=v.get("serial"),
                location=v.get("location"),
                price=v.get("price"),
            ),
            lambda _point: _l("TV point added."),
            lambda _point: redirect(url_for(".tv", subscription_id=subscription.id)),
        )
        if done is not None:
            return done
        return self._tv_page(subscription, point_values=values, point_errors=errors)

    @expose("/<int:subscription_id>/tv/points/<int:point_id>/end", methods=["POST"])
    @has_access
    def end_tv_point(self, subscription_id: int, point_id: int):
        return _end(
            lambda: composition.end_tv_point(subscription_id, point_id),
            lambda _point: _l("TV point removed."),
            url_for(".tv", subscription_id=subscription_id),
        )

    @expose("/<int:subscription_id>/voice", methods=["GET", "POST"])
    @has_access
    def voice(self, subscription_id: int):
        """The subscription's voice terminals and the form to add one."""
        subscription = _subscription(subscription_id)
        may_add_category = user_can(ADD_PHONE_CATEGORY)
        values, errors, done = submit(
            {"price": "0,00"},
            lambda v: composition.add_voice_terminal(
                subscription.id, v, may_add_category=may_add_category
            ),
            lambda t: _l("Voice terminal %(number)s added.", number=t.number),
            lambda _t: redirect(url_for(".voice", subscription_id=subscription.id)),
        )
        if done is not None:
            return done
        return self.render_template(
            "actions/voice.html",
            subscription=subscription,
            values=values,
            errors=errors,
            categories=db.session.scalars(select(PhoneCategory).order_by(PhoneCategory.name)).all(),
            may_add_category=may_add_category,
            **_context(),
        )

    @expose("/voice-terminals/<int:terminal_id>/edit", methods=["GET", "POST"])
    @has_access
    def edit_voice_terminal(self, terminal_id: int):
        """Alterar Terminal de Voz; its contact e-mail is the customer's own."""
        terminal = db.session.get(VoiceTerminal, terminal_id) or abort(404)
        may_add_category = user_can(ADD_PHONE_CATEGORY)
        values, errors, done = submit(
            composition.terminal_values(terminal),
            lambda v: composition.edit_voice_terminal(
                terminal.id,
                {k: v.get(k, "") for k in TERMINAL_FORM_FIELDS},
                may_add_category=may_add_category,
            ),
            lambda t: _l("Voice terminal %(number)s saved.", number=t.number),
            lambda t: redirect(url_for(".voice", subscription_id=t.subscription_id)),
        )
        if done is not None:
            return done
        return self.render_template(
            "actions/voice_edit.html",
            terminal=terminal,
            subscription=terminal.subscription,
            values=values,
            errors=errors,
            categories=db.session.scalars(select(PhoneCategory).order_by(PhoneCategory.name)).all(),
            may_add_category=may_add_category,
            **_context(),
        )

    @expose("/<int:subscription_id>/extras", methods=["GET", "POST"])
    @has_access
    def extras(self, subscription_id: int):
        """The subscription's extra services and the form to add one."""
        subscription = _subscription(subscription_id)
        values, errors, done = submit(
            {},
            lambda v: composition.add_extra_service(
                subscription.id, v.get("service_type_id"), price=v.get("price")
            ),
            lambda extra: _l("Extra service %(name)s added.", name=extra.service_type.name),
            lambda _extra: redirect(url_for(".extras", subscription_id=subscription.id)),
        )
        if done is not None:
            return done
        kinds = db.session.scalars(
            select(ExtraServiceType)
            .where(ExtraServiceType.active.is_(True))
            .order_by(ExtraServiceType.name)
        ).all()
        return self.render_template(
            "actions/extras.html",
            subscription=subscription,
            kinds=kinds,
            values=values,
            errors=errors,
            **_context(),
        )

    @expose("/<int:subscription_id>/extras/<int:extra_id>/end", methods=["POST"])
    @has_access
    def end_extra_service(self, subscription_id: int, extra_id: int):
        return _end(
            lambda: composition.end_extra_service(subscription_id, extra_id),
            lambda extra: _l("Extra service %(name)s removed.", name=extra.service_type.name),
            url_for(".extras", subscription_id=subscription_id),
        )


# --------------------------------------------------------------------------- context menu

ACTIVE, SUSPENDED = SubscriptionStatus.ACTIVE, SubscriptionStatus.SUSPENDED


def _live(s: Subscription) -> bool:
    return s.status in (ACTIVE, SUSPENDED)


def _active_contract(s: Subscription) -> bool:
    contract: Contract | None = actions.contract_of(s)
    return contract is not None and contract.status == ContractStatus.ACTIVE


def _action(key: str, label, order: int, endpoint: str, applies, *, permission: str | None = None,
            group=None, url=None) -> None:
    register_subscription_action(
        SubscriptionAction(
            key=key,
            label=label,
            permission=(p.can(permission or key), p.SUBSCRIPTION_ACTIONS),
            url=url or (lambda s, e=endpoint: url_for(e, subscription_id=s.id)),
            applies=applies,
            group=group,
            order=order,
        )
    )


_action(
    "change_plan",
    _l("Change plan"),
    20,
    "PlanChangeView.change_plan",
    lambda s: _live(s) and s.combo_id is None,
)
_action("change_access_point", _l("Change access point"), 30, "SubscriptionDataView.access_point",
        _live)
_action("edit_contract_fine", _l("Change fine / edit contract"), 40,
        "SubscriptionDataView.contract", _active_contract)
_action("suspend", _l("Suspend"), 50, "SubscriptionStatusView.suspend",
        lambda s: s.status == ACTIVE)
_action("reactivate", _l("Reactivate"), 51, "SubscriptionStatusView.reactivate",
        lambda s: s.status == SUSPENDED, permission="suspend")
_action("restore_speed", _l("Restore provisional speed"), 55,
        "SubscriptionStatusView.restore_speed",
        lambda s: s.status == SUSPENDED and not s.provisional_used)
_action("cancel", _l("Cancel"), 60, "SubscriptionStatusView.cancel", _live)
_action(
    "cancellation_receipt",
    _l("Cancellation receipt"),
    61,
    "",
    lambda s: s.status == SubscriptionStatus.CANCELLED and bool(
        cancellations.protocols_of(s.id)
    ),
    permission="cancel",
    url=lambda s: url_for(
        "SubscriptionStatusView.receipt", protocol_id=cancellations.protocols_of(s.id)[0].id
    ),
)
_action("tv_packages", _l("TV packages"), 80, "CompositionView.tv", _live,
        group=_l("Add services"))
_action("voice_terminals", _l("Voice terminals"), 81, "CompositionView.voice", _live,
        group=_l("Add services"))
_action("extra_services", _l("Extra services"), 82, "CompositionView.extras", _live,
        group=_l("Add services"))

VIEWS = [PlanChangeView, SubscriptionDataView, SubscriptionStatusView, CompositionView]
