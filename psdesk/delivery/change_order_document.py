"""The change-order document (pure): its content — reference to the SOW, reason, the delta table,
fees, milestones, signature blocks — as a customer Document of the document standard
(psdesk.branding.document), so both renderings (DOCX, PDF) carry equal text. Customer-facing:
hours and fees only (cost and margin stay internal)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from psdesk.branding.document import Document, Section, SignatureBlock, Vendor
from psdesk.sows.document import hours_text, money


@dataclass(frozen=True)
class DeltaLine:
    """One line of the delta: an activity and role, hours and fee before and after."""

    kind: str  # added | removed | changed
    activity: str
    role: str
    hours_before: Decimal
    hours_after: Decimal
    fee_before: Decimal
    fee_after: Decimal

    @property
    def hours_delta(self) -> Decimal:
        return self.hours_after - self.hours_before

    @property
    def fee_delta(self) -> Decimal:
        return self.fee_after - self.fee_before


def _signed(d: Decimal) -> str:
    return ("+" if d > 0 else "") + hours_text(d)


def build_content(
    *,
    code: str,
    title: str,
    date: str,
    customer: str,
    vendor: str,
    vendor_signer_title: str,
    sow_reference: str,
    currency: str,
    reason: str,
    lines: Sequence[DeltaLine],
    hours_before: Decimal,
    fee_before: Decimal,
    milestone_name: str,
    passive_days: int,
) -> dict[str, Any]:
    """The content approvals are made on (`content_hash`) and both renderings are made from."""
    hours_delta = sum((ln.hours_delta for ln in lines), Decimal("0"))
    fee_delta = sum((ln.fee_delta for ln in lines), Decimal("0"))
    return {
        "number": code,
        "title": title,
        "date": date,
        "customer": customer,
        "vendor": vendor,
        "vendor_signer_title": vendor_signer_title,
        "sow": sow_reference,
        "currency": currency,
        "reason": [" ".join(p.split()) for p in reason.split("\n\n") if p.strip()],
        "lines": [
            {
                "kind": ln.kind,
                "activity": ln.activity,
                "role": ln.role,
                "hours_before": hours_text(ln.hours_before),
                "hours_after": hours_text(ln.hours_after),
                "fee_delta": f"{ln.fee_delta:.2f}",
            }
            for ln in lines
        ],
        "hours_before": hours_text(hours_before),
        "hours_after": hours_text(hours_before + hours_delta),
        "hours_delta": _signed(hours_delta),
        "fee_before": f"{fee_before:.2f}",
        "fee_after": f"{fee_before + fee_delta:.2f}",
        "fee_delta": f"{fee_delta:.2f}",
        "milestone": milestone_name,
        "passive_days": passive_days,
    }


def content_hash(content: Mapping[str, Any]) -> str:
    blob = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()


_KIND = {"added": "Added", "removed": "Removed", "changed": "Changed"}


def sections(content: Mapping[str, Any]) -> list[Section]:
    """The document as numbered sections; the delta is a table (activity, hours, fee) with a total."""
    cur = content["currency"]
    ref = Section(key="reference", heading="1 Reference")
    ref.paragraphs = [
        f"This change order {content['number']} dated {content['date']} amends {content['sow']} between "
        f"{content['customer']} (the customer) and {content['vendor']} for {content['title']}.",
    ]
    why = Section(key="reason", heading="2 Reason for the change", paragraphs=list(content["reason"]))
    scope = Section(key="scope", heading="3 Changes to the scope")
    scope.paragraphs = ["The scope of the Statement of Work changes as follows."]
    rows: list[tuple[str, ...]] = [("Activity (role)", "Hours before → after", "Fee change")]
    rows += [
        (
            f"{_KIND.get(ln['kind'], ln['kind'])}: {ln['activity']} ({ln['role']})",
            f"{ln['hours_before']} → {ln['hours_after']}",
            money(Decimal(ln["fee_delta"]), cur),
        )
        for ln in content["lines"]
    ]
    rows.append(("Total", f"{content['hours_delta']} h", money(Decimal(content["fee_delta"]), cur)))
    scope.rows, scope.total_rows = rows, [len(rows) - 1]
    fees = Section(key="fees", heading="4 Fees")
    fees.paragraphs = [
        f"Services: {content['hours_before']} h for {money(Decimal(content['fee_before']), cur)} before this change; "
        f"{content['hours_after']} h for {money(Decimal(content['fee_after']), cur)} after it."
    ]
    ms = Section(key="milestones", heading="5 Milestones and acceptance")
    ms.paragraphs = [
        f"The changed scope is delivered as the milestone “{content['milestone']}”, accepted as the Statement of "
        f"Work provides: on the customer's sign-off, or if the customer neither signs off nor reports a material "
        f"non-conformity within {content['passive_days']} business days of the completion notice.",
        f"All other terms of {content['sow']} remain unchanged.",
    ]
    sign = Section(key="signatures", heading="6 Signatures")
    signed = content.get("signed", {})
    blocks = []
    for party, name, title in (
        ("customer", content["customer"], ""),
        ("vendor", content["vendor"], content["vendor_signer_title"]),
    ):
        s = signed.get(party)
        blocks.append(
            SignatureBlock(party=name, title=title)
            if not s
            else SignatureBlock(
                party=name,
                name=s["name"],
                title=s["title"],
                date=s["date"],
                signature=f"Signed electronically by {s['name']}",
            )
        )
    sign.signatures = blocks
    out = [ref, why, scope, fees, ms, sign]
    if "certificate" in content:
        out.append(certificate_section(content["certificate"]))
    return out


def certificate_section(cert: Mapping[str, Any]) -> Section:
    """The signature-certificate page of the executed change order (the SOW standard): what was
    signed (the PDF's SHA-256), each signer with time, IP, user agent and consent, the trail."""
    sec = Section(key="certificate", heading="7 Signature certificate", new_page=True)
    sec.paragraphs = [
        f"{cert['number']} was signed electronically through PS Desk. SHA-256 of the PDF signed: {cert['pdf_sha256']}"
    ]
    sec.rows = [("Signer", "Party", "Signed at (UTC)", "IP address")]
    sec.rows += [(s["who"], s["party"], s["at"], s["ip"] or "in app") for s in cert["signers"]]
    sec.bullets = [s["evidence"] for s in cert["signers"]]
    sec.after = [*cert["trail"], "Sealed with the vendor's PAdES digital signature on completion"]
    return sec


def document(content: Mapping[str, Any], *, vendor: Vendor) -> Document:
    """The change order as a customer Document (cover, running header, numbered sections)."""
    return Document(
        kind="Change Order",
        number=content["number"],
        version="1",
        date=content["date"],
        title=content["title"],
        customer=content["customer"],
        vendor=vendor,
        sections=sections(content),
        cover_lines=[f"Amends {content['sow']}"],
    )
