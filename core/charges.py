"""The rule a charge line obeys: what is left to pay after the discount (знижка/пільга)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal("100")


def to_pay(charge: Decimal, percent: Decimal) -> Decimal:
    """charge × (1 − percent/100), rounded half up to the kopeck: 2222,22 at 16 % → 1866,66.

    The discount amount is then charge − to_pay, so the two always add up to the charge."""
    if not Decimal("0") <= percent <= HUNDRED:
        raise ValueError(f"discount {percent} % is outside 0-100")
    return (charge * (HUNDRED - percent) / HUNDRED).quantize(CENT, ROUND_HALF_UP)


def discount_amount(charge: Decimal, percent: Decimal) -> Decimal:
    return charge.quantize(CENT, ROUND_HALF_UP) - to_pay(charge, percent)
