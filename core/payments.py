"""Payment intents: what a consumer asked to pay through the cabinet, before the provider confirms it."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from core import audit, clock
from core.consumers import require_link
from core.errors import DomainError
from core.parsing import parse_amount, parse_service
from db.models import Account, ConsumerLogin, PaymentIntent


@dataclass(frozen=True)
class IntentView:
    order_id: str
    account_number: str
    service: str
    amount: Decimal
    status: str
    provider: str
    created_at: dt.datetime


def create_intent(
    sessions: sessionmaker[Session],
    login_id: int,
    account_id: int,
    service: str,
    amount_text: str,
    provider: str = "demo",
    now: dt.datetime | None = None,
) -> IntentView:
    now = now or clock.now()
    service = parse_service(service)
    amount = parse_amount(amount_text)
    with sessions.begin() as session:
        require_link(session, login_id, account_id)
        account = session.get_one(Account, account_id)
        if not (account.has_heating if service == "heating" else account.has_hot_water):
            raise DomainError("service.not_on_account")
        order_id = f"TC-{now:%Y%m%d}-{secrets.token_hex(6).upper()}"
        intent = PaymentIntent(
            order_id=order_id, account_id=account_id, service=service, amount=amount, currency="UAH",
            status="created", provider=provider, login_id=login_id, created_at=now, updated_at=now,
        )
        session.add(intent)
        login = session.get_one(ConsumerLogin, login_id)
        audit.record(session, at=now, actor_type="consumer", actor=login.login, action="payment.intent_created",
                     entity="payment_intent", entity_id=order_id, account=account.number, service=service,
                     amount=str(amount))
        return IntentView(order_id, account.number, service, amount, "created", provider, now)
