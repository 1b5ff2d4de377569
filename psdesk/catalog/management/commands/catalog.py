"""`psdesk catalog import FILE` / `psdesk catalog export [FILE]` / `psdesk catalog rates`."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from psdesk.catalog.choices import RateRole
from psdesk.catalog.models import BillRate, ListRate, Sku
from psdesk.catalog.selectors import cost_rate_info_get
from psdesk.catalog.services import catalog_export, catalog_import
from psdesk.core import clock
from psdesk.core.errors import DomainError


class Command(BaseCommand):
    help = "Service catalog: import/export SKUs as CSV, show the rate card and cost rates."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        imp = sub.add_parser("import", help="import SKUs from a CSV file (idempotent on the sku code)")
        imp.add_argument("file", help="the CSV file to read")
        imp.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")
        imp.add_argument("--quiet", action="store_true", help="only the summary line, no per-row report")
        exp = sub.add_parser("export", help="export SKUs as CSV (to FILE or stdout)")
        exp.add_argument("file", nargs="?", default="-", help="the CSV file to write (default -: stdout)")
        exp.add_argument("--active", action="store_true", help="only active SKUs")
        rates = sub.add_parser("rates", help="print the rate card and standard cost rates")
        rates.add_argument("--on", default="", help="date (YYYY-MM-DD) for cost rates; default today")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            getattr(self, f"_{opts['sub']}")(opts)
        except DomainError as exc:
            raise CommandError(exc.message) from None

    def _import(self, opts: dict[str, Any]) -> None:
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        with path.open(newline="", encoding="utf-8-sig") as fh:
            total = max(0, sum(1 for _ in fh) - 1)
            fh.seek(0)
            with tqdm(total=total, unit="row", desc="import", file=sys.stderr, disable=None) as bar:
                report = catalog_import(stream=fh, dry_run=opts["dry_run"], progress=bar.update)
        for r in report.rows:
            if opts["quiet"] and r.outcome != "rejected":
                continue
            line = f"line {r.line}: {r.code or '(no code)'} {r.outcome}"
            self.stdout.write(line + (f" — {r.reason}" if r.reason else ""))
        prefix = "dry run: " if opts["dry_run"] else ""
        self.stdout.write(prefix + report.summary)

    def _export(self, opts: dict[str, Any]) -> None:
        qs = Sku.objects.order_by("code")
        if opts["active"]:
            qs = qs.filter(active=True)
        if opts["file"] == "-":
            catalog_export(skus=qs, stream=self.stdout)  # type: ignore[arg-type]
            return
        with open(opts["file"], "w", newline="", encoding="utf-8") as fh:
            n = catalog_export(skus=tqdm(qs, total=qs.count(), desc="export", file=sys.stderr, disable=None), stream=fh)
        self.stdout.write(f"exported {n} SKUs to {opts['file']}")

    def _rates(self, opts: dict[str, Any]) -> None:
        on = date.fromisoformat(opts["on"]) if opts["on"] else clock.today()
        self.stdout.write("Rate card (bill rates per hour):")
        for br in BillRate.objects.all():
            self.stdout.write(f"  {br.role:<8} {br.currency} {br.rate}")
        for lr in ListRate.objects.all():
            self.stdout.write(f"List rate (fixed fee): {lr.currency} {lr.rate}")
        self.stdout.write(f"Standard cost rates on {on}:")
        for role in RateRole.values:
            try:
                info = cost_rate_info_get(role=role, on=on)
                self.stdout.write(
                    f"  {role:<8} {info.currency} {info.rate} (from {info.year}-Q{info.quarter}, "
                    f"{info.billable_hours} billable h)"
                )
            except DomainError as exc:
                self.stdout.write(f"  {role:<8} missing: {exc.message}")
