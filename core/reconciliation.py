"""Crediting bank-registry payments so every kopeck lands once on the right account and service.

Each registry row is matched to a cabinet payment intent by its order id, or credited to the account and service
it names. A row for an order the provider's callback already credited adds nothing ("duplicate"); a row that
confirms an intent still open marks it paid and credits it once ("matched_intent"). Every row leaves a
RegistryMatch, so the reconciliation report (core.reconciliation_report) can list for staff the rows that need a
look and the cabinet payments the bank has not (yet) reported.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import String, any_, bindparam, exists, insert, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from core import audit, balances, clock, rollups
from db.models import Payment, PaymentIntent, RegistryMatch

# Why a registry row is listed for staff although its money was handled.
ISSUES = ("order_unknown", "order_mismatch", "amount_differs", "possible_duplicate")
POSSIBLE_DUPLICATE_WINDOW = dt.timedelta(days=3)
_T = TypeVar("_T")


def _intent_for_update(session: Session, order_id: str) -> PaymentIntent | None:
    return session.scalar(select(PaymentIntent).where(PaymentIntent.order_id == order_id).with_for_update())


def _unconfirmed_cabinet_payment(
    session: Session, account_id: int, service: str, amount: Decimal, paid_at: dt.datetime
) -> PaymentIntent | None:
    """A cabinet payment of the same account, service and amount, around the same time, no registry row yet."""
    return session.scalar(
        select(PaymentIntent)
        .where(
            PaymentIntent.account_id == account_id,
            PaymentIntent.service == service,
            PaymentIntent.amount == amount,
            PaymentIntent.status == "paid",
            PaymentIntent.paid_at.between(paid_at - POSSIBLE_DUPLICATE_WINDOW, paid_at + POSSIBLE_DUPLICATE_WINDOW),
            ~exists().where(RegistryMatch.intent_id == PaymentIntent.id),
        )
        .limit(1)
    )


# The registry row's columns that its payment and its RegistryMatch both carry, in the order the COPY writer uses.
RECORDED = ("account_id", "service", "amount", "paid_at", "external_ref")


@dataclass(frozen=True)
class RegistryRow:
    account_id: int
    service: str
    amount: Decimal
    paid_at: dt.datetime
    channel: str
    external_ref: str
    order_id: str | None = None

    @property
    def order(self) -> str | None:
        """The order id the row names; a blank one names none."""
        return (self.order_id or "").strip() or None

    def recorded(self) -> dict[str, Any]:
        """What the row's payment and its registry match both record of it."""
        return {name: getattr(self, name) for name in RECORDED}


@dataclass(frozen=True)
class _Registry:
    """What every row written for one registry shares: its source, its import batch and the moment of crediting."""

    source: str
    import_batch_id: int | None
    now: dt.datetime

    @property
    def batch(self) -> dict[str, Any]:
        """The source and import batch that every payment and match written for the registry name."""
        return {"source": self.source, "import_batch_id": self.import_batch_id}

    def payment(self, row: RegistryRow) -> dict[str, Any]:
        """The columns of the Payment that credits `row`."""
        return {**row.recorded(), **self.batch, "channel": row.channel}

    def match(self, row: RegistryRow) -> dict[str, Any]:
        """The columns of `row`'s RegistryMatch but its outcome and what it links to."""
        return {**row.recorded(), **self.batch, "order_id": row.order, "created_at": self.now}


def registry_match(payment: Payment, outcome: str, now: dt.datetime) -> RegistryMatch:
    """The RegistryMatch of a payment credited from a registry row by other means (a conflict's reversal or fix)."""
    recorded = {name: getattr(payment, name) for name in RECORDED}
    registry = _Registry(payment.source, payment.import_batch_id, now)
    return RegistryMatch(**recorded, **registry.batch, created_at=now, outcome=outcome, payment_id=payment.id)


def credit_registry_payment(
    session: Session,
    *,
    account_id: int,
    service: str,
    amount: Decimal,
    paid_at: dt.datetime,
    channel: str,
    source: str,
    external_ref: str,
    order_id: str | None = None,
    import_batch_id: int | None = None,
) -> str:
    """Apply one registry row; returns "added", "duplicate" or "matched_intent".

    - the same row (source, external_ref) again: "duplicate", nothing written;
    - order id of an intent already paid (by the provider's callback): "duplicate", nothing credited twice;
    - order id of an intent still open (or failed/expired) with the same account, service and amount: the intent
      becomes paid and is credited once: "matched_intent";
    - otherwise the money is credited to the account and service the row names: "added". Rows that name an
      unknown order, contradict their order, or look like a cabinet payment the callback already credited are
      flagged for staff (RegistryMatch.issue).
    """
    row = RegistryRow(account_id, service, amount, paid_at, channel, external_ref, order_id)
    return _credit(session, row, _Registry(source, import_batch_id, clock.now()))


def _credit(session: Session, row: RegistryRow, registry: _Registry) -> str:
    """One registry row by the rules of credit_registry_payment; its intent, if it names one, locked."""
    if _known_refs(session, registry.source, [row.external_ref]):
        return "duplicate"
    order_id, amount, now = row.order, row.amount, registry.now
    intent = _intent_for_update(session, order_id) if order_id else None
    outcome, issue, linked_intent, credit = "added", None, None, True
    if order_id and intent is None:
        issue = "order_unknown"
    elif intent is not None and (intent.account_id != row.account_id or intent.service != row.service):
        issue = "order_mismatch"
    elif intent is not None and intent.status == "paid":
        outcome, linked_intent, credit = "duplicate", intent, False
        issue = None if amount == intent.amount else "amount_differs"
    elif intent is not None and amount != intent.amount:
        issue = "amount_differs"
    elif intent is not None:
        outcome, linked_intent = "matched_intent", intent
    else:
        lookalike = _unconfirmed_cabinet_payment(session, row.account_id, row.service, amount, row.paid_at)
        if lookalike is not None:
            issue = "possible_duplicate"

    payment_id = None
    if credit:
        payment = Payment(**registry.payment(row))
        session.add(payment)
        session.flush()
        payment_id = payment.id
    if outcome == "matched_intent" and intent is not None:
        previous = intent.status
        intent.status, intent.paid_at, intent.payment_id, intent.updated_at = "paid", row.paid_at, payment_id, now
        intent.provider_status = intent.provider_status or "registry"
        audit.system_action(
            session,
            "reconciliation",
            "payment.paid_by_registry",
            "payment_intent",
            intent.order_id,
            at=now,
            previous_status=previous,
            source=registry.source,
            external_ref=row.external_ref,
            amount=str(amount),
            import_batch_id=registry.import_batch_id,
        )
    intent_id = linked_intent.id if linked_intent is not None else None
    links = {"outcome": outcome, "issue": issue, "intent_id": intent_id, "payment_id": payment_id}
    session.add(RegistryMatch(**registry.match(row), **links))
    return outcome


def _chunks(items: list[_T]) -> list[list[_T]]:
    """`items` in lists of a size every driver takes as parameters of one statement."""
    return [items[start : start + 5000] for start in range(0, len(items), 5000)]


def _known_refs(session: Session, source: str, refs: list[str]) -> set[str]:
    """The refs already credited or reconciled from `source`. PostgreSQL takes them all as one array parameter;
    elsewhere they go in IN lists of a size every driver accepts."""
    postgresql = session.connection().dialect.name == "postgresql"
    known: set[str] = set()
    for chunk in [refs] if postgresql else _chunks(refs):
        for model in (RegistryMatch, Payment):
            wanted = (
                model.external_ref == any_(bindparam("refs", chunk, type_=ARRAY(String)))
                if postgresql
                else model.external_ref.in_(chunk)
            )
            known.update(session.scalars(select(model.external_ref).where(model.source == source, wanted)))
    return known


def _lookalike_issues(session: Session, rows: list[RegistryRow]) -> list[str | None]:
    """ "possible_duplicate" for each row that looks like a cabinet payment no registry row has confirmed yet."""
    if not rows:
        return []
    lookalikes: dict[tuple[int, str, Decimal], list[dt.datetime]] = {}
    low = min(r.paid_at for r in rows) - POSSIBLE_DUPLICATE_WINDOW
    high = max(r.paid_at for r in rows) + POSSIBLE_DUPLICATE_WINDOW
    for account_id, service, amount, paid_at in session.execute(
        select(PaymentIntent.account_id, PaymentIntent.service, PaymentIntent.amount, PaymentIntent.paid_at).where(
            PaymentIntent.status == "paid",
            PaymentIntent.paid_at.between(low, high),
            ~exists().where(RegistryMatch.intent_id == PaymentIntent.id),
        )
    ):
        lookalikes.setdefault((account_id, service, amount), []).append(paid_at)
    issues: list[str | None] = []
    for row in rows:
        nearby = lookalikes.get((row.account_id, row.service, row.amount), ())
        near = any(abs(at - row.paid_at) <= POSSIBLE_DUPLICATE_WINDOW for at in nearby)
        issues.append("possible_duplicate" if near else None)
    return issues


# COPY's text format: a NULL, and the characters written as backslash escapes inside a value.
_COPY_NULL = "\\N"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str) -> str:
    return value.translate(_COPY_ESCAPES)


def _copy(cursor: Any, table: str, columns: str, lines: list[str]) -> None:
    cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", io.StringIO("".join(lines)), size=1 << 20)


def _write_credited_by_copy(
    session: Session, rows: list[RegistryRow], issues: list[str | None], registry: _Registry
) -> None:
    """PostgreSQL: the payments' ids are drawn from their sequence first, so both tables can be written with COPY
    (several times faster than multi-row INSERTs) inside the session's transaction.

    Values are written in COPY's text format: amounts as the Decimal's digits, date-times as ISO 8601 with their
    offset (what psycopg2 sends for a timestamptz parameter too), texts escaped."""
    session.flush()
    sequence = session.scalar(text("SELECT pg_get_serial_sequence('payments', 'id')"))
    payment_ids = sorted(
        session.scalar(
            text("SELECT array_agg(nextval(CAST(:sequence AS regclass))) FROM generate_series(1, :n)"),
            {"sequence": sequence, "n": len(rows)},
        )
    )
    batch = _COPY_NULL if registry.import_batch_id is None else str(registry.import_batch_id)
    shared = f"{_copy_text(registry.source)}\t{batch}"  # source, import_batch_id
    added = f"{shared}\tadded\t{registry.now.isoformat()}"  # source, import_batch_id, outcome, created_at
    payments, matches = [], []
    for row, issue, payment_id in zip(rows, issues, payment_ids):
        same = (  # the payment's or match's id, then RECORDED
            f"{payment_id}\t{row.account_id}\t{_copy_text(row.service)}\t{row.amount}\t{row.paid_at.isoformat()}"
            f"\t{_copy_text(row.external_ref)}"
        )
        payments.append(f"{same}\t{_copy_text(row.channel)}\t{shared}\n")
        matches.append(f"{same}\t{issue or _COPY_NULL}\t{added}\n")
    same_columns = ", ".join(RECORDED)
    dbapi_connection: Any = session.connection().connection.dbapi_connection  # psycopg2's, with COPY
    with dbapi_connection.cursor() as cursor:
        _copy(cursor, "payments", f"id, {same_columns}, channel, source, import_batch_id", payments)
        _copy(
            cursor,
            "registry_matches",
            f"payment_id, {same_columns}, issue, source, import_batch_id, outcome, created_at",
            matches,
        )


def _write_credited_by_insert(
    session: Session, rows: list[RegistryRow], issues: list[str | None], registry: _Registry
) -> None:
    """Any database: multi-row INSERTs, the payments' ids taken back in the rows' order."""
    returning_ids = insert(Payment).returning(Payment.id, sort_by_parameter_order=True)
    payment_ids = [
        payment_id
        for chunk in _chunks(rows)
        for payment_id in session.scalars(returning_ids, [registry.payment(row) for row in chunk])
    ]
    matches = [
        {**registry.match(row), "outcome": "added", "issue": issue, "intent_id": None, "payment_id": payment_id}
        for row, issue, payment_id in zip(rows, issues, payment_ids)
    ]
    for chunk in _chunks(matches):
        session.execute(insert(RegistryMatch), chunk)


def credit_registry_payments(
    session: Session,
    rows: list[RegistryRow],
    *,
    source: str,
    import_batch_id: int | None = None,
    unknown: bool = False,
) -> list[str]:
    """Apply many registry rows at once with the same outcomes as credit_registry_payment, row by row.

    Rows without an order id (nearly all of a bank's registry) are checked against what is already credited
    and against unconfirmed cabinet payments in a few set queries, then written in bulk (COPY on PostgreSQL,
    multi-row INSERTs elsewhere); rows that carry an order id go through the single-row path, which locks
    their intent. `unknown`: the caller has just looked the refs up in this transaction and found none stored
    (core.import_bank), so they are not looked up again; the unique keys still refuse a ref stored since.
    """
    known = set() if unknown else _known_refs(session, source, [r.external_ref for r in rows])
    plain = [r for r in rows if r.order is None and r.external_ref not in known]
    if plain:
        issues = _lookalike_issues(session, plain)
        dialect = session.connection().dialect
        bulk = (
            _write_credited_by_copy
            if (dialect.name, dialect.driver) == ("postgresql", "psycopg2")
            else _write_credited_by_insert
        )
        bulk(session, plain, issues, _Registry(source, import_batch_id, clock.now()))
    credited = {r.external_ref for r in plain}
    outcomes = []
    for row in rows:
        if row.external_ref in credited:
            outcomes.append("added")
        elif row.external_ref in known:
            outcomes.append("duplicate")
        else:
            outcomes.append(_credit(session, row, _Registry(source, import_batch_id, clock.now())))
    # The day totals once for the file, in key order (core.rollups): parallel imports lock them in the same order.
    rollups.add_payments(session, [row for row, outcome in zip(rows, outcomes) if outcome != "duplicate"])
    if rows:
        balances.written_before(session, moment=min(r.paid_at for r in rows))
    return outcomes
