"""A change made through another replica of the staff dashboard (another process, its own pool) shows on this one's
next page run: the cached figures are keyed on the data version, not cleared only where the change was made."""

from __future__ import annotations

from db.engine import make_engine, make_sessions
from tests.app.test_staff_pages import signed_in, staff  # noqa: F401 - the staff fixture
from tests.integration.test_dashboard import A


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_an_import_through_another_replica_shows_on_the_next_page_run(staff, app_sessions):
    from core import imports

    _town, users = staff
    at = signed_in(users["manager"])
    before = metrics(at)["Загальний борг"]
    at.run()
    assert metrics(at)["Загальний борг"] == before  # cached, and nothing changed

    other = make_engine(app_sessions.kw["bind"].url.render_as_string(hide_password=False))
    try:
        registry = f"account_number;service;amount;paid_at;payment_ref\n{A};heating;600,00;2026-11-26 10:15;PB-1\n"
        imports.commit(make_sessions(other), "bank", "registry.csv", registry.encode(), actor="operator1")
    finally:
        other.dispose()
    at.run()
    assert not at.exception
    assert metrics(at)["Загальний борг"] != before
