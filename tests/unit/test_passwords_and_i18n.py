import pytest

from core.errors import DomainError
from core.passwords import check_policy, hash_password, verify_password


def test_hash_is_argon2id_and_verifies():
    hashed = hash_password("тепла-зима-2020")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "тепла-зима-2020")
    assert not verify_password(hashed, "тепла-зима-2021")
    assert not verify_password("not a hash", "x")


@pytest.mark.parametrize(
    "password,key",
    [
        ("short", "password.too_short"),
        ("password123", "password.common"),
        ("qwerty123", "password.common"),
        ("x" * 129, "password.too_long"),
    ],
)
def test_policy_rejects(password, key):
    with pytest.raises(DomainError) as err:
        check_policy(password)
    assert err.value.key == key


def test_policy_has_no_composition_rules():
    check_policy("довга фраза без цифр")


def test_mismatch():
    with pytest.raises(DomainError) as err:
        check_policy("correct horse", "correct hors")
    assert err.value.key == "password.mismatch"
