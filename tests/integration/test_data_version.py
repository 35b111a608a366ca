"""The data version the staff pages' caches are keyed on: a change made through one replica (its own engine and
pool) is seen by another at once; the citizens' own stream waits at most the tolerance; audited events that change
no figure never move it."""

from __future__ import annotations

import pytest

from core import audit, data_version, imports
from core.data_version import DataVersion
from db.engine import make_engine, make_sessions
from tests.conftest import kyiv
from tests.integration.test_imports import BANK, town, utf8  # noqa: F401 - the town fixture


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def other_replica(engine):
    """A second engine with its own pool over the same database, as another replica of the app has."""
    other = make_engine(engine.url.render_as_string(hide_password=False))
    yield make_sessions(other)
    other.dispose()


def consumer_event(sessions, action: str = "reading.submitted", actor_type: str = "consumer") -> None:
    with sessions.begin() as s:
        audit.record(
            s, at=kyiv(2026, 11, 27, 12), actor_type=actor_type, actor="7", action=action, entity="reading", entity_id=1
        )


def test_an_import_through_one_replica_moves_the_version_of_the_other_at_once(town, other_replica):
    world, _seed, _other = town
    clock = Clock()
    replica = DataVersion(tolerance=300, clock=clock)
    before = replica.current(other_replica)
    assert replica.current(other_replica) == before  # nothing new: the same version, run after run

    imports.commit(world.sessions, "bank", "registry.csv", utf8(BANK), actor="operator")
    after = replica.current(other_replica)
    assert after > before  # no waiting for any cache to expire


def test_the_citizens_stream_waits_at_most_the_tolerance(town, other_replica):
    world, _seed, _other = town
    clock = Clock()
    replica = DataVersion(tolerance=300, clock=clock)
    kept = replica.current(other_replica)
    consumer_event(world.sessions)
    consumer_event(world.sessions, "payment.succeeded", "provider")
    clock.now += 299
    assert replica.current(other_replica) == kept
    clock.now += 2
    moved = replica.current(other_replica)
    assert moved > kept
    with world.sessions() as s:
        assert moved == data_version.newest(s)


def test_a_staff_change_after_citizens_events_is_seen_at_once(town, other_replica):
    world, _seed, _other = town
    clock = Clock()
    replica = DataVersion(tolerance=300, clock=clock)
    kept = replica.current(other_replica)
    consumer_event(world.sessions)
    assert replica.current(other_replica) == kept
    imports.commit(world.sessions, "bank", "registry.csv", utf8(BANK), actor="operator")
    assert replica.current(other_replica) > kept


def test_a_staff_login_or_an_expired_payment_changes_no_figure(town, other_replica):
    world, _seed, _other = town
    replica = DataVersion(tolerance=300, clock=Clock())
    kept = replica.current(other_replica)
    consumer_event(world.sessions, "staff.login", "staff")
    consumer_event(world.sessions, "payment.expired", "system")
    assert replica.current(other_replica) == kept
