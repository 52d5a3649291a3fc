"""The channels messages leave by: the LINE Messaging API (the official SDK) and e-mail (smtplib).

Both are real clients; tests point them at local fake servers (``line_api_base``, ``smtp_host``).
Each send carries a key derived from the dispatch's idempotency key (LINE's X-Line-Retry-Key, the
e-mail's Message-ID) so a resend after a crash is recognised as the same message.
"""

from __future__ import annotations

import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formatdate

from bkkwatch.settings import Settings

_KEY_NAMESPACE = uuid.UUID("6c9f3a1e-3b7d-4c0e-9a57-2b1f0d6e8a41")


class ChannelError(Exception):
    """The message was not accepted; ``permanent`` when retrying cannot help (bad address, not configured)."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def retry_key(idempotency_key: str) -> str:
    return str(uuid.uuid5(_KEY_NAMESPACE, idempotency_key))


def send_line(settings: Settings, to: str, text: str, idempotency_key: str) -> None:
    from linebot.v3.messaging import (
        ApiClient,
        ApiException,
        Configuration,
        MessagingApi,
        PushMessageRequest,
        TextMessage,
    )

    if not settings.line_channel_token:
        raise ChannelError("LINE is not configured (BKKWATCH_LINE_CHANNEL_TOKEN)", permanent=True)
    configuration = Configuration(host=settings.line_api_base, access_token=settings.line_channel_token)
    with ApiClient(configuration) as client:
        try:
            MessagingApi(client).push_message(
                PushMessageRequest(to=to, messages=[TextMessage(text=text[:5000])]),
                x_line_retry_key=retry_key(idempotency_key),
            )
        except ApiException as exc:
            if exc.status == 409:  # LINE: this retry key was accepted before: already delivered
                return
            raise ChannelError(
                f"LINE answered {exc.status}: {exc.reason}", permanent=exc.status in (400, 401, 403)
            ) from exc
        except Exception as exc:  # connection refused, timeout
            raise ChannelError(f"LINE unreachable: {exc.__class__.__name__}: {exc}") from exc


def send_email(
    settings: Settings, to: str, subject: str, text: str, idempotency_key: str, html: str | None = None
) -> None:
    if not settings.smtp_host:
        raise ChannelError("e-mail is not configured (BKKWATCH_SMTP_HOST)", permanent=True)
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<{retry_key(idempotency_key)}@bkkwatch>"
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user and settings.smtp_password:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        raise ChannelError(f"e-mail to {to} refused: {exc.recipients}", permanent=True) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise ChannelError(f"e-mail server unreachable: {exc.__class__.__name__}: {exc}") from exc
