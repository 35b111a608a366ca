"""One engine per process for the HTTP routes (the Streamlit pages cache theirs with st.cache_resource)."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.config import settings
from db.engine import make_engine, make_sessions


@lru_cache(maxsize=1)
def engine() -> Engine:
    return make_engine(settings().database_url)


@lru_cache(maxsize=1)
def sessions() -> sessionmaker[Session]:
    return make_sessions(engine())
