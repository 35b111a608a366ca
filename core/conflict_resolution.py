"""Resolving an import conflict (the corrected row stands: a reversal and a fix, never an update in place) or
dismissing it with a note; each audited. What a conflict is: core.import_conflicts.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core import audit, balances, clock, rollups
from core.errors import DomainError
from core.import_conflicts import REF_LENGTH, stored_charges, stored_payments, stored_readings
from core.reconciliation import registry_match
from core.windows import WindowInfo
from db.models import Account, Charge, ImportConflict, Meter, Payment, Reading, ReadingWindow


def _open_conflict(session: Session, conflict_id: int) -> ImportConflict:
    conflict = session.scalar(select(ImportConflict).where(ImportConflict.id == conflict_id).with_for_update())
    if conflict is None:
        raise DomainError("conflict.not_found")
    if conflict.status != "open":
        raise DomainError("conflict.not_open")
    return conflict


def _suffixed(ref: str, suffix: str) -> str:
    return ref[: REF_LENGTH - len(suffix)] + suffix


def _resolve_payment(
    session: Session, conflict: ImportConflict, incoming: dict[str, Any], now: dt.datetime
) -> int | None:
    from core.import_bank import BANK_SOURCE

    ref = conflict.key
    standing = stored_payments(session, BANK_SOURCE, [ref]).get(ref)
    if standing is None:
        raise DomainError("conflict.not_found")
    account_id = session.scalar(select(Account.id).where(Account.number == incoming["account_number"]))
    if standing.payment_id is None:
        raise DomainError("conflict.no_payment")  # the cabinet's payment stands; settled with the provider
    original = session.get_one(Payment, standing.payment_id)
    number = (
        session.execute(
            select(func.count())
            .select_from(ImportConflict)
            .where(ImportConflict.kind == "bank", ImportConflict.key == ref, ImportConflict.status == "resolved")
        ).scalar_one()
        + 1
    )
    amount, paid_at = Decimal(incoming["amount"]), dt.datetime.fromisoformat(incoming["paid_at"])
    reversal = Payment(
        account_id=original.account_id,
        service=original.service,
        amount=-original.amount,
        paid_at=original.paid_at,
        channel=original.channel,
        source=original.source,
        external_ref=_suffixed(ref, f"#rev{number}"),
        import_batch_id=conflict.import_batch_id,
        reverses_id=original.id,
    )
    corrected = Payment(
        account_id=account_id,
        service=incoming["service"],
        amount=amount,
        paid_at=paid_at,
        channel=incoming.get("channel") or original.channel,  # the file's; a conflict stored before it had one
        source=original.source,
        external_ref=_suffixed(ref, f"#fix{number}"),
        import_batch_id=conflict.import_batch_id,
        replaces_id=original.id,
    )
    session.add_all([reversal, corrected])
    session.flush()
    rollups.add_payments(session, [reversal, corrected])
    for payment in (reversal, corrected):  # the registry side of the reconciliation nets out too
        session.add(registry_match(payment, "corrected", now))
    balances.written_before(session, moment=min(original.paid_at, paid_at))
    return corrected.id


def _resolve_charge(session: Session, conflict: ImportConflict, incoming: dict[str, Any]) -> int | None:
    number, service, month_text = conflict.key.split("/")
    month = dt.date.fromisoformat(month_text + "-01")
    account_id = session.scalar(select(Account.id).where(Account.number == number))
    if account_id is None:
        raise DomainError("conflict.not_found")
    original = stored_charges(session, [account_id], [month]).get((account_id, service, month))
    if original is None:
        raise DomainError("conflict.not_found")
    reversal = Charge(
        account_id=account_id,
        service=service,
        month=month,
        volume=-original.volume,
        tariff=original.tariff,
        amount=-original.amount,
        discount_percent=original.discount_percent,
        discount_amount=-original.discount_amount,
        amount_to_pay=-original.amount_to_pay,
        import_batch_id=conflict.import_batch_id,
        reverses_id=original.id,
    )
    to_pay = Decimal(incoming["amount_to_pay"])
    corrected = Charge(
        account_id=account_id,
        service=service,
        month=month,
        volume=Decimal(incoming["volume"]),
        tariff=Decimal(incoming["tariff"]),
        amount=Decimal(incoming["amount"]),
        discount_percent=Decimal(incoming["discount_percent"]),
        discount_amount=Decimal(incoming["amount"]) - to_pay,
        amount_to_pay=to_pay,
        import_batch_id=conflict.import_batch_id,
        replaces_id=original.id,
    )
    session.add(reversal)
    session.flush()  # the reversal first: the statement lists a month's rows in the order they were written
    session.add(corrected)
    session.flush()
    rollups.add_charges(session, [reversal, corrected])
    balances.written_before(session, month=month)
    return corrected.id


def _resolve_reading(session: Session, conflict: ImportConflict, incoming: dict[str, Any], actor: str) -> int | None:
    from core.import_readings import READINGS_SOURCE, record_imported, staff_refusal

    stored = stored_readings(session, READINGS_SOURCE, [conflict.key]).get(conflict.key)
    meter = session.scalar(select(Meter).where(Meter.serial == incoming["meter_serial"]))
    if stored is None or meter is None:
        raise DomainError("conflict.not_found")
    read_at = dt.datetime.fromisoformat(incoming["read_at"])
    window = session.scalar(
        select(ReadingWindow).where(ReadingWindow.opens_at <= read_at, ReadingWindow.closes_at > read_at)
    )
    if window is None:
        raise DomainError("import.outside_window", value=incoming["read_at"])
    number = (
        session.execute(
            select(func.count())
            .select_from(ImportConflict)
            .where(
                ImportConflict.kind == "readings",
                ImportConflict.key == conflict.key,
                ImportConflict.status == "resolved",
            )
        ).scalar_one()
        + 1
    )
    window_info = WindowInfo(window.id, window.period, window.opens_at, window.closes_at, window.processed_at)
    fix_ref = _suffixed(conflict.key, f"#fix{number}")
    value = Decimal(incoming["value"])
    try:
        with session.begin_nested():
            record_imported(session, meter, value, window_info, read_at, actor, fix_ref, conflict.import_batch_id)
    except DomainError as exc:  # the reading rules speak to the consumer; here an operator settles a file's row
        refusal = staff_refusal(exc, conflict.line, meter.serial)
        if refusal is exc:
            raise
        raise refusal from exc
    corrected = session.execute(
        select(Reading).where(Reading.source == READINGS_SOURCE, Reading.external_ref == fix_ref)
    ).scalar_one()
    if stored.status == "accepted" and stored.id != corrected.id:
        session.refresh(stored)  # recording the correction may have stepped it aside already
        if stored.status == "accepted":
            rollups.standing_changed(session, stored.meter_id, stored.window_id, None, stored.channel)
        stored.status, stored.superseded_by_id = "superseded", corrected.id
    return corrected.id


def resolve(sessions: sessionmaker[Session], conflict_id: int, actor: str) -> int | None:
    """Apply the file's values: a reversing entry plus the corrected row, audited; returns the corrected row's id.

    The conflict row is locked, and a stored row can be reversed once only (unique index), so two operators
    resolving at once credit nothing twice: the second is told the conflict is no longer open."""
    now = clock.now()
    try:
        with sessions.begin() as session:
            conflict = _open_conflict(session, conflict_id)
            incoming = json.loads(conflict.incoming)
            if conflict.kind == "bank":
                corrected = _resolve_payment(session, conflict, incoming, now)
            elif conflict.kind == "charges":
                corrected = _resolve_charge(session, conflict, incoming)
            else:
                corrected = _resolve_reading(session, conflict, incoming, actor)
            conflict.corrected_id = corrected
            stored = json.loads(conflict.stored)
            _close(session, conflict, "resolved", actor, now, stored=stored, incoming=incoming, corrected_id=corrected)
            return corrected
    except IntegrityError as exc:
        raise DomainError("conflict.not_open") from exc


def dismiss(sessions: sessionmaker[Session], conflict_id: int, actor: str, note: str) -> None:
    """Keep the stored row as it is (the file was wrong); the reason is required and audited."""
    note = (note or "").strip()
    if not note:
        raise DomainError("conflict.note_required")
    now = clock.now()
    with sessions.begin() as session:
        conflict = _open_conflict(session, conflict_id)
        conflict.note = note[:500]
        _close(session, conflict, "dismissed", actor, now, note=note)


def _close(
    session: Session, conflict: ImportConflict, status: str, actor: str, now: dt.datetime, **details: object
) -> None:
    """The conflict leaves the open list (resolved or dismissed) by `actor`, audited with `details`."""
    conflict.status, conflict.resolved_by, conflict.resolved_at = status, actor, now
    audit.staff_action(
        session,
        actor,
        f"import.conflict_{status}",
        "import_conflict",
        conflict.id,
        at=now,
        kind=conflict.kind,
        key=conflict.key,
        **details,
    )
