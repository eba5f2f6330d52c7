"""The app's job queue and its jobs (service/jobs.py), for the consumer command and for code that enqueues."""

from __future__ import annotations

import logging

from flask import Flask, current_app
from huey import Huey, crontab
from sqlalchemy.orm import Session

from config import Settings
from service import jobs
from service.infrastructure.jobs import QUEUE_NAME, job_queue
from service.models.base import utcnow
from service.web.common.inbound_mail import poll_imap
from service.web.common.mail import send_due_mail

log = logging.getLogger(__name__)


def register(app: Flask, settings: Settings) -> None:
    """After the database: the jobs open their sessions from the app's session factory. In testing every job
    runs where it is enqueued (Huey's immediate mode), with no consumer."""
    queue = job_queue(
        redis_url=settings.redis_url,
        sqlite_file=settings.jobs_file,
        immediate=settings.app_env == "testing",
        name=f"{settings.redis_prefix}{QUEUE_NAME}" if settings.redis_url else QUEUE_NAME,
    )

    def session() -> Session:
        # The factory of the moment: the test client swaps in one joined to the test's transaction.
        opened: Session = app.extensions["db_sessions"]()
        return opened

    app.extensions["job_queue"] = queue
    app.extensions["jobs"] = jobs.register(queue, session, settings.desk)

    # Every minute, the outbox's due email. Here rather than in service/jobs.py: a message is composed from the
    # app's templates, languages and links, so it is sent inside the app's context.
    @queue.periodic_task(crontab(), name="deliver_mail")
    def deliver_mail() -> None:
        with app.app_context(), session() as opened:
            send_due_mail(opened, app.extensions["settings"], utcnow())

    app.extensions["mail_job"] = deliver_mail

    # Every minute with IMAP_HOST set, the mailbox's new replies (README, Mail in).
    if settings.imap_host:

        @queue.periodic_task(crontab(), name="receive_mail")
        def receive_mail() -> None:
            with app.app_context(), session() as opened:
                report = poll_imap(opened, app.extensions["settings"], utcnow())
                log.info("IMAP: %s mail(s) handled, %s left for the next pass", report.handled, report.left)

        app.extensions["receive_mail_job"] = receive_mail


def job_queue_of_app() -> Huey:
    queue: Huey = current_app.extensions["job_queue"]
    return queue
