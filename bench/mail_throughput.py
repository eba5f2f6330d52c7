"""How many messages a second ``deliver_outbox`` hands to a local SMTP server (aiosmtpd), composed by the app.

    python bench/mail_throughput.py [--messages 500] [--database-url sqlite:////tmp/mail-bench.sqlite3]

Builds the database by the migrations (SQLite in a temporary folder unless --database-url is given: one
without the account officer@example.cn), queues --messages reminders to one Chinese-speaking officer through
``notify``, then times one delivery pass (`flask send-mail`'s) over one SMTP connection: composing each message
in its language, sending it, and committing its sent mark.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    from sqlalchemy.orm import Session

    from app import create_app
    from config import Settings
    from service.models import EventKind, Role, User
    from service.models.base import utcnow
    from service.operations.notifications import notify
    from service.store.db import make_engine, unit_of_work
    from service.web.cli import upgrade_database
    from service.web.common.mail import send_due_mail
    from tests.smtp_sink import SmtpSink

    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/mail-bench.sqlite3"
    upgrade_database(url)
    sink = SmtpSink()
    sink.start()
    settings = Settings(
        app_env="testing", database_url=url, smtp_host="127.0.0.1", smtp_port=sink.port, smtp_starttls=False
    )
    app = create_app(settings)
    engine = make_engine(url)
    try:
        with Session(engine) as session, app.app_context():
            with unit_of_work(session):
                officer = User(email="officer@example.cn", name="王办事员", role=Role.STAFF, password_hash="-")
                session.add(officer)
                session.flush()
                for _ in range(args.messages):
                    notify(session, [officer.id], None, EventKind.REMINDED, utcnow(), data={"message": "请尽快办理"})
            started = time.perf_counter()
            report = send_due_mail(session, settings, utcnow())
            seconds = time.perf_counter() - started
    finally:
        sink.stop()
    assert report.sent == args.messages == len(sink.received), (report, len(sink.received))
    print(f"{report.sent} messages in {seconds:.2f} s: {report.sent / seconds:.0f} messages/s ({engine.dialect.name})")


if __name__ == "__main__":
    main()
