"""Issue 5: recompute a 500-line estimate (median of 50, target ≤ 50 ms) and export it as XLSX
(target ≤ 1 s).

Figures, each beside a floor measured in the same run:
- pricing.price_lines over 500 lines (pure maths) vs. a bare loop of 500 Decimal products;
- estimate_version_update (re-read the rates, reprice, replace 500 lines, audit) — the full recompute
  an EM's "Save draft" costs — vs. deleting and re-inserting the same 500 prepared rows with one
  prepared statement in one transaction (raw SQL: what the save cannot go below);
- estimate_xlsx (formulas, styles, three sheets) vs. openpyxl writing 500 rows of plain values.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal

from bench.common import count_queries, median_ms, report, reset_database, section, timed

N_LINES = 500
ROLES = ("PSE", "PM", "TA", "Trainer", "EM")


def _setup() -> tuple[object, object]:
    from psdesk.accounts.personas import PERSONAS
    from psdesk.accounts.roles import roles_sync
    from psdesk.accounts.services import persona_ensure
    from psdesk.catalog.models import BillRate, ListRate, StandardCostRate
    from psdesk.crm.models import Account
    from psdesk.engagements.services import engagement_create

    reset_database()
    roles_sync()
    users = {p.username: persona_ensure(p, password=None) for p in PERSONAS}
    ListRate.objects.update_or_create(currency="USD", defaults={"rate": Decimal("330.00")})  # seeded by a migration too
    for i, role in enumerate(ROLES):
        BillRate.objects.update_or_create(role=role, currency="USD", defaults={"rate": Decimal(250 + 25 * i)})
        StandardCostRate.objects.update_or_create(
            role=role,
            year=2000,
            quarter=1,
            defaults={"annual_ote": Decimal(150000 + 10000 * i), "benefits": Decimal("30000")},
        )
    acc = Account.objects.create(name="Bench Corp")
    eng = engagement_create(account=acc, actor=users["sam"], em=users["erin"])
    return users["erin"], eng


def _lines(bump: int = 0) -> list[object]:
    from psdesk.estimates.services import LineData

    return [
        LineData(
            activity=f"Activity {i % 40}",
            role=ROLES[i % len(ROLES)],
            hours=Decimal(f"{(i % 37) + 1 + bump}.{i % 100:02d}"),
            description=f"Line {i} of the bench estimate",
            delivery="onsite" if i % 7 == 0 else "remote",
            provenance=(f"rule:{i % 13}",),
        )
        for i in range(N_LINES)
    ]


def run() -> None:
    from django.db import transaction
    from openpyxl import Workbook

    from psdesk.estimates import pricing
    from psdesk.estimates.exports import estimate_xlsx
    from psdesk.estimates.models import EstimateLine
    from psdesk.estimates.selectors import version_lines
    from psdesk.estimates.services import estimate_version_create, estimate_version_update

    erin, eng = _setup()
    with section(f"recompute a {N_LINES}-line estimate"):
        v = estimate_version_create(engagement_id=eng.pk, actor=erin, lines=_lines(), pricing_model="tm")
        inputs = [pricing.LineInput(ln.activity, ln.role, ln.hours, ln.rate, ln.cost_rate) for ln in version_lines(v)]

        def floor_math() -> None:
            total = Decimal(0)
            for li in inputs:
                total += li.hours * li.rate
                total += li.hours * li.cost_rate

        floor = median_ms(timed(floor_math, repeat=50))
        report(
            "pricing.price_lines (pure)",
            median_ms(timed(lambda: pricing.price_lines(inputs), repeat=50)),
            floor_ms=floor,
            target_ms=50,
        )

        state = {"rev": v.revision, "bump": 0}

        def recompute() -> None:
            state["bump"] = 1 - state["bump"]
            w = estimate_version_update(version_id=v.pk, actor=erin, revision=state["rev"], lines=_lines(state["bump"]))
            state["rev"] = w.revision

        from django.db import connection

        columns = [f.column for f in EstimateLine._meta.concrete_fields if not f.primary_key]
        with connection.cursor() as cur:
            cur.execute(f"SELECT {', '.join(columns)} FROM estimates_estimateline WHERE version_id = %s", [v.pk])  # noqa: S608 — model columns
            rows = [[json.dumps(c) if isinstance(c, list | dict) else c for c in r] for r in cur.fetchall()]
        pos = columns.index("position")
        insert = (
            f"INSERT INTO estimates_estimateline ({', '.join(columns)}) "  # noqa: S608 — model columns
            f"VALUES ({', '.join(['%s'] * len(columns))})"
        )
        shifted = [[*r[:pos], 10_000 + r[pos], *r[pos + 1 :]] for r in rows]

        def floor_insert() -> None:
            # the least a save of 500 lines costs: delete them and insert the same rows (already
            # prepared values, one prepared statement), inside one transaction
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("DELETE FROM estimates_estimateline WHERE version_id = %s AND position >= 10000", [v.pk])
                cur.executemany(insert, shifted)

        floor_db = median_ms(timed(floor_insert, repeat=20))
        EstimateLine.objects.filter(version_id=v.pk, position__gte=10_000).delete()
        samples = timed(recompute, repeat=50)
        report(
            "estimate_version_update (reprice + save)",
            median_ms(samples),
            floor_ms=floor_db,
            target_ms=50,
            extra=f"{count_queries(recompute)} queries",
        )

    with section(f"XLSX export of the {N_LINES}-line estimate"):
        v.refresh_from_db()
        lines = version_lines(v)

        def floor_xlsx() -> None:
            wb = Workbook()
            ws = wb.active
            assert ws is not None
            for ln in lines:
                ws.append([ln.activity, ln.description, ln.role, ln.hours, ln.rate, ln.price])
            wb.save(io.BytesIO())

        floor = median_ms(timed(floor_xlsx, repeat=5, warmup=1))
        for internal in (False, True):
            ms = median_ms(
                timed(lambda internal=internal: estimate_xlsx(v, lines, internal=internal), repeat=7, warmup=1)
            )
            report(f"estimate_xlsx ({'internal' if internal else 'customer'})", ms, floor_ms=floor, target_ms=1000)
