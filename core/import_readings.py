"""The water utility's meter readings: each recorded through the cabinet's own rules (core.readings) in the
window it was taken in, unless its reference is stored already (a duplicate, or a conflict when it differs).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import formatting, import_conflicts, rollups
from core.clock import KYIV
from core.errors import DomainError
from core.i18n import N_
from core.import_conflicts import Conflict, reading_values
from core.import_parsing import Rejected, Table
from core.import_rows import REF_LENGTH, RowOutcome, _figure, _in_file_conflict, _moment, _too_long
from core.meter_history import MeterRef
from core.reading_record import Receipt, record_reading
from core.windows import WindowInfo
from db.models import Account, Meter, ReadingWindow

READINGS_SOURCE = "water_utility"


def record_imported(
    session: Session,
    meter: MeterRef,
    value: Decimal,
    window: WindowInfo,
    read_at: dt.datetime,
    actor: str,
    ref: str,
    batch_id: int | None,
    now: dt.datetime | None = None,
    *,
    defer_totals: bool = False,
) -> Receipt:
    """A reading of the water utility's file (or a conflict settled in its favour), recorded by the cabinet's
    rules: the utility's reading stands over a jump or a reading of the same window, under its reference."""
    return record_reading(
        session,
        meter,
        value,
        window=window,
        channel="water_utility",
        submitted_at=read_at,
        actor=actor,
        confirm_jump=True,
        confirm_replace=True,
        source=READINGS_SOURCE,
        external_ref=ref,
        import_batch_id=batch_id,
        defer_totals=defer_totals,
        now=now,
    )


def _readings(
    session: Session, table: Table, batch_id: int | None, actor: str, now: dt.datetime, out: RowOutcome
) -> None:
    to_add, duplicates, rejected, conflicts = out.to_add, out.duplicates, out.rejected, out.conflicts
    refs = sorted({row["ref"] for _line, row in table.rows if row["ref"]})
    stored = import_conflicts.stored_readings(session, READINGS_SOURCE, refs)
    serials = sorted({row["meter_serial"] for _line, row in table.rows})
    meters: dict[str, Meter] = {}
    numbers: dict[int, str] = {}
    for start in range(0, len(serials), 500):
        for meter, number in session.execute(
            select(Meter, Account.number)
            .join(Account, Account.id == Meter.account_id)
            .where(Meter.serial.in_(serials[start : start + 500]))
        ):
            meters[meter.serial], numbers[meter.id] = meter, number
    serial_of = {meter.id: serial for serial, meter in meters.items()}
    windows = [
        WindowInfo(w.id, w.period, w.opens_at, w.closes_at, w.processed_at)
        for w in session.scalars(select(ReadingWindow).order_by(ReadingWindow.opens_at))
    ]
    seen: dict[str, tuple[int, object]] = {}
    standing_changes: list[rollups.StandingChange] = []
    for line, row in table.rows:
        ref = row["ref"]
        if not ref:
            rejected.append(Rejected(line, "import.ref_missing"))
            continue
        if _too_long(line, "ref", ref, REF_LENGTH, rejected):
            continue
        meter = meters.get(row["meter_serial"])
        if meter is None:
            rejected.append(Rejected(line, "import.meter_unknown", {"value": row["meter_serial"]}))
            continue
        if row.get("account_number") and re.sub(r"[\s\-]", "", row["account_number"]) != numbers[meter.id]:
            rejected.append(
                Rejected(line, "import.meter_account_mismatch", {"meter": meter.serial, "value": row["account_number"]})
            )
            continue
        value = _figure(line, row, "value", 3, "import.number_format", rejected)
        if value is None:
            continue
        if value < 0:
            rejected.append(Rejected(line, "import.negative", {"column": "value", "value": row["value"]}))
            continue
        read_at = _moment(line, row["read_at"], now, rejected)
        if read_at is None:
            continue
        incoming = reading_values(meter.serial, value, read_at)
        if _in_file_conflict("readings", line, ref, incoming, seen, duplicates, rejected):
            continue
        known = stored.get(ref)
        if known is not None:
            known_values = reading_values(
                serial_of.get(known.meter_id) or _serial_of(session, known.meter_id), known.value, known.submitted_at
            )
            if known_values == incoming:
                duplicates.append(line)
            else:
                conflicts.append(Conflict(line, "readings", ref, known.id, meter.account_id, known_values, incoming))
            continue
        window = next((w for w in windows if w.opens_at <= read_at < w.closes_at), None)
        if window is None:
            rejected.append(Rejected(line, "import.outside_window", {"value": row["read_at"]}))
            continue
        try:
            with session.begin_nested():
                receipt = record_imported(
                    session, meter, value, window, read_at, actor, ref, batch_id, now, defer_totals=True
                )
        except DomainError as exc:
            rejected.append(_refused(line, meter.serial, exc))
            continue
        if receipt.standing_change is not None:  # counted after the savepoint held: a refused row counts nothing
            standing_changes.append(receipt.standing_change)
        to_add.append(
            {
                "line": line,
                "meter_serial": meter.serial,
                "value": value,
                "read_at": read_at,
                "period": window.period,
                "consumption": receipt.consumption,
                "flagged": receipt.flagged,
                "ref": ref,
            }
        )
    rollups.standing_changes(session, standing_changes)


# The reading rules' refusals speak to the consumer at the meter ("check the digits on the meter"); an import's
# report speaks to the operator about a row of someone else's file: which line, which meter, what it runs against.
_STAFF_WORDING = {
    "reading.below_previous": N_("import.reading_below_previous"),
    "reading.above_next": N_("import.reading_above_next"),
}


def staff_refusal(exc: DomainError, line: int, serial: str) -> DomainError:
    """A refusal of the reading rules in the operator's words (line `line` of the file, meter `serial`, the
    previous value and its date), for the import's report and for a conflict settled in favour of the file; any
    other refusal as it is."""
    key = _STAFF_WORDING.get(exc.key)
    if key is None:
        return exc
    params = {name: value for name, value in exc.params.items() if name != "previous_at"}
    previous_at = exc.params.get("previous_at")
    if isinstance(previous_at, dt.datetime):
        params["previous_at"] = formatting.date(previous_at.astimezone(KYIV).date())
    return DomainError(key, **params, line=line, meter=serial)


def _refused(line: int, serial: str, exc: DomainError) -> Rejected:
    refusal = staff_refusal(exc, line, serial)
    return Rejected(line, refusal.key, refusal.params)


def _serial_of(session: Session, meter_id: int) -> str:
    return session.scalar(select(Meter.serial).where(Meter.id == meter_id)) or ""
