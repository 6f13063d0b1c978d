"""Telling a company's administrators, by email, what needs them: a send that left records it could not
send, a connection that needs signing in again. At most one email of each kind a day, each with a link
to the page that needs them, through the SMTP server the settings name (none named: none sent).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Literal

from ledgerlink.domain.outbox import EntryState
from ledgerlink.packages.registry import get_package
from ledgerlink.settings import Settings
from ledgerlink.store import Store

log = logging.getLogger(__name__)

NoticeKind = Literal["failures", "reconnect"]
STUCK = (EntryState.FAILED, EntryState.UNCERTAIN, EntryState.BLOCKED)


@dataclass(frozen=True)
class Notice:
    kind: NoticeKind
    subject: str
    body: str
    link: str


def _failures_notice(company: str, waiting: int, base: str, package: str) -> Notice:
    link = f"{base}/dashboard"
    body = (
        f"The last send to {package} for {company} left {waiting:,} "
        f"record{'s' if waiting != 1 else ''} that could not be sent. Each says why on the dashboard; fix it in "
        f"the job system, or press Re-send there:\n\n{link}\n\n"
        "You get this email at most once a day while records wait for you."
    )
    records = f"{waiting:,} record{'s' if waiting != 1 else ''}"
    return Notice("failures", f"{company}: {records} could not be sent to {package}", body, link)


def _reconnect_notice(company: str, reason: str, base: str, package: str) -> Notice:
    link = f"{base}/wizard/get-started"
    body = (
        f"{package} needs an administrator of {company} to sign in again before anything more is sent"
        f"{': ' + reason if reason else ''}.\n\nReconnect here:\n\n{link}\n\n"
        "Nothing is lost: records wait and are sent once the connection works again."
    )
    return Notice("reconnect", f"{company}: reconnect {package} to keep sending", body, link)


def after_send(
    store: Store, settings: Settings, company_id: int, *, now: datetime | None = None
) -> list[Notice]:
    """After a send (or a refusal to send): email the administrators what needs them, if anything, and
    return what was sent. A notice already sent today, or no SMTP server set, sends nothing."""
    if not settings.smtp_host:
        return []
    now = now or datetime.now(UTC)
    with store.unit_of_work() as uow:
        company = uow.companies.find_by_id(company_id)
        connection = uow.connections(company_id).current()
        admins = [u.email for u in uow.users.of_company(company_id) if u.is_admin]
        counts = uow.outbox(connection).counts() if connection is not None else {}
    if company is None or connection is None or not admins:
        return []
    package = get_package(connection.package).label
    base = settings.public_url.rstrip("/")
    wanted: list[Notice] = []
    if connection.needs_reconnect:
        wanted.append(_reconnect_notice(company.name, connection.status_reason, base, package))
    waiting = sum(counts.get(state, 0) for state in STUCK)
    if waiting:
        wanted.append(_failures_notice(company.name, waiting, base, package))
    sent: list[Notice] = []
    for notice in wanted:
        if _claim(store, company_id, notice.kind, now, len(admins)) and _email(
            store, settings, company_id, notice, admins, now
        ):
            sent.append(notice)
    return sent


def _claim(store: Store, company_id: int, kind: str, now: datetime, recipients: int) -> bool:
    with store.unit_of_work() as uow:
        claimed = uow.notices(company_id).claim(kind, now.date(), recipients)
        uow.commit()
    return claimed


def _email(
    store: Store, settings: Settings, company_id: int, notice: Notice, to: list[str], now: datetime
) -> bool:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(to)
    message["Subject"] = notice.subject
    message.set_content(notice.body)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as server:
            if settings.smtp_starttls:
                server.starttls(context=ssl.create_default_context())
            if settings.smtp_username:
                server.login(settings.smtp_username, settings.smtp_password)
            server.send_message(message)
    except (OSError, smtplib.SMTPException) as problem:
        # the mail server is down or refused: the claim is let go so a later send tries again
        log.warning("could not email %s about %s: %s", ", ".join(to), notice.kind, problem)
        with store.unit_of_work() as uow:
            uow.notices(company_id).release(notice.kind, now.date())
            uow.commit()
        return False
    return True
