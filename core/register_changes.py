"""What a register file changes, kind by kind: accounts (added, moved, residents, services, closed or reopened),
meters (installed, corrected, removed: core.register_meters) and tariffs and norms per period, each change audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Select, insert, select
from sqlalchemy.orm import Session

from core import clock, rollups
from core.import_parsing import Rejected, parse_month
from core.register_parsing import (
    ACCOUNT_FIELDS,
    EARLIEST,
    _account_number,
    _number,
    _Reject,
    _service,
    _Table,
    account_values,
    address_of,
)
from db.models import Account, Tariff

_T = TypeVar("_T")
_Q = TypeVar("_Q", bound=tuple[Any, ...])


def _chunked(values: list[_T], size: int = 500) -> Iterator[list[_T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _lock(statement: Select[_Q], session: Session, of: Any = None) -> Select[_Q]:
    """Rows a commit may change are locked (PostgreSQL; SQLite has one writer at a time anyway), so two imports
    touching one account take turns and neither overwrites the other's change unseen."""
    if session.get_bind().dialect.name != "postgresql":
        return statement
    return statement.with_for_update(of=of)


# --- accounts ----------------------------------------------------------------------------------------------------

_ADDED_ACCOUNT_FIELDS = ("residents", "heating", "hot_water", "heated_area", "closed_on")


def _stored_account_values(account: Account) -> dict[str, Any]:
    return {
        "street": account.street,
        "building": account.building,
        "flat": account.flat or None,
        "residents": account.residents,
        "heating": account.has_heating,
        "hot_water": account.has_hot_water,
        "heated_area": Decimal(account.heated_area).quantize(Decimal("0.01")),
        "closed_on": account.closed_on,
    }


def _accounts(session: Session, table: _Table, actor: str, now: dt.datetime, out: _Outcome) -> None:
    today = now.astimezone(clock.KYIV).date()
    numbers: dict[int, str] = {}
    for line, row in table.rows:
        try:
            numbers[line] = _account_number(row)
        except _Reject as reason:
            out.reject(line, reason)
    stored: dict[str, Account] = {}
    for chunk in _chunked(sorted(set(numbers.values()))):
        stored.update(
            (a.number, a)
            for a in session.scalars(
                _lock(select(Account).where(Account.number.in_(chunk)).order_by(Account.number), session)
            )
        )
    seen: dict[str, tuple[int, dict[str, Any]]] = {}
    created: list[dict[str, Any]] = []
    for line, row in table.rows:
        number = numbers.get(line)
        if number is None:
            continue
        account = stored.get(number)
        try:
            values = account_values(row, account, today)
        except _Reject as reason:
            out.reject(line, reason)
            continue
        if number in seen:
            first_line, first_values = seen[number]
            if first_values == values:
                out.unchanged.append(line)
            else:
                out.reject(line, _Reject("register.repeated", value=number, first=first_line))
            continue
        seen[number] = (line, values)
        address = address_of(values["street"], values["building"], values["flat"])
        if account is None:
            created.append(
                {
                    "number": number,
                    "street": values["street"],
                    "building": values["building"],
                    "flat": values["flat"],
                    "address": address,
                    "residents": values["residents"],
                    "has_heating": values["heating"],
                    "has_hot_water": values["hot_water"],
                    "heated_area": values["heated_area"],
                    "closed_on": values["closed_on"],
                    "created_at": now,
                }
            )
            # What the preview lists of a new account and what its audit row keeps (the JSON writes numbers as text).
            added = {"address": address} | {name: values[name] for name in _ADDED_ACCOUNT_FIELDS}
            out.audit(
                action="account.created", entity="account", entity_id=number, **added, import_batch_id=out.batch_id
            )
            out.to_add.append({"line": line, "account_number": number, **added})
            continue
        before = _stored_account_values(account)
        fields = {name: (before[name], values[name]) for name in ACCOUNT_FIELDS if before[name] != values[name]}
        if not fields:
            out.unchanged.append(line)
            continue
        details = {name: fields[name] for name in fields if name != "closed_on"}
        if details:
            rollups.street_changed(session, account.id, account.street, values["street"])
            account.street, account.building, account.flat = values["street"], values["building"], values["flat"]
            account.address = address
            account.residents, account.heated_area = values["residents"], values["heated_area"]
            account.has_heating, account.has_hot_water = values["heating"], values["hot_water"]
            out.audit(
                action="account.updated",
                entity="account",
                entity_id=number,
                import_batch_id=out.batch_id,
                changes={name: [str(old), str(new)] for name, (old, new) in details.items()},
            )
        if "closed_on" in fields:
            old, new = fields["closed_on"]
            account.closed_on = new
            out.audit(
                action="account.reopened" if new is None else "account.closed",
                entity="account",
                entity_id=number,
                import_batch_id=out.batch_id,
                closed_on=new,
                previously=old,
            )
        out.changes.append({"line": line, "key": number, "fields": fields})
    if created:  # one multi-row INSERT: a city's register holds tens of thousands of accounts
        session.execute(insert(Account), created)


# --- tariffs and norms -------------------------------------------------------------------------------------------


def _tariffs(session: Session, table: _Table, actor: str, now: dt.datetime, out: _Outcome) -> None:
    stored = {(t.service, t.valid_from): t for t in session.scalars(_lock(select(Tariff).order_by(Tariff.id), session))}
    seen: dict[tuple[str, dt.date], tuple[int, dict[str, Any]]] = {}
    for line, row in table.rows:
        try:
            service = _service(row)
            try:
                valid_from = parse_month(row.get("valid_from") or "")
            except ValueError:
                raise _Reject("import.month_format", value=row.get("valid_from") or "") from None
            if valid_from < EARLIEST:
                raise _Reject("register.day_too_early", column="valid_from", value=row.get("valid_from"))
            values = {
                "tariff": _number(row, "tariff", 4, Decimal(10) ** 8) if row.get("tariff") else None,
                "norm": _number(row, "norm", 3, Decimal(10) ** 4) if row.get("norm") else None,
            }
            if values["tariff"] is None and values["norm"] is None:
                raise _Reject("register.tariff_empty")
            if values["tariff"] is not None and values["tariff"] == 0:
                raise _Reject("register.tariff_zero", value=row.get("tariff"))
            if values["norm"] is not None and service != "hot_water":
                raise _Reject("register.norm_hot_water_only")
            key = (service, valid_from)
            if key in seen:
                first_line, first_values = seen[key]
                if first_values != values:
                    raise _Reject("register.repeated", value=f"{service} {valid_from:%Y-%m}", first=first_line)
                out.unchanged.append(line)
                continue
            seen[key] = (line, values)
            tariff = stored.get(key)
            if tariff is None:
                session.add(
                    Tariff(
                        service=service,
                        valid_from=valid_from,
                        tariff=values["tariff"],
                        norm=values["norm"],
                        import_batch_id=out.batch_id,
                        updated_at=now,
                    )
                )
                out.audit(
                    action="tariff.set",
                    entity="tariff",
                    entity_id=f"{service}:{valid_from:%Y-%m}",
                    tariff=values["tariff"],
                    norm=values["norm"],
                    import_batch_id=out.batch_id,
                )
                out.to_add.append({"line": line, "service": service, "valid_from": f"{valid_from:%Y-%m}", **values})
                continue
            before = {
                "tariff": None if tariff.tariff is None else Decimal(tariff.tariff).quantize(Decimal("0.0001")),
                "norm": None if tariff.norm is None else Decimal(tariff.norm).quantize(Decimal("0.001")),
            }
            fields = {k: (before[k], values[k]) for k in values if before[k] != values[k]}
            if not fields:
                out.unchanged.append(line)
                continue
            tariff.tariff, tariff.norm, tariff.import_batch_id, tariff.updated_at = (
                values["tariff"],
                values["norm"],
                out.batch_id,
                now,
            )
            out.audit(
                action="tariff.changed",
                entity="tariff",
                entity_id=f"{service}:{valid_from:%Y-%m}",
                import_batch_id=out.batch_id,
                changes={k: [str(old), str(new)] for k, (old, new) in fields.items()},
            )
            out.changes.append({"line": line, "key": f"{service} {valid_from:%Y-%m}", "fields": fields})
        except _Reject as reason:
            out.reject(line, reason)


@dataclass
class _Outcome:
    batch_id: int
    actor: str
    now: dt.datetime
    rejected: list[Rejected]
    to_add: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    audits: list[dict[str, Any]] = field(default_factory=list)  # written together at the end (one statement)

    def reject(self, line: int, reason: _Reject) -> None:
        self.rejected.append(Rejected(line, reason.key, reason.params))

    def audit(self, **entry: object) -> None:
        self.audits.append({"at": self.now, "actor_type": "staff", "actor": self.actor, **entry})
