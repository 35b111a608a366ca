"""Data and clicks shared by the consumer-cabinet AppTests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html.parser import HTMLParser

from streamlit.testing.v1 import AppTest

from tests.app.conftest import open_app
from tests.conftest import World, kyiv, register_consumer

SEED = "1120200001000"
NEW = "1120200001017"
OTHER = "1120200002000"
PASSWORD = "teplo-kvartyra-1"


@dataclass
class Cabinet:
    world: World
    seed: int
    seed_meter: int
    new: int
    new_meter: int
    other: int
    november: int


def build(world: World) -> Cabinet:
    """The seed's account (heating 2222,22 − 16 % = 1866,66 paid; last hot-water payment 412,37), a new account
    with a meter and no payments, and a stranger's account linked to another login."""
    seed = world.account(SEED)
    seed_meter = world.meter(seed, "0812345", initial="100.000")
    world.charge(seed, "heating", dt.date(2020, 1, 1), "2222.22", discount="16")
    world.charge(seed, "hot_water", dt.date(2020, 1, 1), "412.37")
    world.charge(seed, "heating", dt.date(2026, 10, 1), "1500.00")
    world.charge(seed, "hot_water", dt.date(2026, 10, 1), "300.00")
    world.payment(seed, "heating", "1500.00", kyiv(2020, 1, 10))
    world.payment(seed, "heating", "1866.66", kyiv(2020, 2, 12))
    world.payment(seed, "hot_water", "412.37", kyiv(2020, 2, 13))
    october = world.window(dt.date(2026, 10, 1))
    november = world.window(dt.date(2026, 11, 1))
    world.window(dt.date(2026, 12, 1))
    world.reading(seed_meter, october, "150.000", kyiv(2026, 11, 2, 10), consumption="2.000")
    new = world.account(NEW, address="вул. Гулака-Артемовського, 20, кв. 17")
    new_meter = world.meter(new, "2611017", initial="5.000")
    other = world.account(OTHER, address="просп. Волі, 3, кв. 9")
    world.meter(other, "0999999")
    world.payment(other, "heating", "999.99", kyiv(2026, 11, 3))
    register_consumer(world.sessions, "stranger@example.com", number=OTHER, amount="999,99", password=PASSWORD)
    return Cabinet(world, seed, seed_meter, new, new_meter, other, november)


def registered(world: World, login: str = "olena@example.com") -> int:
    return register_consumer(world.sessions, login, number=SEED, password=PASSWORD)


# ---- finding and clicking widgets by what the user sees -------------------------------------------------


def field(at: AppTest, label: str):
    matches = [w for w in at.text_input if w.label == label]
    assert matches, f"no text field {label!r}: {[w.label for w in at.text_input]}"
    return matches[0]


def fill(at: AppTest, **values: str) -> None:
    """fill(at, **{"Пароль": "..."}): type into text fields by their labels."""
    for label, value in values.items():
        field(at, label).input(value)


def click(at: AppTest, label: str) -> AppTest:
    buttons = [b for b in at.button if b.label == label]
    assert buttons, f"no button {label!r}: {[b.label for b in at.button]}"
    buttons[0].click()
    return at.run()


def shown(at: AppTest) -> str:
    """Every text on the screen, for assertions about what the user reads."""
    parts: list[str] = []
    for kind in ("title", "subheader", "markdown", "text", "caption", "success", "info", "warning", "error"):
        parts.extend(str(element.value) for element in getattr(at, kind))
    parts.extend(f"{m.label} {m.value}" for m in at.metric)
    return "\n".join(parts)


class _Tables(HTMLParser):
    """Tables of st.html elements: each as its header texts and rows, a cell's lines joined by " / "."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self.cell: list[str] | None = None
        self.part = ""

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "headers": [], "rows": [], "scopes": []})
        elif tag == "tr":
            self.row: list[str] = []
        elif tag in ("th", "td", "caption"):
            self.cell, self.part = [], ""
            if tag == "th":
                self.tables[-1]["scopes"].append(dict(attrs).get("scope"))
        elif tag == "span" and self.cell is not None and self.part:
            self.cell.append(self.part)
            self.part = ""

    def handle_data(self, data):
        if self.cell is not None:
            self.part += data

    def handle_endtag(self, tag):
        if tag in ("th", "td", "caption") and self.cell is not None:
            text = " / ".join([*self.cell, self.part] if self.part else self.cell)
            self.cell = None
            table = self.tables[-1]
            if tag == "caption":
                table["caption"] = text
            elif tag == "th":
                table["headers"].append(text)
            else:
                self.row.append(text)
        elif tag == "tr" and self.row:  # a row of data cells (the header row has none)
            self.tables[-1]["rows"].append(self.row)


def html_tables(at: AppTest) -> list[dict]:
    """The HTML tables on the screen (caption, headers, header scopes, rows of cell texts)."""
    parser = _Tables()
    for element in at.html:
        parser.feed(element.proto.body)
    return parser.tables


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def register_via_ui(
    at: AppTest,
    *,
    account=SEED,
    amount="1866,66",
    meter=None,
    login="olena@example.com",
    password=PASSWORD,
    repeated=None,
) -> AppTest:
    at.switch_page("pages/public/register.py").run()
    if meter is not None:
        at.radio[0].set_value("meter").run()
        fill(at, **{"Номер особового рахунку": account, "Номер лічильника гарячої води": meter})
    else:
        fill(at, **{"Номер особового рахунку": account, "Сума останнього платежу, ₴": amount})
    fill(
        at,
        **{
            "Логін: телефон або e-mail": login,
            "Пароль (щонайменше 8 символів)": password,
            "Пароль ще раз": password if repeated is None else repeated,
        },
    )
    return click(at, "Зареєструватися")


def log_in(at: AppTest, login="olena@example.com", password=PASSWORD) -> AppTest:
    fill(at, **{"Телефон або e-mail": login, "Пароль": password})
    return click(at, "Увійти")


def logged_in_app(world: World, login: str = "olena@example.com") -> AppTest:
    """Open the cabinet and log in through the form, as a returning consumer does."""
    at = open_app("public_app.py")
    return log_in(at, login)
