"""Messages the accounts domain sends by e-mail, and the port that sends them.

Only adults have e-mail addresses; pupils never receive mail. The server
supplies the implementation (an outbox directory by default, SMTP when
configured); the domain only says what to send.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class MailMessage:
    """One plain-text e-mail."""

    to: str
    subject: str
    body: str


class Mailer(Protocol):
    """Sends e-mail. Failures are logged by the implementation, never raised
    into a request that has already changed state."""

    async def send(self, message: MailMessage) -> None: ...


def registration_received(to: str) -> MailMessage:
    return MailMessage(
        to=to,
        subject="Jumelage: your registration is waiting for validation",
        body=(
            "Thank you for registering with Jumelage.\n\n"
            "Your national support organisation checks every new teacher account.\n"
            "You will receive another message once your account is validated.\n"
        ),
    )


def registration_attempt_on_existing(to: str) -> MailMessage:
    return MailMessage(
        to=to,
        subject="Jumelage: someone tried to register with your address",
        body=(
            "Someone tried to register a new Jumelage account with this e-mail address,\n"
            "which already has an account. If it was you, sign in instead; if you\n"
            "forgot your password, ask your national support organisation.\n"
            "If it was not you, you can ignore this message.\n"
        ),
    )


def teacher_decision(to: str, outcome: str) -> MailMessage:
    texts = {
        "validated": (
            "Your Jumelage account is validated: you can now find partners and found projects."
        ),
        "rejected": (
            "Your national support organisation could not validate your Jumelage registration."
        ),
        "suspended": (
            "Your Jumelage account has been suspended by your national support organisation."
        ),
    }
    return MailMessage(
        to=to,
        subject=f"Jumelage: your account is {outcome}",
        body=texts.get(outcome, outcome) + "\n",
    )
