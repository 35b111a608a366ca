"""Password policy (NIST SP 800-63B: length and a common-password list, no composition rules) and Argon2id."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.errors import DomainError

MIN_LENGTH = 8
MAX_LENGTH = 128
_hasher = PasswordHasher()


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    """The blocklist in common_passwords.txt (its header lines, starting with '#', name its sources)."""
    path = Path(__file__).with_name("common_passwords.txt")
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(line.lower() for line in lines if line and not line.startswith("#"))


def check_policy(password: str, repeated: str | None = None) -> None:
    if repeated is not None and password != repeated:
        raise DomainError("password.mismatch")
    if len(password) < MIN_LENGTH:
        raise DomainError("password.too_short", minimum=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        raise DomainError("password.too_long", maximum=MAX_LENGTH)
    if password.lower() in _common_passwords():
        raise DomainError("password.common")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash was made with other parameters than today's, so a login upgrades it."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=4)
def _dummy_hash_of(hasher: PasswordHasher) -> str:
    return hasher.hash("teplo-cabinet-dummy-password")


def dummy_hash() -> str:
    """Verified instead of a missing or deactivated account's hash, so the response time does not tell whether a
    login exists or is active: every login attempt does the same Argon2 work. Made on first use, not at import: a
    hash costs 0.3 s of CPU, which every process start (each app, each CLI command) used to pay."""
    return _dummy_hash_of(_hasher)


def burn_time(password: str) -> None:
    verify_password(dummy_hash(), password)
