"""ORM models: the utility's ledger (accounts, charges, payments), meter readings and the cabinet's own state.

Money (12, 2), volumes (12, 3) and tariffs (12, 4) are exact fixed-point `Fixed` columns, mapped to Decimal:
NUMERIC on PostgreSQL, integer kopecks / litres / ten-thousandths on SQLite. Timestamps are timezone-aware.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.functions import Function
from sqlalchemy.types import TypeDecorator, TypeEngine


class _SQLiteUnits(Numeric[Decimal]):
    """SQLite's side of `Fixed`: declared NUMERIC(p, s) as before, holding integers, passed through untouched
    (SQLAlchemy's own Numeric would send a binary float)."""

    def bind_processor(self, dialect: Dialect) -> None:
        return None

    def result_processor(self, dialect: Dialect, coltype: object) -> None:
        return None


class Fixed(TypeDecorator[Decimal]):
    """An exact decimal with `scale` places, rounded half up to them on the way in.

    PostgreSQL stores NUMERIC(precision, scale). SQLite has no exact decimal (its NUMERIC is a binary float),
    so there the column holds the integer number of units of the last place (kopecks for money): SQLite's SUM,
    MIN, MAX and comparisons over integers are exact and still run in the database. Every expression typed
    with this type (a column, `func.sum(column)`, `case(...)` over it) converts back on the way out; an
    aggregate SQL does not type from its argument (AVG) goes through `fixed_avg`; raw SQL over these columns
    on SQLite sees the integers.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__(precision, scale)
        self.precision, self.scale = precision, scale
        self.quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return _SQLiteUnits(self.precision, self.scale)
        return dialect.type_descriptor(Numeric(self.precision, self.scale))

    def to_units(self, value: Decimal | int | str) -> int:
        """The integer count of last-place units (SQLite's stored form), rounded half up."""
        return int(self.exact(value).scaleb(self.scale))

    def exact(self, value: Decimal | int | str) -> Decimal:
        if isinstance(value, float):
            raise TypeError("money and volumes are Decimal, never float")
        return Decimal(value).quantize(self.quantum, ROUND_HALF_UP)

    def process_bind_param(self, value: Decimal | int | str | None, dialect: Dialect) -> Decimal | int | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return self.to_units(value)
        return self.exact(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            # AVG over integers is SQLite's only float here; its shortest repr is the value it computed.
            units = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
            return units.scaleb(-self.scale).quantize(self.quantum, ROUND_HALF_UP)
        return Decimal(value).quantize(self.quantum, ROUND_HALF_UP)


Money = Fixed(12, 2)
Volume = Fixed(12, 3)
TariffRate = Fixed(12, 4)
AverageDaily = Fixed(12, 6)  # m³ a day, as core.metering rounds it


def fixed_avg(column: Any, type_: Fixed | None = None) -> Function[Any]:
    """AVG of a fixed-point column, in its own units and rounded half up to its last place."""
    return func.avg(column, type_=type_ or column.type)


class AwareDateTime(TypeDecorator[dt.datetime]):
    """DateTime that always comes back timezone-aware (SQLite stores naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to an aware column")
        if dialect.name == "sqlite":
            return value.astimezone(dt.UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


def partial_unique_index(name: str, *columns: str, where: str) -> Index:
    """A unique index over the rows matching `where` only, on PostgreSQL and SQLite alike."""
    return Index(name, *columns, unique=True, postgresql_where=text(where), sqlite_where=text(where))


class Base(DeclarativeBase):
    pass


class Keyed(Base):
    """A table whose rows are numbered: an integer surrogate primary key `id`, its first column."""

    __abstract__ = True

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)


class Account(Keyed):
    __tablename__ = "accounts"

    number: Mapped[str] = mapped_column(String(13), unique=True)
    street: Mapped[str] = mapped_column(String(120), index=True)
    building: Mapped[str] = mapped_column(String(20))
    flat: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(200))
    heated_area: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    residents: Mapped[int] = mapped_column(Integer)
    has_heating: Mapped[bool] = mapped_column(Boolean, default=True)
    has_hot_water: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    # A closed account keeps its charges, payments and readings; it only stops taking new readings and estimates.
    closed_on: Mapped[dt.date | None] = mapped_column(Date)


class Meter(Keyed):
    __tablename__ = "meters"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    service: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str] = mapped_column(String(8), default="m3")
    initial_value: Mapped[Decimal] = mapped_column(Volume, default=Decimal("0"))
    installed_on: Mapped[dt.date] = mapped_column(Date)
    removed_on: Mapped[dt.date | None] = mapped_column(Date)


def compact_serial(serial: Any) -> Any:
    """A meter's number as staff type it: upper case, no spaces or dashes (the look-up compares this)."""
    return func.upper(func.replace(func.replace(serial, " ", ""), "-", ""))


# The staff look-up finds an account by the end of its number, a meter by the start of its number, and an address by
# words anywhere in it. Without these PostgreSQL indexes each read the whole table (20-90 ms at 80,000 accounts, ten
# times that at a million). The address words go through trigrams (the pg_trgm extension, migration 0025), which
# serve LIKE '%word%' for a word of three letters or more. SQLite has no reverse() or trigrams, and its databases are
# small enough to read whole (core.lookup).
Index("ix_accounts_number_reversed", func.reverse(Account.number)).ddl_if(dialect="postgresql")
Index(
    "ix_accounts_address_words",
    func.lower(Account.address).label("address_lower"),
    postgresql_using="gin",
    postgresql_ops={"address_lower": "gin_trgm_ops"},
).ddl_if(dialect="postgresql")
Index(
    "ix_meters_serial_compact",
    compact_serial(Meter.serial).label("serial_compact"),
    postgresql_ops={"serial_compact": "text_pattern_ops"},  # LIKE 'prefix%' under the database's own collation
).ddl_if(dialect="postgresql")


class ImportBatch(Keyed):
    __tablename__ = "import_batches"

    kind: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_added: Mapped[int] = mapped_column(Integer, default=0)
    rows_duplicate: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    rows_changed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # register imports' updates
    rows_conflict: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    created_by: Mapped[str] = mapped_column(String(120))


class Charge(Keyed):
    __tablename__ = "charges"
    __table_args__ = (
        # One billing row per account, service and month; a correction adds a reversal and a replacement beside it.
        partial_unique_index(
            "uq_charge_account_service_month",
            "account_id",
            "service",
            "month",
            where="reverses_id IS NULL AND replaces_id IS NULL",
        ),
        Index("uq_charges_reverses_id", "reverses_id", unique=True),
        Index("ix_charges_replaces_id", "replaces_id"),
        # INCLUDE (PostgreSQL): the dashboard's debt per account and service and a month's total from the index alone.
        Index(
            "ix_charges_account_service_month", "account_id", "service", "month", postgresql_include=["amount_to_pay"]
        ),
        Index("ix_charges_month_service", "month", "service", postgresql_include=["amount_to_pay"]),
    )

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    service: Mapped[str] = mapped_column(String(16))
    month: Mapped[dt.date] = mapped_column(Date)
    volume: Mapped[Decimal] = mapped_column(Volume)
    tariff: Mapped[Decimal] = mapped_column(TariffRate)
    amount: Mapped[Decimal] = mapped_column(Money)
    discount_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0"))
    discount_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    amount_to_pay: Mapped[Decimal] = mapped_column(Money)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    # A correction never edits a charge: it adds the reversal (negated figures, `reverses_id` = the charge) and the
    # corrected row (`replaces_id` = the charge), so sums give the corrected amount and the original stays visible.
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("charges.id"))
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("charges.id"))


class Payment(Keyed):
    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("source", "external_ref", name="uq_payment_source_ref"),
        # INCLUDE (PostgreSQL): balances and payment inflows from the indexes alone.
        Index("ix_payments_account_service_paid", "account_id", "service", "paid_at", postgresql_include=["amount"]),
        Index("ix_payments_paid_at", "paid_at", postgresql_include=["amount", "service", "channel"]),
        Index("uq_payments_reverses_id", "reverses_id", unique=True),
        Index("ix_payments_replaces_id", "replaces_id"),
    )

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    service: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    channel: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(40))
    external_ref: Mapped[str] = mapped_column(String(80))
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    # A correction: the reversing entry (negative amount) links the payment it reverses, the corrected one the
    # payment it replaces; a payment is reversed at most once (unique index).
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))


class ReadingWindow(Keyed):
    __tablename__ = "reading_windows"

    period: Mapped[dt.date] = mapped_column(Date, unique=True)
    opens_at: Mapped[dt.datetime] = mapped_column(AwareDateTime(), index=True)
    closes_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    processed_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime())
    processed_by: Mapped[str | None] = mapped_column(String(120))


class ConsumerLogin(Keyed):
    __tablename__ = "consumer_logins"

    login: Mapped[str] = mapped_column(String(120), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(2), default="uk")
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    last_login_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime())


class ReminderConsent(Base):
    """A consumer's consent to e-mail reminders (core.reminders): when it was given on Profile, when withdrawn
    (Profile or the unsubscribe link). One row per login; the audit trail keeps every change."""

    __tablename__ = "reminder_consents"

    login_id: Mapped[int] = mapped_column(ForeignKey("consumer_logins.id"), primary_key=True)
    consented_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime())
    # The newest charge month when consent was given: only a later month is a new charge to remind of.
    charges_seen_through: Mapped[dt.date | None] = mapped_column(Date)


class ReminderDelivery(Keyed):
    """One reminder e-mail per login, kind and period (window or charge month), claimed before it is sent.

    `status`: claimed (nothing transmitted yet), sending (handed to the SMTP server), sent, failed (the server
    refused or could not be reached: retried by the next run), uncertain (the connection broke while the message
    was being transmitted: never sent again). The unique key makes two runs at once claim a reminder only once."""

    __tablename__ = "reminder_deliveries"
    __table_args__ = (UniqueConstraint("login_id", "kind", "period", name="uq_reminder_login_kind_period"),)

    login_id: Mapped[int] = mapped_column(ForeignKey("consumer_logins.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # window_open, window_closing, charge
    period: Mapped[dt.date] = mapped_column(Date)  # the window's billing month or the charge month
    window_id: Mapped[int | None] = mapped_column(ForeignKey("reading_windows.id"))
    address: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16))
    claim_token: Mapped[str] = mapped_column(String(32))
    claimed_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime())
    last_error: Mapped[str | None] = mapped_column(String(255))
    subject: Mapped[str | None] = mapped_column(String(200))


class ConsumerAccountLink(Keyed):
    __tablename__ = "consumer_account_links"
    __table_args__ = (UniqueConstraint("login_id", "account_id", name="uq_link_login_account"),)

    login_id: Mapped[int] = mapped_column(ForeignKey("consumer_logins.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    method: Mapped[str] = mapped_column(String(16))
    linked_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())


class LoginSessionColumns:
    """What a server-side login session stores (core.login_sessions works on both kinds through these columns)."""

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    ticket_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    ticket_expires_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime())
    # Hash of the random cookie of the browser that logged in: the ticket works only in that browser.
    browser_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    last_seen_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime())


class ConsumerSession(LoginSessionColumns, Keyed):
    """Server-side login session; the browser holds only a random token whose hash is stored here."""

    __tablename__ = "consumer_sessions"

    login_id: Mapped[int] = mapped_column(ForeignKey("consumer_logins.id"), index=True)


class StaffSession(LoginSessionColumns, Keyed):
    """Server-side staff login session, like ConsumerSession; revoked on logout, role change and deactivation."""

    __tablename__ = "staff_sessions"

    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)


class Reading(Keyed):
    __tablename__ = "readings"
    __table_args__ = (
        # INCLUDE (PostgreSQL): a meter's history (last accepted reading, averages, estimates) from the index alone.
        Index(
            "ix_readings_meter_submitted",
            "meter_id",
            "submitted_at",
            postgresql_include=["status", "quality", "value", "window_id"],
        ),
        # INCLUDE (PostgreSQL): a window's readings up to a moment (the previous window at the same point, the curve)
        # from the index alone.
        Index(
            "ix_readings_window_status_meter", "window_id", "status", "meter_id", postgresql_include=["submitted_at"]
        ),
        UniqueConstraint("source", "external_ref", name="uq_reading_source_ref"),
        # At most one reading per meter and window stands (DESIGN rule 10), whatever races submit.
        partial_unique_index("uq_readings_standing", "meter_id", "window_id", where="status = 'accepted'"),
        # The window's readings flagged for review (a few in a thousand): found without reading the window's others.
        Index(
            "ix_readings_window_flagged",
            "window_id",
            postgresql_where=text("flagged AND status = 'accepted'"),
            sqlite_where=text("flagged AND status = 'accepted'"),
        ),
    )

    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id"))
    window_id: Mapped[int | None] = mapped_column(ForeignKey("reading_windows.id"))
    value: Mapped[Decimal] = mapped_column(Volume)
    consumption: Mapped[Decimal] = mapped_column(Volume)
    submitted_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    quality: Mapped[str] = mapped_column(String(16), default="actual")
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_reason: Mapped[str | None] = mapped_column(String(200))
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("readings.id"))
    receipt_number: Mapped[str] = mapped_column(String(32), unique=True)
    login_id: Mapped[int | None] = mapped_column(ForeignKey("consumer_logins.id"))
    source: Mapped[str | None] = mapped_column(String(40))
    external_ref: Mapped[str | None] = mapped_column(String(80))
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))


class AccountBalance(Base):
    """Per account and service, every charge to pay and every payment summed (reversals with their negative
    amounts): what the consumer's own page shows as the balance, kept in the transaction of each money write
    (core.rollups), so the total debt reads one row per account and service instead of the whole ledger."""

    __tablename__ = "account_balances"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    service: Mapped[str] = mapped_column(String(16), primary_key=True)
    charged: Mapped[Decimal] = mapped_column(Money)
    paid: Mapped[Decimal] = mapped_column(Money)


class DebtRecord(Base):
    """The total debt at the start (Kyiv midnight) of a day, summed from the rows once and kept for the
    overview's comparison with a month ago; a write dated before that moment drops it (core.balances)."""

    __tablename__ = "debt_records"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    debt: Mapped[Decimal] = mapped_column(Money)
    recorded_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())


class WindowFigures(Base):
    """A closed window's metered accounts and those with a reading (all streets), summed once and kept for the
    staff pages' charts of the year; a reading written for the window, or a register change, drops it
    (core.window_figures)."""

    __tablename__ = "window_figures"

    window_id: Mapped[int] = mapped_column(ForeignKey("reading_windows.id"), primary_key=True)
    submitted: Mapped[int] = mapped_column(Integer)
    metered: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())


class WindowCurveDay(Base):
    """A closed window's submission curve, one row per Kyiv day of the window (zeros too): the metered accounts whose
    first reading in the window came that day. Counted once and kept like the window's figures, and dropped with
    them by a reading written for the window or a register change (core.window_figures)."""

    __tablename__ = "window_curve_days"

    window_id: Mapped[int] = mapped_column(ForeignKey("reading_windows.id"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    accounts: Mapped[int] = mapped_column(Integer)


class WindowMetered(Base):
    """A window's metered accounts (all streets), counted once and kept: the open window's too, as they change
    only with the register, whose every change drops them (core.window_figures)."""

    __tablename__ = "window_metered"

    window_id: Mapped[int] = mapped_column(ForeignKey("reading_windows.id"), primary_key=True)
    metered: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())


class AdditionalCharge(Keyed):
    """Estimated hot-water volume for a metered account that sent no reading in a closed window."""

    __tablename__ = "additional_charges"
    __table_args__ = (UniqueConstraint("window_id", "meter_id", name="uq_additional_window_meter"),)

    window_id: Mapped[int] = mapped_column(ForeignKey("reading_windows.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    # A reading's receipt sums the meter's estimates since its previous real reading.
    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id"), index=True)
    rule: Mapped[str] = mapped_column(String(16))
    volume: Mapped[Decimal] = mapped_column(Volume)
    tariff: Mapped[Decimal] = mapped_column(TariffRate)
    amount: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    # What the estimate was made of, kept so a processed window's list is read, not estimated again; NULL on rows
    # stored before these columns existed (their list is worked out again from the history).
    residents: Mapped[int | None] = mapped_column(Integer)
    months_without: Mapped[int | None] = mapped_column(Integer)
    average_daily: Mapped[Decimal | None] = mapped_column(AverageDaily)
    days: Mapped[int | None] = mapped_column(Integer)


class Recalculation(Keyed):
    """Перерахунок (DESIGN rule 11): a real reading after estimates bills (positive volume) or credits back (negative)
    the difference between the consumption since the last actual reading and what was estimated. A recalculation
    whose reading was later corrected is reversed by a row of kind 'reversal', never edited."""

    __tablename__ = "recalculations"
    __table_args__ = (UniqueConstraint("reading_id", "kind", name="uq_recalculation_reading_kind"),)

    window_id: Mapped[int] = mapped_column(ForeignKey("reading_windows.id"), index=True)  # the billing file it is in
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id"), index=True)
    reading_id: Mapped[int] = mapped_column(ForeignKey("readings.id"))
    kind: Mapped[str] = mapped_column(String(16))  # "recalculation" or "reversal"
    quality: Mapped[str] = mapped_column(String(16))  # of the reading: "actual" or "corrected"
    estimated_volume: Mapped[Decimal] = mapped_column(Volume)
    actual_volume: Mapped[Decimal] = mapped_column(Volume)
    volume: Mapped[Decimal] = mapped_column(Volume)
    tariff: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    amount: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())


class StaffUser(Keyed):
    __tablename__ = "staff_users"

    username: Mapped[str] = mapped_column(String(60), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    last_login_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime())


class PaymentIntent(Keyed):
    __tablename__ = "payment_intents"
    __table_args__ = (
        Index("ix_intents_account_created", "account_id", "created_at"),
        Index("ix_intents_status_paid", "status", "paid_at"),
    )

    order_id: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    service: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="UAH")
    status: Mapped[str] = mapped_column(String(16))
    provider: Mapped[str] = mapped_column(String(16))
    login_id: Mapped[int | None] = mapped_column(ForeignKey("consumer_logins.id"))
    provider_payment_id: Mapped[str | None] = mapped_column(String(80))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    last_error: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    paid_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime())
    expires_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime())
    provider_status: Mapped[str | None] = mapped_column(String(32))


class RegistryMatch(Keyed):
    """How one bank-registry row was reconciled: credited, matched to a cabinet payment, or a duplicate.

    `issue` is set when staff should look at the row (an unknown order id, a row that contradicts its order).
    """

    __tablename__ = "registry_matches"
    __table_args__ = (
        UniqueConstraint("source", "external_ref", name="uq_registry_match_source_ref"),
        Index("ix_registry_matches_paid_at", "paid_at"),
    )

    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"), index=True)
    source: Mapped[str] = mapped_column(String(40))
    external_ref: Mapped[str] = mapped_column(String(80))
    order_id: Mapped[str | None] = mapped_column(String(64))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    service: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    outcome: Mapped[str] = mapped_column(String(16))
    issue: Mapped[str | None] = mapped_column(String(32))
    intent_id: Mapped[int | None] = mapped_column(ForeignKey("payment_intents.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())


class Tariff(Keyed):
    """A hot-water (or heating) tariff and norm from a billing month on, until the next row of the service.

    Either value may be empty: then the previous row's value, or the setting, still applies (core.register)."""

    __tablename__ = "tariffs"
    __table_args__ = (UniqueConstraint("service", "valid_from", name="uq_tariff_service_valid_from"),)

    service: Mapped[str] = mapped_column(String(16))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    tariff: Mapped[Decimal | None] = mapped_column(TariffRate)
    norm: Mapped[Decimal | None] = mapped_column(Volume)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())


class ImportConflict(Keyed):
    """An imported row whose key (payment_ref; account + service + month; the utility's ref) matches a stored row
    with different content. Never skipped silently: staff resolve it (a reversing entry plus the corrected row)
    or dismiss it. One row per key and distinct incoming content, however often the file is imported."""

    __tablename__ = "import_conflicts"
    __table_args__ = (
        UniqueConstraint("kind", "key", "fingerprint", name="uq_import_conflict_kind_key_fingerprint"),
        Index("ix_import_conflicts_status", "status", "created_at"),
    )

    kind: Mapped[str] = mapped_column(String(16))  # bank, charges, readings
    key: Mapped[str] = mapped_column(String(120))
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of the incoming values
    stored_id: Mapped[int] = mapped_column(Integer)  # the payments/charges/readings row the key matched
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    stored: Mapped[str] = mapped_column(Text)  # JSON: the stored values when detected
    incoming: Mapped[str] = mapped_column(Text)  # JSON: the file's values
    line: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, resolved, dismissed
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    resolved_by: Mapped[str | None] = mapped_column(String(120))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime())
    corrected_id: Mapped[int | None] = mapped_column(Integer)  # the corrected row written on resolution
    note: Mapped[str | None] = mapped_column(String(500))


class AuditLog(Keyed):
    __tablename__ = "audit_log"
    # ix_audit_entity serves the account look-up's journal (core.lookup._journal: by account, meter, order, login).
    # ix_audit_actor served its former "what did this account's logins do" branch; no query needs it now.
    __table_args__ = (
        Index("ix_audit_entity", "entity", "entity_id"),
        Index("ix_audit_actor", "actor_type", "actor"),
    )

    at: Mapped[dt.datetime] = mapped_column(AwareDateTime(), index=True)
    actor_type: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(40))
    details: Mapped[str | None] = mapped_column(Text)


class FailedAttempt(Keyed):
    """One attempt at a proof (registration, login), claimed before it is evaluated (core.throttle).

    `outcome`: claimed (being evaluated; a success deletes its own claim), failed, cleared (a failure before a
    success, kept as evidence), or locked (one row per key and lockout period, `attempts` counting the refusals).
    Claimed and failed rows are counted per scope and key over a sliding period.
    """

    __tablename__ = "failed_attempts"
    __table_args__ = (Index("ix_failed_scope_key_at", "scope", "key", "at"),)

    scope: Mapped[str] = mapped_column(String(24))
    key: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    outcome: Mapped[str] = mapped_column(String(16), default="failed", server_default="failed")
    attempts: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class AuditTally(Base):
    """Repeated events from unauthenticated senders, counted per action, source, reason and period.

    Only the first of each period writes an audit row; the rest raise `count`, so a sender cannot grow the audit.
    """

    __tablename__ = "audit_tallies"

    action: Mapped[str] = mapped_column(String(40), primary_key=True)
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(40), primary_key=True)
    period_start: Mapped[dt.datetime] = mapped_column(AwareDateTime(), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    last_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())


class PaymentDayTotal(Base):
    """Payments received per Kyiv day, service and channel (a reversal counts with its negative amount), kept in
    the transaction that writes each payment (core.rollups): the staff pages sum these, not the ledger."""

    __tablename__ = "payment_day_totals"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    service: Mapped[str] = mapped_column(String(16), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    payments: Mapped[int] = mapped_column(Integer)


class ChargeMonthTotal(Base):
    """Charges to pay per billing month and service (reversals and corrections included), kept like
    PaymentDayTotal."""

    __tablename__ = "charge_month_totals"

    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    service: Mapped[str] = mapped_column(String(16), primary_key=True)
    amount_to_pay: Mapped[Decimal] = mapped_column(Money)
    charges: Mapped[int] = mapped_column(Integer)


class WindowReadingTotal(Base):
    """Accepted (standing) readings per window, street of the meter's account and channel, kept like
    PaymentDayTotal: a reading that steps aside leaves its count, a register change of street moves it."""

    __tablename__ = "window_reading_totals"

    window_id: Mapped[int] = mapped_column(ForeignKey("reading_windows.id"), primary_key=True)
    street: Mapped[str] = mapped_column(String(120), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    accepted: Mapped[int] = mapped_column(Integer)
