"""Crediting bank-registry payments so every kopeck lands once on the right account and service."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Payment


def credit_registry_payment(
    session: Session,
    *,
    account_id: int,
    service: str,
    amount: Decimal,
    paid_at: dt.datetime,
    channel: str,
    source: str,
    external_ref: str,
    order_id: str | None = None,
    import_batch_id: int | None = None,
) -> str:
    """Write one registry payment unless it is already there; returns "added" or "duplicate".

    (The payments work extends this: match order_id to a payment intent, never double a callback-credited one.)
    """
    exists = session.scalar(select(Payment.id).where(Payment.source == source, Payment.external_ref == external_ref))
    if exists is not None:
        return "duplicate"
    session.add(Payment(account_id=account_id, service=service, amount=amount, paid_at=paid_at, channel=channel,
                        source=source, external_ref=external_ref, import_batch_id=import_batch_id))
    return "added"
