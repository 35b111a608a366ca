"""The reference for row a: the numbers each staff data function returns, computed by hand-written SQL sent
through a bare DB-API cursor (psycopg2 / sqlite3) with no ORM, no pool and no result objects.

`run(connection, url, name, args, kwargs)` replays one recorded core call and returns the milliseconds it took
(statements executed and every row fetched), or None when no reference is written for that function. The SQL
is what an experienced person would write for the same numbers: one pass where the project makes several,
conditional aggregates instead of repeated scans, index-backed lookups for per-row "latest" values.
On SQLite money and volume columns hold integer kopecks and litres (db.models.Fixed): the sums come back in
those units, exact, and are timed as such.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import re
import sqlite3
import time
from decimal import Decimal

from sqlalchemy.engine import make_url

from core import balances, clock, window_figures
from core.clock import KYIV, add_months, kyiv_midnight, month_start

UTC = dt.UTC


def connect(url: str):
    """A bare DB-API connection with the session settings the project's own connections get (db.engine: JIT off),
    so the reference and the project run their SQL under the same planner."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        import psycopg2

        connection = psycopg2.connect(
            host=parsed.host or "127.0.0.1",
            port=parsed.port or 5432,
            user=parsed.username or "postgres",
            password=parsed.password,
            dbname=parsed.database,
        )
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        connection.commit()
        return connection
    assert parsed.database, f"{url} names no database file"
    return sqlite3.connect(parsed.database, timeout=30)


class Sql:
    """Dialect details of the hand-written SQL: parameters, timestamps and Kyiv calendar buckets."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.pg = not isinstance(connection, sqlite3.Connection)

    def run(self, statement: str, params: dict | None = None) -> list[tuple]:
        params = params or {}
        if self.pg:
            statement = re.sub(r"(?<!:):([a-z_][a-z0-9_]*)", r"%(\1)s", statement)
        else:
            params = {k: self.value(v) for k, v in params.items()}
        cursor = self.connection.cursor()
        try:
            cursor.execute(statement, params)
            return cursor.fetchall()
        finally:
            cursor.close()

    def value(self, v):
        if isinstance(v, dt.datetime):
            return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, Decimal):
            return str(v)
        if isinstance(v, bool):
            return int(v)
        return v

    def offset(self, column: str) -> str:
        # SQLite stores naive UTC: Kyiv is UTC+3 from April to October, UTC+2 otherwise.
        return (
            f"CASE WHEN CAST(strftime('%m', {column}) AS INTEGER) BETWEEN 4 AND 10 THEN '+3 hours' ELSE '+2 hours' END"
        )

    def bucket(self, column: str, unit: str) -> str:
        if self.pg:
            return f"to_char(date_trunc('{unit}', {column} AT TIME ZONE 'Europe/Kyiv'), 'YYYY-MM-DD')"
        local = f"{column}, {self.offset(column)}"
        if unit == "month":
            return f"strftime('%Y-%m-01', {local})"
        if unit == "week":
            return f"date({local}, '-6 days', 'weekday 1')"
        return f"date({local})"


def _metered(end_param: str) -> str:
    return (
        f"m.service = 'hot_water' AND m.installed_on < :{end_param} "
        f"AND (m.removed_on IS NULL OR m.removed_on >= :{end_param}) AND a.has_hot_water"
    )


# --- core.dashboard ----------------------------------------------------------------------------------------------


def _windows_around(sql: Sql, now: dt.datetime):
    rows = sql.run(
        "SELECT id, period, opens_at, closes_at FROM reading_windows WHERE opens_at <= :now "
        "ORDER BY opens_at DESC LIMIT 3",
        {"now": now},
    )
    windows = [(i, _date(p), _moment(o), _moment(c)) for i, p, o, c in rows]
    current = next((w for w in windows if w[3] > now), None)
    is_open = current is not None
    if current is None:
        closed = [w for w in windows if w[3] <= now]
        current = max(closed, key=lambda w: w[3]) if closed else None
    previous = None
    if current is not None:
        previous = next((w for w in windows if w[1] == add_months(current[1], -1)), None)
        if previous is None:
            row = sql.run(
                "SELECT id, period, opens_at, closes_at FROM reading_windows WHERE period = :p",
                {"p": add_months(current[1], -1)},
            )
            previous = (row[0][0], _date(row[0][1]), _moment(row[0][2]), _moment(row[0][3])) if row else None
    return current, is_open, previous


def _date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _moment(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return dt.datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def overview(sql: Sql, p: dict) -> None:
    now = p.get("now") or clock.now()
    local = now.astimezone(KYIV)
    current, is_open, previous = _windows_around(sql, now)
    if current is not None:
        params = {"cur": current[0], "cur_end": add_months(current[1], 1)}
        prev_part = "0, 0"
        if previous is not None:
            params.update(
                prev=previous[0],
                prev_end=add_months(previous[1], 1),
                until=previous[2] + (now - current[2]) if is_open else dt.datetime(9999, 1, 1, tzinfo=UTC),
            )
            prev_part = (
                f"COUNT(DISTINCT CASE WHEN {_metered('prev_end')} THEN m.account_id END), "
                f"COUNT(DISTINCT CASE WHEN {_metered('prev_end')} AND r.prev_at < :until THEN m.account_id END)"
            )
        sql.run(
            f"""
            WITH r AS (
                SELECT meter_id,
                       MIN(CASE WHEN window_id = :cur THEN submitted_at END) AS cur_at,
                       MIN(CASE WHEN window_id = :prev THEN submitted_at END) AS prev_at
                FROM readings
                WHERE window_id IN (:cur, :prev) AND status IN ('accepted', 'superseded')
                GROUP BY meter_id)
            SELECT COUNT(DISTINCT CASE WHEN {_metered("cur_end")} THEN m.account_id END),
                   COUNT(DISTINCT CASE WHEN {_metered("cur_end")} AND r.cur_at IS NOT NULL THEN m.account_id END),
                   {prev_part}
            FROM meters m JOIN accounts a ON a.id = m.account_id LEFT JOIN r ON r.meter_id = m.id
            WHERE m.service = 'hot_water' AND a.has_hot_water
            """,
            {"prev": -1, **params},
        )
    month = month_start(local.date())
    previous_month = add_months(month, -1)
    month_begins, previous_begins = kyiv_midnight(month), kyiv_midnight(previous_month)
    previous_until = min(previous_begins + (now - month_begins), month_begins)
    sql.run(
        "SELECT SUM(CASE WHEN paid_at >= :mb THEN amount END), SUM(CASE WHEN paid_at < :pu THEN amount END) "
        "FROM payments WHERE paid_at >= :pb AND paid_at < :now",
        {"mb": month_begins, "pu": previous_until, "pb": previous_begins, "now": now},
    )
    sql.run(
        "SELECT month, SUM(amount_to_pay) FROM charges WHERE month IN (:m1, :m2) GROUP BY month",
        {"m1": previous_month, "m2": add_months(previous_month, -1)},
    )
    ago = now - (month_begins - previous_begins)
    # The debt as the project reads it (core.balances): every account's positive balance from the balances kept
    # with each money write, and the figure a month ago from its record.
    sql.run("SELECT SUM(CASE WHEN charged - paid > 0 THEN charged - paid ELSE 0 END) FROM account_balances")
    sql.run("SELECT debt FROM debt_records WHERE day = :day", {"day": balances.compared_day(now)})
    sql.run(
        "SELECT COUNT(DISTINCT account_id), COUNT(DISTINCT CASE WHEN linked_at <= :ago THEN account_id END) "
        "FROM consumer_account_links WHERE linked_at <= :now",
        {"ago": ago, "now": now},
    )


def streets(sql: Sql, p: dict) -> None:
    sql.run("SELECT DISTINCT street FROM accounts ORDER BY street")


def _street(p: dict, params: dict) -> str:
    if p.get("street"):
        params["street"] = p["street"]
        return " AND a.street = :street"
    return ""


def readings_per_window(sql: Sql, p: dict) -> None:
    # As the project (core.window_figures): a closed window's figures from its record, the open window's metered
    # accounts kept, its accounts with a reading (and a street's figures) counted; readings per channel from the
    # window totals (core.rollups).
    now = p.get("now") or clock.now()
    windows = sql.run(
        "SELECT id, period, closes_at FROM reading_windows WHERE period >= :f AND period <= :l AND opens_at <= :now "
        "ORDER BY period",
        {"f": month_start(p["first"]), "l": month_start(p["last"]), "now": now},
    )
    if not windows:
        return
    params: dict = {}
    street = _street(p, params)
    closed = [w for w in windows if not street and _moment(w[2]) <= now]
    counted = [w for w in windows if w not in closed]
    if closed:
        sql.run(f"SELECT window_id, submitted, metered FROM window_figures WHERE window_id IN ({_ids(closed)})")
    if counted and not street:  # the open window's metered accounts, kept (core.window_figures)
        kept = sql.run(f"SELECT window_id, metered FROM window_metered WHERE window_id IN ({_ids(counted)})")
        kept_ids = {int(i) for i, _metered_accounts in kept}
        metered_counted = [w for w in counted if int(w[0]) not in kept_ids]
    else:
        metered_counted = counted
    if metered_counted:
        columns = []
        for index, (_id, period, _closes) in enumerate(metered_counted):
            params[f"e{index}"] = add_months(_date(period), 1)
            columns.append(f"COUNT(DISTINCT CASE WHEN {_metered(f'e{index}')} THEN m.account_id END)")
        sql.run(
            f"SELECT {', '.join(columns)} FROM meters m JOIN accounts a ON a.id = m.account_id "
            f"WHERE m.service = 'hot_water' AND a.has_hot_water{street}",
            params,
        )
    if counted:
        sql.run(
            f"SELECT r.window_id, COUNT(DISTINCT m.account_id) FROM readings r JOIN meters m ON m.id = r.meter_id "
            f"JOIN accounts a ON a.id = m.account_id WHERE r.window_id IN ({_ids(counted)}) AND r.status = 'accepted' "
            f"AND m.service = 'hot_water' AND a.has_hot_water{street} GROUP BY r.window_id",
            params,
        )
    on_street = " AND street = :street" if street else ""
    sql.run(
        f"SELECT window_id, channel, SUM(accepted) FROM window_reading_totals WHERE window_id IN ({_ids(windows)})"
        f"{on_street} GROUP BY window_id, channel HAVING SUM(accepted) > 0",
        params,
    )


def _ids(windows) -> str:
    return ", ".join(str(int(w[0])) for w in windows)


def submission_curve(sql: Sql, p: dict) -> None:
    row = sql.run("SELECT id, period, closes_at FROM reading_windows WHERE id = :w", {"w": p["window_id"]})[0]
    params = {"w": row[0], "e": add_months(_date(row[1]), 1)}
    street = _street(p, params)
    # A closed window's curve (all streets) from its record, as the project reads it (core.window_figures.curve).
    now = p.get("now") or clock.now()
    closed = not street and _moment(row[2]) <= now - window_figures.SETTLE
    if closed and sql.run("SELECT day, accounts FROM window_curve_days WHERE window_id = :w", params):
        sql.run("SELECT metered FROM window_figures WHERE window_id = :w", params)
        return
    # The metered accounts as the project reads them (core.window_figures.metered): a window's record or what is
    # kept for the open one; a street's, or a window with neither, counted.
    kept = None
    if not street:
        [(kept,)] = sql.run(
            "SELECT COALESCE((SELECT metered FROM window_figures WHERE window_id = :w), "
            "(SELECT metered FROM window_metered WHERE window_id = :w))",
            params,
        )
    if kept is None:
        sql.run(
            f"""
            SELECT COUNT(DISTINCT m.account_id) FROM meters m JOIN accounts a ON a.id = m.account_id
            WHERE {_metered("e")}{street}
            """,
            params,
        )
    sql.run(
        f"""
        SELECT {sql.bucket("first_at", "day")} AS day, COUNT(*) FROM (
            SELECT m.account_id, MIN(r.submitted_at) AS first_at
            FROM readings r JOIN meters m ON m.id = r.meter_id JOIN accounts a ON a.id = m.account_id
            WHERE r.window_id = :w AND r.status IN ('accepted', 'superseded') AND {_metered("e")}{street}
            GROUP BY m.account_id) AS firsts
        GROUP BY day
        """,
        params,
    )


def accounts_without_reading(sql: Sql, p: dict) -> None:
    row = sql.run("SELECT id, period FROM reading_windows WHERE id = :w", {"w": p["window_id"]})[0]
    params = {"w": row[0], "e": add_months(_date(row[1]), 1)}
    street = _street(p, params)
    missing = (
        f"{_metered('e')}{street} AND NOT EXISTS (SELECT 1 FROM readings x WHERE x.meter_id = m.id "
        f"AND x.window_id = :w AND x.status = 'accepted')"
    )
    sql.run(f"SELECT COUNT(*) FROM meters m JOIN accounts a ON a.id = m.account_id WHERE {missing}", params)
    limit = f" LIMIT {int(p['limit'])}" if p.get("limit") is not None else ""
    sql.run(
        f"""
        SELECT t.number, t.address, t.street, t.serial, lr.value, lr.submitted_at FROM (
            SELECT a.number, a.address, a.street, m.serial,
                   (SELECT r.id FROM readings r WHERE r.meter_id = m.id AND r.status = 'accepted'
                    AND r.window_id <> :w ORDER BY r.submitted_at DESC LIMIT 1) AS last_id
            FROM meters m JOIN accounts a ON a.id = m.account_id
            WHERE {missing}
            ORDER BY a.street, a.number{limit}) AS t
        LEFT JOIN readings lr ON lr.id = t.last_id
        ORDER BY t.street, t.number
        """,
        params,
    )


def payment_inflows(sql: Sql, p: dict) -> None:
    params = {"a": kyiv_midnight(p["first"]), "b": kyiv_midnight(p["last"] + dt.timedelta(days=1))}
    where = ""
    for name in ("service", "channel"):
        if p.get(name):
            params[name] = p[name]
            where += f" AND {name} = :{name}"
    bucket = sql.bucket("paid_at", p.get("unit") or "month")
    sql.run(
        f"SELECT {bucket} AS b, service, channel, SUM(amount), COUNT(*) FROM payments "
        f"WHERE paid_at >= :a AND paid_at < :b{where} GROUP BY b, service, channel ORDER BY b",
        params,
    )


def payments_against_charges(sql: Sql, p: dict) -> None:
    first, last = month_start(p["first"]), month_start(p["last"])
    params = {
        "a": kyiv_midnight(first),
        "b": kyiv_midnight(add_months(last, 1)),
        "cf": add_months(first, -1),
        "cl": add_months(last, -1),
    }
    where = ""
    if p.get("service"):
        params["service"] = p["service"]
        where = " AND service = :service"
    bucket = sql.bucket("paid_at", "month")
    sql.run(
        f"SELECT {bucket} AS b, SUM(amount) FROM payments WHERE paid_at >= :a AND paid_at < :b{where} GROUP BY b",
        params,
    )
    sql.run(
        f"SELECT month, SUM(amount_to_pay) FROM charges WHERE month >= :cf AND month <= :cl{where} GROUP BY month",
        params,
    )


def flagged_readings(sql: Sql, p: dict) -> None:
    sql.run(
        """
        SELECT a.number, a.address, a.street, m.serial, r.value, r.consumption, r.submitted_at, r.channel,
               r.flag_reason
        FROM readings r JOIN meters m ON m.id = r.meter_id JOIN accounts a ON a.id = m.account_id
        WHERE r.window_id = :w AND r.status = 'accepted' AND r.flagged
        ORDER BY a.street, a.number""",
        {"w": p["window_id"]},
    )


# --- other staff pages -----------------------------------------------------------------------------------------


def list_windows(sql: Sql, p: dict) -> None:
    sql.run("SELECT id, period, opens_at, closes_at, processed_at FROM reading_windows ORDER BY period DESC")


def recent_batches(sql: Sql, p: dict) -> None:
    sql.run(
        "SELECT id, kind, filename, created_at, created_by, rows_total, rows_added, rows_duplicate, rows_rejected "
        "FROM import_batches ORDER BY created_at DESC, id DESC LIMIT :n",
        {"n": p.get("limit", 20)},
    )


def additional_charge_list(sql: Sql, p: dict) -> None:
    row = sql.run(
        "SELECT id, period, opens_at, processed_at FROM reading_windows WHERE id = :w", {"w": p["window_id"]}
    )[0]
    period, opens = _date(row[1]), _moment(row[2])
    params = {
        "w": row[0],
        "e": add_months(period, 1),
        "opens": opens,
        "since": opens - dt.timedelta(days=365),
        "p": period,
        "p3": add_months(period, -3),
    }
    if row[3] is not None:  # processed: the stored lines, with what each estimate was made of (as the project)
        sql.run(
            """
            SELECT a.id, a.number, a.address, a.street, m.id, m.serial, c.residents, c.months_without, c.rule,
                   c.average_daily, c.days, c.volume, c.tariff, c.amount
            FROM additional_charges c JOIN accounts a ON a.id = c.account_id JOIN meters m ON m.id = c.meter_id
            WHERE c.window_id = :w ORDER BY a.street, a.number""",
            {"w": row[0]},
        )
        return
    sql.run(
        f"""
        WITH missing AS (
            SELECT m.id AS meter_id, m.serial, a.id AS account_id, a.number, a.address, a.street, a.residents
            FROM meters m JOIN accounts a ON a.id = m.account_id
            WHERE {_metered("e")} AND NOT EXISTS (SELECT 1 FROM readings x WHERE x.meter_id = m.id
                  AND x.window_id = :w AND x.status = 'accepted'))
        SELECT ms.meter_id, ms.serial, ms.account_id, ms.number, ms.address, ms.street, ms.residents,
               h.last_period, h.first_at, h.last_at, h.low, h.high,
               (SELECT c.tariff FROM charges c WHERE c.account_id = ms.account_id AND c.service = 'hot_water'
                AND c.month >= :p3 AND c.month <= :p ORDER BY c.month DESC LIMIT 1) AS tariff
        FROM missing ms
        LEFT JOIN (
            SELECT r.meter_id, MAX(w.period) AS last_period,
                   MIN(CASE WHEN r.submitted_at >= :since THEN r.submitted_at END) AS first_at,
                   MAX(CASE WHEN r.submitted_at >= :since THEN r.submitted_at END) AS last_at,
                   MIN(CASE WHEN r.submitted_at >= :since THEN r.value END) AS low,
                   MAX(CASE WHEN r.submitted_at >= :since THEN r.value END) AS high
            FROM readings r JOIN missing x ON x.meter_id = r.meter_id
            LEFT JOIN reading_windows w ON w.id = r.window_id
            WHERE r.status = 'accepted' AND r.quality = 'actual' AND r.submitted_at < :opens
            GROUP BY r.meter_id) h ON h.meter_id = ms.meter_id
        ORDER BY ms.street, ms.number
        """,
        params,
    )


def find_accounts(sql: Sql, p: dict) -> None:
    text = (p.get("query") or "").strip()
    digits = re.sub(r"[\s\-]", "", text)
    if digits.isdigit() and len(digits) >= 4:
        sql.run(
            "SELECT id, number, address FROM accounts WHERE number >= :lo AND number < :hi "
            "ORDER BY street, number LIMIT 50",
            {"lo": digits, "hi": digits + ":"},
        )
        # As the project does: the end of an account number unless the number is whole, and a meter's start.
        if len(digits) < 13:
            ends = "reverse(number) BETWEEN :back_lo AND :back_hi" if sql.pg else "number LIKE :end"
            pad = 13 - len(digits)
            sql.run(
                f"SELECT id, number, address FROM accounts WHERE {ends} ORDER BY number LIMIT 50",
                {"back_lo": digits[::-1] + "0" * pad, "back_hi": digits[::-1] + "9" * pad, "end": "%" + digits},
            )
        sql.run(
            "SELECT a.id, a.number, a.address, m.serial FROM meters m JOIN accounts a ON a.id = m.account_id "
            "WHERE upper(replace(replace(m.serial, ' ', ''), '-', '')) LIKE :start ORDER BY a.street, a.number LIMIT 50",
            {"start": digits + "%"},
        )
        return
    words = [w for w in re.split(r"[\s,]+", text) if w]
    if not words:
        return
    params = {f"w{i}": f"%{w.lower()}%" for i, w in enumerate(words)}
    where = " AND ".join(f"lower(address) LIKE :w{i}" for i in range(len(words)))
    sql.run(
        f"SELECT id, number, address FROM (SELECT id, number, address, street FROM accounts WHERE {where} OFFSET 0) "
        "found ORDER BY street, number LIMIT 50",
        params,
    )


def account_card(sql: Sql, p: dict) -> None:
    a = {"a": p["account_id"]}
    number = sql.run(
        "SELECT number, street, has_heating, has_hot_water, address, heated_area, residents "
        "FROM accounts WHERE id = :a",
        a,
    )[0][0]
    serials = [s for (s,) in sql.run("SELECT serial FROM meters WHERE account_id = :a", a)]
    sql.run(
        """SELECT r.meter_id, w.period, r.value, r.consumption, r.submitted_at, r.channel, r.status, r.quality,
                      r.flagged, r.flag_reason, r.receipt_number
               FROM readings r JOIN meters m ON m.id = r.meter_id LEFT JOIN reading_windows w ON w.id = r.window_id
               WHERE m.account_id = :a ORDER BY r.submitted_at DESC, r.id DESC""",
        a,
    )
    logins = sql.run(
        """SELECT l.id, l.login, k.method, k.linked_at, l.last_login_at FROM consumer_account_links k
                        JOIN consumer_logins l ON l.id = k.login_id WHERE k.account_id = :a ORDER BY k.linked_at""",
        a,
    )
    sql.run(
        """SELECT w.period, c.meter_id, c.rule, c.volume, c.amount FROM additional_charges c
               JOIN reading_windows w ON w.id = c.window_id WHERE c.account_id = :a ORDER BY w.period DESC""",
        a,
    )
    params = {
        "number": number,
        **{f"s{i}": s for i, s in enumerate(serials)},
        **{f"l{i}": str(row[0]) for i, row in enumerate(logins)},
        **{f"n{i}": row[1] for i, row in enumerate(logins)},
    }
    parts = [
        "SELECT id, at, actor_type, actor, action, entity, entity_id, details FROM audit_log "
        "WHERE entity = 'account' AND entity_id = :number"
    ]
    if serials:
        parts.append(
            "SELECT id, at, actor_type, actor, action, entity, entity_id, details FROM audit_log "
            f"WHERE entity = 'meter' AND entity_id IN ({', '.join(f':s{i}' for i in range(len(serials)))})"
        )
    if logins:
        parts.append(
            "SELECT id, at, actor_type, actor, action, entity, entity_id, details FROM audit_log "
            f"WHERE entity = 'consumer_login' AND entity_id IN ({', '.join(f':l{i}' for i in range(len(logins)))})"
        )
        parts.append(
            "SELECT id, at, actor_type, actor, action, entity, entity_id, details FROM audit_log "
            f"WHERE actor_type = 'consumer' AND actor IN ({', '.join(f':n{i}' for i in range(len(logins)))})"
        )
    sql.run(
        f"SELECT * FROM ({' UNION '.join(parts)}) AS t ORDER BY at DESC, id DESC LIMIT {int(p.get('audit_limit') or 200)}",
        params,
    )
    # The statement: charges, payments, pending intents; balances summed from the fetched rows.
    sql.run(
        "SELECT month, service, volume, tariff, amount, discount_percent, discount_amount, amount_to_pay "
        "FROM charges WHERE account_id = :a ORDER BY month DESC, service",
        a,
    )
    sql.run(
        "SELECT paid_at, service, amount, channel FROM payments WHERE account_id = :a ORDER BY paid_at DESC, id DESC", a
    )
    sql.run(
        "SELECT created_at, service, amount, status FROM payment_intents WHERE account_id = :a "
        "AND status IN ('created', 'pending') ORDER BY created_at DESC",
        a,
    )


def list_staff_users(sql: Sql, p: dict) -> None:
    sql.run("SELECT id, username, full_name, role, active, last_login_at FROM staff_users ORDER BY username")


def _where(where: list[str], params: dict, clause: str, name: str, value) -> None:
    """The clause and its parameter, when the filter is set."""
    if value:
        where.append(clause)
        params[name] = value


def _ledger_measures(alias: str, summed: list[str]) -> dict[str, str]:
    """A ledger's measures as the explorer names them: each summed column, the row count, the first one's average."""
    return {
        **{column: f"SUM({alias}.{column})" for column in summed},
        "count": "COUNT(*)",
        "average": f"AVG({alias}.{summed[0]})",
    }


def explore_run(sql: Sql, p: dict) -> None:
    """The explorer's query for the chosen dataset, filters, group-by and measure, totals with a window count."""
    choice = p["choice"]  # core.explore.Choice
    dataset, filters = choice.dataset, choice.filters
    group_by = [g for g in (choice.group_by or []) if g]
    params: dict = {}
    where: list[str] = []
    first = month_start(filters.first_month) if filters.first_month else None
    last = month_start(filters.last_month) if filters.last_month else None
    _where(where, params, "a.street = :street", "street", filters.street)
    # As the project (core.explore._source): a ledger joins the accounts only for a street filter, the street
    # dimension or the row view, which shows the account number.
    accounts = bool(filters.street) or "street" in group_by or not group_by
    if dataset == "charges":
        source = "charges c" + (" JOIN accounts a ON a.id = c.account_id" if accounts else "")
        _where(where, params, "c.month >= :first", "first", first)
        _where(where, params, "c.month <= :last", "last", last)
        _where(where, params, "c.service = :service", "service", filters.service)
        dims = {"month": "c.month", "service": "c.service", "street": "a.street", "discount": "c.discount_percent"}
        measures = _ledger_measures("c", ["amount_to_pay", "amount", "discount_amount", "volume"])
        columns = "a.number, c.month, c.service, c.volume, c.tariff, c.amount, c.discount_percent, c.amount_to_pay"
        order = "c.month DESC, a.number, c.service"
    elif dataset == "payments":
        source = "payments y" + (" JOIN accounts a ON a.id = y.account_id" if accounts else "")
        _where(where, params, "y.paid_at >= :first", "first", first and kyiv_midnight(first))
        _where(where, params, "y.paid_at < :last", "last", last and kyiv_midnight(add_months(last, 1)))
        for name in ("service", "channel"):
            if getattr(filters, name):
                where.append(f"y.{name} = :{name}")
                params[name] = getattr(filters, name)
        dims = {
            "month": sql.bucket("y.paid_at", "month"),
            "week": sql.bucket("y.paid_at", "week"),
            "day": sql.bucket("y.paid_at", "day"),
            "service": "y.service",
            "channel": "y.channel",
            "source": "y.source",
            "street": "a.street",
        }
        measures = {**_ledger_measures("y", ["amount"]), "accounts": "COUNT(DISTINCT y.account_id)"}
        columns = "a.number, y.paid_at, y.service, y.amount, y.channel, y.source"
        order = "y.paid_at DESC, y.id DESC"
    elif dataset == "readings":
        source = (
            "readings r JOIN meters m ON m.id = r.meter_id JOIN accounts a ON a.id = m.account_id "
            "LEFT JOIN reading_windows w ON w.id = r.window_id"
        )
        _where(where, params, "w.period >= :first", "first", first)
        _where(where, params, "w.period <= :last", "last", last)
        _where(where, params, "r.channel = :channel", "channel", filters.channel)
        dims = {
            "period": "w.period",
            "channel": "r.channel",
            "status": "r.status",
            "flagged": "r.flagged",
            "quality": "r.quality",
            "street": "a.street",
        }
        measures = {
            "count": "COUNT(*)",
            "consumption": "SUM(r.consumption)",
            "average": "AVG(r.consumption)",
            "meters": "COUNT(DISTINCT r.meter_id)",
        }
        columns = "a.number, m.serial, w.period, r.value, r.consumption, r.submitted_at, r.channel, r.status"
        order = "r.submitted_at DESC, r.id DESC"
    else:
        source = "accounts a"
        registered = "EXISTS (SELECT 1 FROM consumer_account_links k WHERE k.account_id = a.id)"
        dims = {
            "street": "a.street",
            "residents": "a.residents",
            "has_hot_water": "a.has_hot_water",
            "has_heating": "a.has_heating",
            "registered": f"CASE WHEN {registered} THEN 1 ELSE 0 END",
        }
        measures = {
            "count": "COUNT(*)",
            "area": "SUM(a.heated_area)",
            "average_area": "AVG(a.heated_area)",
            "residents": "SUM(a.residents)",
        }
        columns = "a.number, a.address, a.heated_area, a.residents, a.has_heating, a.has_hot_water"
        order = "a.street, a.number"
    condition = (" WHERE " + " AND ".join(where)) if where else ""
    measure = choice.measure
    if group_by:
        measure = measure or next(iter(measures))
        keys = ", ".join(f"{dims[g]} AS g{i}" for i, g in enumerate(group_by))
        names = ", ".join(f"g{i}" for i in range(len(group_by)))
        sql.run(
            f"SELECT {keys}, {measures[measure]}, COUNT(*) OVER () FROM {source}{condition} "
            f"GROUP BY {names} ORDER BY {names} LIMIT 500",
            params,
        )
    elif measure:
        sql.run(f"SELECT {measures[measure]} FROM {source}{condition}", params)
    else:
        page, size = int(p.get("page") or 0), int(p.get("page_size") or 100)
        sql.run(f"SELECT COUNT(*) FROM {source}{condition}", params)
        sql.run(f"SELECT {columns} FROM {source}{condition} ORDER BY {order} LIMIT {size} OFFSET {page * size}", params)


def reconciliation_report(sql: Sql, p: dict) -> None:
    params = {
        "s": kyiv_midnight(p["since"]),
        "e": kyiv_midnight(p["until"] + dt.timedelta(days=1)),
        "n": int(p.get("limit") or 1000),
    }
    sql.run(
        "SELECT outcome, COUNT(*), SUM(amount) FROM registry_matches WHERE paid_at >= :s AND paid_at < :e "
        "GROUP BY outcome",
        params,
    )
    sql.run(
        "SELECT COUNT(*), SUM(amount) FROM payment_intents WHERE status = 'paid' AND paid_at >= :s AND paid_at < :e",
        params,
    )
    sql.run(
        """SELECT m.paid_at, a.number, m.service, m.amount, m.source, m.external_ref, m.order_id, m.issue,
                      m.payment_id, m.import_batch_id
               FROM registry_matches m JOIN accounts a ON a.id = m.account_id
               WHERE m.issue IS NOT NULL AND m.paid_at >= :s AND m.paid_at < :e ORDER BY m.paid_at, m.id LIMIT :n""",
        params,
    )
    sql.run(
        """SELECT i.paid_at, i.order_id, a.number, i.service, i.amount, i.provider
               FROM payment_intents i JOIN accounts a ON a.id = i.account_id
               WHERE i.status = 'paid' AND i.paid_at >= :s AND i.paid_at < :e
                 AND NOT EXISTS (SELECT 1 FROM registry_matches r WHERE r.intent_id = i.id)
               ORDER BY i.paid_at, i.id LIMIT :n""",
        params,
    )


class NoReference(Exception):
    """This call's case has no hand-written SQL: the page's row reports its reference as missing."""


def stored_charge_totals(sql: Sql, p: dict) -> None:
    sql.run(
        """SELECT a.street, c.rule, count(*), sum(c.volume), sum(c.amount)
           FROM additional_charges c JOIN accounts a ON a.id = c.account_id
           WHERE c.window_id = :w GROUP BY a.street, c.rule""",
        {"w": p["window_id"]},
    )


def stored_charge_choice(sql: Sql, p: dict) -> None:
    choice = p["choice"]
    where, params = ["c.window_id = :w"], {"w": p["window_id"], "n": p["limit"]}
    if choice.rule is not None:
        where.append("c.rule = :rule")
        params["rule"] = choice.rule
    if choice.street is not None:
        where.append("a.street = :street")
        params["street"] = choice.street
    for i, word in enumerate(choice.words):
        where.append(f"lower(a.number || ' ' || a.address || ' ' || m.serial) LIKE :word{i} ESCAPE '/'")
        params[f"word{i}"] = "%" + word.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
    joined = (
        "FROM additional_charges c JOIN accounts a ON a.id = c.account_id JOIN meters m ON m.id = c.meter_id "
        "WHERE " + " AND ".join(where)
    )
    lines_alone = choice.street is None and not choice.words
    sql.run(
        f"SELECT count(*) FROM additional_charges c WHERE {' AND '.join(where)}"
        if lines_alone
        else f"SELECT count(*) {joined}",
        params,
    )
    sql.run(
        f"""SELECT a.id, a.number, a.address, a.street, m.id, m.serial, c.residents, c.months_without, c.rule,
                   c.average_daily, c.days, c.volume, c.tariff, c.amount
            {joined} ORDER BY a.street, a.number, c.id LIMIT :n""",
        params,
    )


def recalculation_list(sql: Sql, p: dict) -> None:
    processed = sql.run("SELECT processed_at FROM reading_windows WHERE id = :w", {"w": p["window_id"]})[0][0]
    if processed is None:
        raise NoReference("an unprocessed window's pending recalculations")
    sql.run(
        """SELECT r.account_id, a.number, a.address, a.street, r.meter_id, m.serial, r.reading_id, w.period, r.kind,
                  r.quality, r.estimated_volume, r.actual_volume, r.volume, r.tariff, r.amount
           FROM recalculations r JOIN readings x ON x.id = r.reading_id JOIN reading_windows w ON w.id = x.window_id
                JOIN meters m ON m.id = r.meter_id JOIN accounts a ON a.id = r.account_id
           WHERE r.window_id = :w ORDER BY a.street, a.number, r.id""",
        {"w": p["window_id"]},
    )


REFERENCES = {
    "core.dashboard.overview": overview,
    "core.dashboard_readings.streets": streets,
    "core.dashboard_readings.readings_per_window": readings_per_window,
    "core.dashboard_readings.submission_curve": submission_curve,
    "core.dashboard_readings.accounts_without_reading": accounts_without_reading,
    "core.dashboard_payments.payment_inflows": payment_inflows,
    "core.dashboard_payments.payments_against_charges": payments_against_charges,
    "core.additional_charges.flagged_readings": flagged_readings,
    "core.windows.list_windows": list_windows,
    "core.imports.recent_batches": recent_batches,
    "core.additional_charges.additional_charge_list": additional_charge_list,
    "core.additional_charges.recalculation_list": recalculation_list,
    "core.charge_lists.stored_totals": stored_charge_totals,
    "core.charge_lists.stored_choice": stored_charge_choice,
    "core.lookup.find_accounts": find_accounts,
    "core.lookup.account_card": account_card,
    "core.staff.list_staff_users": list_staff_users,
    "core.explore.run": explore_run,
    "core.reconciliation_report.reconciliation_report": reconciliation_report,
}


def _bind(name: str, args: tuple, kwargs: dict) -> dict:
    module_name, function_name = name.rsplit(".", 1)
    function = getattr(importlib.import_module(module_name), function_name)
    function = inspect.unwrap(function)
    bound = inspect.signature(function).bind(None, *args, **kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


def run(connection, url: str, name: str, args: tuple, kwargs: dict) -> float | None:
    reference = REFERENCES.get(name)
    if reference is None:
        return None
    params = _bind(name, args, kwargs)
    sql = Sql(connection)
    began = time.perf_counter()
    try:
        reference(sql, params)
    except NoReference:
        connection.rollback()
        return None
    elapsed = (time.perf_counter() - began) * 1000
    connection.rollback()
    return elapsed
