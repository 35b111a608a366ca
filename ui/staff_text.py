"""The staff dashboard's texts: the message catalog (core.i18n, locale/) in the staff session's language
(Ukrainian unless the user picks English in the sidebar), looked up per call; and tables of names by code that
read in that language whenever they are read."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

import streamlit as st

from core.i18n import DEFAULT_LANGUAGE, LANGUAGES, t

_LANG = "staff_lang"
# Each language by its own name, the same in every language (so nobody has to read a foreign word to switch).
LANGUAGE_NAMES = {"uk": "Українська", "en": "English"}


_pinned: ContextVar[str | None] = ContextVar("staff_language_pinned", default=None)


def language() -> str:
    """The staff session's language (kept in this browser tab's session), or the one `pinned` for a download."""
    lang = _pinned.get() or st.session_state.get(_LANG, DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


@contextmanager
def pinned(lang: str) -> Iterator[None]:
    """Texts in `lang` inside the block: a deferred download is built after the script run, without its session."""
    token = _pinned.set(lang)
    try:
        yield
    finally:
        _pinned.reset(token)


def tr(key: str, /, **params: object) -> str:
    """A staff screen's text in the staff session's language."""
    return t(key, language(), **params)


def _switched() -> None:
    st.session_state[_LANG] = st.session_state.get("staff_lang_switch") or DEFAULT_LANGUAGE


def language_switch() -> None:
    """The language selector (in the sidebar): Ukrainian by default, English on request, for this session."""
    st.session_state["staff_lang_switch"] = language()
    st.segmented_control(
        tr("staff.language"),
        list(LANGUAGE_NAMES),
        key="staff_lang_switch",
        format_func=lambda code: LANGUAGE_NAMES[code],
        on_change=_switched,
    )


class Names(Mapping[str, str]):
    """Names of codes (`heating` -> «Опалення» / "Heating") from the catalog keys prefix + code, read in the
    staff session's language at each lookup, so a module-level table follows the user's language switch."""

    def __init__(self, prefix: str, codes: tuple[str, ...]) -> None:
        self.prefix, self.codes = prefix, codes

    def __getitem__(self, code: str) -> str:
        if code not in self.codes:
            raise KeyError(code)
        return tr(self.prefix + code)

    def __iter__(self) -> Iterator[str]:
        return iter(self.codes)

    def __len__(self) -> int:
        return len(self.codes)
