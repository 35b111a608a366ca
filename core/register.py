"""What the utility's register says beyond the ledger: tariffs and norms per period, whether an account is open, which
accounts are metered.

Kept apart from the register import (core.register_import) so that the rules that read it (additional charges,
the readings window) do not import the import machinery.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, exists, or_, select
from sqlalchemy.orm import Session

from core.clock import add_months, month_start
from core.config import settings
from db.models import Account, Meter, Tariff


def setting_tariff(service: str) -> Decimal | None:
    """What applies when no imported row covers a period: the setting TEPLO_HOT_WATER_TARIFF (hot water only)."""
    return settings().hot_water_tariff if service == "hot_water" else None


def setting_norm(service: str) -> Decimal | None:
    """The setting TEPLO_HOT_WATER_NORM (hot water only), when no imported row covers a period."""
    return settings().hot_water_norm if service == "hot_water" else None


def _latest(
    session: Session, column: SQLColumnExpression[Decimal | None], service: str, period: dt.date
) -> Decimal | None:
    return session.scalar(
        select(column)
        .where(Tariff.service == service, Tariff.valid_from <= month_start(period), column.is_not(None))
        .order_by(Tariff.valid_from.desc())
        .limit(1)
    )


def tariff_for(session: Session, service: str, period: dt.date) -> Decimal | None:
    """₴ per m³ for the billing month: the latest imported tariff from that month or before, else the setting."""
    found = _latest(session, Tariff.tariff, service, period)
    return setting_tariff(service) if found is None else found


def norm_for(session: Session, service: str, period: dt.date) -> Decimal | None:
    """m³ per resident per month for the billing month: the latest imported norm, else the setting."""
    found = _latest(session, Tariff.norm, service, period)
    return setting_norm(service) if found is None else found


def open_through(period_end: dt.date) -> ColumnElement[bool]:
    """SQL: the account was not closed before `period_end` (exclusive), like a meter removed in the month."""
    return or_(Account.closed_on.is_(None), Account.closed_on >= period_end)


def account_open(account_id: int | SQLColumnExpression[int]) -> ColumnElement[bool]:
    """SQL: the account of `account_id` (a column) is not closed; its meters take no new readings otherwise."""
    return ~exists().where(Account.id == account_id, Account.closed_on.is_not(None))


def metered_condition(period: dt.date) -> ColumnElement[bool]:
    """A hot-water meter in service for the whole billing month, on an account that takes hot water."""
    period_end = add_months(period, 1)
    return and_(
        Meter.service == "hot_water",
        Meter.installed_on < period_end,
        or_(Meter.removed_on.is_(None), Meter.removed_on >= period_end),
        Account.has_hot_water.is_(True),
        open_through(period_end),
    )
