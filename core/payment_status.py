"""A cabinet payment's status as the consumer reads it: a pure rule shared by the Pay screens, My account and the
staff look-up."""

from __future__ import annotations

from core import liqpay

OPEN_STATUSES = ("created", "pending")
# What the consumer is shown (`consumer_status`): an open intent the bank has said nothing about is `unfinished`
# ("not completed": prepared in the cabinet, never confirmed at the bank, no money taken); it is `pending`
# ("awaiting the bank's confirmation") only once the provider reports the payment in progress.
SHOWN_OPEN_STATUSES = ("unfinished", "pending")


def consumer_status(status: str, provider_status: str | None) -> str:
    """The status a consumer reads. A payment only prepared (or handed to the provider with no word back) has
    taken no money and may never be paid: "not completed", never "awaiting the bank's confirmation", which is
    kept for a payment the bank has reported in progress (a waiting status in its callback)."""
    if status in OPEN_STATUSES:
        return "pending" if provider_status in liqpay.WAITING_STATUSES else "unfinished"
    return status
