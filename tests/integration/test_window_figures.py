"""A closed window's figures on the staff charts (core.window_figures): summed once and recorded, read from the
record after that, and dropped by what changes them (a reading written for the window, a register change), so the
chart never shows a stale figure (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core import dashboard_readings, imports, register_import
from db.models import Account, Meter, ReadingWindow, WindowCurveDay, WindowFigures, WindowMetered
from tests.conftest import kyiv
from tests.integration.test_dashboard import NOW, build

E = "1120200001004"
OCTOBER, NOVEMBER = dt.date(2026, 10, 1), dt.date(2026, 11, 1)


@pytest.fixture
def town(configure, world):
    configure(TEPLO_NOW="2026-11-27T12:00")
    town = build(world)
    e = world.account(E, address="просп. Волі, 3, кв. 5")
    world.meter(e, "0900001", initial="10.000")  # metered, no reading in October
    return town


def chart(world) -> list[tuple]:
    rows = dashboard_readings.readings_per_window(world.sessions, OCTOBER, NOVEMBER, now=NOW)
    return [(r.period, r.submitted, r.metered) for r in rows]


def records(world) -> dict[int, tuple[int, int]]:
    with world.sessions() as s:
        return {r.window_id: (r.submitted, r.metered) for r in s.scalars(select(WindowFigures))}


def csv(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


def test_a_closed_window_is_recorded_once_and_read_from_its_record(town):
    world = town.world
    assert chart(world) == [(OCTOBER, 2, 3), (NOVEMBER, 1, 3)]
    assert records(world) == {town.october: (2, 3)}  # the open November window is always counted
    with world.sessions.begin() as s:
        s.get_one(WindowFigures, town.october).submitted = 1
    assert chart(world)[0] == (OCTOBER, 1, 3)  # the record is what the chart reads
    # A street's figures are counted, not recorded.
    street = dashboard_readings.readings_per_window(world.sessions, OCTOBER, NOVEMBER, street="просп. Волі", now=NOW)
    assert [(r.submitted, r.metered) for r in street] == [(1, 2), (0, 2)]


def test_an_account_reading_two_meters_counts_once_in_one_window_or_among_several(town):
    """The open window alone counts distinct accounts; several windows count readings less an account's second:
    both ways, E's two meters read in both windows make one account each."""
    from core import window_figures
    from core.window_figures import Window

    world = town.world
    with world.sessions() as s:
        e = s.scalar(select(Account.id).where(Account.number == E))
        first = s.scalar(select(Meter.id).where(Meter.serial == "0900001"))
    second = world.meter(e, "0900002", initial="5.000")
    for meter, in_october, in_november in ((first, "11.000", "12.000"), (second, "6.000", "7.000")):
        world.reading(meter, town.october, in_october, kyiv(2026, 11, 1, 10))
        world.reading(meter, town.november, in_november, kyiv(2026, 11, 26, 10))
    october, november = Window(town.october, OCTOBER, kyiv(2026, 11, 4)), Window(town.november, NOVEMBER, NOW)
    with world.sessions() as s:
        alone = window_figures.count(s, [november])
        together = window_figures.count(s, [october, november])
    assert alone[town.november] == together[town.november] == (2, 3)  # A and E of the three metered
    assert together[town.october] == (3, 3)  # A, B and E


def test_a_late_reading_for_the_closed_window_drops_its_record(town):
    world = town.world
    chart(world)
    imports.commit(
        world.sessions,
        "readings",
        "late.csv",
        csv("meter_serial;value;read_at;ref;account_number\n0900001;11,000;2026-11-02 10:00;VK-LATE-1;\n"),
        actor="operator",
    )
    assert town.october not in records(world)
    assert chart(world) == [(OCTOBER, 3, 3), (NOVEMBER, 1, 3)]
    assert records(world) == {town.october: (3, 3)}


def test_a_register_change_drops_every_record_and_a_preview_none(town):
    world = town.world
    chart(world)
    accounts = "account_number;street;building;flat;residents;heating;hot_water;heated_area\n"
    accounts += f"{E};просп. Волі;3;5;2;1;0;50,00\n"  # E stops taking hot water
    register_import.preview(world.sessions, "accounts", "accounts.csv", csv(accounts))
    assert records(world) == {town.october: (2, 3)}
    curve(world, town.october)
    register_import.commit(world.sessions, "accounts", "accounts.csv", csv(accounts), actor="operator")
    assert records(world) == {} and recorded_curves(world) == {}
    assert chart(world) == [(OCTOBER, 2, 2), (NOVEMBER, 1, 2)]


def kept(world) -> dict[int, int]:
    with world.sessions() as s:
        return {r.window_id: r.metered for r in s.scalars(select(WindowMetered))}


def test_the_open_windows_metered_accounts_are_kept_until_a_register_change(town):
    """The open window's metered accounts change only with the register: counted once and kept, while its
    submissions are counted on every view; a register change drops what is kept."""
    world = town.world
    assert chart(world)[1] == (NOVEMBER, 1, 3)
    assert kept(world) == {town.november: 3}
    with world.sessions.begin() as s:
        s.get_one(WindowMetered, town.november).metered = 4
    assert chart(world)[1] == (NOVEMBER, 1, 4)  # what is kept is what the chart reads
    imports.commit(
        world.sessions,
        "readings",
        "november.csv",
        csv("meter_serial;value;read_at;ref;account_number\n0900001;12,000;2026-11-26 10:00;VK-NOV-1;\n"),
        actor="operator",
    )
    assert chart(world)[1] == (NOVEMBER, 2, 4)  # a new reading is counted at once; the metered figure stays
    accounts = "account_number;street;building;flat;residents;heating;hot_water;heated_area\n"
    accounts += f"{E};просп. Волі;3;5;2;1;0;50,00\n"  # E stops taking hot water
    register_import.commit(world.sessions, "accounts", "accounts.csv", csv(accounts), actor="operator")
    assert kept(world) == {}
    assert chart(world)[1] == (NOVEMBER, 1, 2)
    assert kept(world) == {town.november: 2}


def test_a_figure_kept_by_another_view_while_this_one_waited_is_read_not_counted_again(town, monkeypatch):
    from core import window_figures

    world = town.world
    window_figures.record_closed(world.sessions, now=NOW)  # October read from its record: no lock for it
    real_lock = window_figures.record_lock

    def another_view_first(session, name, shared):
        with world.sessions.begin() as s:
            s.add(WindowMetered(window_id=town.november, metered=7, recorded_at=NOW))
        return real_lock(session, name, shared)

    monkeypatch.setattr(window_figures, "record_lock", another_view_first)
    assert chart(world)[1] == (NOVEMBER, 1, 7)
    assert kept(world) == {town.november: 7}


def test_the_nightly_work_records_the_closed_windows_of_the_year(town):
    from core import window_figures

    world = town.world
    assert window_figures.record_closed(world.sessions, now=NOW) == 1
    assert records(world) == {town.october: (2, 3)}  # November's window is still open: not recorded


def curve(world, window_id, street=None) -> dict[dt.date, int]:
    """The readings page's curve: the accounts whose first reading in the window came on each day, where any did."""
    shown = dashboard_readings.submission_curve(world.sessions, window_id, street, now=NOW)
    return {d.day: d.new for d in shown.days if d.new}


def recorded_curves(world) -> dict[int, dict[dt.date, int]]:
    found: dict[int, dict[dt.date, int]] = {}
    with world.sessions() as s:
        for row in s.scalars(select(WindowCurveDay)):
            found.setdefault(row.window_id, {})[row.day] = row.accounts
    return found


def test_a_closed_windows_curve_is_recorded_with_every_day_once_and_read_from_its_record(town):
    world = town.world
    october = {dt.date(2026, 10, 26): 1, dt.date(2026, 11, 3): 1}  # A at 01:30 on 26 Oct (Kyiv), B on 3 Nov
    assert curve(world, town.october) == october
    [(window_id, days)] = recorded_curves(world).items()
    assert window_id == town.october and {d: n for d, n in days.items() if n} == october
    assert min(days) == dt.date(2026, 10, 25) and max(days) == dt.date(2026, 11, 3) and len(days) == 10  # zeros too
    with world.sessions.begin() as s:
        s.get_one(WindowCurveDay, (town.october, dt.date(2026, 10, 28))).accounts = 5
    assert curve(world, town.october)[dt.date(2026, 10, 28)] == 5  # the record is what the page reads
    # A street's curve and the open window's are counted, not recorded.
    assert curve(world, town.october, street="просп. Волі") == {dt.date(2026, 11, 3): 1}
    assert curve(world, town.november) == {dt.date(2026, 11, 26): 1}
    assert set(recorded_curves(world)) == {town.october}


def test_a_late_reading_that_does_not_stand_still_drops_the_closed_windows_curve(town):
    """Dated before A's standing October reading, an imported reading is kept as superseded: it changes no count,
    but A's first reading in the window is now a day earlier."""
    world = town.world
    assert curve(world, town.october) == {dt.date(2026, 10, 26): 1, dt.date(2026, 11, 3): 1}
    result = imports.commit(
        world.sessions,
        "readings",
        "late.csv",
        csv("meter_serial;value;read_at;ref;account_number\n0812345;101,500;2026-10-25 10:00;VK-LATE-2;\n"),
        actor="operator",
    )
    assert len(result.to_add) == 1 and not result.rejected
    assert recorded_curves(world) == {}
    assert curve(world, town.october) == {dt.date(2026, 10, 25): 1, dt.date(2026, 11, 3): 1}
    assert chart(world)[0] == (OCTOBER, 2, 3)  # the figures did not change


def test_the_nightly_work_records_the_newest_closed_windows_curves(town):
    world = town.world
    assert dashboard_readings.record_closed_curves(world.sessions, now=NOW) == 1  # November's window is open
    assert set(recorded_curves(world)) == {town.october}


LATE = 12  # late readings per importer


def _in_process(url: str, worker: int, start, results) -> None:
    """Workers 0 and 1 import late readings for October, one file per reading; worker 2 drops October's records
    and has the charts sum them again, over and over."""
    import os

    from sqlalchemy import create_engine, delete
    from sqlalchemy.pool import NullPool

    from db.engine import make_sessions

    os.environ["TEPLO_NOW"] = "2026-11-27T12:00"
    engine = create_engine(url, poolclass=NullPool)
    sessions = make_sessions(engine)
    try:
        start.wait(timeout=60)
        for n in range(LATE):
            if worker < 2:
                line = f"0950{worker}{n:02d};11,000;2026-11-02 10:{n:02d};VK-{worker}-{n};\n"
                imports.commit(
                    sessions,
                    "readings",
                    f"late-{worker}-{n}.csv",
                    csv("meter_serial;value;read_at;ref;account_number\n" + line),
                    actor="operator",
                )
            else:
                with sessions.begin() as s:
                    s.execute(delete(WindowFigures))
                    s.execute(delete(WindowCurveDay))
                dashboard_readings.readings_per_window(sessions, OCTOBER, NOVEMBER, now=NOW)
                dashboard_readings.submission_curve(sessions, town_october(sessions), now=NOW)
        results.put(worker)
    finally:
        engine.dispose()


def town_october(sessions) -> int:
    with sessions() as s:
        return s.scalar(select(ReadingWindow.id).where(ReadingWindow.period == OCTOBER))


@pytest.mark.parallel_processes
def test_late_readings_in_parallel_with_the_chart_leave_its_record_right(configure, engine, town):
    """Late readings imported in parallel while the charts sum October again and again: every import commits and
    the records left standing equal the counts from the readings."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    import multiprocessing

    from core import window_figures

    world = town.world
    for worker in range(2):
        for n in range(LATE):
            account = world.account(f"11202001{worker}{n:02d}00", address=f"вул. Пізня, {n}, кв. {worker}")
            world.meter(account, f"0950{worker}{n:02d}", initial="10.000")
    context = multiprocessing.get_context("fork")
    engine.dispose()
    start, results = context.Barrier(3), context.Queue()
    url = engine.url.render_as_string(hide_password=False)
    workers = [context.Process(target=_in_process, args=(url, n, start, results)) for n in range(3)]
    for worker in workers:
        worker.start()
    assert sorted(results.get(timeout=180) for _ in workers) == [0, 1, 2]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    with world.sessions() as s:
        counted = window_figures.count(s, [window_figures.Window(town.october, OCTOBER, NOW)])[town.october]
    assert counted == (2 + 2 * LATE, 3 + 2 * LATE)
    assert records(world) in ({}, {town.october: counted})
    assert chart(world)[0] == (OCTOBER, *counted)
    late = {dt.date(2026, 10, 26): 1, dt.date(2026, 11, 2): 2 * LATE, dt.date(2026, 11, 3): 1}
    assert {day: n for day, n in recorded_curves(world).get(town.october, late).items() if n} == late
    assert curve(world, town.october) == late


def test_a_window_is_recorded_only_once_it_has_been_closed_a_while(town):
    """A submission that found the window open drops no record: none is taken until every such write has
    committed (core.window_figures.SETTLE, 10 minutes, after the close)."""
    world = town.world
    with world.sessions() as s:
        closes_at = s.get_one(ReadingWindow, town.october).closes_at
    for after, recorded in ((dt.timedelta(minutes=5), {}), (dt.timedelta(minutes=15), {town.october: (2, 3)})):
        moment = closes_at + after
        rows = dashboard_readings.readings_per_window(world.sessions, OCTOBER, OCTOBER, now=moment)
        assert [(r.submitted, r.metered) for r in rows] == [(2, 3)]
        assert records(world) == recorded
