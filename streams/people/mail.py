"""Mail from clipstream (invitations), through the SMTP server the settings name
(``CLIPSTREAM_SMTP_URL``: ``smtp://[user:password@]host[:port]``, or ``smtps://`` for TLS from the
first byte; ``smtp+starttls://`` to upgrade). Blocking: call from a thread."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from streams.errors import ConfigError


def send(smtp_url: str, sender: str, to: str, subject: str, text: str, timeout: float = 30.0) -> None:
    url = urlsplit(smtp_url)
    if url.scheme not in ("smtp", "smtps", "smtp+starttls") or not url.hostname:
        raise ConfigError(f"CLIPSTREAM_SMTP_URL={smtp_url!r}: use smtp://, smtps:// or smtp+starttls://host[:port]")
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message.set_content(text)
    if url.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            url.hostname, url.port or 465, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(url.hostname, url.port or 25, timeout=timeout)
    with client:
        if url.scheme == "smtp+starttls":
            client.starttls(context=ssl.create_default_context())
        if url.username:
            client.login(unquote(url.username), unquote(url.password or ""))
        client.send_message(message)


def reset_text(link: str) -> tuple[str, str]:
    """The subject and body of a password reset link."""
    return "Reset your clipstream password", (
        "Someone asked to reset the password of your clipstream account.\n\n"
        f"Open this link to choose a new one (it works once, for an hour):\n{link}\n\n"
        "If it was not you, ignore this message: your password stays as it is.\n"
    )


def invitation_text(workspace: str, role: str, link: str, inviter: str) -> tuple[str, str]:
    """The subject and body of an invitation."""
    subject = f"You are invited to {workspace} on clipstream"
    body = (
        f"{inviter or 'An admin'} invites you to the workspace {workspace} on clipstream, as {role}.\n\n"
        f"Open this link to join (it works once, for 7 days):\n{link}\n\n"
        "If you did not expect this, ignore this message.\n"
    )
    return subject, body
