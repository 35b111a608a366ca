"""The capacity benchmark (bench/capacity.py) kept runnable: two simulated consumers each make one whole visit
(open the site, log in through the cookie route, the account, readings, submit a reading) through the shipped
nginx site and a replica started from its systemd unit, over a small demo database. No timing is asserted: the
readings they submitted are in the database, and the run reported no error.
Needs nginx, openssl and TEST_DATABASE_URL, like the deployment test."""

from __future__ import annotations

import os
import shutil

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL
from tests.e2e.harness import free_port, in_own_thread


def _require_tools() -> None:
    missing = [tool for tool in ("nginx", "openssl") if shutil.which(tool) is None]
    if missing:
        if os.environ.get("TEPLO_REQUIRE_BROWSER"):
            pytest.fail(f"the capacity smoke test needs {', '.join(missing)} (apt-get install nginx-light openssl)")
        pytest.skip(f"{', '.join(missing)} not installed")
    if not PG_URL:
        if os.environ.get("TEPLO_REQUIRE_PG"):
            pytest.fail("TEPLO_REQUIRE_PG is set but TEST_DATABASE_URL is not")
        pytest.skip("the capacity smoke test needs TEST_DATABASE_URL (PostgreSQL)")


@pytest.fixture
def demo_database():
    """A small demo database of its own, with a reading window open now (the visit submits a reading)."""
    _require_tools()
    from db.engine import make_engine
    from db.migrate import upgrade
    from demo import generator

    assert PG_URL
    base = make_url(PG_URL)
    name = f"{base.database}_capacity"[:60]
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        engine = make_engine(url)
        upgrade(engine)
        generator.generate(engine, size=200, seed=2020)
        with engine.begin() as connection:
            if not connection.scalar(
                text("SELECT count(*) FROM reading_windows WHERE opens_at <= now() AND closes_at > now()")
            ):
                connection.execute(
                    text(
                        "UPDATE reading_windows SET opens_at = now() - interval '1 hour' WHERE id = "
                        "(SELECT id FROM reading_windows WHERE opens_at > now() ORDER BY opens_at LIMIT 1)"
                    )
                )
        engine.dispose()
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_two_consumers_each_make_one_visit(demo_database, tmp_path):
    from bench import capacity

    options = ["--steps", "2", "--visits", "1", "--think", "0", "--seconds", "600", "--output", str(tmp_path)]
    args = capacity.parse_args(["--database-url", demo_database, *options])
    args.ports = [free_port() for _ in range(4)]
    lines: list[str] = []
    steps = in_own_thread(lambda: capacity.run(args, log=lines.append))

    assert len(steps) == 1, lines
    step = steps[0]
    assert (step.sessions, step.visits, step.errors) == (2, 2, 0), "\n".join(lines)
    assert step.clicks == 2 * len(capacity.CLICKS)
    engine = create_engine(demo_database)
    with engine.connect() as connection:
        submitted = connection.scalar(
            text(
                "SELECT count(*) FROM readings r JOIN reading_windows w ON w.id = r.window_id "
                "WHERE r.channel = 'cabinet' AND r.source IS DISTINCT FROM 'demo' "
                "AND w.opens_at <= now() AND w.closes_at > now()"
            )
        )
    engine.dispose()
    assert submitted >= 4  # the warm-up's two visits and the two consumers'
