"""Finding customers: the quick search staff use on the phone with a customer.

What the caller reads out may be a piece of the name, a CPF/CNPJ (or its first digits),
the PPPoE login or the serial printed on the ONU; :func:`find_customers` takes any of
them. Every branch is a bounded query that an index answers (on PostgreSQL, the
trigram indexes of migration 0006), and they are sent as one statement, so a search
costs the same number of statements whatever it matches.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select, text, union_all

from app.extensions import db
from app.models import Customer, Onu, RadiusLogin, Subscription
from app.validators import only_digits

MIN_TERM = 3  # trigram indexes need three characters; fewer match half the base anyway


def _contains(term: str) -> str:
    """An ``ILIKE`` pattern matching ``term`` anywhere, its wildcards taken literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find_customers(term: str, limit: int = 20) -> list[Customer]:
    """Customers matching ``term``, by name.

    A term of digits (punctuation allowed, as in ``123.456.789-09``) is a CPF/CNPJ or its
    beginning; any other term is looked for in the names. A term of one word is also
    looked for in the PPPoE logins and ONU serials of the customers' subscriptions
    (serials are hexadecimal, so all digits is no proof of a document). Terms shorter
    than three characters find nothing.

    Args:
        term: what the user typed.
        limit: the most customers returned.

    Returns:
        Up to ``limit`` customers, ordered by name; when more match, which ones is
        unspecified (a longer term narrows the search).
    """
    term = (term or "").strip()
    if len(term) < MIN_TERM:
        return []
    digits = only_digits(term)
    pattern = _contains(term)
    branches = []
    if digits and not any(ch.isalpha() for ch in term):
        branches.append(
            select(Customer.id)
            .where(Customer.document.like(f"{digits}%"))
            .limit(limit)
        )
    else:
        branches.append(
            select(Customer.id)
            .where(Customer.name.ilike(pattern, escape="\\"))
            .limit(limit)
        )
    if " " not in term:
        branches.append(
            select(Subscription.customer_id)
            .join(RadiusLogin, RadiusLogin.subscription_id == Subscription.id)
            .where(RadiusLogin.username.ilike(pattern, escape="\\"))
            .limit(limit)
        )
        branches.append(
            select(Subscription.customer_id)
            .join(Onu, Onu.subscription_id == Subscription.id)
            .where(Onu.serial.ilike(pattern, escape="\\"))
            .limit(limit)
        )
    # No branch is ordered: ordering all the matches of a common fragment ("aria" is in
    # one name in twenty) to keep the first twenty costs a second at a million customers,
    # while stopping at the first twenty found costs milliseconds. The page orders what
    # it shows; when more match, the user types more.
    # Each branch is limited inside its own subquery (SQLite refuses LIMIT on a member
    # of a UNION otherwise).
    ids_query = union_all(*(select(b.subquery().c[0]) for b in branches))
    with _trigram_scans():
        ids = set(db.session.scalars(ids_query))
    if not ids:
        return []
    query = select(Customer).where(Customer.id.in_(ids)).order_by(Customer.name, Customer.id)
    return list(db.session.scalars(query.limit(limit)))


_SCAN_SETTINGS = ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan")


@contextmanager
def _trigram_scans() -> Iterator[None]:
    """On PostgreSQL, make the statements of the block use bitmap (trigram) index scans.

    The planner guesses the share of names containing a fragment and, for a common one,
    walks the name index or the table hoping to meet twenty matches early; when the
    matches sort or lie late ("aria" is in every "Maria"), that reads most of a million
    rows. The trigram index finds them wherever they are. The settings are local to the
    transaction and put back at the end of the block.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        yield
        return
    names = ", ".join(f"current_setting('{n}')" for n in _SCAN_SETTINGS)
    changes = ", ".join(f"set_config('{n}', 'off', true)" for n in _SCAN_SETTINGS)
    saved = db.session.execute(text(f"SELECT {names}, {changes}")).one()  # noqa: S608
    try:
        yield
    finally:
        db.session.execute(
            text(
                "SELECT "
                + ", ".join(f"set_config('{n}', :v{i}, true)" for i, n in enumerate(_SCAN_SETTINGS))
            ),
            {f"v{i}": saved[i] for i in range(len(_SCAN_SETTINGS))},
        )
