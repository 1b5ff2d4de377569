"""Issue 9: rendering and sending 1,000 welcome emails to a loopback SMTP server (messages per
second, through the outbox and the real SMTP mailer), and the SLA sweep over 100,000 open welcome
timers, beside floors measured in the same run (raw smtplib sends; one bare UPDATE)."""

from __future__ import annotations

import smtplib
import time
from datetime import timedelta
from email.message import EmailMessage

from django.conf import settings
from django.db import connection

from bench.common import median_ms, report, reset_database, section, timed

N_EMAILS = 1_000
N_TIMERS = 100_000


class _Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.count += 1
        return "250 OK"


def _projects(n: int, start: int = 0) -> list[int]:
    from django.contrib.auth.models import User

    from psdesk.accounts.personas import PERSONAS
    from psdesk.accounts.services import persona_ensure
    from psdesk.crm.choices import OpportunityStage, RecordType
    from psdesk.crm.models import Account, Opportunity
    from psdesk.projects.models import ProjectContact
    from psdesk.projects.services import project_book

    for p in PERSONAS:
        persona_ensure(p, password=None)
    alice = User.objects.get(username="alice")
    accounts = Account.objects.bulk_create(Account(name=f"Bench {i:05d}") for i in range(start, start + n))
    opps = Opportunity.objects.bulk_create(
        Opportunity(
            name=f"Bench {start + i:05d} PS",
            account=a,
            owner=alice,
            record_type=RecordType.LICENSE,
            stage=OpportunityStage.CLOSED_WON,
        )
        for i, a in enumerate(accounts)
    )
    ids = []
    for opp in opps:
        project = project_book(opportunity=opp, actor=None)
        ProjectContact.objects.create(
            project=project, name="Casey", email=f"casey{project.pk}@example.com", role="champion"
        )
        ids.append(project.pk)
    return ids


def _emails() -> None:
    from aiosmtpd.controller import Controller
    from django.contrib.auth.models import User

    from psdesk.notifications.delivery import outbox_deliver_one
    from psdesk.projects.services import welcome_send

    sink = _Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=20587)
    controller.start()
    saved = settings.MAILERS
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 20587, "timeout": 5},
        }
    }
    settings.PSDESK_OUTBOX_ENQUEUE_TASKS = False
    # Measure the pipeline, not the production rate budget (10 emails/s refill).
    settings.PSDESK_OUTBOX_BUDGETS = {"email": {"capacity": 1_000_000, "refill_per_second": 1_000_000}}
    try:
        ids = _projects(N_EMAILS)
        paula = User.objects.get(username="paula")
        t0 = time.perf_counter()
        msg_ids = [welcome_send(project_id=pid, actor=paula).outbox_message_id for pid in ids]
        rendered = time.perf_counter() - t0
        t1 = time.perf_counter()
        for mid in msg_ids:
            outbox_deliver_one(message_id=mid)
        sent = time.perf_counter() - t1
        # Floor: the same number of plain messages over one raw SMTP connection each.
        t2 = time.perf_counter()
        for i in range(N_EMAILS):
            m = EmailMessage()
            m["From"], m["To"], m["Subject"] = "ps@example.com", f"c{i}@example.com", "Welcome"
            m.set_content("Welcome to PS")
            with smtplib.SMTP("127.0.0.1", 20587, timeout=5) as s:
                s.send_message(m)
        floor = time.perf_counter() - t2
        assert sink.count == 2 * N_EMAILS, sink.count
        print(f"render + enqueue {N_EMAILS} welcome emails: {N_EMAILS / rendered:8.1f} msg/s ({rendered:.2f} s)")
        print(
            f"deliver {N_EMAILS} via outbox + SMTP:        {N_EMAILS / sent:8.1f} msg/s ({sent:.2f} s)"
            f"   floor raw smtplib {N_EMAILS / floor:8.1f} msg/s  ratio {sent / floor:.1f}x"
        )
    finally:
        settings.MAILERS = saved
        controller.stop()


def _sweep() -> None:
    from django.contrib.contenttypes.models import ContentType

    from psdesk.core import clock
    from psdesk.projects.models import Project
    from psdesk.sla.models import SlaPolicy, SlaTimer
    from psdesk.sla.services import sla_sweep

    policy = SlaPolicy.objects.get(key="welcome_email")
    ct = ContentType.objects.get_for_model(Project)
    now = clock.now()
    SlaTimer.objects.filter(policy=policy).delete()
    SlaTimer.objects.bulk_create(
        (
            SlaTimer(
                policy=policy,
                target_type=ct,
                target_id=i,
                started_at=now - timedelta(days=2),
                due_at=now + timedelta(hours=(i % 96) - 48),
                warn_at=now + timedelta(hours=(i % 96) - 60),
            )
            for i in range(1, N_TIMERS + 1)
        ),
        batch_size=5000,
    )
    t0 = time.perf_counter()
    result = sla_sweep(now=now)  # the timers on real projects notify their people for real
    took = time.perf_counter() - t0

    def floor() -> None:
        with connection.cursor() as cur:
            cur.execute("UPDATE sla_slatimer SET status = status WHERE due_at <= %s", [now])

    f = median_ms(timed(floor, repeat=3, warmup=0))
    report(f"sla sweep over {N_TIMERS:,} welcome timers", took * 1000, floor_ms=f, target_ms=5000, extra=str(result))


def _list_page() -> None:
    from django.contrib.auth.models import User
    from django.test import Client

    from bench.common import count_queries, verdict

    reset_database()
    made = 0
    queries: dict[int, int] = {}
    for n in (20, 200):
        _projects(n - made, start=made)
        made = n
        web = Client()
        web.force_login(User.objects.get(username="paula"))

        def page(web: Client = web) -> None:
            assert web.get("/projects/").status_code == 200

        def floor() -> None:
            with connection.cursor() as cur:
                cur.execute(
                    """SELECT p.id, p.name, p.status, a.name, u.username, t.due_at, t.state FROM projects_project p
                       JOIN crm_account a ON a.id = p.account_id LEFT JOIN auth_user u ON u.id = p.coordinator_id
                       LEFT JOIN sla_slatimer t ON t.target_id = p.id ORDER BY p.id LIMIT 200"""
                )
                cur.fetchall()

        queries[n] = count_queries(page)
        report(
            f"/projects/ with {n} projects",
            median_ms(timed(page, repeat=15)),
            floor_ms=median_ms(timed(floor, repeat=15)),
            extra=f"{queries[n]} queries",
        )
    verdict(
        "/projects/ queries at 200 projects (flat: as many as at 20)",
        queries[200],
        target=queries[20],
        floor=None,
        unit="queries",
    )


def run() -> None:
    with section("/projects/ at 20 and 200 projects"):
        _list_page()
    with section(f"{N_EMAILS:,} welcome emails to a loopback SMTP server"):
        reset_database()
        _emails()
    with section(f"sweep of {N_TIMERS:,} open welcome timers"):
        _sweep()
