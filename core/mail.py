"""Outgoing e-mail: the mail settings (from core.config), the signed unsubscribe token, and SMTP delivery
that tells a refused message (safe to send again) from one whose fate is unknown (never sent again)."""

from __future__ import annotations

import base64
import datetime as dt
import email.policy
import hashlib
import hmac
import ipaddress
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage

from core.config import Settings, settings

TLS_MODES = ("starttls", "ssl", "none")
SMTP_TIMEOUT_SECONDS = 30
UNSUBSCRIBE_PATH = "/unsubscribe"


@dataclass(frozen=True)
class MailSettings:
    """TEPLO_SMTP_HOST (none: no e-mail is sent), TEPLO_SMTP_PORT (587), TEPLO_SMTP_USER / TEPLO_SMTP_PASSWORD
    (log in only when a user is set), TEPLO_SMTP_TLS (starttls, ssl or none), TEPLO_MAIL_FROM,
    TEPLO_UNSUBSCRIBE_SECRET (signs the unsubscribe links), TEPLO_UNSUBSCRIBE_DAYS (how long a link works) and
    PUBLIC_BASE_URL (the cabinet's address in the e-mails)."""

    host: str
    port: int
    user: str
    password: str
    tls: str
    sender: str
    secret: str
    unsubscribe_days: int
    public_base_url: str

    @classmethod
    def load(cls, environ: Mapping[str, object] | None = None) -> MailSettings:
        """From the process's settings, or (tests) from the settings of `environ`."""
        return cls.of(settings() if environ is None else Settings.from_environ(environ))

    @classmethod
    def of(cls, configured: Settings) -> MailSettings:
        tls = configured.smtp_tls
        return cls(
            host=configured.smtp_host,
            port=configured.smtp_port or (465 if tls == "ssl" else 587),
            user=configured.smtp_user,
            password=configured.smtp_password,
            tls=tls,
            sender=configured.mail_from,
            secret=configured.unsubscribe_secret,
            unsubscribe_days=configured.unsubscribe_days,
            public_base_url=configured.public_base_url.rstrip("/"),
        )

    def problems(self) -> list[str]:
        """Why no reminder can be sent with these settings (empty: ready)."""
        found = []
        if not self.host:
            found.append("TEPLO_SMTP_HOST is not set: e-mail is not configured")
        if self.tls not in TLS_MODES:
            found.append(f"TEPLO_SMTP_TLS must be one of {', '.join(TLS_MODES)}")
        elif self.tls == "none" and self.password and not _loopback(self.host):
            found.append("TEPLO_SMTP_TLS=none would send the SMTP password unencrypted to another machine")
        if not self.sender or "@" not in self.sender:
            found.append("TEPLO_MAIL_FROM is not set (the sender's address, e.g. noreply@cabinet.example.ua)")
        if len(self.secret) < 16:
            found.append(
                "TEPLO_UNSUBSCRIBE_SECRET is not set or shorter than 16 characters "
                "(it signs the unsubscribe links; e.g. openssl rand -hex 32)"
            )
        if not self.public_base_url.startswith(("https://", "http://")):
            found.append("PUBLIC_BASE_URL is not set: the e-mails link to the cabinet")
        return found


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# ---- the unsubscribe token: login id and issue day, signed with HMAC-SHA256 -------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: str, payload: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), b"teplo.unsubscribe:" + payload.encode("ascii"), hashlib.sha256).digest()


def unsubscribe_token(secret: str, login_id: int, now: dt.datetime) -> str:
    payload = f"{login_id}.{int(now.timestamp())}"
    return f"{_b64(payload.encode('ascii'))}.{_b64(_signature(secret, payload))}"


class BadToken(Exception):
    """`reason`: "invalid" (forged, damaged, or signed with another secret) or "expired"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_unsubscribe_token(secret: str, token: str, now: dt.datetime, valid_days: int) -> int:
    """The login id the token was made for; BadToken when it is not ours or older than `valid_days`."""
    if not secret or not token or len(token) > 200:
        raise BadToken("invalid")
    try:
        encoded, signature = token.split(".", 1)
        payload = _unb64(encoded).decode("ascii")
        login_text, issued_text = payload.split(".", 1)
        login_id, issued = int(login_text), int(issued_text)
        given = _unb64(signature)
    except (ValueError, UnicodeDecodeError):
        raise BadToken("invalid") from None
    if not hmac.compare_digest(given, _signature(secret, payload)):
        raise BadToken("invalid")
    if now.timestamp() - issued > valid_days * 86400:
        raise BadToken("expired")
    return login_id


def unsubscribe_url(settings: MailSettings, login_id: int, now: dt.datetime) -> str:
    return f"{settings.public_base_url}{UNSUBSCRIBE_PATH}?token={unsubscribe_token(settings.secret, login_id, now)}"


# ---- SMTP delivery -----------------------------------------------------------------------------------------------

# CRLF line ends (smtplib passes bytes through as they are, and a server reads bare LFs as one long line); a header
# set raw (set_raw: the List-Unsubscribe link) is written as it is, since folding would turn the long ASCII link
# into RFC 2047 encoded words that mail clients do not read as a link. Other headers fold at 78 characters.
WIRE_POLICY = email.policy.SMTP.clone(refold_source="none")


def wire_bytes(message: EmailMessage) -> bytes:
    return message.as_bytes(policy=WIRE_POLICY)


class Refused(Exception):
    """The message was certainly not delivered (no connection, refused sender or recipient, a reply other than
    250 to the message): sending it again is safe."""


class Uncertain(Exception):
    """The connection broke while the message was being transmitted: the server may have taken it."""


class SmtpTransport:
    """One SMTP connection for a run, opened on the first message and reopened after a failure."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self.connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.tls == "ssl":
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, timeout=SMTP_TIMEOUT_SECONDS, context=ssl.create_default_context()
            )
        else:
            connection = smtplib.SMTP(s.host, s.port, timeout=SMTP_TIMEOUT_SECONDS)
        connection.ehlo()
        if s.tls == "starttls":
            connection.starttls(context=ssl.create_default_context())
            connection.ehlo()
        if s.user:
            connection.login(s.user, s.password)
        return connection

    def send(self, message: EmailMessage) -> None:
        """Deliver one message; Refused or Uncertain says what happened when it was not delivered."""
        try:
            if self.connection is None:
                self.connection = self._connect()
            connection = self.connection
            code, reply = connection.mail(self.settings.sender)
            if code != 250:
                raise Refused(f"MAIL FROM refused: {code} {reply!r}")
            code, reply = connection.rcpt(str(message["To"]))
            if code not in (250, 251):
                raise Refused(f"RCPT TO refused: {code} {reply!r}")
        except Refused:
            self.close()
            raise
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise Refused(f"{type(error).__name__}: {error}") from None
        try:
            code, reply = connection.data(wire_bytes(message))
        except smtplib.SMTPDataError as error:  # the server refused DATA itself
            self.close()
            raise Refused(f"message refused: {error.smtp_code} {error.smtp_error!r}") from None
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise Uncertain(f"{type(error).__name__}: {error}") from None
        if code != 250:  # smtplib returns the reply to the message itself without raising
            self.close()
            raise Refused(f"message refused: {code} {reply!r}")

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None
