"""The engine and session factory of the pages: the process's one pool (core.resources), the same the HTTP routes
take."""

from __future__ import annotations

from core.resources import engine, sessions

__all__ = ["engine", "sessions"]
