"""The engine and session factory, cached once per process (never sessions or ORM objects)."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.config import settings
from db.engine import make_engine, make_sessions


@st.cache_resource
def engine() -> Engine:
    return make_engine(settings().database_url)


@st.cache_resource
def sessions() -> sessionmaker[Session]:
    return make_sessions(engine())
