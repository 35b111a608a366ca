"""The common-password blocklist: a real list of tens of thousands, with its sources named, that also catches
Ukrainian and Russian keyboard-layout patterns; the generator's layout mapping is checked as a property."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import DomainError
from core.passwords import _common_passwords, check_policy

ROOT = Path(__file__).resolve().parents[2]
LIST = ROOT / "core" / "common_passwords.txt"


def _builder():
    spec = importlib.util.spec_from_file_location(
        "build_common_passwords", ROOT / "scripts" / "build_common_passwords.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


builder = _builder()


def test_the_list_is_large_and_names_its_sources_and_licences():
    assert len(_common_passwords()) >= 10_000
    header = [line for line in LIST.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    assert any("Django 5.2.8" in line for line in header) and any("zxcvbn 4.5.0" in line for line in header)
    licences = LIST.with_name("common_passwords.LICENSES.txt").read_text(encoding="utf-8")
    assert "Redistribution and use in source and binary forms" in licences and "MIT License" in licences


@pytest.mark.parametrize(
    "password",
    [
        "йцукенгшщз",  # qwertyuiop typed with the Ukrainian or Russian layout on
        "фывапролдж",  # asdfghjkl; on the Russian layout
        "фівапролдж",  # ... and on the Ukrainian one
        "зфыыцщкв",  # "password" typed on the Russian layout
        "зфііцщкв123",  # ... and the Ukrainian one, with an ending
        "gfhjkm123",  # "пароль" typed on the Latin layout
        "ghbdsn2024",  # "привіт" typed on the Latin layout
        "kokhannia",  # "кохання", transliterated
        "славаукраїні",
        "sunshine1",  # from the international lists
        "michelle",
        "00000000",
    ],
)
def test_common_and_layout_passwords_are_refused(password):
    with pytest.raises(DomainError) as refused:
        check_policy(password)
    assert refused.value.key == "password.common"


def test_a_long_passphrase_is_still_accepted():
    check_policy("тепла-зима-на-гулака-20")


@given(st.text(alphabet="qwertyuiopasdfghjklzxcvbnm", min_size=1, max_size=20))
def test_typing_on_the_ukrainian_layout_and_back_is_lossless(word):
    cyrillic = builder.typed_on(builder.TO_UKRAINIAN, word)
    assert cyrillic != word and all(char not in "qwertyuiopasdfghjklzxcvbnm" for char in cyrillic)
    assert builder.typed_on(builder.TO_LATIN, cyrillic) == word


def test_the_layout_tables_match_the_keyboards():
    assert builder.typed_on(builder.TO_UKRAINIAN, "qwerty") == "йцукен"
    assert builder.typed_on(builder.TO_RUSSIAN, "password") == "зфыыцщкв"
    assert builder.typed_on(builder.TO_LATIN, "пароль") == "gfhjkm"
    assert "parol" in builder.romanised("пароль") and "kokhannia" in builder.romanised("кохання")
