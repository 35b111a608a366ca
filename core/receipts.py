"""The monthly receipt (квитанція) as a PDF, with a payment QR code in the National Bank of Ukraine's format.

The QR code's data follows the NBU rules for credit transfers, format 003 (core.payment_qr). The image is version
10-17, error correction Q (M when the data needs it), with the hryvnia sign in a white circle at its centre, as the
rules require for format 003.

One QR code per service with something owed, so that every paid kopeck is credited to its service.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import cast

from sqlalchemy.orm import Session, sessionmaker

from core import clock, formatting
from core.config import settings
from core.errors import DomainError
from core.i18n import t
from core.payment_qr import QrDataError, qr_content, qr_purpose
from core.receipt_data import ZERO, Receipt, Requisites, receipt_for_consumer, requisites

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
