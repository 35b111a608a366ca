"""Small query helpers the domain modules share: reading a list of value rows, and a reading's meter and account."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, String, func
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from db.models import Account, Meter, Reading

T = TypeVar("T")
R = TypeVar("R", bound=tuple[Any, ...])


def rows_as(session: Session, make: Callable[..., T], query: Select[Any]) -> list[T]:
    """Every row of `query` made into `make(*row)`: a value type whose fields are the query's columns, in order."""
    return [make(*row) for row in session.execute(query)]


def read_rows(sessions: sessionmaker[Session], make: Callable[..., T], query: Select[Any]) -> list[T]:
    """`rows_as` in a session of its own: a list that is the whole of what its caller reads."""
    with sessions() as session:
        return rows_as(session, make, query)


def on_street(query: Select[R], street: str | None) -> Select[R]:
    """`query` (joined to the accounts) kept to one street's accounts; all of them without a street."""
    return query.where(Account.street == street) if street else query


def with_meter_and_account(query: Select[R]) -> Select[R]:
    """`query` over readings, joined to each reading's meter and the meter's account."""
    return query.join(Meter, Meter.id == Reading.meter_id).join(Account, Account.id == Meter.account_id)


def _lower(text: str | None) -> str | None:
    return None if text is None else text.lower()


def lowered(session: Session, text: ColumnElement[str] | InstrumentedAttribute[str]) -> ColumnElement[str]:
    """`text` in lower case, Cyrillic included, as Python's str.lower gives it: PostgreSQL's lower() (under the
    database's UTF-8 character type); on SQLite, whose lower() knows only ASCII, str.lower itself, made a function
    of this session's connection."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return func.lower(text, type_=String)
    driver_connection: Any = connection.connection.driver_connection  # sqlite3's
    driver_connection.create_function("teplo_lower", 1, _lower, deterministic=True)
    return func.teplo_lower(text, type_=String)
