"""What a register file changes in the meters (installed, corrected, removed), each change audited; the accounts,
the tariffs and the helpers they share are in core.register_changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from core import clock
from core.clock import kyiv_midnight
from core.register_changes import _chunked, _lock, _Outcome
from core.register_parsing import (
    MAX_METER_VALUE,
    _account_number,
    _day,
    _number,
    _Reject,
    _service,
    _Table,
    _text,
)
from db.models import Account, Meter, Reading

# --- meters ------------------------------------------------------------------------------------------------------


def _meters(session: Session, table: _Table, actor: str, now: dt.datetime, out: _Outcome) -> None:
    today = now.astimezone(clock.KYIV).date()
    serials = sorted({row.get("meter_serial") or "" for _line, row in table.rows} - {""})
    stored: dict[str, tuple[Meter, str]] = {}
    for chunk in _chunked(serials):
        for meter, number in session.execute(
            _lock(
                select(Meter, Account.number)
                .join(Account, Account.id == Meter.account_id)
                .where(Meter.serial.in_(chunk))
                .order_by(Meter.serial),
                session,
                of=Meter,
            )
        ):
            stored[meter.serial] = (meter, number)
    numbers = set()
    for _line, row in table.rows:
        try:
            numbers.add(_account_number(row))
        except _Reject:
            pass
    accounts: dict[str, tuple[int, dt.date | None]] = {}
    for chunk in _chunked(sorted(numbers)):
        accounts.update(
            (n, (i, c))
            for n, i, c in session.execute(
                select(Account.number, Account.id, Account.closed_on).where(Account.number.in_(chunk))
            )
        )
    seen: dict[str, tuple[int, dict[str, Any]]] = {}
    for line, row in table.rows:
        try:
            serial = cast(str, _text(row, "meter_serial"))  # required: never None
            number = _account_number(row)
            values: dict[str, Any] = {
                "account_number": number,
                "service": _service(row),
                "installed_on": _day(row, "installed_on", today),
                "initial_value": _number(row, "initial_value", 3, MAX_METER_VALUE),
                "removed_on": _day(row, "removed_on", today, required=False),
            }
            if number not in accounts:
                raise _Reject("import.account_unknown", value=number)
            if values["removed_on"] is not None and values["removed_on"] < values["installed_on"]:
                raise _Reject("register.removed_before_installed", value=row.get("removed_on"))
            if serial in seen:
                first_line, first_values = seen[serial]
                if first_values != values:
                    raise _Reject("register.repeated", value=serial, first=first_line)
                out.unchanged.append(line)
                continue
            seen[serial] = (line, values)
            account_id, closed_on = accounts[number]
            found = stored.get(serial)
            if found is None:
                if closed_on is not None and (values["removed_on"] is None or values["removed_on"] > closed_on):
                    raise _Reject("register.account_closed", value=number)
                meter = Meter(
                    account_id=account_id,
                    serial=serial,
                    service=values["service"],
                    unit="m3",
                    initial_value=values["initial_value"],
                    installed_on=values["installed_on"],
                    removed_on=values["removed_on"],
                )
                session.add(meter)
                installed = {name: value for name, value in values.items() if name != "account_number"}
                out.audit(
                    action="meter.installed",
                    entity="meter",
                    entity_id=serial,
                    account=number,
                    **installed,  # the JSON writes the initial value as text
                    import_batch_id=out.batch_id,
                )
                out.to_add.append({"line": line, "meter_serial": serial, **values})
                continue
            meter, owner = found
            if owner != number:
                raise _Reject("register.meter_other_account", meter=serial, value=owner)
            if meter.service != values["service"]:
                raise _Reject("register.meter_service", meter=serial, value=meter.service)
            fields: dict[str, tuple[Any, Any]] = {}
            if meter.installed_on != values["installed_on"]:
                fields["installed_on"] = (meter.installed_on, values["installed_on"])
            if Decimal(meter.initial_value) != values["initial_value"]:
                fields["initial_value"] = (
                    Decimal(meter.initial_value).quantize(Decimal("0.001")),
                    values["initial_value"],
                )
            if meter.removed_on != values["removed_on"]:
                fields["removed_on"] = (meter.removed_on, values["removed_on"])
            if not fields:
                out.unchanged.append(line)
                continue
            _change_meter(session, meter, number, closed_on, fields, values, out)
            out.changes.append({"line": line, "key": serial, "fields": fields})
        except _Reject as reason:
            out.reject(line, reason)


def _change_meter(
    session: Session,
    meter: Meter,
    number: str,
    closed_on: dt.date | None,
    fields: dict[str, Any],
    values: dict[str, Any],
    out: _Outcome,
) -> None:
    """Correct the installation (only before any reading), remove the meter or put a removal right."""
    has_readings = session.scalar(select(exists().where(Reading.meter_id == meter.id)))
    if ("installed_on" in fields or "initial_value" in fields) and has_readings:
        raise _Reject("register.meter_installation_fixed", meter=meter.serial)
    removed_on = values["removed_on"]
    if "removed_on" in fields:
        if removed_on is not None:
            later = session.scalar(
                select(
                    exists().where(
                        Reading.meter_id == meter.id,
                        Reading.status == "accepted",
                        Reading.submitted_at >= kyiv_midnight(removed_on + dt.timedelta(days=1)),
                    )
                )
            )
            if later:
                raise _Reject("register.meter_read_after_removal", meter=meter.serial, value=removed_on.isoformat())
        elif closed_on is not None:
            raise _Reject("register.account_closed", value=number)
    if "installed_on" in fields or "initial_value" in fields:
        meter.installed_on, meter.initial_value = values["installed_on"], values["initial_value"]
        out.audit(
            action="meter.corrected",
            entity="meter",
            entity_id=meter.serial,
            account=number,
            import_batch_id=out.batch_id,
            changes={k: [str(old), str(new)] for k, (old, new) in fields.items() if k != "removed_on"},
        )
    if "removed_on" in fields:
        old, new = fields["removed_on"]
        meter.removed_on = new
        out.audit(
            action="meter.removed" if new is not None else "meter.reinstalled",
            entity="meter",
            entity_id=meter.serial,
            account=number,
            removed_on=new,
            previously=old,
            import_batch_id=out.batch_id,
        )
