"""The monthly receipt (квитанція) as a PDF, with a payment QR code in the National Bank of Ukraine's format.

The QR code's data follows the NBU rules for credit transfers, format 003 (core.payment_qr). The image is version
10-17, error correction Q (M when the data needs it), with the hryvnia sign in a white circle at its centre, as the
rules require for format 003.

One QR code per service with something owed, so that every paid kopeck is credited to its service.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core import clock, formatting
from core.clock import add_months, kyiv_midnight, month_start
from core.config import settings
from core.consumers import require_link
from core.errors import DomainError
from core.i18n import t
from core.payment_qr import QrDataError, iban_is_valid, qr_content, qr_purpose, text_is_encodable
from db.models import Account, Charge, Meter, Payment, Reading, ReadingWindow

ZERO = Decimal("0.00")


# ---- the utility's requisites -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Requisites:
    name: str
    edrpou: str
    iban: str


def requisites(name: str | None = None, edrpou: str | None = None, iban: str | None = None) -> Requisites | None:
    """The configured requisites, or None when any is missing or unusable (the receipt then says so, no QR)."""
    configured = settings()
    name = configured.utility_name if name is None else name
    edrpou = configured.utility_edrpou if edrpou is None else edrpou
    iban = configured.utility_iban if iban is None else iban
    name, edrpou, iban = name.strip(), edrpou.strip(), "".join(iban.split()).upper()
    if not name or len(name) > 140 or not text_is_encodable(name):
        return None
    if not (edrpou.isdigit() and len(edrpou) in (8, 10)) or not iban_is_valid(iban):
        return None
    return Requisites(name, edrpou, iban)


# ---- the receipt's data -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceLine:
    service: str
    amount: Decimal  # charged
    discount_percent: Decimal
    discount_amount: Decimal
    to_pay: Decimal  # the month's charge after the discount
    opening: Decimal  # owed before the month (negative: overpaid)
    paid: Decimal  # paid during the month
    volume: Decimal

    @property
    def balance(self) -> Decimal:
        """At the end of the month: positive a debt, negative an overpayment."""
        return self.opening + self.to_pay - self.paid

    @property
    def due(self) -> Decimal:
        return max(self.balance, ZERO)


@dataclass(frozen=True)
class ReadingLine:
    serial: str
    submitted_at: dt.datetime
    value: Decimal
    consumption: Decimal
    quality: str


@dataclass(frozen=True)
class Receipt:
    number: str
    address: str
    month: dt.date
    services: list[ServiceLine]
    readings: list[ReadingLine]


def months_with_charges(sessions: sessionmaker[Session], login_id: int, account_id: int) -> list[dt.date]:
    """The months a receipt can be made for, newest first."""
    with sessions() as session:
        require_link(session, login_id, account_id)
        return list(
            session.scalars(
                select(Charge.month)
                .where(Charge.account_id == account_id)
                .group_by(Charge.month)
                .order_by(Charge.month.desc())
            )
        )


def build(session: Session, account_id: int, month: dt.date) -> Receipt:
    """The month's charges per service with what was owed before and paid during it, summed in SQL."""
    month = month_start(month)
    starts, ends = kyiv_midnight(month), kyiv_midnight(add_months(month, 1))
    number, address = session.execute(select(Account.number, Account.address).where(Account.id == account_id)).one()
    charges = session.execute(
        select(
            Charge.service,
            func.sum(Charge.amount),
            func.max(Charge.discount_percent),
            func.sum(Charge.discount_amount),
            func.sum(Charge.amount_to_pay),
            func.sum(Charge.volume),
        )
        .where(Charge.account_id == account_id, Charge.month == month)
        .group_by(Charge.service)
        .order_by(Charge.service)
    ).all()
    if not charges:
        raise DomainError("receipt.no_charges")
    before = dict(
        session.execute(
            select(Charge.service, func.sum(Charge.amount_to_pay))
            .where(Charge.account_id == account_id, Charge.month < month)
            .group_by(Charge.service)
        )
        .tuples()
        .all()
    )
    paid_before = dict(
        session.execute(
            select(Payment.service, func.sum(Payment.amount))
            .where(Payment.account_id == account_id, Payment.paid_at < starts)
            .group_by(Payment.service)
        )
        .tuples()
        .all()
    )
    paid_in = dict(
        session.execute(
            select(Payment.service, func.sum(Payment.amount))
            .where(Payment.account_id == account_id, Payment.paid_at >= starts, Payment.paid_at < ends)
            .group_by(Payment.service)
        )
        .tuples()
        .all()
    )
    services = [
        ServiceLine(
            service,
            amount,
            percent or ZERO,
            discount or ZERO,
            to_pay,
            (before.get(service) or ZERO) - (paid_before.get(service) or ZERO),
            paid_in.get(service) or ZERO,
            volume or ZERO,
        )
        for service, amount, percent, discount, to_pay, volume in charges
    ]
    services.sort(
        key=lambda line: ("heating", "hot_water").index(line.service) if line.service in ("heating", "hot_water") else 9
    )
    readings = [
        ReadingLine(*row)
        for row in session.execute(
            select(Meter.serial, Reading.submitted_at, Reading.value, Reading.consumption, Reading.quality)
            .join(Meter, Meter.id == Reading.meter_id)
            .join(ReadingWindow, ReadingWindow.id == Reading.window_id)
            .where(Meter.account_id == account_id, ReadingWindow.period == month, Reading.status == "accepted")
            .order_by(Meter.serial, Reading.submitted_at)
        )
    ]
    return Receipt(number, address, month, services, readings)


def receipt_for_consumer(sessions: sessionmaker[Session], login_id: int, account_id: int, month: dt.date) -> Receipt:
    with sessions() as session:
        require_link(session, login_id, account_id)
        return build(session, account_id, month)


# ---- rendering ----------------------------------------------------------------------------------------------------

REGULAR, BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"


def fonts_available(font_dir: str | None = None) -> bool:
    font_dir = font_dir or settings().font_dir
    return all((Path(font_dir) / name).is_file() for name in (REGULAR, BOLD))


def qr_png(content: str, font_dir: str | None = None) -> bytes:
    """The QR image: version 10-17, error correction Q (M if needed), the hryvnia sign in a white circle."""
    font_dir = font_dir or settings().font_dir
    import segno
    from PIL import Image, ImageDraw, ImageFont

    for error in ("q", "m"):
        code = segno.make(content, error=error, micro=False, boost_error=False)
        if cast(int, code.version) <= 17:  # not a micro code: the version is a number
            break
    else:
        raise QrDataError("the payment data does not fit a QR code of version 17")
    if cast(int, code.version) < 10:
        code = segno.make(content, error=code.error.lower(), version=10, micro=False, boost_error=False)
    scale, border = 8, 4
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=scale, border=border)
    image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    size = image.size[0]
    diameter = (
        min(25, 17 + (cast(int, code.version) - 10)) * scale
    )  # appendix 1, item 11: 17-25 modules for versions 10-17
    box = ((size - diameter) // 2, (size - diameter) // 2, (size + diameter) // 2, (size + diameter) // 2)
    draw = ImageDraw.Draw(image)
    draw.ellipse(box, fill="white")
    # The sign is drawn smaller than in the rules' examples (its em is 0.45 of the circle): at 0.55-0.7 its bars
    # sit where the centre alignment pattern is looked for, and some scanners (zbar) then miss codes of version 13.
    font = ImageFont.truetype(str(Path(font_dir) / BOLD), int(diameter * 0.45))
    draw.text((size / 2, size / 2), "₴", fill="black", font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _signed(value: Decimal, lang: str) -> str:
    if value > 0:
        return f"{t('receipt.debt', lang)} {formatting.money(value, lang)}"
    if value < 0:
        return f"{t('receipt.overpaid', lang)} {formatting.money(-value, lang)}"
    return formatting.money(ZERO, lang)


def render_pdf(
    receipt: Receipt,
    payee: Requisites | None,
    lang: str = "uk",
    font_dir: str | None = None,
    now: dt.datetime | None = None,
) -> bytes:
    """The receipt on one A4 page: requisites, account, a line per service, the month's readings, QR codes."""
    font_dir = font_dir or settings().font_dir
    from fpdf import FPDF

    now = now or clock.now()
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.set_title(t("receipt.title", lang, month=formatting.month(receipt.month, lang)))
    pdf.set_lang("uk-UA" if lang == "uk" else "en-GB")
    pdf.add_font("DejaVu", "", str(Path(font_dir) / REGULAR))
    pdf.add_font("DejaVu", "B", str(Path(font_dir) / BOLD))
    pdf.add_page()
    width = pdf.epw

    def line(text: str, size: float = 10, bold: bool = False, height: float = 6) -> None:
        pdf.set_font("DejaVu", "B" if bold else "", size)
        pdf.multi_cell(width, height, text, new_x="LMARGIN", new_y="NEXT")

    line(t("receipt.title", lang, month=formatting.month(receipt.month, lang)), 16, bold=True, height=9)
    pdf.ln(2)
    if payee is None:
        line(t("receipt.no_requisites", lang), bold=True)
    else:
        line(f"{t('receipt.recipient', lang)}: {payee.name}", bold=True)
        line(f"{t('receipt.edrpou', lang)}: {payee.edrpou}")
        line(f"IBAN: {payee.iban}")
    pdf.ln(2)
    line(f"{t('receipt.account', lang)}: {receipt.number}", bold=True)
    line(f"{t('receipt.address', lang)}: {receipt.address}")
    pdf.ln(3)

    headers = [
        t(k, lang)
        for k in (
            "receipt.col_service",
            "receipt.col_charged",
            "receipt.col_discount",
            "receipt.col_to_pay",
            "receipt.col_paid",
            "receipt.col_balance",
        )
    ]
    widths = [30, 29, 29, 29, 27, width - 144]
    pdf.set_font("DejaVu", "B", 8.5)
    for header, w in zip(headers, widths):
        pdf.cell(w, 7, header, border=1, align="C")
    pdf.ln()
    pdf.set_font("DejaVu", "", 8.5)
    for s in receipt.services:
        discount = (
            f"{formatting.percent(s.discount_percent, lang)} / {formatting.money(s.discount_amount, lang)}"
            if s.discount_amount
            else "—"
        )
        cells = [
            t(f"service.{s.service}", lang),
            formatting.money(s.amount, lang),
            discount,
            formatting.money(s.to_pay, lang),
            formatting.money(s.paid, lang),
            _signed(s.balance, lang),
        ]
        for value, w, align in zip(cells, widths, "LRRRRR"):
            pdf.cell(w, 7, value, border=1, align=align)
        pdf.ln()
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(width, 5, t("receipt.balance_note", lang), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    line(t("receipt.readings", lang), 11, bold=True)
    if not receipt.readings:
        line(t("receipt.no_readings", lang))
    else:
        reading_widths = [40, 40, 40, 40]
        pdf.set_font("DejaVu", "B", 8.5)
        for header, w in zip(
            (
                t("receipt.col_meter", lang),
                t("receipt.col_date", lang),
                t("receipt.col_reading", lang),
                t("receipt.col_consumption", lang),
            ),
            reading_widths,
        ):
            pdf.cell(w, 7, header, border=1, align="C")
        pdf.ln()
        pdf.set_font("DejaVu", "", 8.5)
        for r in receipt.readings:
            quality = "" if r.quality == "actual" else f" ({t('receipt.estimated', lang)})"
            for value, w, align in zip(
                (
                    r.serial,
                    formatting.date(r.submitted_at.astimezone(clock.KYIV).date(), lang),
                    formatting.volume(r.value, lang) + quality,
                    formatting.volume(r.consumption, lang),
                ),
                reading_widths,
                "LRRR",
            ):
                pdf.cell(w, 7, value, border=1, align=align)
            pdf.ln()
    pdf.ln(4)

    if payee is not None:
        owed = [s for s in receipt.services if s.due > 0]
        if not owed:
            line(t("receipt.nothing_due", lang))
        else:
            line(t("receipt.qr_title", lang), 11, bold=True)
            line(t("receipt.qr_help", lang), 9)
            side, top = 55.0, pdf.get_y() + 2
            if top + side + 14 > pdf.h - pdf.b_margin:
                pdf.add_page()
                top = pdf.get_y()
            for index, s in enumerate(owed):
                left = pdf.l_margin + index * (side + 10)
                content = qr_content(
                    recipient=payee.name,
                    iban=payee.iban,
                    amount=s.due,
                    edrpou=payee.edrpou,
                    purpose=qr_purpose(s.service, receipt.number, receipt.month),
                )
                pdf.image(io.BytesIO(qr_png(content, font_dir)), x=left, y=top, w=side, h=side)
                pdf.set_xy(left, top + side + 1)
                pdf.set_font("DejaVu", "B", 9)
                pdf.cell(side, 5, f"{t(f'service.{s.service}', lang)}: {formatting.money(s.due, lang)}", align="C")
            pdf.set_xy(pdf.l_margin, top + side + 8)
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(
        width, 5, t("receipt.generated", lang, at=formatting.datetime(now, lang)), new_x="LMARGIN", new_y="NEXT"
    )
    return bytes(pdf.output())


def receipt_file_name(receipt: Receipt) -> str:
    return f"kvytantsiia-{receipt.number}-{receipt.month:%Y-%m}.pdf"


def pdf_for_consumer(
    sessions: sessionmaker[Session], login_id: int, account_id: int, month: dt.date, lang: str = "uk"
) -> bytes:
    """The consumer's receipt for a month of one of its own accounts, with the configured requisites."""
    if not fonts_available():
        raise DomainError("receipt.unavailable")
    return render_pdf(receipt_for_consumer(sessions, login_id, account_id, month), requisites(), lang)
