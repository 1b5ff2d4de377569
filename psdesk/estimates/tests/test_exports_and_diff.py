"""The estimate workbook (formulas evaluated here must equal the computed totals), the customer PDF,
and the line-by-line comparison of two versions."""

from __future__ import annotations

import io
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from psdesk.estimates.exports import estimate_pdf, estimate_xlsx
from psdesk.estimates.selectors import version_diff, version_lines
from psdesk.estimates.services import estimate_version_create
from psdesk.estimates.tests.conftest import L

pytestmark = pytest.mark.django_db

REF = re.compile(r"(?:(?P<sheet>[A-Za-z][\w ]*)!)?\$?(?P<col>[A-Z]{1,2})\$?(?P<row>\d+)")


class Evaluator:
    """Evaluates the few formula shapes the workbook uses (ROUND, SUM of a range, IF, + - * /, sheet refs)
    with Decimal arithmetic — an independent check of the cached-value-free formulas openpyxl writes."""

    def __init__(self, wb: Any) -> None:
        self.wb = wb

    def cell(self, sheet: str, ref: str) -> Decimal:
        value = self.wb[sheet][ref].value
        if isinstance(value, str) and value.startswith("="):
            return self.formula(sheet, value[1:])
        return Decimal(str(value)) if value is not None else Decimal(0)

    def formula(self, sheet: str, text: str) -> Decimal:
        def rng(m: re.Match[str]) -> str:
            col, a, b = m.group(1), int(m.group(2)), int(m.group(4))
            return "_sum([" + ",".join(f"{col}{r}" for r in range(a, b + 1)) + "])"

        expr = re.sub(r"SUM\(([A-Z]+)(\d+):([A-Z]+)(\d+)\)", rng, text)
        expr = REF.sub(lambda m: f"_c({(m.group('sheet') or sheet)!r},'{m.group('col')}{m.group('row')}')", expr)
        expr = expr.replace("ROUND(", "_round(").replace("IF(", "_if(")
        expr = re.sub(r"(?<![<>=!])=(?!=)", "==", expr)
        env = {
            "_c": self.cell,
            "_sum": lambda xs: sum(xs, Decimal(0)),
            "_round": lambda x, n: x.quantize(Decimal(1).scaleb(-int(n)), rounding=ROUND_HALF_UP),
            "_if": lambda c, a, b: a if c else b,
        }
        return Decimal(eval(expr, env))  # noqa: RUF100, S307 — evaluates the formulas this test's workbook wrote


def _workbook(data: bytes) -> Any:
    return load_workbook(io.BytesIO(data))


@pytest.fixture
def version(people: Any, strawman: Any, frozen_clock: Any) -> Any:
    return estimate_version_create(
        engagement_id=strawman.pk,
        actor=people.erin,
        pricing_model="tm",
        lines=[
            L("Plan", "PM", "8.25"),
            L("Install", "PSE", "40.5", provenance=("rule:ra3k",)),
            L("Train", "Trainer", "0.05", delivery="onsite"),
            L("Review", "TA", "3.33"),
        ],
        assumptions="VMs ready\nSSO via Okta",
        out_of_scope="Geo",
    )


def test_the_workbook_formulas_evaluate_to_the_computed_totals(version: Any) -> None:
    wb = _workbook(estimate_xlsx(version, version_lines(version), internal=True))
    assert wb.sheetnames == ["Estimate", "Assumptions", "Cost & margin"]
    ev = Evaluator(wb)
    ws = wb["Estimate"]
    lines = version_lines(version)
    for i, ln in enumerate(lines):
        row = 6 + i
        assert ws[f"H{row}"].value == f"=ROUND(F{row}*G{row},2)"
        assert ev.cell("Estimate", f"H{row}") == ln.price
    total_row = 6 + len(lines) + 1
    assert ws[f"H{total_row}"].value == f"=SUM(H6:H{5 + len(lines)})"
    assert ev.cell("Estimate", f"H{total_row}") == version.price == Decimal("15392.00")
    assert ev.cell("Estimate", f"F{total_row}") == version.hours
    cs = wb["Cost & margin"]
    labels = {cs.cell(row=r, column=2).value: r for r in range(1, cs.max_row + 1)}
    assert ev.cell("Cost & margin", f"F{labels['Total cost']}") == version.cost
    assert ev.cell("Cost & margin", f"F{labels['Price']}") == version.price
    assert ev.cell("Cost & margin", f"F{labels['Margin']}") == version.margin
    notes = [c.value for c in wb["Assumptions"]["A"] if c.value]
    assert notes == ["Assumptions", "VMs ready", "SSO via Okta", "Out of scope", "Geo"]


def test_the_customer_workbook_has_no_cost_sheet_and_no_cost_figures(version: Any) -> None:
    wb = _workbook(estimate_xlsx(version, version_lines(version), internal=False))
    assert wb.sheetnames == ["Estimate", "Assumptions"]
    values = {str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None}
    assert not any("cost" in v.lower() or "margin" in v.lower() for v in values)
    assert str(version_lines(version)[1].cost_rate) not in values


def test_the_customer_pdf_renders_without_cost(version: Any) -> None:
    pdf = estimate_pdf(version, version_lines(version))
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000


def test_two_versions_compare_line_by_line_with_the_margin_delta(people: Any, version: Any) -> None:
    v2 = estimate_version_create(
        engagement_id=version.engagement_id,
        actor=people.erin,
        pricing_model="tm",
        lines=[
            L("Plan", "PM", "8.25"),  # same
            L("Install", "PSE", "48", provenance=("rule:ra3k",)),  # hours changed
            L("Review", "TA", "3.33"),  # same
            L("Cut-over", "PSE", "6"),  # added
        ],  # Train removed
    )
    d = version_diff(version, v2)
    summary = [(c.kind, c.activity, c.changed, c.hours_delta, c.price_delta) for c in d.changes if c.kind != "same"]
    assert summary == [
        ("changed", "Install", ["hours", "price"], Decimal("7.50"), Decimal("2250.00")),
        ("added", "Cut-over", [], Decimal("6.00"), Decimal("1800.00")),
        ("removed", "Train", [], Decimal("-0.05"), Decimal("-14.00")),
    ]
    assert d.price_delta == v2.price - version.price == Decimal("4036.00")
    assert d.margin_delta == v2.margin - version.margin


def test_fixed_fee_versus_tm_shows_rate_changes(people: Any, version: Any) -> None:
    v2 = estimate_version_create(
        engagement_id=version.engagement_id, actor=people.erin, based_on_id=version.pk, pricing_model="fixed_fee"
    )
    d = version_diff(version, v2)
    assert {c.activity: c.changed for c in d.changes} == {
        "Plan": ["rate", "price"],
        "Install": ["rate", "price"],
        "Train": ["rate", "price"],
        "Review": ["rate", "price"],
    }


def test_the_customer_pdf_reads_as_a_customer_document(people: Any, strawman: Any, frozen_clock: Any) -> None:
    from psdesk.branding.document import content_problems
    from psdesk.branding.rendering import pdf_text

    v = estimate_version_create(
        engagement_id=strawman.pk,
        actor=people.erin,
        pricing_model="tm",
        lines=[
            L("impl_discovery", "PSE", "16", description="Discovery and architecture design workshop"),
            L("Install", "PSE", "40"),
        ],
        assumptions="VMs ready\nSSO via Okta",
        out_of_scope="Geo",
    )
    text = pdf_text(estimate_pdf(v, version_lines(v)))
    assert content_problems(text) == []
    assert "Discovery and architecture design workshop" in text and "impl_discovery" not in text
    assert "GitLab Inc." in text and "Estimate EST-" in text
    assert "• VMs ready" in text and "• SSO via Okta" in text
