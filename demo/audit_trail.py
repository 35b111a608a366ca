"""The audit trail the generated history would have left: one row per reading recorded (by the consumer in the
cabinet, by staff for the water utility's files and the counter), the registrations and links of the consumer
logins, the cabinet's payments (intent, checkout, the provider's confirmation) and the staff's logins.

Written by the database from the rows just generated (INSERT ... SELECT over a chunk's id ranges), in the same
transaction as the chunk, with the details core.audit would have written."""

from __future__ import annotations

import datetime as dt
from dataclasses import astuple, dataclass

from sqlalchemy import Connection, func, insert, select, text

from core.clock import KYIV
from core.staff import DEMO_STAFF
from db.models import AuditLog

# The staff account that imports the water utility's files and types in readings brought to the counter.
READINGS_STAFF = "operator"


@dataclass(frozen=True)
class Span:
    """A chunk's id ranges, first to next (exclusive), per table."""

    accounts: tuple[int, int]
    meters: tuple[int, int]
    logins: tuple[int, int]
    links: tuple[int, int]
    payments: tuple[int, int]
    readings: tuple[int, int]


_COLUMNS = "INSERT INTO audit_log (at, actor_type, actor, action, entity, entity_id, details) "


def _details(*pairs: tuple[str, str] | tuple[str, str, bool], optional: str = "") -> str:
    """SQL for the JSON text core.audit writes (json.dumps: `{"key": value, ...}` in the given order) from
    (key, SQL expression[, quoted: True]) pairs; the `optional` key is left out when its value is NULL, as core
    leaves out a None it is not given. The expressions are the generator's own values: no quote or backslash to
    escape. Braces are doubled: the statement goes through str.format (_sql)."""
    pieces = []
    for key, expression, *quoted in pairs:
        value = f"""'"' || {expression} || '"'""" if quoted != [False] else expression
        piece = f"""', "{key}": ' || {value}"""
        pieces.append(f"COALESCE({piece}, '')" if key == optional else piece)
    return " || ".join(["'{{' || " + pieces[0].replace("', ", "'", 1), *pieces[1:], "'}}'"])


_READING_DETAILS = _details(
    ("value", "{volume}"), ("channel", "r.channel"), ("receipt", "r.receipt_number"),
    ("flagged", "CASE WHEN r.flagged THEN 'true' ELSE 'false' END", False), ("replaced", "'null'", False),
    ("quality", "r.quality"), ("reason", "r.flag_reason"), optional="reason",
)  # fmt: skip
_INTENT_DETAILS = _details(
    ("account", "a.number"), ("service", "p.service"), ("amount", "{money}"), ("provider", "p.source")
)
_PAID_DETAILS = _details(
    ("provider_status", "'success'"), ("amount", "{money}"), ("service", "p.service"),
    ("previous_status", "'created'"), ("payment_id", "CAST(p.id AS TEXT)", False),
)  # fmt: skip

_READINGS = (
    _COLUMNS
    + f"""
SELECT r.submitted_at,
       CASE WHEN r.channel = 'cabinet' THEN 'consumer' ELSE 'staff' END,
       CASE WHEN r.channel = 'cabinet' THEN l.login ELSE :staff END,
       'reading.submitted', 'meter', m.serial, {_READING_DETAILS}
FROM readings r
JOIN meters m ON m.id = r.meter_id AND m.id >= :m0 AND m.id < :m1
LEFT JOIN consumer_logins l ON l.id = r.login_id AND l.id >= :l0 AND l.id < :l1
WHERE r.id >= :r0 AND r.id < :r1
"""
)

_REGISTRATIONS = (
    _COLUMNS
    + f"""
SELECT k.linked_at, 'consumer', l.login, e.action, e.entity,
       CASE WHEN e.entity = 'account' THEN a.number ELSE CAST(l.id AS TEXT) END,
       {_details(("method", "k.method"))}
FROM consumer_account_links k
JOIN consumer_logins l ON l.id = k.login_id AND l.id >= :l0 AND l.id < :l1
JOIN accounts a ON a.id = k.account_id AND a.id >= :a0 AND a.id < :a1
CROSS JOIN (SELECT 'consumer.registered' AS action, 'consumer_login' AS entity, 1 AS step
            UNION ALL SELECT 'account.linked', 'account', 2) e
WHERE k.id >= :k0 AND k.id < :k1
ORDER BY k.id, e.step
"""
)

# A cabinet payment: the consumer's intent and checkout a few minutes before the provider's confirmation.
_CABINET_PAYMENTS = (
    _COLUMNS
    + f"""
SELECT p.paid_at - e.before, e.actor_type, CASE WHEN e.actor_type = 'consumer' THEN l.login ELSE p.source END,
       e.action, 'payment_intent', p.external_ref,
       CASE e.step WHEN 1 THEN {_INTENT_DETAILS} WHEN 2 THEN {_details(("provider", "p.source"))} ELSE {_PAID_DETAILS} END
FROM payments p
JOIN accounts a ON a.id = p.account_id AND a.id >= :a0 AND a.id < :a1
JOIN consumer_account_links k ON k.account_id = p.account_id AND k.id >= :k0 AND k.id < :k1
JOIN consumer_logins l ON l.id = k.login_id AND l.id >= :l0 AND l.id < :l1
CROSS JOIN (SELECT 1 AS step, 'consumer' AS actor_type, 'payment.intent_created' AS action, {{minutes3}} AS before
            UNION ALL SELECT 2, 'consumer', 'payment.checkout', {{minutes2}}
            UNION ALL SELECT 3, 'provider', 'payment.paid', {{minutes0}}) e
WHERE p.id >= :p0 AND p.id < :p1 AND p.channel = 'cabinet'
ORDER BY p.id, e.step
"""
)


def _sql(connection: Connection, statement: str) -> str:
    if connection.dialect.name == "postgresql":
        minutes = {f"minutes{n}": f"interval '{n} minutes'" for n in (0, 2, 3)}
        return statement.format(volume="CAST(r.value AS TEXT)", money="CAST(p.amount AS TEXT)", **minutes)
    # SQLite keeps fixed-point values as integer units and aware datetimes as ISO text (db.models): the values
    # print from their units, the intent's moment is the payment's.
    return statement.format(
        volume="printf('%.3f', r.value / 1000.0)",
        money="printf('%.2f', p.amount / 100.0)",
        minutes3="''",
        minutes2="''",
        minutes0="''",
    ).replace("p.paid_at - e.before", "p.paid_at")


def write_chunk(connection: Connection, span: Span) -> None:
    """The audit rows of one chunk of generated accounts."""
    params: dict[str, object] = {"staff": READINGS_STAFF}
    for key, (first, following) in zip("amlkpr", astuple(span)):
        params[f"{key}0"], params[f"{key}1"] = first, following
    for statement in (_REGISTRATIONS, _READINGS, _CABINET_PAYMENTS):
        connection.execute(text(_sql(connection, statement)), params)


def write_staff_logins(connection: Connection, first: dt.date, now: dt.datetime) -> None:
    """The staff's logins on working days (once: skipped when the trail already holds them)."""
    present = connection.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "staff.login"))
    if present:
        return
    rows = []
    day = first
    while day < now.date():
        if day.weekday() < 5:
            for offset, role in enumerate(DEMO_STAFF):
                if role == "analyst" and day.weekday() != 0:
                    continue  # the analyst looks in on Mondays
                at = dt.datetime.combine(day, dt.time(8, 5 + 7 * offset), tzinfo=KYIV)
                rows.append(
                    {
                        "at": at,
                        "actor_type": "staff",
                        "actor": role,
                        "action": "staff.login",
                        "entity": "staff_user",
                        "entity_id": role,
                        "details": None,
                    }
                )
        day += dt.timedelta(days=1)
    connection.execute(insert(AuditLog), rows)
