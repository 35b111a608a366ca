"""The consumer cabinet's screen texts: a lookup of the message catalog (core.i18n, locale/) per call in the
consumer's language, and the languages' own names.

Domain errors bring their own messages (DomainError.message(lang)), from the same catalog.
"""

from __future__ import annotations

from core.i18n import has, t

# Each language by its own name, the same in every language (so nobody has to read a foreign word to switch).

LANGUAGE_NAMES = {"uk": "Українська", "en": "English"}


def text(key: str, lang: str = "uk", /, **params: object) -> str:
    """The screen text for key in lang (Ukrainian when the English one is missing)."""
    return t(key, lang, **params)


def text_or(key: str, lang: str, fallback: str) -> str:
    """The screen text for key if there is one (e.g. a payment channel), else the fallback as it is."""
    return text(key, lang) if has(key) else fallback
