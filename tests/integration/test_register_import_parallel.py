"""The register import under concurrency, with real processes: the same file committed at once by several
operators adds each account once, and concurrent changes to one account are serialised (no lost update)."""

from __future__ import annotations

import itertools
import json
import multiprocessing
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool

from core import register_import
from core.errors import DomainError
from db.engine import make_engine, make_sessions
from db.models import Account, AuditLog

pytestmark = pytest.mark.parallel_processes  # tests/conftest.py: one of these at a time under xdist

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "samples" / "accounts.csv"
PROCESSES = 4
HEADER = "account_number;street;building;flat;residents;heating;hot_water;heated_area\r\n"


def _commit(url: str, data: bytes, actor: str, start, gate, results) -> None:
    import os

    os.environ["TEPLO_NOW"] = "2026-11-27T12:00"
    engine = create_engine(url, poolclass=NullPool) if url.startswith("postgresql") else make_engine(url)
    try:
        start.wait(timeout=60)
        with gate:  # at most 40 connections open at once on the shared server
            result = register_import.commit(make_sessions(engine), "accounts", "accounts.csv", data, actor)
        results.put((actor, result.rows_added, result.rows_changed, len(result.unchanged)))
    except DomainError as exc:
        results.put((actor, "refused", exc.key, 0))
    finally:
        engine.dispose()


def _run_all(url: str, files: dict[str, bytes]) -> list[tuple]:
    context = multiprocessing.get_context("fork")
    start, gate, results = context.Barrier(len(files)), context.BoundedSemaphore(40), context.Queue()
    workers = [
        context.Process(target=_commit, args=(url, data, actor, start, gate, results)) for actor, data in files.items()
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    return sorted(outcomes)


def _url(engine) -> str:
    """The database for the forked workers; the pool is emptied first, so that no connection crosses the fork."""
    engine.dispose()
    return engine.url.render_as_string(hide_password=False)


def test_the_same_file_committed_at_once_adds_each_account_once(configure, engine, sessions):
    configure(TEPLO_NOW="2026-11-27T12:00")
    # A building of 400 flats: long enough a transaction for the commits to overlap.
    data = (
        HEADER + "".join(f"1130000{flat:06d};вул. Кравчука;7;{flat};2;1;1;48,00\r\n" for flat in range(1, 401))
    ).encode("utf-8")
    outcomes = _run_all(_url(engine), {f"operator{i}": data for i in range(PROCESSES)})
    # One commit adds the 400 accounts; every other one, run again after it, finds them all unchanged.
    assert sorted((added, unchanged) for _actor, added, _changed, unchanged in outcomes) == [(0, 400)] * (
        PROCESSES - 1
    ) + [(400, 0)]
    with sessions() as s:
        assert len(s.scalars(select(Account.number)).all()) == 400
        assert len(s.scalars(select(AuditLog.id).where(AuditLog.action == "account.created")).all()) == 400


def test_concurrent_changes_to_one_account_are_each_seen_by_the_next(configure, engine, sessions):
    configure(TEPLO_NOW="2026-11-27T12:00")
    register_import.commit(sessions, "accounts", "accounts.csv", SAMPLE.read_bytes(), actor="setup")
    files = {
        f"operator{i}": (HEADER + f"1120200001000;вул. Гулака-Артемовського;20;1;{i + 3};1;1;62,40\r\n").encode("utf-8")
        for i in range(PROCESSES)
    }
    outcomes = _run_all(_url(engine), files)
    assert [changed for _actor, _added, changed, _unchanged in outcomes] == [1] * PROCESSES
    with sessions() as s:
        residents = s.scalar(select(Account.residents).where(Account.number == "1120200001000"))
        trail = [
            json.loads(d)["changes"]["residents"]
            for d in s.scalars(
                select(AuditLog.details).where(AuditLog.action == "account.updated").order_by(AuditLog.id)
            )
        ]
    # Each change starts from the value the previous one left: none was made against a stale read.
    assert trail[0][0] == "2" and all(later[0] == earlier[1] for earlier, later in itertools.pairwise(trail))
    assert len(trail) == PROCESSES and int(trail[-1][1]) == residents
