"""Issue 7: a SOW generated from a 40-line estimate — DOCX (target ≤ 300 ms) and PDF (target ≤ 2 s),
medians of 10.

Figures, each beside a floor measured in the same run:
- DOCX: docxtpl rendering of the SOW sections vs. python-docx saving a document that already holds
  the same paragraphs (serialisation only: the least a DOCX of this content costs);
- PDF: WeasyPrint from the SOW HTML (the on-screen preview) vs. WeasyPrint of a one-paragraph page;
- the whole `sow_generate` (content, both renderings, SHA-256, storage, rows, audit) for reference.
"""

from __future__ import annotations

import io
import tempfile
from decimal import Decimal

from bench.common import median_ms, report, reset_database, section, timed

N_LINES = 40
ROLES = ("PSE", "PM", "TA", "Trainer", "EM")


def _setup() -> tuple[object, object]:
    from psdesk.accounts.personas import PERSONAS
    from psdesk.accounts.roles import roles_sync
    from psdesk.accounts.services import persona_ensure
    from psdesk.core import clock
    from psdesk.crm.models import Account
    from psdesk.engagements.choices import EngagementStatus
    from psdesk.engagements.models import Engagement
    from psdesk.engagements.services import engagement_create
    from psdesk.estimates.choices import FeedbackKind, VersionStatus
    from psdesk.estimates.models import CustomerFeedback, EstimateLine, EstimateVersion

    reset_database()
    roles_sync()
    import importlib

    from django.apps import apps

    importlib.import_module("psdesk.sows.migrations.0002_seed_clauses").seed(apps, None)  # flush removed them
    users = {p.username: persona_ensure(p, password=None) for p in PERSONAS}
    acc = Account.objects.create(name="Bench Corp")
    eng = engagement_create(account=acc, actor=users["sam"], em=users["erin"], description="Bench engagement.")
    Engagement.objects.filter(pk=eng.pk).update(state=EngagementStatus.SOW_WIP)
    v = EstimateVersion.objects.create(
        engagement=eng, number=1, status=VersionStatus.SHARED, priced_on=clock.today(), assumptions="Access given."
    )
    total = Decimal(0)
    for i in range(N_LINES):
        hours = Decimal(8 + i % 17)
        price = hours * Decimal(330)
        total += price
        EstimateLine.objects.create(
            version=v,
            position=i,
            activity=f"Activity {i}: {'migration wave' if i % 3 else 'implementation step'}",
            description=f"Line {i} of the bench estimate, delivered as agreed with the customer.",
            role=ROLES[i % len(ROLES)],
            hours=hours,
            service_type=("migration", "implementation", "ci_cd")[i % 3],
            rate=Decimal(330),
            cost_rate=Decimal(120),
            price=price,
            cost=hours * Decimal(120),
        )
    v.price, v.cost, v.margin = total, total * Decimal("0.36"), Decimal("0.6364")
    v.save()
    CustomerFeedback.objects.create(version=v, kind=FeedbackKind.AGREEMENT, name="B", email="b@x.test")
    return users["erin"], eng


def run() -> None:
    from django.test import override_settings

    with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
        _run()


def _run() -> None:
    from docx import Document
    from weasyprint import HTML

    from psdesk.sows import document as doc
    from psdesk.sows import rendering
    from psdesk.sows.services import sow_generate

    with section(f"SOW from a {N_LINES}-line estimate"):
        erin, eng = _setup()
        v = sow_generate(engagement_id=eng.pk, actor=erin)  # warms templates, fonts, imports
        content = v.content
        secs = doc.sections(content)
        print(f"   {len(secs)} sections, {len(content['milestones'])} milestones, total {v.currency} {v.total:,.2f}")

        # floor: writing out a document that already holds the same paragraphs (zip + XML of the
        # content, nothing built) — the least any DOCX of this SOW costs
        built = Document()
        for s in secs:
            built.add_heading(s.heading, level=s.level)
            for t in [*s.paragraphs, *("  ".join(r) for r in s.rows), *s.after]:
                built.add_paragraph(t)

        def plain_docx() -> bytes:
            buf = io.BytesIO()
            built.save(buf)
            return buf.getvalue()

        floor = median_ms(timed(plain_docx, repeat=10))
        report(
            "DOCX (docxtpl, sections + tr loops)",
            median_ms(timed(lambda: rendering.render_docx(content, secs), repeat=10)),
            floor_ms=floor,
            target_ms=300,
        )
        tiny = "<html><body><p>x</p></body></html>"
        pfloor = median_ms(timed(lambda: HTML(string=tiny).write_pdf(), repeat=10))
        report(
            "PDF (WeasyPrint from the preview HTML)",
            median_ms(timed(lambda: rendering.render_pdf(rendering.render_html(content, secs)), repeat=10)),
            floor_ms=pfloor,
            target_ms=2000,
        )
        report(
            "sow_generate (both files, hashes, storage, audit)",
            median_ms(timed(lambda: sow_generate(engagement_id=eng.pk, actor=erin), repeat=10, warmup=0)),
        )
