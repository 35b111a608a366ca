"""Production is the default mode: no demo payment provider, no demo data or demo staff passwords, and the list
of unsafe or missing settings `manage.py check` prints and the apps refuse to start on."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from core import deployment, payment_providers, payments
from core.config import Settings
from core.errors import DomainError
from core.passwords import hash_password
from db.models import ConsumerAccountLink, ConsumerLogin, Payment, StaffUser
from demo.generator import DEMO_STAFF
from tests.conftest import kyiv

NOW = kyiv(2026, 11, 27, 12)
SAFE = {
    "PUBLIC_BASE_URL": "https://cabinet.example.ua",
    "LIQPAY_PUBLIC_KEY": "i0001",
    "LIQPAY_PRIVATE_KEY": "p0001",
    "DATABASE_URL": "postgresql://teplo@db/teplo",
    "TEPLO_TRUSTED_PROXIES": "127.0.0.1",
    "STREAMLIT_SERVER_COOKIE_SECRET": "s" * 32,
}


@pytest.fixture
def production(configure):
    configure(
        TEPLO_DEMO=None,
        TEPLO_DEMO_PAYMENTS=None,
        TEPLO_ONLINE_PAYMENTS=None,
        LIQPAY_PUBLIC_KEY=None,
        LIQPAY_PRIVATE_KEY=None,
    )


def settings_findings(environ: dict) -> dict[str, str]:
    return {f.setting: f.level for f in deployment.check_settings(Settings.from_environ(environ))}


def test_without_keys_production_has_no_demo_provider(production):
    assert payment_providers.PaymentSettings.load(environ={}).provider == "off"
    assert payment_providers.PaymentSettings.load(environ={"TEPLO_DEMO": "1"}).provider == "demo"
    assert (
        payment_providers.PaymentSettings.load(environ={"TEPLO_DEMO": "1", "TEPLO_ONLINE_PAYMENTS": "0"}).provider
        == "off"
    )
    assert (
        payment_providers.PaymentSettings.load(environ={"LIQPAY_PUBLIC_KEY": "i1", "LIQPAY_PRIVATE_KEY": "p1"}).provider
        == "liqpay"
    )


def test_a_demo_payment_is_never_stored_as_real_money_in_production(production, world, sessions):
    """The reported case: 99 999,99 through the demo provider was credited as a cabinet payment."""
    account = world.account()
    with sessions.begin() as s:
        login = ConsumerLogin(login="olena@example.com", password_hash="-", language="uk", created_at=NOW)
        s.add(login)
        s.flush()
        s.add(ConsumerAccountLink(login_id=login.id, account_id=account, method="payment", linked_at=NOW))
    with pytest.raises(DomainError) as refused:
        payments.create_intent(sessions, login.id, account, "heating", "99 999,99", provider="demo", now=NOW)
    assert refused.value.key == "payment.unavailable"
    settings = payment_providers.PaymentSettings.load(environ={"TEPLO_DEMO_PAYMENT_KEY": "k"})
    with pytest.raises(DomainError):
        payment_providers.provider_for(settings)
    with sessions() as s:
        assert s.scalars(select(Payment.amount)).all() == []


def test_each_unsafe_setting_is_named():
    assert set(settings_findings(SAFE).values()) <= {deployment.WARNING}
    cases = {
        "TEPLO_DEMO": {**SAFE, "TEPLO_DEMO": "1"},
        "PUBLIC_BASE_URL": {**SAFE, "PUBLIC_BASE_URL": "http://cabinet.example.ua"},
        "TEPLO_ONLINE_PAYMENTS": {k: v for k, v in SAFE.items() if not k.startswith("LIQPAY_")},
        "LIQPAY_PUBLIC_KEY, LIQPAY_PRIVATE_KEY": {k: v for k, v in SAFE.items() if k != "LIQPAY_PRIVATE_KEY"},
        "TEPLO_NOW": {**SAFE, "TEPLO_NOW": "2020-03-02"},
    }
    for setting, environ in cases.items():
        assert settings_findings(environ).get(setting) == deployment.UNSAFE, setting
    missing_url = {k: v for k, v in SAFE.items() if k != "PUBLIC_BASE_URL"}
    assert settings_findings(missing_url)["PUBLIC_BASE_URL"] == deployment.UNSAFE
    payments_off = {k: v for k, v in SAFE.items() if not k.startswith("LIQPAY_")} | {"TEPLO_ONLINE_PAYMENTS": "0"}
    assert settings_findings(payments_off)["TEPLO_ONLINE_PAYMENTS"] == deployment.WARNING
    assert settings_findings({**SAFE, "DATABASE_URL": "sqlite:///x"})["DATABASE_URL"] == deployment.WARNING


def test_a_demo_staff_password_in_the_database_is_unsafe(engine, sessions):
    with sessions.begin() as s:
        s.add(
            StaffUser(
                username="olena",
                full_name="Olena",
                password_hash=hash_password("власна-фраза-2026"),
                role="admin",
                active=True,
                created_at=NOW,
            )
        )
    assert deployment.unsafe(deployment.check_database(sessions)) == []
    with sessions.begin() as s:
        s.add(
            StaffUser(
                username="petro",
                full_name="Petro",
                password_hash=hash_password(DEMO_STAFF["operator"]),
                role="operator",
                active=True,
                created_at=NOW,
            )
        )
    found = deployment.unsafe(deployment.check_database(sessions))
    assert [f.setting for f in found] == ["staff users"] and "petro" in found[0].message
    message = deployment.refusal("public_app", found)
    assert "refusing to start" in message and "petro has a demo password" in message


def test_demo_data_and_a_missing_admin_are_reported(engine, sessions, world):
    meter = world.meter(world.account())
    window = world.window(dt.date(2026, 10, 1))
    world.reading(meter, window, "120.000", kyiv(2026, 10, 28))
    findings = {f.setting: f for f in deployment.check_database(sessions)}
    assert findings["staff users"].level == deployment.WARNING  # no admin yet
    assert "database" not in findings
    with sessions.begin() as s:
        s.add(
            Payment(
                account_id=world.account("1120200001017"),
                service="heating",
                amount=Decimal("1.00"),
                paid_at=NOW,
                channel="bank",
                source="demo-bank",
                external_ref="x",
            )
        )
    from db.models import Reading

    with sessions.begin() as s:
        s.get(Reading, 1).source = "demo"  # what the demo generator writes
    findings = {f.setting: f for f in deployment.check_database(sessions)}
    assert findings["database"].level == deployment.UNSAFE and "demo data" in findings["database"].message


def test_a_schema_behind_the_code_is_unsafe(sqlite_engine):
    from db.engine import make_sessions
    from db.migrate import downgrade

    downgrade(sqlite_engine, "0005")
    found = deployment.check_database(make_sessions(sqlite_engine))
    assert [(f.level, f.setting) for f in found] == [(deployment.UNSAFE, "database")]
    assert "manage.py migrate" in found[0].message
