"""Domain errors carry a message key, so every layer can show the consumer a sentence in their language."""

from __future__ import annotations

from core.i18n import DEFAULT_LANGUAGE, t


class DomainError(Exception):
    """Bad input or a refused action; `message(lang)` is fit to show to the person who caused it."""

    def __init__(self, key: str, /, **params: object) -> None:
        # `key` positional-only: a message may itself have a parameter named `key` (the record a file repeats).
        self.key = key
        self.params = params
        super().__init__(t(key, DEFAULT_LANGUAGE, **params))

    def message(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return t(self.key, lang, **self.params)


class VerificationFailed(DomainError):
    """Registration proof did not match; deliberately says nothing about which field was wrong."""


class Locked(DomainError):
    """Too many failures for this key; try again later."""


class NeedsConfirmation(DomainError):
    """The action is allowed only after the person confirms it (kind: 'jump', 'replace', or 'replace_jump' when
    both apply, so one question covers both and the person is not asked twice in a row)."""

    def __init__(self, kind: str, key: str, /, **params: object) -> None:
        self.kind = kind
        super().__init__(key, **params)

    @property
    def kinds(self) -> frozenset[str]:
        """What one "yes" confirms: {'jump'}, {'replace'} or both."""
        return frozenset(self.kind.split("_"))


class AccessDenied(DomainError):
    def __init__(self) -> None:
        super().__init__("access.denied")
