"""A window's additional-charge list as the staff page shows it: its totals, its lines per street and rule, and the
first lines of a choice (a rule, a street, words to search for) with how many lines the choice holds.

A processed window's lines are stored, and a city's hold over a hundred thousand of them: the page asks SQL for the
totals and the first lines, and never holds the whole list (reading and keeping it took 3.5 s at 1,000,000 accounts
on every first view). An unprocessed window's lines are a live estimate (core.estimates) the page already holds;
`totals` and `choose` give the same answers over such a list, and the integration tests check that both ways agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, sessionmaker

from core.additional_charges import additional_charge_list, stored_lines
from core.estimates import AdditionalChargeLine
from core.queries import lowered
from db.models import Account, AdditionalCharge, Meter


@dataclass(frozen=True)
class LineChoice:
    """Which lines the table shows: one rule or all (None), one street or all, and words each line must contain
    (in its account number, address or meter serial, in any case and order)."""

    rule: str | None = None
    street: str | None = None
    words: tuple[str, ...] = ()

    @classmethod
    def of(cls, rule: str | None, street: str | None, search: str) -> LineChoice:
        return cls(rule, street, tuple(search.lower().split()))


@dataclass(frozen=True)
class ChargeTotals:
    """The whole list's figures: lines (one per account's meter), volume, amount, and lines per street and rule,
    the streets with the most lines first."""

    lines: int
    volume: Decimal
    amount: Decimal
    by_street: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]

    def lines_of(self, choice: LineChoice) -> int:
        """How many lines the choice's rule and street hold (its words aside)."""
        return sum(
            count
            for street, rules in self.by_street
            if choice.street is None or street == choice.street
            for rule, count in rules
            if choice.rule is None or rule == choice.rule
        )


@dataclass(frozen=True)
class ChosenLines:
    first: tuple[AdditionalChargeLine, ...]  # at most the limit asked for (all with none), in the list's order
    matched: int  # every line of the choice


def _totals(groups: Iterable[tuple[str, str, int, Decimal, Decimal]]) -> ChargeTotals:
    """From (street, rule, lines, volume, amount) groups."""
    per_street: dict[str, dict[str, int]] = {}
    lines, volume, amount = 0, Decimal(0), Decimal(0)
    for street, rule, count, group_volume, group_amount in groups:
        rules = per_street.setdefault(street, {})
        rules[rule] = rules.get(rule, 0) + count
        lines, volume, amount = lines + count, volume + group_volume, amount + group_amount
    by_street = sorted(per_street.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    return ChargeTotals(lines, volume, amount, tuple((s, tuple(sorted(r.items()))) for s, r in by_street))


def totals(lines: Iterable[AdditionalChargeLine]) -> ChargeTotals:
    return _totals((line.street, line.rule, 1, line.volume, line.amount) for line in lines)


def _haystack(line: AdditionalChargeLine) -> str:
    return f"{line.account_number} {line.address} {line.meter_serial}".lower()


def chosen(line: AdditionalChargeLine, choice: LineChoice) -> bool:
    if choice.rule is not None and line.rule != choice.rule:
        return False
    if choice.street is not None and line.street != choice.street:
        return False
    haystack = _haystack(line) if choice.words else ""
    return all(word in haystack for word in choice.words)


def choose(lines: Sequence[AdditionalChargeLine], choice: LineChoice, limit: int | None) -> ChosenLines:
    matched = [line for line in lines if chosen(line, choice)]
    return ChosenLines(tuple(matched[:limit]), len(matched))


# --- a processed window's stored lines, in SQL ---------------------------------------------------------------


def stored_totals(sessions: sessionmaker[Session], window_id: int) -> ChargeTotals:
    query = (
        select(
            Account.street,
            AdditionalCharge.rule,
            func.count(),
            func.sum(AdditionalCharge.volume),
            func.sum(AdditionalCharge.amount),
        )
        .join(Account, Account.id == AdditionalCharge.account_id)
        .where(AdditionalCharge.window_id == window_id)
        .group_by(Account.street, AdditionalCharge.rule)
    )
    with sessions() as session:
        return _totals(session.execute(query).tuples())


def _where(session: Session, choice: LineChoice) -> list[ColumnElement[bool]]:
    conditions = []
    if choice.rule is not None:
        conditions.append(AdditionalCharge.rule == choice.rule)
    if choice.street is not None:
        conditions.append(Account.street == choice.street)
    if choice.words:
        haystack = lowered(session, Account.number + " " + Account.address + " " + Meter.serial)
        conditions.extend(haystack.contains(word, autoescape=True) for word in choice.words)
    return conditions


def stored_choice(
    sessions: sessionmaker[Session], window_id: int, choice: LineChoice, limit: int | None
) -> ChosenLines:
    """The choice's first `limit` stored lines (all of them, streamed, with None: its download), in the list's
    order, and how many it holds. Lines stored before what an estimate was made of was kept (see
    core.additional_charges) are chosen from the whole list."""
    with sessions() as session:
        where = _where(session, choice)
        count = select(func.count()).select_from(AdditionalCharge)
        if choice.street is not None or choice.words:  # the lines alone, if the choice asks nothing of the rest
            count = count.join(Account, Account.id == AdditionalCharge.account_id)
        if choice.words:
            count = count.join(Meter, Meter.id == AdditionalCharge.meter_id)
        matched = session.scalar(count.where(AdditionalCharge.window_id == window_id, *where)) or 0
        first = stored_lines(session, window_id, where, limit) if matched else []
    if first is None:
        return choose(additional_charge_list(sessions, window_id), choice, limit)
    return ChosenLines(tuple(first), matched)
