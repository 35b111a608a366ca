"""Messages in Ukrainian (default) and English from the gettext catalogs in locale/ (managed with Babel, see
scripts/catalog.py), looked up per call in the caller's language: nothing process-global is switched, so two
sessions in different languages each see their own.

The msgids are message keys (`account.format`); the Ukrainian catalog holds the Ukrainian texts.
"""

from __future__ import annotations

import functools
from pathlib import Path

from babel.support import Translations

LANGUAGES = ("uk", "en")
DEFAULT_LANGUAGE = "uk"
# The cookie that remembers the language a browser last showed the consumer cabinet in (web/page_shell.py sets it
# from the page, the ASGI page rewrite and ui/public_session.language() read it): not a secret, 1 year.
LANGUAGE_COOKIE = "teplo_lang"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"


@functools.cache
def translations(lang: str) -> Translations:
    """The compiled catalog of lang; English falls back to Ukrainian for a key it lacks."""
    loaded = Translations.load(LOCALE_DIR, [lang], DOMAIN)
    if not isinstance(loaded, Translations):  # gettext's NullTranslations: the .mo file is missing
        raise RuntimeError(f"No compiled message catalog for {lang!r} in {LOCALE_DIR}: run scripts/catalog.py compile")
    if lang != DEFAULT_LANGUAGE:
        loaded.add_fallback(translations(DEFAULT_LANGUAGE))
    return loaded


def _language(lang: str | None) -> str:
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def has(key: str) -> bool:
    """Whether the catalog holds a message for key (e.g. a payment channel with a name of its own)."""
    return key in translations(DEFAULT_LANGUAGE)._catalog


def t(key: str, lang: str = DEFAULT_LANGUAGE, /, **params: object) -> str:
    """The message for key in lang (Ukrainian when lang or the key's translation is missing; the key itself when
    the catalog has no such message); params fill its {placeholders}."""
    text = translations(_language(lang)).gettext(key)
    if not params:
        return text
    # A figure (core.formatting.Shown) is written the way the message's language writes numbers.
    return text.format(
        **{name: value.localized(lang) if hasattr(value, "localized") else value for name, value in params.items()}
    )


def N_(key: str) -> str:
    """Marks a key looked up later (e.g. in a table of names) for `pybabel extract`; returns it unchanged."""
    return key
