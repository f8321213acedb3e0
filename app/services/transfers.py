"""Troca de Titularidade: moving a subscription (with its contract) to another customer,
today or on a future date.

Rules, as the seed page states them:

- the change date defaults to today, may be any future date (the transfer is then
  scheduled and runs that day through an RQ scheduled job), never earlier than today;
- the new holder is mandatory: an existing customer, or one created on the spot (no new
  plan is asked for: the existing subscription moves);
- the main contract of the transfer must be chosen among the old holder's contracts;
- "cancel the existing carnês?" defaults to No; "transfer the debt?" defaults to Yes:
  open charges move to the new holder and are marked transferred on the old one;
- "carry the plan's composition?" defaults to Yes: extra services, TV, voice terminals
  and equipment move with the subscription; No ends them on the change date, keeping
  them in the old holder's history.

The ONU and the RADIUS login belong to the subscription, so they follow it. Nothing is
deleted: both customers' histories show the transfer. A plan inside a combo moves with
its whole combo (one contract, one invoice).

Running a transfer claims its row with a conditional update, so two workers seeing the
same transfer run it once.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    BookletStatus,
    Charge,
    ChargeStatus,
    Contract,
    ContractStatus,
    Customer,
    CustomerKind,
    OwnershipTransfer,
    PaymentBooklet,
    Subscription,
    SubscriptionStatus,
    TransferStatus,
)
from app.models.base import utcnow
from app.services.clock import local_today, local_zone
from app.services.composition import end_composition
from app.services.errors import ConflictError, DomainError, NotFoundError, integrity_message
from app.validators import ValidationError, validate_document, validate_text

MOVABLE = (SubscriptionStatus.ACTIVE, SubscriptionStatus.SUSPENDED)


class TransferError(DomainError):
    """A transfer was refused; ``errors`` maps fields to messages when known."""

    def __init__(self, message, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


@dataclass
class NewHolder:
    """A customer created on the spot by Novo Cliente, with the customer form's rules."""

    kind: str
    name: str
    document: str
    email: str | None = None
    mobile: str | None = None


@dataclass
class TransferRequest:
    """What the Trocar Titularidade screen (or the API) asks for; defaults are the seed's."""

    subscription_id: int
    main_contract_id: int | None
    transfer_on: date | None = None
    to_customer_id: int | None = None
    new_holder: NewHolder | None = None
    cancel_booklets: bool = False
    transfer_debt: bool = True
    carry_composition: bool = True


def _flag(data: dict, key: str, default: bool) -> bool:
    value = data.get(key, default)
    if isinstance(value, bool):
        return value
    raise TransferError(_l("%(field)s must be true or false.", field=key), {key: "bool"})


def request_from_data(data: dict) -> TransferRequest | None:
    """Read a transfer request from its data, as the API's JSON body carries it: ids as
    integers, ``transfer_on`` as an ISO date, ``new_customer`` as an object (kind, name,
    document, email, mobile) and the three choices as booleans, absent ones taking the
    seed's defaults. The screen passes its form in the same shape.

    Returns:
        The request, or None when the data names no subscription (nothing to transfer).

    Raises:
        TransferError: a value of the wrong type or an invalid date, checked in that order:
            date, new customer, ids, choices.
    """
    transfer_on = data.get("transfer_on")
    if transfer_on is not None and not isinstance(transfer_on, str):
        raise TransferError(_l("Invalid date."), {"transfer_on": str(_l("Invalid date."))})
    try:
        day = date.fromisoformat(transfer_on) if transfer_on else None
    except ValueError:
        raise TransferError(
            _l("Invalid date."), {"transfer_on": str(_l("Invalid date."))}
        ) from None
    holder = data.get("new_customer")
    new_holder = None
    if holder is not None:
        if not isinstance(holder, dict):
            raise TransferError(_l("Invalid new customer."))
        new_holder = NewHolder(
            kind=str(holder.get("kind", "")),
            name=str(holder.get("name", "")),
            document=str(holder.get("document", "")),
            email=holder.get("email") if isinstance(holder.get("email"), str) else None,
            mobile=holder.get("mobile") if isinstance(holder.get("mobile"), str) else None,
        )
    ids = {}
    for key in ("subscription_id", "main_contract_id", "to_customer_id"):
        value = data.get(key)
        # JSON's true and false are ints to Python, and no id.
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise TransferError(_l("Invalid id."), {key: str(_l("Invalid id."))})
        ids[key] = value
    if ids["subscription_id"] is None:
        return None
    return TransferRequest(
        subscription_id=ids["subscription_id"],
        main_contract_id=ids["main_contract_id"],
        transfer_on=day,
        to_customer_id=ids["to_customer_id"],
        new_holder=new_holder,
        cancel_booklets=_flag(data, "cancel_booklets", False),
        transfer_debt=_flag(data, "transfer_debt", True),
        carry_composition=_flag(data, "carry_composition", True),
    )


def start_of_day(day: date) -> datetime:
    """The first moment of ``day`` in the ISP's time zone, as UTC."""
    return datetime.combine(day, time(0, 0), tzinfo=local_zone()).astimezone(UTC)


def old_contract_value(contract: Contract) -> Decimal:
    """The monthly value of a contract: the prices of its live subscriptions."""
    return sum(
        (s.plan.price for s in contract.subscriptions if s.status in MOVABLE), Decimal("0.00")
    )


def _validate_new_holder(holder: NewHolder, errors: dict[str, str]) -> Customer | None:
    kind = holder.kind if holder.kind in (k.value for k in CustomerKind) else None
    if kind is None:
        errors["new_kind"] = str(_l("Choose person (CPF) or company (CNPJ)."))
    try:
        name = validate_text(holder.name, max_length=150)
    except ValidationError as exc:
        errors["new_name"] = str(exc)
        name = None
    try:
        document = validate_document(holder.document, kind)
    except ValidationError as exc:
        errors["new_document"] = str(exc)
        document = None
    email = (holder.email or "").strip() or None
    if email and ("@" not in email or len(email) > 254 or any(c.isspace() for c in email)):
        errors["new_email"] = str(_l("Invalid e-mail address."))
    try:
        # The same rules as the customer screen's free text: it goes into the same column.
        mobile = validate_text(holder.mobile, max_length=20, required=False) or None
    except ValidationError as exc:
        errors["new_mobile"] = str(exc)
        mobile = None
    if document and db.session.scalar(select(Customer.id).where(Customer.document == document)):
        errors["new_document"] = str(_l("A customer with this CPF/CNPJ already exists."))
    if errors or kind is None:
        return None
    return Customer(
        kind=CustomerKind(kind),
        name=name,
        document=document,
        email=email,
        mobile=mobile,
    )


def validate_request(req: TransferRequest, today: date | None = None):
    """Check a transfer request; return (subscription, main contract, new holder, date).

    The new holder is either an existing customer or a new (not yet saved) one.

    Raises:
        NotFoundError: no such subscription.
        TransferError: with a message per field.
    """
    today = today or local_today()
    subscription = db.session.get(Subscription, req.subscription_id)
    if subscription is None:
        raise NotFoundError(_l("Subscription not found."))
    errors: dict[str, str] = {}
    if subscription.status not in MOVABLE:
        errors["subscription"] = str(_l("Only active or suspended plans can change holder."))
    transfer_on = req.transfer_on or today
    if transfer_on < today:
        errors["transfer_on"] = str(_l("The change date cannot be earlier than today."))
    elif transfer_on.year > today.year + 5:
        errors["transfer_on"] = str(_l("Date out of range."))
    contract = db.session.get(Contract, req.main_contract_id) if req.main_contract_id else None
    if contract is None:
        errors["main_contract_id"] = str(_l("Choose the main contract of the transfer."))
    elif contract.customer_id != subscription.customer_id:
        errors["main_contract_id"] = str(_l("The main contract must be the current holder's."))
    elif contract.status != ContractStatus.ACTIVE:
        errors["main_contract_id"] = str(_l("The main contract is not active."))
    holder = None
    if req.new_holder is not None and req.to_customer_id:
        errors["to_customer_id"] = str(
            _l("Choose an existing customer or create a new one, not both.")
        )
    elif req.new_holder is not None:
        holder = _validate_new_holder(req.new_holder, errors)
    elif req.to_customer_id:
        holder = db.session.get(Customer, req.to_customer_id)
        if holder is None:
            errors["to_customer_id"] = str(_l("Customer not found."))
        elif holder.id == subscription.customer_id:
            errors["to_customer_id"] = str(_l("The new holder must be another customer."))
    else:
        errors["to_customer_id"] = str(_l("Choose the new holder."))
    pending = db.session.scalar(
        select(OwnershipTransfer.id).where(
            OwnershipTransfer.subscription_id == subscription.id,
            OwnershipTransfer.status == TransferStatus.SCHEDULED,
        )
    )
    if pending:
        errors["subscription"] = str(
            _l("This plan already has a scheduled holder change; cancel it first.")
        )
    if errors:
        raise TransferError(next(iter(errors.values())), errors)
    return subscription, contract, holder, transfer_on


def request_transfer(
    req: TransferRequest, *, user_id: int | None = None, today: date | None = None
) -> OwnershipTransfer:
    """Record a transfer and run it now (date today) or schedule it (a future date).

    A new holder is created in the same transaction. Returns the transfer, done or
    scheduled.

    Raises:
        NotFoundError, TransferError: see :func:`validate_request`.
    """
    today = today or local_today()
    subscription, contract, holder, transfer_on = validate_request(req, today)
    try:
        if holder.id is None:
            db.session.add(holder)
            db.session.flush()
        transfer = OwnershipTransfer(
            subscription_id=subscription.id,
            from_customer_id=subscription.customer_id,
            to_customer_id=holder.id,
            main_contract_id=contract.id,
            transfer_on=transfer_on,
            cancel_booklets=req.cancel_booklets,
            transfer_debt=req.transfer_debt,
            carry_composition=req.carry_composition,
            status=TransferStatus.SCHEDULED,
            created_by_id=user_id,
        )
        db.session.add(transfer)
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise ConflictError(integrity_message(exc)) from exc
    if transfer_on <= today:
        execute_transfer(transfer.id, today=today)
        db.session.refresh(transfer)
    else:
        from app.jobs import enqueue
        from app.jobs.transfers import run_transfer

        job_id = enqueue(
            run_transfer,
            transfer.id,
            at=start_of_day(transfer_on),
            job_id=f"ownership-transfer-{transfer.id}",
        )
        if job_id:
            transfer.rq_job_id = job_id
            db.session.commit()
    return transfer


def _claim(transfer_id: int) -> bool:
    """Take a scheduled transfer for execution; False when another worker has it.

    The conditional UPDATE holds the row lock until commit (PostgreSQL) or the database
    lock (SQLite): a second worker waits, then finds it no longer scheduled.
    """
    result = db.session.execute(
        update(OwnershipTransfer)
        .where(
            OwnershipTransfer.id == transfer_id,
            OwnershipTransfer.status == TransferStatus.SCHEDULED,
        )
        .values(status=TransferStatus.DONE, executed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _next_contract_number(old: Contract) -> str:
    stem = f"{old.number}-T"
    taken = set(db.session.scalars(select(Contract.number).where(Contract.number.like(f"{stem}%"))))
    n = 1
    while f"{stem}{n}" in taken:
        n += 1
    return f"{stem}{n}"


def _cancel_booklets(contract: Contract) -> int:
    from app.services.billing import cancel_booklet_rows

    booklets = db.session.scalars(
        select(PaymentBooklet).where(
            PaymentBooklet.contract_id == contract.id,
            PaymentBooklet.status == BookletStatus.ACTIVE,
        )
    ).all()
    for booklet in booklets:
        cancel_booklet_rows(booklet)
    return len(booklets)


def _move_debt(old: Contract, new: Contract) -> Decimal:
    """Open charges of the old contract become the new holder's; returns the total moved.

    The copies take the new contract's payment method; on a PIX contract each gets a txid
    of its own (the old one stays with the transferred charge, and a txid is unique).
    """
    from app.services.billing import new_charge

    moved = Decimal("0.00")
    charges = db.session.scalars(
        select(Charge)
        .where(Charge.contract_id == old.id, Charge.status == ChargeStatus.OPEN)
        .order_by(Charge.due_on)
    ).all()
    for charge in charges:
        charge.status = ChargeStatus.TRANSFERRED
        db.session.flush()  # frees the month on the old contract before the copy takes it
        copy = new_charge(
            new,
            description=charge.description,
            amount=charge.amount,
            due_on=charge.due_on,
            period_start=charge.period_start,
            period_end=charge.period_end,
            reference_month=charge.reference_month,
        )
        db.session.flush()
        charge.transferred_to_id = copy.id
        moved += charge.amount
    return moved


def execute_transfer(transfer_id: int, *, today: date | None = None) -> bool:
    """Carry a transfer out, once. Returns False when it was not scheduled any more.

    Raises:
        NotFoundError: no such transfer.
    """
    today = today or local_today()
    transfer = db.session.get(OwnershipTransfer, transfer_id)
    if transfer is None:
        raise NotFoundError(_l("Ownership transfer not found."))
    if transfer.status != TransferStatus.SCHEDULED:
        return False
    try:
        if not _claim(transfer_id):
            db.session.rollback()
            return False
        db.session.refresh(transfer)
        subscription = transfer.subscription
        old = transfer.main_contract
        moving = list(subscription.combo.subscriptions) if subscription.combo else [subscription]
        new = Contract(
            number=_next_contract_number(old),
            customer_id=transfer.to_customer_id,
            template_id=old.template_id,
            responsible_name=transfer.to_customer.name,
            responsible_document=transfer.to_customer.document,
            responsible_customer_id=transfer.to_customer_id,
            fine_amount=old.fine_amount,
            payment_method_id=old.payment_method_id,
            due_day=old.due_day,
            signed_on=transfer.transfer_on,
            starts_on=transfer.transfer_on,
        )
        db.session.add(new)
        db.session.flush()
        if transfer.cancel_booklets:
            _cancel_booklets(old)
        moved = _move_debt(old, new) if transfer.transfer_debt else Decimal("0.00")
        if subscription.combo:
            subscription.combo.customer_id = transfer.to_customer_id
            subscription.combo.contract_id = new.id
        for sub in moving:
            if not transfer.carry_composition:
                # Extras, TV and voice stay in the old history; later end dates stand.
                end_composition(sub, transfer.transfer_on, move_later_ends=False)
            sub.customer_id = transfer.to_customer_id
            sub.contract_id = new.id
        db.session.flush()
        if not any(s.status in MOVABLE for s in old.subscriptions if s not in moving):
            old.status = ContractStatus.TRANSFERRED
        transfer.new_contract_id = new.id
        transfer.message = str(
            _l(
                "Moved to contract %(number)s; debt moved: R$ %(amount)s.",
                number=new.number,
                amount=format(moved, ".2f"),
            )
        )
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        _fail(transfer_id, integrity_message(exc))
        return False
    except Exception as exc:
        db.session.rollback()
        _fail(transfer_id, _l("The transfer failed: %(error)s", error=type(exc).__name__))
        raise
    return True


def _fail(transfer_id: int, message) -> None:
    db.session.execute(
        update(OwnershipTransfer)
        .where(OwnershipTransfer.id == transfer_id)
        .values(status=TransferStatus.FAILED, message=str(message)[:2000])
    )
    db.session.commit()


def cancel_transfer(transfer_id: int, *, today: date | None = None) -> OwnershipTransfer:
    """Cancel a scheduled transfer before its date.

    Raises:
        NotFoundError: no such transfer.
        TransferError: it already ran, was cancelled, or its date has come.
    """
    today = today or local_today()
    transfer = db.session.get(OwnershipTransfer, transfer_id)
    if transfer is None:
        raise NotFoundError(_l("Ownership transfer not found."))
    if transfer.status != TransferStatus.SCHEDULED:
        raise TransferError(_l("Only a scheduled transfer can be cancelled."))
    if transfer.transfer_on <= today:
        raise TransferError(_l("The transfer's date has come; it can no longer be cancelled."))
    result = db.session.execute(
        update(OwnershipTransfer)
        .where(
            OwnershipTransfer.id == transfer_id,
            OwnershipTransfer.status == TransferStatus.SCHEDULED,
        )
        .values(status=TransferStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise TransferError(_l("Only a scheduled transfer can be cancelled."))
    db.session.commit()
    db.session.refresh(transfer)
    if transfer.rq_job_id:
        _drop_job(transfer.rq_job_id)
    return transfer


def _drop_job(job_id: str) -> None:
    """Remove a scheduled job; harmless if gone (the job checks the status anyway)."""
    from app.jobs import jobs_inline, redis_connection

    if jobs_inline():
        return
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    with suppress(NoSuchJobError):
        Job.fetch(job_id, connection=redis_connection()).cancel()


def run_due_transfers(today: date | None = None) -> int:
    """Run every scheduled transfer whose date has come (the in-process sweep)."""
    today = today or local_today()
    ids = db.session.scalars(
        select(OwnershipTransfer.id).where(
            OwnershipTransfer.status == TransferStatus.SCHEDULED,
            OwnershipTransfer.transfer_on <= today,
        )
    ).all()
    return sum(1 for transfer_id in ids if execute_transfer(transfer_id, today=today))


def scheduled_transfers() -> list[OwnershipTransfer]:
    """The transfers waiting for their date (still cancellable), soonest first."""
    return db.session.scalars(
        select(OwnershipTransfer)
        .where(OwnershipTransfer.status == TransferStatus.SCHEDULED)
        .order_by(OwnershipTransfer.transfer_on, OwnershipTransfer.id)
    ).all()


def customer_transfers(customer_id: int) -> list[OwnershipTransfer]:
    """Transfers from or to a customer, newest first (both histories show them)."""
    return db.session.scalars(
        select(OwnershipTransfer)
        .where(
            (OwnershipTransfer.from_customer_id == customer_id)
            | (OwnershipTransfer.to_customer_id == customer_id)
        )
        .order_by(OwnershipTransfer.id.desc())
    ).all()
