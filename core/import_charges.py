"""The billing system's charges: each row's figures checked against each other, then stored as a charge unless
the account, service and month hold one already (a duplicate, or a conflict when it differs).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from core import balances, import_conflicts, rollups
from core.charges import to_pay as expected_to_pay
from core.formatting import number as formatted
from core.import_conflicts import Conflict, charge_key, charge_values
from core.import_parsing import Rejected, Table, month_in_range, parse_month, value_reason
from core.import_rows import CENT, RowOutcome, _account_numbers, _accounts, _figure, _in_file_conflict, _named_rows
from db.models import Charge

CHARGE_PLACES = (
    ("volume", 3),
    ("tariff", 4),
    ("amount", 2),
    ("discount_percent", 2),
    ("discount_amount", 2),
    ("amount_to_pay", 2),
)


def _charge_figures(line: int, row: dict[str, str], rejected: list[Rejected]) -> dict[str, Decimal] | None:
    """The row's numbers, checked against each other: to pay = charge × (1 − discount/100), rounded half up to
    the kopeck, and the discount amount the rest (core.charges.to_pay). None with the reason in `rejected`."""
    values = {}
    for column, places in CHARGE_PLACES:
        text = row.get(column, "")
        if column in ("discount_percent", "discount_amount", "amount_to_pay") and not text:
            continue
        figure = _figure(line, row, column, places, "import.number_format", rejected)
        if figure is None:
            return None
        values[column] = figure
        if values[column] < 0:
            rejected.append(Rejected(line, "import.negative", {"column": column, "value": text}))
            return None
    discount = values.setdefault("discount_percent", Decimal("0"))
    if discount > 100:
        rejected.append(Rejected(line, "import.discount_range", {"value": row.get("discount_percent")}))
        return None
    amount = values["amount"] = values["amount"].quantize(CENT)
    expected = expected_to_pay(amount, discount)
    given = values.get("amount_to_pay", expected)
    if given != expected:
        rejected.append(
            Rejected(
                line,
                "import.to_pay_mismatch",
                {
                    "value": row["amount_to_pay"],
                    "amount": formatted(amount, places=2),
                    "percent": formatted(discount, places=2 if discount % 1 else 0),
                    "expected": formatted(expected, places=2),
                },
            )
        )
        return None
    if "discount_amount" in values and values["discount_amount"] != amount - expected:
        rejected.append(
            Rejected(
                line,
                "import.discount_amount_mismatch",
                {"value": row["discount_amount"], "expected": formatted(amount - expected, places=2)},
            )
        )
        return None
    values["amount_to_pay"], values["discount_amount"] = expected, amount - expected
    return values


def _charges(session: Session, table: Table, batch_id: int | None, now: dt.datetime, out: RowOutcome) -> None:
    to_add, duplicates, rejected, conflicts = out.to_add, out.duplicates, out.rejected, out.conflicts
    numbers = _account_numbers(table.rows)
    accounts = _accounts(session, {n for n in numbers.values() if isinstance(n, str)})
    months = set()
    for _line, row in table.rows:
        try:
            months.add(parse_month(row["month"]))
        except ValueError:
            pass
    stored = import_conflicts.stored_charges(session, sorted(set(accounts.values())), sorted(months))
    seen: dict[str, tuple[int, object]] = {}
    for line, row, number, service in _named_rows(table.rows, numbers, accounts, rejected):
        try:
            month = parse_month(row["month"])
        except ValueError as exc:
            rejected.append(Rejected(line, value_reason(exc, "import.month_format"), {"value": row["month"]}))
            continue
        if not month_in_range(month, now):
            rejected.append(Rejected(line, "import.date_range", {"value": row["month"]}))
            continue
        values = _charge_figures(line, row, rejected)
        if values is None:
            continue
        incoming = charge_values(
            _Figures(**{k: values[k] for k in ("volume", "tariff", "amount", "discount_percent", "amount_to_pay")})
        )
        key = charge_key(number, service, month)
        if _in_file_conflict("charges", line, key, incoming, seen, duplicates, rejected):
            continue
        known = stored.get((accounts[number], service, month))
        if known is not None:
            if charge_values(known) == incoming:
                duplicates.append(line)
            else:
                conflicts.append(
                    Conflict(line, "charges", key, known.id, accounts[number], charge_values(known), incoming)
                )
            continue
        session.add(
            Charge(
                account_id=accounts[number],
                service=service,
                month=month,
                volume=values["volume"],
                tariff=values["tariff"],
                amount=values["amount"],
                discount_percent=values["discount_percent"],
                discount_amount=values["discount_amount"],
                amount_to_pay=values["amount_to_pay"],
                import_batch_id=batch_id,
            )
        )
        to_add.append(
            {
                "line": line,
                "account_number": number,
                "service": service,
                "month": month,
                **{k: values[k] for k in ("volume", "tariff", "amount", "discount_percent", "amount_to_pay")},
            }
        )
    if to_add:
        rollups.add_charges(
            session,
            [
                Charge(
                    account_id=accounts[r["account_number"]],
                    month=r["month"],
                    service=r["service"],
                    amount_to_pay=r["amount_to_pay"],
                )
                for r in to_add
            ],
        )
        balances.written_before(session, month=min(row["month"] for row in to_add))


@dataclass(frozen=True)
class _Figures:
    volume: Decimal
    tariff: Decimal
    amount: Decimal
    discount_percent: Decimal
    amount_to_pay: Decimal
