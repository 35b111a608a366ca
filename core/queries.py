"""Small helpers for the domain's SELECTs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

_Line = TypeVar("_Line")


def rows_as(session: Session, line: Callable[..., _Line], statement: Select[Any]) -> list[_Line]:
    """Each row of `statement` made into `line(*row)`: the select lists the line's fields in their order."""
    return [line(*row) for row in session.execute(statement)]
