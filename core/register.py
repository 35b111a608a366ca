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

from core import config
from core.clock import add_months, month_start
from db.models import Account, Meter, Tariff

# What applies when no imported row covers a period (the settings TEPLO_HOT_WATER_TARIFF / TEPLO_HOT_WATER_NORM).
SETTING_TARIFFS: dict[str, Decimal] = {"hot_water": config.DEFAULT_HOT_WATER_TARIFF}
SETTING_NORMS: dict[str, Decimal] = {"hot_water": config.HOT_WATER_NORM_M3_PER_RESIDENT}


def _latest(session: Session, column: SQLColumnExpression[Decimal | None], service: str, period: dt.date) -> Decimal | None:
    return session.scalar(
        select(column).where(Tariff.service == service, Tariff.valid_from <= month_start(period), column.is_not(None))
        .order_by(Tariff.valid_from.desc()).limit(1))


def tariff_for(session: Session, service: str, period: dt.date) -> Decimal | None:
    """₴ per m³ for the billing month: the latest imported tariff from that month or before, else the setting."""
    found = _latest(session, Tariff.tariff, service, period)
    return SETTING_TARIFFS.get(service) if found is None else found


def norm_for(session: Session, service: str, period: dt.date) -> Decimal | None:
    """m³ per resident per month for the billing month: the latest imported norm, else the setting."""
    found = _latest(session, Tariff.norm, service, period)
    return SETTING_NORMS.get(service) if found is None else found


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
