"""Download file names: one safe Latin script, the Ukrainian in them in the national transliteration (KMU 2010,
Resolution No. 55): the resolution's own examples, and properties over any text."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.file_names import MAX_LENGTH, file_name, latin, safe_part

ROOT = Path(__file__).resolve().parents[2]

# The examples of the resolution's table, one or more for each letter and rule.
OFFICIAL = {
    "Алушта": "Alushta",
    "Андрій": "Andrii",
    "Борщагівка": "Borshchahivka",
    "Вінниця": "Vinnytsia",
    "Гадяч": "Hadiach",
    "Згорани": "Zghorany",
    "Розгон": "Rozghon",
    "Ґалаґан": "Galagan",
    "Горгани": "Horhany",
    "Донецьк": "Donetsk",
    "Рівне": "Rivne",
    "Єнакієве": "Yenakiieve",
    "Гаєвич": "Haievych",
    "Короп'є": "Koropie",
    "Житомир": "Zhytomyr",
    "Запоріжжя": "Zaporizhzhia",
    "Медвин": "Medvyn",
    "Іршава": "Irshava",
    "Їжакевич": "Yizhakevych",
    "Кадиївка": "Kadyivka",
    "Йосипівка": "Yosypivka",
    "Стрий": "Stryi",
    "Олексій": "Oleksii",
    "Київ": "Kyiv",
    "Лебедин": "Lebedyn",
    "Миколаїв": "Mykolaiv",
    "Ніжин": "Nizhyn",
    "Одеса": "Odesa",
    "Полтава": "Poltava",
    "Ромни": "Romny",
    "Суми": "Sumy",
    "Тетерів": "Teteriv",
    "Ужгород": "Uzhhorod",
    "Фастів": "Fastiv",
    "Харків": "Kharkiv",
    "Біла Церква": "Bila Tserkva",
    "Чернівці": "Chernivtsi",
    "Шостка": "Shostka",
    "Гоща": "Hoshcha",
    "Русанівська": "Rusanivska",
    "Юрій": "Yurii",
    "Корюківка": "Koriukivka",
    "Яготин": "Yahotyn",
    "Костянтин": "Kostiantyn",
    "Знам\u02bcянка": "Znamianka",  # the standard's apostrophe
    "Знам’янка": "Znamianka",  # the typographic one
    "Феодосія": "Feodosiia",
}

UKRAINIAN = "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"
ukrainian_words = st.text(alphabet=UKRAINIAN + UKRAINIAN.upper() + "'", min_size=1, max_size=12).filter(
    lambda word: word[0] != "'"
)
SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\.[a-z]+")


@pytest.mark.parametrize(("ukrainian", "expected"), OFFICIAL.items())
def test_the_resolutions_examples(ukrainian, expected):
    assert latin(ukrainian) == expected


def test_a_word_in_capitals_stays_in_capitals_and_a_capital_letter_starts_a_word():
    assert latin("ЩУКА Щука ЖК Ж") == "SHCHUKA Shchuka ZHK Zh"


def test_the_streets_of_the_seed_and_the_demo():
    assert safe_part("вул. Гулака-Артемовського") == "vul-Hulaka-Artemovskoho"
    assert safe_part("просп. Волі") == "prosp-Voli"
    assert safe_part("пров. Луцький") == "prov-Lutskyi"


@given(st.lists(ukrainian_words, min_size=1, max_size=5))
def test_each_word_is_written_on_its_own(words):
    assert latin(" ".join(words)) == " ".join(latin(word) for word in words)


@given(ukrainian_words)
def test_ukrainian_becomes_ascii_letters_and_case_only_changes_case(word):
    written = latin(word)
    assert re.fullmatch(r"[A-Za-z]*", written), written
    assert latin(word.lower()) == written.lower()


@given(st.text(alphabet=st.characters(max_codepoint=127, exclude_characters="'")))
def test_latin_text_is_left_as_it_is(text):
    assert latin(text) == text


@given(st.lists(st.text(), max_size=6), st.sampled_from(["csv", "pdf"]))
def test_any_parts_make_a_safe_bounded_file_name(parts, extension):
    name = file_name(*parts, extension=extension)
    assert SAFE.fullmatch(name), name
    assert name.endswith("." + extension) and len(name) <= MAX_LENGTH + 1 + len(extension)
    assert "__" not in name and "--" not in name


def test_the_parts_of_a_name_keep_their_order_and_numbers():
    assert (
        file_name("bez-pokazan", "період 2026-11", "вулиця вул. Гулака-Артемовського")
        == "bez-pokazan_period-2026-11_vulytsia-vul-Hulaka-Artemovskoho.csv"
    )
    assert file_name("zvirka-riadky", "з 01.11.2026", "по 30.11.2026") == "zvirka-riadky_z-01-11-2026_po-30-11-2026.csv"
    assert file_name("kvytantsiia 1120200001000 2026-11", extension="pdf") == "kvytantsiia-1120200001000-2026-11.pdf"


# The stems the pages give their downloads, each the transliteration of its Ukrainian words.
STEMS = {
    "bez-pokazan": "без показань",
    "bez-pokazan-donarakhuvannia": "без показань донарахування",
    "donarakhuvannia": "донарахування",
    "pererakhunky": "перерахунки",
    "na-perevirtsi": "на перевірці",
    "konflikty": "конфлікти",
    "konflikty-failu": "конфлікти файлу",
    "vidkhyleni-riadky": "відхилені рядки",
    "zminy": "зміни",
    "zvirka-riadky": "звірка рядки",
    "zvirka-kabinet": "звірка кабінет",
    "zvirka-storno": "звірка сторно",
    "kvytantsiia": "квитанція",
}


@pytest.mark.parametrize(("stem", "ukrainian"), STEMS.items())
def test_each_stem_is_its_words_transliterated(stem, ukrainian):
    assert safe_part(ukrainian) == stem


def test_every_download_of_the_pages_is_named_by_the_one_function():
    """A download's `file_name=` is a call of core.file_names.file_name (or ui.staff_view.file_name over it)."""
    sites = [
        (path.name, ast.unparse(node.value))
        for path in sorted((ROOT / "pages").rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.keyword) and node.arg == "file_name"
    ]
    assert len(sites) >= 8, sites
    # The import page's sample keeps the name it has in data/samples, which the button names (already safe).
    named = [(name, value) for name, value in sites if (name, value) != ("imports.py", "sample.name")]
    assert all(re.match(r"^(view\.)?file_name\(", value) for _name, value in named), sites
    assert all(re.fullmatch(r"[a-z0-9_]+\.csv", path.name) for path in (ROOT / "data" / "samples").iterdir())
