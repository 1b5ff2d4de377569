from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from psdesk.audit.models import AuditEvent
from psdesk.catalog.models import Sku
from psdesk.catalog.services import catalog_export, catalog_import_text

pytestmark = pytest.mark.django_db
CSV = Path(__file__).resolve().parents[3] / "data" / "catalog.csv"
HEADER = "sku,name,category,type,maturity,price,currency,unit,duration_days,class_size,delivery,description\n"


def test_importing_the_catalog_twice_is_idempotent() -> None:
    first = catalog_import_text(text=CSV.read_text())
    assert (first.count("created"), first.count("rejected")) == (24, 0)
    second = catalog_import_text(text=CSV.read_text())
    assert (second.count("created"), second.count("updated"), second.count("unchanged")) == (0, 0, 24)
    assert Sku.objects.count() == 24
    bas = Sku.objects.get(code="GL-BAS")
    assert (bas.price, bas.unit, bas.class_size, bas.delivery) == (Decimal("7000.00"), "session", 12, "onsite")
    assert AuditEvent.objects.filter(verb="catalog.imported").count() == 1


def test_a_malformed_row_is_rejected_with_its_line_number_and_the_others_import() -> None:
    text = (
        HEADER
        + "A-1,Good,Consulting,Advisory,Viable,100.00,USD,fixed,1,,remote,fine\n"
        + "A-2,Bad price,Consulting,Advisory,Viable,-3,USD,fixed,1,,remote,x\n"
        + "A-3,Bad category,Sales,Advisory,Viable,1.00,USD,fixed,1,,remote,x\n"
        + "A-4,Too precise,Consulting,Advisory,Viable,1.005,USD,fixed,1,,remote,x\n"
        + "A-1,Duplicate,Consulting,Advisory,Viable,1.00,USD,fixed,1,,remote,x\n"
        + "A-5,Good too,Education,Education - Standard,Lovable,5000.00,USD,session,1,12,remote,ok\n"
    )
    report = catalog_import_text(text=text)
    assert [(r.line, r.code, r.outcome) for r in report.rows] == [
        (2, "A-1", "created"),
        (3, "A-2", "rejected"),
        (4, "A-3", "rejected"),
        (5, "A-4", "rejected"),
        (6, "A-1", "rejected"),
        (7, "A-5", "created"),
    ]
    assert report.rows[1].reason == "price -3 is negative"
    assert report.rows[2].reason.startswith("category 'Sales' is not one of")
    assert "at most 2 decimal places" in report.rows[3].reason
    assert sorted(Sku.objects.values_list("code", flat=True)) == ["A-1", "A-5"]


def test_csv_round_trip_reimports_as_unchanged() -> None:
    catalog_import_text(text=CSV.read_text())
    Sku.objects.filter(code="GL-DOF").update(seat_addons_per_extra_attendee=4, active=False)
    buf = io.StringIO()
    assert catalog_export(skus=Sku.objects.order_by("code"), stream=buf) == 24
    report = catalog_import_text(text=buf.getvalue())
    assert report.count("unchanged") == 24
    changed = buf.getvalue().replace(
        "GL-RR-COM,Rapid Results - GitLab.com,Consulting,Implementation,Viable,17500.00",
        "GL-RR-COM,Rapid Results - GitLab.com,Consulting,Implementation,Viable,18000.00",
    )
    report = catalog_import_text(text=changed)
    assert [(r.code, r.outcome) for r in report.rows if r.outcome != "unchanged"] == [("GL-RR-COM", "updated")]
    assert Sku.objects.get(code="GL-RR-COM").price == Decimal("18000.00")


def test_the_cli_prints_a_per_row_report(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "B-1,Bad,Consulting,Advisory,Viable,abc,USD,fixed,1,,remote,x\n")
    out = io.StringIO()
    call_command("catalog", "import", str(bad), stdout=out, stderr=io.StringIO())
    assert "line 2: B-1 rejected — price: 'abc' is not a number" in out.getvalue()
    assert "0 created, 0 updated, 0 unchanged, 1 rejected" in out.getvalue()
    call_command("catalog", "import", str(CSV), "--quiet", stdout=io.StringIO(), stderr=io.StringIO())
    exported = tmp_path / "out.csv"
    call_command("catalog", "export", str(exported), stdout=io.StringIO(), stderr=io.StringIO())
    assert exported.read_text().count("\n") == 25


def test_the_catalog_api_filters_and_imports(api: Any, people: Any) -> None:
    catalog_import_text(text=CSV.read_text())
    r = api("tom").get("/api/v1/catalog/skus", category="Education", maturity="Lovable")
    assert r.status_code == 200
    assert [i["code"] for i in r.json()["items"]] == ["GL-BAS", "GL-BAS-R", "GL-CICD", "GL-CICD-R", "SRV-PERSEAT-R"]
    assert api("tom").get("/api/v1/catalog/skus", limit=500).status_code == 422
    assert api("olga").get("/api/v1/catalog/skus").status_code == 403
    assert api("tom").post("/api/v1/catalog/import", {"csv": HEADER}).status_code == 403
    r = api("oscar").post(
        "/api/v1/catalog/import", {"csv": HEADER + "C-1,X,Consulting,Advisory,Viable,1.00,USD,fixed,1,,remote,d\n"}
    )
    assert r.json()["created"] == 1
    rates = api("alice").get("/api/v1/catalog/rates").json()
    assert rates["list_rate"] == "330.00" and rates["cost_rates"] is None
    rates = api("leo").get("/api/v1/catalog/rates", on="2026-11-27").json()
    assert {c["role"]: c["rate"] for c in rates["cost_rates"]}["PSE"] == "105.32"
