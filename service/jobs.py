"""The desk's background jobs, thin as views: each opens a session and calls the operations.

``register`` puts them on a queue (service/infrastructure/jobs.py); the consumer (`flask --app app jobs`) runs
what is enqueued and, every minute, the periodic ones. Each job is idempotent, so that a run repeated (a
consumer killed mid-run, two consumers, cron's `flask sla-sweep` beside them) does its work once.

Periodic jobs: the SLA sweep and the return-visit reminders, every minute; the daily digest, every hour, which
gathers once a day (at DIGEST_HOUR) and catches up at the next hour after a consumer that was down.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from huey import Huey, crontab
from huey.api import TaskWrapper
from sqlalchemy.orm import Session

from service.infrastructure.attachment_files import SweptFiles, sweep_orphan_files
from service.models.base import utcnow
from service.operations.digests import gather_digests, last_digest_time
from service.operations.sla import SweepReport, sweep
from service.operations.visit_reminders import remind_visits
from service.store.settings import DeskSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepOutcome:
    report: SweepReport
    files: SweptFiles

    def summary(self) -> str:
        report, files = self.report, self.files
        return (
            f"first-response breaches: {report.first_response_breaches}, "
            f"resolution breaches: {report.resolution_breaches}, escalated: {report.escalated}, "
            f"auto-closed: {report.auto_closed}, reminders: {report.reminders}, "
            f"supervision tiers raised: {report.tiers_raised}, orphan files removed: {files.removed}, "
            f"uploads completed: {files.completed}"
        )


def sweep_service_targets(session: Session, settings: DeskSettings) -> SweepOutcome:
    """The SLA sweep (escalations, automatic reminders 催办, supervision tiers, auto-close) at this minute, then
    the upload files left without an attachment. Idempotent: each request's change commits with the flag that
    stops it being selected again (service/operations/sla.py)."""
    return SweepOutcome(sweep(session, settings=settings), sweep_orphan_files(session, settings))


def daily_digests(session: Session, settings: DeskSettings) -> int:
    """Queue each user's digest of what waited for it until the last DIGEST_HOUR (none twice: idempotent)."""
    now = utcnow()
    return gather_digests(session, now, until=last_digest_time(now, settings.digest_hour))


@dataclass(frozen=True)
class DeskJobs:
    """The registered jobs; calling one enqueues it (e.g. ``jobs.sla_sweep()``)."""

    sla_sweep: TaskWrapper
    visit_reminders: TaskWrapper
    daily_digest: TaskWrapper


def register(queue: Huey, sessions: Callable[[], Session], settings: DeskSettings) -> DeskJobs:
    """Put the desk's jobs on ``queue``; each opens its own session from ``sessions``."""

    # Every minute, so that a breach or a reminder comes in the working minute it falls due.
    @queue.periodic_task(crontab(), name="sla_sweep")
    def sla_sweep() -> None:
        with sessions() as session:
            log.info("SLA sweep: %s", sweep_service_targets(session, settings).summary())

    @queue.periodic_task(crontab(), name="visit_reminders")
    def visit_reminders() -> None:
        with sessions() as session:
            log.info("Return visits reminded of: %s", remind_visits(session, settings=settings))

    # Every hour: at DIGEST_HOUR it gathers the day's digests; at any other hour it finds nothing left to gather,
    # unless the consumer was down at DIGEST_HOUR.
    @queue.periodic_task(crontab(minute="0"), name="daily_digest")
    def daily_digest() -> None:
        with sessions() as session:
            log.info("Daily digests queued: %s", daily_digests(session, settings))

    return DeskJobs(sla_sweep=sla_sweep, visit_reminders=visit_reminders, daily_digest=daily_digest)
