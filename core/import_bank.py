"""The bank payment registry's rows: each payment checked, then credited through the reconciliation
(core.reconciliation) unless its reference is stored already (a duplicate, or a conflict when it differs).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import import_conflicts
from core.import_conflicts import Conflict
from core.import_parsing import Rejected, Table
from core.import_rows import (
    CENT,
    REF_LENGTH,
    RowOutcome,
    _account_numbers,
    _accounts,
    _figure,
    _in_file_conflict,
    _moment,
    _named_rows,
    _too_long,
)
from core.reconciliation import RegistryRow, credit_registry_payments
from db.models import Account

BANK_SOURCE = "bank_registry"
PAYMENT_CHANNELS = ("bank", "post", "terminal", "cabinet")
ORDER_ID_LENGTH = 64


def _bank(session: Session, table: Table, batch_id: int | None, now: dt.datetime, out: RowOutcome) -> None:
    to_add, duplicates, rejected, conflicts = out.to_add, out.duplicates, out.rejected, out.conflicts
    numbers = _account_numbers(table.rows)
    accounts = _accounts(session, {n for n in numbers.values() if isinstance(n, str)})
    seen: dict[str, tuple[int, object]] = {}
    candidates: list[tuple[int, str, RegistryRow]] = []
    for line, row, number, service in _named_rows(table.rows, numbers, accounts, rejected):
        amount = _figure(line, row, "amount", 2, "import.amount_format", rejected)
        if amount is None:
            continue
        if amount <= 0:
            rejected.append(Rejected(line, "import.amount_positive", {"value": row["amount"]}))
            continue
        paid_at = _moment(line, row["paid_at"], now, rejected)
        if paid_at is None:
            continue
        ref = row["payment_ref"]
        if not ref:
            rejected.append(Rejected(line, "import.ref_missing"))
            continue
        if _too_long(line, "payment_ref", ref, REF_LENGTH, rejected) or _too_long(
            line, "order_id", row.get("order_id"), ORDER_ID_LENGTH, rejected
        ):
            continue
        channel = (row.get("channel") or "bank").lower()
        if channel not in PAYMENT_CHANNELS:
            rejected.append(Rejected(line, "import.channel_unknown", {"value": row.get("channel")}))
            continue
        amount = amount.quantize(CENT)
        if _in_file_conflict(
            "bank", line, ref, (accounts[number], service, amount, paid_at), seen, duplicates, rejected
        ):
            continue
        candidates.append(
            (
                line,
                number,
                RegistryRow(accounts[number], service, amount, paid_at, channel, ref, row.get("order_id") or None),
            )
        )
    stored = import_conflicts.stored_payments(session, BANK_SOURCE, [c[2].external_ref for c in candidates])
    numbers_by_id = {account_id: number for number, account_id in accounts.items()}
    fresh: list[tuple[int, str, RegistryRow]] = []
    for line, number, entry in candidates:
        known = stored.get(entry.external_ref)
        if known is None:
            fresh.append((line, number, entry))
        elif (known.account_id, known.service, known.amount, known.paid_at) == (
            entry.account_id,
            entry.service,
            entry.amount,
            entry.paid_at,
        ):
            duplicates.append(line)
        else:
            conflicts.append(
                Conflict(
                    line,
                    "bank",
                    entry.external_ref,
                    known.payment_id or 0,
                    entry.account_id,
                    known.values(numbers_by_id.get(known.account_id) or _number_of(session, known.account_id)),
                    import_conflicts.values(
                        account_number=number,
                        service=entry.service,
                        amount=entry.amount,
                        paid_at=entry.paid_at,
                        channel=entry.channel,
                    ),
                )
            )
    outcomes = credit_registry_payments(
        session, [c[2] for c in fresh], source=BANK_SOURCE, import_batch_id=batch_id, unknown=True
    )
    for (line, number, entry), outcome in zip(fresh, outcomes):
        if outcome == "duplicate":
            duplicates.append(line)
        else:
            to_add.append(
                {
                    "line": line,
                    "account_number": number,
                    "service": entry.service,
                    "amount": entry.amount,
                    "paid_at": entry.paid_at,
                    "payment_ref": entry.external_ref,
                    "order_id": entry.order_id,
                }
            )


def _number_of(session: Session, account_id: int) -> str:
    return session.scalar(select(Account.number).where(Account.id == account_id)) or ""
