"""Catalog writes: CSV import (idempotent on SKU code) and export, and single-SKU upserts."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TextIO

from django.db import transaction

from psdesk.audit.services import audit_record
from psdesk.catalog.choices import DeliveryMode, Maturity, SkuCategory, SkuType, SkuUnit
from psdesk.catalog.models import Sku
from psdesk.core import clock
from psdesk.core.errors import ValidationFailed
from psdesk.core.money import CURRENCIES, MoneyError, to_decimal
from psdesk.core.types import Actor

REQUIRED_COLUMNS = ("sku", "name", "category", "type", "maturity", "price", "currency", "unit", "description")
OPTIONAL_COLUMNS = ("duration_days", "class_size", "delivery", "active", "seat_addons_per_extra_attendee")
EXPORT_COLUMNS = (
    "sku",
    "name",
    "category",
    "type",
    "maturity",
    "price",
    "currency",
    "unit",
    "duration_days",
    "class_size",
    "delivery",
    "description",
    "active",
    "seat_addons_per_extra_attendee",
)
# The Sku fields an import writes: every export column but `sku`, which is the row's key (Sku.code).
SKU_FIELDS = tuple(column for column in EXPORT_COLUMNS if column != "sku")


@dataclass
class RowResult:
    line: int
    code: str
    outcome: str  # created | updated | unchanged | rejected
    reason: str = ""


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def summary(self) -> str:
        return (
            f"{self.count('created')} created, {self.count('updated')} updated, "
            f"{self.count('unchanged')} unchanged, {self.count('rejected')} rejected"
        )


def _choice(value: str, choices: type[Any], column: str) -> str:
    for v in choices.values:
        if v.lower() == value.strip().lower():
            return str(v)
    raise ValueError(f"{column} '{value}' is not one of {', '.join(choices.values)}")


def sku_values_parse(*, row: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """Validate one CSV row → (code, field values). Raises ValueError with a human reason."""
    code = (row.get("sku") or "").strip()
    if not code:
        raise ValueError("sku code is empty")
    if len(code) > 40:
        raise ValueError("sku code is longer than 40 characters")
    name = (row.get("name") or "").strip()
    if not name:
        raise ValueError("name is empty")
    try:
        price = to_decimal(row.get("price") or "", places=2, field="price")
    except MoneyError as exc:
        raise ValueError(str(exc)) from None
    if price < 0:
        raise ValueError(f"price {price} is negative")
    if price >= Decimal("1e12"):
        raise ValueError(f"price {price} is too large")
    currency = (row.get("currency") or "USD").strip().upper()
    if currency not in CURRENCIES:
        raise ValueError(f"currency '{currency}' is not one of {', '.join(CURRENCIES)}")
    duration_raw = (row.get("duration_days") or "0").strip() or "0"
    try:
        duration = to_decimal(duration_raw, places=1, field="duration_days")
    except MoneyError as exc:
        raise ValueError(str(exc)) from None
    if duration < 0 or duration >= 10000:
        raise ValueError(f"duration_days {duration} is out of range")
    class_raw = (row.get("class_size") or "").strip()
    class_size: int | None = None
    if class_raw:
        if not class_raw.isdigit() or int(class_raw) < 1:
            raise ValueError(f"class_size '{class_raw}' is not a positive whole number")
        class_size = int(class_raw)
    addons_raw = (row.get("seat_addons_per_extra_attendee") or "1").strip() or "1"
    if not addons_raw.isdigit() or not 1 <= int(addons_raw) <= 100:
        raise ValueError(f"seat_addons_per_extra_attendee '{addons_raw}' is not a whole number 1-100")
    active_raw = (row.get("active") or "true").strip().lower() or "true"
    if active_raw not in {"true", "false", "1", "0", "yes", "no"}:
        raise ValueError(f"active '{active_raw}' is not true/false")
    description = (row.get("description") or "").strip()
    if not description:
        raise ValueError("description (the standard service description) is empty")
    values = {
        "name": name[:200],
        "category": _choice(row.get("category") or "", SkuCategory, "category"),
        "type": _choice(row.get("type") or "", SkuType, "type"),
        "maturity": _choice(row.get("maturity") or "", Maturity, "maturity"),
        "price": price.quantize(Decimal("0.01")),
        "currency": currency,
        "unit": _choice(row.get("unit") or "", SkuUnit, "unit"),
        "duration_days": duration,
        "class_size": class_size,
        "delivery": _choice(row.get("delivery") or "remote", DeliveryMode, "delivery"),
        "description": description,
        "active": active_raw in {"true", "1", "yes"},
        "seat_addons_per_extra_attendee": int(addons_raw),
    }
    return code, values


def catalog_import(
    *,
    stream: TextIO,
    actor: Actor | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import SKUs from CSV, idempotent on the `sku` code: new codes are created, changed rows
    updated, identical rows left alone. A malformed row is rejected with its line number and reason
    and the other rows still import. Each row commits on its own; one audit row summarises the run.
    Raises ValidationFailed when the header lacks a required column (nothing is written)."""
    reader = csv.DictReader(stream)
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise ValidationFailed(f"The CSV cannot be read: {exc}.", details={"field": "csv"}) from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ValidationFailed(f"CSV header lacks column(s): {', '.join(missing)}", details={"missing": missing})
    reader.fieldnames = header
    report = ImportReport()
    existing = {s.code: s for s in Sku.objects.all()}
    seen: set[str] = set()
    to_create: list[Sku] = []
    to_update: list[Sku] = []
    for row in reader:
        line = reader.line_num
        if progress:
            progress(1)
        if None in row:
            report.rows.append(RowResult(line, (row.get("sku") or "").strip(), "rejected", "too many fields"))
            continue
        try:
            code, values = sku_values_parse(row=row)
        except ValueError as exc:
            report.rows.append(RowResult(line, (row.get("sku") or "").strip(), "rejected", str(exc)))
            continue
        if code in seen:
            report.rows.append(RowResult(line, code, "rejected", f"sku {code} appears earlier in the file"))
            continue
        seen.add(code)
        current = existing.get(code)
        if current is None:
            to_create.append(Sku(code=code, updated_at=clock.now(), **values))
            report.rows.append(RowResult(line, code, "created"))
        elif any(getattr(current, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(current, f, v)
            current.updated_at = clock.now()
            to_update.append(current)
            report.rows.append(RowResult(line, code, "updated"))
        else:
            report.rows.append(RowResult(line, code, "unchanged"))
    if not dry_run and (to_create or to_update):
        with transaction.atomic():
            Sku.objects.bulk_create(to_create, batch_size=500)
            Sku.objects.bulk_update(to_update, [*SKU_FIELDS, "updated_at"], batch_size=500)
            audit_record(
                verb="catalog.imported",
                actor=actor,
                after={
                    "created": report.count("created"),
                    "updated": report.count("updated"),
                    "rejected": report.count("rejected"),
                },
            )
    return report


def catalog_import_text(*, text: str, actor: Actor | None = None, dry_run: bool = False) -> ImportReport:
    # newline="" lets the csv module see a carriage return inside a field as data, as it expects.
    return catalog_import(stream=io.StringIO(text, newline=""), actor=actor, dry_run=dry_run)


def catalog_export(*, skus: Iterable[Sku], stream: TextIO) -> int:
    """Write SKUs as CSV in the import format (a round trip re-imports as 'unchanged')."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    n = 0
    for s in skus:
        writer.writerow(
            [
                s.code,
                s.name,
                s.category,
                s.type,
                s.maturity,
                f"{s.price:.2f}",
                s.currency,
                s.unit,
                f"{s.duration_days.normalize():f}" if s.duration_days else "0",
                s.class_size or "",
                s.delivery,
                s.description,
                "true" if s.active else "false",
                s.seat_addons_per_extra_attendee,
            ]
        )
        n += 1
    return n
