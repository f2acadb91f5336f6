"""Which reminders are due, claiming each once, and sending them grouped by address."""

from __future__ import annotations

import logging
import math
import smtplib
from collections import defaultdict
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..amazon.marketplaces import MARKETPLACES
from ..extensions import db
from ..models import Authorization, Reminder, Store
from ..models.status import RENEWAL_WINDOW, store_status
from . import mail

log = logging.getLogger(__name__)

# Days before expiry at which a renewal reminder goes out (the first one: entering
# *Renewal due*), largest first.
DUE_DAYS = (30, 7, 1)
KINDS = tuple(f"due_{days}" for days in DUE_DAYS) + ("expired", "revoked")
# A claimed reminder whose worker died before sending it is taken over after this long.
CLAIM_LEASE = timedelta(minutes=10)


def occasion(authorization: Authorization, now: datetime) -> str | None:
    """The reminder the authorization calls for at ``now``: due_30, due_7, due_1, expired,
    revoked, or None. A revocation found after the expiry is the expiry itself."""
    expires, revoked = authorization.expires_at, authorization.revoked_at
    if now >= expires and (revoked is None or revoked >= expires):
        return "expired"
    if revoked is not None:
        return "revoked"
    left = expires - now
    for days in reversed(DUE_DAYS):
        if left <= timedelta(days=days):
            return f"due_{days}"
    return None


def send_due(now: datetime | None = None) -> int:
    """Claim and send every reminder due now; return how many emails went out.

    Without a mail server nothing is claimed (reminders are off) and nothing fails.
    """
    settings = mail.settings()
    if settings is None:
        return 0
    now = now or clock.utcnow()
    claimed = [
        (store, reminder)
        for store, kind in _due(now)
        if (reminder := _claim(store, kind, now)) is not None
    ]
    db.session.commit()  # other workers see the claims before anything is sent
    groups: dict[tuple, list[tuple[Store, Reminder]]] = defaultdict(list)
    for store, reminder in claimed:
        key = (reminder.email.lower(), reminder.authorization_id, reminder.kind)
        groups[key].append((store, reminder))
    sent = 0
    order = list(MARKETPLACES)
    for members in groups.values():
        members.sort(key=lambda pair: (order.index(pair[0].marketplace_code), pair[0].id))
        stores = [store for store, _ in members]
        reminders = [reminder for _, reminder in members]
        message = compose(reminders[0], stores, stores[0].authorization, now)
        try:
            mail.send(message, settings)
        except (smtplib.SMTPException, OSError) as error:
            # Released, not lost: the next run tries again.
            log.warning("Reminder %s to the stores %s not sent: %s: %s", reminders[0].kind,
                        [s.id for s in stores], type(error).__name__, error)  # fmt: skip
            db.session.execute(delete(Reminder).where(Reminder.id.in_([r.id for r in reminders])))
        else:
            for reminder in reminders:
                reminder.sent_at = clock.utcnow()
            sent += 1
            log.info("Reminder %s sent for the stores %s", reminders[0].kind,
                     [s.id for s in stores])  # fmt: skip
        db.session.commit()
    return sent


def _due(now: datetime) -> list[tuple[Store, str]]:
    """Active stores that want reminders and need attention, with the occasion."""
    stores = db.session.scalars(
        select(Store)
        .join(Authorization, Store.authorization_id == Authorization.id)
        .where(
            Store.active,
            Store.email_reminders,
            or_(
                Authorization.revoked_at.is_not(None),
                Authorization.expires_at <= now + RENEWAL_WINDOW,
            ),
        )
        .order_by(Store.id)
    ).all()
    due = []
    for store in stores:
        # Not while a connect attempt is open (the merchant is renewing right now).
        if not store_status(store, now).needs_attention:
            continue
        kind = occasion(store.authorization, now)
        if kind is not None:
            due.append((store, kind))
    return due


def _claim(store: Store, kind: str, now: datetime) -> Reminder | None:
    """Claim this store's reminder for this term and occasion; None if it is someone else's
    or was sent. Insert first: the unique key lets only one worker have it."""
    authorization = store.authorization
    reminder = Reminder(
        store_id=store.id,
        authorization_id=authorization.id,
        expires_at=authorization.expires_at,
        kind=kind,
        email=store.email,
        claimed_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(reminder)
            db.session.flush()
        return reminder
    except IntegrityError:
        pass
    same = (
        Reminder.store_id == store.id,
        Reminder.authorization_id == authorization.id,
        Reminder.expires_at == authorization.expires_at,
        Reminder.kind == kind,
    )
    # Claimed long ago and never sent: the worker that claimed it died. Take it over.
    taken = db.session.execute(
        update(Reminder)
        .where(*same, Reminder.sent_at.is_(None), Reminder.claimed_at < now - CLAIM_LEASE)
        .values(claimed_at=now, email=store.email)
    )
    if taken.rowcount != 1:
        return None
    return db.session.scalar(select(Reminder).where(*same))


def compose(
    reminder: Reminder, stores: list[Store], authorization: Authorization, now: datetime
) -> EmailMessage:
    """The reminder email: names the stores, says what to do, links to the console."""
    public = str(current_app.config["PUBLIC_URL"]).rstrip("/")
    names = _names([store.name for store in stores])
    when = _date(authorization.expires_at)
    its = "its" if len(stores) == 1 else "their"
    whose = f"seller {authorization.selling_partner_id}, {authorization.region_name}"
    if reminder.kind == "expired":
        subject = f"Reconnect {names}: {its} Amazon authorization has expired"
        opening = (
            f"The Amazon Seller Central authorization of ASC Web ({whose}) ended on {when}, "
            "so these stores no longer sync with Amazon:"
        )
        action = (
            "Reconnect them: open a store in ASC Web, click “Reconnect store” and sign in to "
            "Seller Central with the account's primary user."
        )
    elif reminder.kind == "revoked":
        subject = f"Reconnect {names}: Amazon no longer accepts {its} authorization"
        opening = (
            f"Amazon reports that the Seller Central authorization of ASC Web ({whose}) was "
            "revoked (for example removed under Manage Your Apps), so these stores no "
            "longer sync with Amazon:"
        )
        action = (
            "Reconnect them: open a store in ASC Web, click “Reconnect store” and sign in to "
            "Seller Central with the account's primary user."
        )
    else:
        days = max(1, math.ceil((authorization.expires_at - now).total_seconds() / 86400))
        left = f"{days} day{'' if days == 1 else 's'} left"
        subject = f"Renew the Amazon authorization of {names} by {when}"
        opening = (
            f"The Amazon Seller Central authorization of ASC Web ({whose}) ends on {when} "
            f"({left}). These stores use it:"
        )
        action = (
            f"Renew it by {when} so that they keep syncing: open a store in ASC Web, click "
            "“Renew authorization” and sign in to Seller Central with the account's primary "
            "user."
        )
    lines = [f"  - {store.name} ({store.marketplace.country}): {public}/stores/{store.id}"
             for store in stores]  # fmt: skip
    settings_url = f"{public}/stores/{stores[0].id}/settings"
    body = "\n".join(
        [
            "Hello,",
            "",
            opening,
            "",
            *lines,
            "",
            action,
            "",
            "--",
            "You receive this email because this address is the Email Address of these "
            "stores in ASC Web. To stop these reminders, untick “Email reminders” in a "
            f"store's Settings: {settings_url}",
            "",
        ]
    )
    message = EmailMessage()
    message["To"] = reminder.email
    message["Subject"] = subject
    message.set_content(body)
    return message


def _names(names: list[str]) -> str:
    """“A”, “A and B”, “A, B and C”."""
    quoted = [f"“{name}”" for name in names]
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _date(moment: datetime) -> str:
    """Jan 5, 2027, as the cards write dates."""
    return f"{moment:%b} {moment.day}, {moment.year}"
