"""Catalog import of 5,000 SKUs (fresh, then idempotent re-import) and the order form PDF render
time (median of 10) for a 30-line quote. Floors measured in the same run: parsing the same CSV
with the csv module alone, and rendering a trivial one-line WeasyPrint document."""

from __future__ import annotations

import csv
import io
import time

from bench.common import median_ms, report, section, timed
from psdesk.catalog.services import EXPORT_COLUMNS

N_SKUS = 5000
N_LINES = 30


def _csv_text(n: int) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(EXPORT_COLUMNS[:12])  # the columns of the public catalog snapshot (the rest default)
    for i in range(n):
        edu = i % 3 == 0
        w.writerow(
            [
                f"BENCH-{i:05d}",
                f"Bench service {i}",
                "Education" if edu else "Consulting",
                "Education - Standard" if edu else "Implementation",
                "Viable",
                f"{1000 + i % 997}.{i % 100:02d}",
                "USD",
                "session" if edu else "fixed",
                str(1 + i % 10),
                "12" if edu else "",
                "onsite" if i % 5 == 0 else "remote",
                f"Standard service description number {i}; delivered per the catalog terms.",
            ]
        )
    return buf.getvalue()


def run() -> None:
    from psdesk.accounts.personas import persona
    from psdesk.accounts.services import persona_ensure
    from psdesk.catalog.demo import catalog_seed
    from psdesk.catalog.models import Sku
    from psdesk.catalog.services import catalog_import_text
    from psdesk.crm.choices import RecordType
    from psdesk.crm.models import Account
    from psdesk.crm.services import opportunity_create
    from psdesk.quotes.documents import order_form_pdf
    from psdesk.quotes.models import Quote, QuoteLine
    from psdesk.quotes.services import quote_create, quote_line_add

    QuoteLine.objects.filter(sku__code__startswith="BENCH-").delete()  # from an earlier run
    Sku.objects.filter(code__startswith="BENCH-").delete()
    text = _csv_text(N_SKUS)

    with section(f"catalog import of {N_SKUS:,} SKUs"):
        floor = median_ms(timed(lambda: list(csv.DictReader(io.StringIO(text))), repeat=5, warmup=1))
        t0 = time.perf_counter()
        rep = catalog_import_text(text=text)
        first = (time.perf_counter() - t0) * 1000
        report(f"import, fresh ({rep.summary})", first, floor_ms=floor, target_ms=5000)
        t0 = time.perf_counter()
        rep = catalog_import_text(text=text)
        again = (time.perf_counter() - t0) * 1000
        report(f"re-import, idempotent ({rep.count('unchanged')} unchanged)", again, floor_ms=floor, target_ms=5000)

    with section(f"order form PDF, {N_LINES}-line quote (median of 10)"):
        catalog_seed()
        alice = persona_ensure(persona("alice"), password="bench")  # noqa: S106 — a throwaway bench login
        acc = Account.objects.create(name="Bench Order Form Customer")
        lic = opportunity_create(actor=alice, account=acc, record_type=RecordType.LICENSE)
        opp = opportunity_create(actor=alice, account=acc, parent=lic)
        q = quote_create(opportunity_id=opp.pk, actor=alice)
        codes = list(Sku.objects.filter(code__startswith="BENCH-").values_list("code", flat=True)[:N_LINES])
        for i, code in enumerate(codes):
            quote_line_add(quote_id=q.pk, actor=alice, sku_code=code, quantity=1 + i % 3, discount_pct=str(i % 7))
        quote = Quote.objects.get(pk=q.pk)

        from weasyprint import HTML

        floor = median_ms(timed(lambda: HTML(string="<p>x</p>").write_pdf(), repeat=10, warmup=1))
        samples = timed(lambda: order_form_pdf(quote), repeat=10, warmup=1)
        pdf = order_form_pdf(quote)
        report(f"render order form ({len(pdf) // 1024} KiB)", median_ms(samples), floor_ms=floor, target_ms=2000)
