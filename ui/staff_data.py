"""Cached reads for the staff pages: the SQL aggregates of core.dashboard / explore / lookup.

Each cache key carries the database URL, so two databases in one process never share results, and the data version
(core.data_version, read from the database on each call), so a change made through any replica, or by a job, is
seen at once by every replica; the time limit only bounds how long the citizens' own stream of readings and
payments may wait and how long an unused result stays in memory. The sessionmaker itself is passed with a leading
underscore, so it is not hashed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

import streamlit as st

from core import (
    additional_charges,
    charge_lists,
    dashboard,
    dashboard_payments,
    dashboard_readings,
    explore,
    explore_export,
    export,
    import_conflicts,
    lookup,
    reconciliation_report,
    windows,
)
from core.data_version import DataVersion
from ui import staff_view
from ui.per_run import once_per_run
from ui.resources import engine, sessions
from ui.staff_text import pinned, tr

TTL = 300
ENTRIES = 64  # results kept per function: old versions' results leave as new ones come

P = ParamSpec("P")
R = TypeVar("R")

_versions_lock = threading.Lock()
_versions: dict[str, DataVersion] = {}
_RUN_VERSION = "staff_data_version_of_run"


def _db() -> str:
    return engine().url.render_as_string(hide_password=True)


def data_version() -> int:
    """The version this replica's cached figures are keyed on: one look-up of the newest audit row per script run
    (a readings page asks for it about six times)."""
    db = _db()

    def current() -> int:
        with _versions_lock:
            tracker = _versions.setdefault(db, DataVersion(TTL))
        return tracker.current(sessions())

    return once_per_run(_RUN_VERSION, current, tag=db)


def _key() -> tuple[str, int]:
    return _db(), data_version()


def _cached(read: Callable[Concatenate[Any, P], R]) -> Callable[P, R]:
    """A read for the pages, `read(sessions, …)`: called with the process's sessions, its result cached per database
    and data version (see the module's docstring), in a cache of the read's own."""

    def cached(_sessions, db: str, version: int, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return read(_sessions, *args, **kwargs)

    # Streamlit names a function's cache by its qualified name: each read gets its own, as a function of its own would.
    cached.__qualname__ = f"{read.__module__}.{read.__qualname__}"
    in_cache = st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)(cached)

    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        return in_cache(sessions(), *_key(), *args, **kwargs)

    return call


@_cached
def overview(bound):
    return dashboard.overview(bound)


@_cached
def streets(bound) -> list[str]:
    return dashboard_readings.streets(bound)


@_cached
def reading_windows(bound):
    return windows.list_windows(bound)


@_cached
def readings_per_window(bound, first: dt.date, last: dt.date, street: str | None):
    return dashboard_readings.readings_per_window(bound, first, last, street)


@_cached
def submission_curve(bound, window_id: int, street: str | None):
    return dashboard_readings.submission_curve(bound, window_id, street)


@_cached
def accounts_without_reading(bound, window_id: int, street: str | None, limit: int | None):
    return dashboard_readings.accounts_without_reading(bound, window_id, street, limit)


def missing_csv(window_id: int, street: str | None, filters: dict[str, str]):
    """The full reminder list as CSV, built only when the download is clicked (a deferred download)."""
    bound, lang = sessions(), staff_view.language()  # read now: the download runs outside this script run

    def build() -> bytes:
        _total, rows = dashboard_readings.accounts_without_reading(bound, window_id, street)
        return export.csv_bytes(
            ["account_number", "address", "meter_serial", "last_value_m3", "last_submitted_at"],
            [(m.account_number, m.address, m.meter_serial, m.last_value, m.last_submitted_at) for m in rows],
            filters,
            lang,
        )

    return build


@_cached
def payment_inflows(bound, first: dt.date, last: dt.date, unit: str, service: str | None, channel: str | None):
    return dashboard_payments.payment_inflows(bound, first, last, unit, service, channel)


@_cached
def payments_against_charges(bound, first: dt.date, last: dt.date, service: str | None = None):
    return dashboard_payments.payments_against_charges(bound, first, last, service)


@st.cache_resource(ttl=TTL, max_entries=4, show_spinner=False)
def _additional(_sessions, db: str, version: int, window_id: int):
    # Shared, not copied: a window's list holds tens of thousands of lines at city scale, and unpickling them on
    # every rerun (st.cache_data) took ~50 ms. The lines are frozen dataclasses in a tuple, so nobody can change them.
    return tuple(additional_charges.additional_charge_list(_sessions, window_id))


def additional_charge_list(window_id: int):
    return _additional(sessions(), *_key(), window_id)


@_cached
def _stored_totals(bound, window_id: int) -> charge_lists.ChargeTotals:
    return charge_lists.stored_totals(bound, window_id)


@_cached
def _stored_choice(bound, window_id: int, choice: charge_lists.LineChoice, limit: int) -> charge_lists.ChosenLines:
    return charge_lists.stored_choice(bound, window_id, choice, limit)


@st.cache_resource(ttl=TTL, max_entries=4, show_spinner=False)
def _estimated_totals(_sessions, db: str, version: int, window_id: int) -> charge_lists.ChargeTotals:
    return charge_lists.totals(_additional(_sessions, db, version, window_id))


def charge_totals(window: windows.WindowInfo) -> charge_lists.ChargeTotals:
    """A processed window's totals from SQL; an unprocessed one's from its live estimate, held in memory (summed
    once per estimate, not on every rerun: 136,000 lines at a million accounts)."""
    if window.processed_at is None:
        return _estimated_totals(sessions(), *_key(), window.id)
    return _stored_totals(window.id)


def chosen_charges(window: windows.WindowInfo, choice: charge_lists.LineChoice, limit: int) -> charge_lists.ChosenLines:
    """The first lines of a choice, as charge_totals reads them: a processed window's list never leaves SQL."""
    if window.processed_at is None:
        return charge_lists.choose(additional_charge_list(window.id), choice, limit)
    return _stored_choice(window.id, choice, limit)


def all_charges(window: windows.WindowInfo):
    """The window's whole list, read when its download is clicked (a function for view.list_csv): an unprocessed
    window's from memory, a processed one's from SQL then (the page does not hold it)."""
    if window.processed_at is None:
        lines = additional_charge_list(window.id)
        return lambda: lines
    bound = sessions()
    return lambda: additional_charges.additional_charge_list(bound, window.id)


def all_chosen_charges(window: windows.WindowInfo, choice: charge_lists.LineChoice):
    """Every line of a choice (not only the first ones the page shows), read when its download is clicked (a
    function for view.list_csv): an unprocessed window's picked from its estimate the page holds, a processed
    one's from SQL then, the choice's lines alone (the rest of the list is never read)."""
    if window.processed_at is None:
        lines = additional_charge_list(window.id)
        return lambda: charge_lists.choose(lines, choice, None).first
    bound = sessions()
    return lambda: charge_lists.stored_choice(bound, window.id, choice, None).first


def billing_csv(window: windows.WindowInfo, recalculations):
    """The billing file of a window's additional charges, built only when the download is clicked: writing its ten
    thousand lines on every rerun of the page cost more than drawing the page."""
    lines = all_charges(window)

    def build() -> bytes:
        return additional_charges.billing_csv([*lines(), *recalculations], window.period)

    return build


@_cached
def recalculation_list(bound, window_id: int):
    return additional_charges.recalculation_list(bound, window_id)


@_cached
def flagged_readings(bound, window_id: int):
    return additional_charges.flagged_readings(bound, window_id)


@_cached
def explore_run(
    bound, dataset: str, filters: explore.Filters, group_by: tuple[str, ...], measure: str | None, page: int
):
    return explore.run(bound, explore.Choice(dataset, filters, group_by, measure), page)


def explore_csv(
    dataset: str,
    filters: explore.Filters,
    group_by: tuple[str, ...],
    measure: str | None,
    header: list[str],
    described: dict[str, str],
):
    """The explorer's whole result (every group or row, not the page on screen) as CSV, built only when the
    download is clicked (a deferred download)."""
    bound, lang = sessions(), staff_view.language()  # read now: the download runs outside this script run

    def build() -> bytes:
        with pinned(lang):
            full = explore_export.full_result(bound, explore.Choice(dataset, filters, group_by, measure))
            cut = {tr("staff.explore.filter.cut"): staff_view.number(len(full.rows))} if full.capped else {}
            return export.csv_bytes(header, full.rows, described | cut, lang)

    return build


@_cached
def reconciliation(bound, since: dt.date, until: dt.date) -> reconciliation_report.ReconciliationReport:
    return reconciliation_report.reconciliation_report(bound, since, until)


@_cached
def conflicts(bound, status: str):
    """Every conflict of a status (a decision on one is audited: the next run reads the list again)."""
    return import_conflicts.list_conflicts(bound, status=status, limit=None)


def find_accounts(query: str):
    return lookup.find_accounts(sessions(), query)


def account_card(account_id: int):
    return lookup.account_card(sessions(), account_id)


_KEPT_PREVIEW = "staff_import_preview"


def file_preview(preview: Callable[[Any, str, str, bytes], R], kind: str, file_name: str, data: bytes) -> R:
    """`preview(sessions, kind, file_name, data)`, kept in the tab until another file, kind or data version: the
    import button reruns the page, and previewing a city's registry again before committing it doubled the wait
    (the commit computes everything anew in its own transaction; the preview only informs). Kept per tab, not
    shared: the lists it holds are the operator's file's."""
    key = (preview.__module__, kind, file_name, hashlib.sha256(data).hexdigest(), _db(), data_version())
    kept = st.session_state.get(_KEPT_PREVIEW)
    if kept is not None and kept[0] == key:
        return kept[1]
    st.session_state.pop(_KEPT_PREVIEW, None)  # the old file's lists leave before the new file is read
    result = preview(sessions(), kind, file_name, data)
    st.session_state[_KEPT_PREVIEW] = (key, result)
    return result


def forget_file_preview() -> None:
    """No file on the page any more: its preview need not stay in memory."""
    st.session_state.pop(_KEPT_PREVIEW, None)


def clear() -> None:
    st.cache_data.clear()
    _additional.clear()
    _estimated_totals.clear()
