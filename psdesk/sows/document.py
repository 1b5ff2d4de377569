"""The SOW document: pure functions (no Django) that build the structured content from an agreed
estimate and turn it into sections. Both renderings (DOCX through docxtpl, HTML → PDF through
WeasyPrint) are made from the same `sections()`, which is why their text is identical.

Content is a JSON-able dict (stored on the version; its canonical JSON is what `content_hash`
hashes). Money is kept as strings of Decimals with 2 places.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from psdesk.branding.document import (
    BULLET,
    Document,
    Section,
    SignatureBlock,
    Vendor,
    display_name,
    items_of,
    tidy,
)

ZERO = Decimal("0.00")

# Clauses the customer may edit through mark-up (their paragraphs are replaced on accept).
EDITABLE_CLAUSES: tuple[str, ...] = (
    "objectives",
    "out_of_scope",
    "assumptions",
    "schedule",
    "acceptance",
    "billing",
    "travel",
)

SECTION_TITLES: dict[str, str] = {
    "parties": "Parties and governing terms",
    "objectives": "Objectives",
    "scope": "Scope and milestones",
    "out_of_scope": "Out of scope",
    "assumptions": "Assumptions and customer responsibilities",
    "schedule": "Schedule terms",
    "acceptance": "Acceptance",
    "fees": "Fees",
    "billing": "Billing terms",
    "travel": "Travel and expenses",
    "signatures": "Signatures",
}
ORDER: tuple[str, ...] = tuple(SECTION_TITLES)


@dataclass(frozen=True)
class Activity:
    activity: str
    description: str
    role: str
    hours: Decimal
    delivery: str
    price: Decimal
    education: bool = False
    group: str = ""


class _Keep(dict[str, str]):
    def __missing__(self, key: str) -> str:  # an unknown placeholder stays visible, never crashes
        return "{" + key + "}"


def fill(text: str, values: Mapping[str, str]) -> list[str]:
    """Fill `{placeholders}` and split into paragraphs (blank-line separated)."""
    try:
        filled = string.Formatter().vformat(text, (), _Keep(values))
    except (ValueError, IndexError):
        filled = text  # a stray brace in an admin-edited clause: keep the text as written
    return paragraphs_of(filled)


def paragraphs_of(text: str) -> list[str]:
    return [tidy(p) for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def money(amount: Decimal | str, currency: str) -> str:
    return f"{currency} {Decimal(amount):,.2f}"


def hours_text(h: Decimal | str) -> str:
    d = Decimal(h)
    return f"{d.normalize():f}" if d == d.to_integral() else f"{d:.2f}"


def default_milestones(activities: Sequence[Activity]) -> list[dict[str, Any]]:
    """One milestone per service type of the services lines, in first-seen order; education lines are
    priced in the Education section, not in a milestone."""
    groups: dict[str, list[int]] = {}
    for i, a in enumerate(activities):
        if a.education:
            continue
        name = a.group.replace("_", " ").strip().capitalize() or "Delivery"
        groups.setdefault(name, []).append(i)
    return [{"name": name, "lines": idx} for name, idx in groups.items()]


def build_content(
    *,
    number: str,
    title: str,
    date: str,
    customer: str,
    vendor: str,
    vendor_signer_title: str,
    currency: str,
    vendor_signer_name: str = "",
    vendor_address: Sequence[str] = (),
    vendor_footer: str = "",
    vendor_colour: str = "#292961",
    pricing_model: str,
    terms_kind: str,
    msa_reference: str,
    activities: Sequence[Activity],
    milestones: Sequence[Mapping[str, Any]],
    clauses: Mapping[str, str],
    clause_versions: Mapping[str, int],
    billing_terms: str,
    objectives_extra: str = "",
    assumptions_extra: str = "",
    out_of_scope_extra: str = "",
    values: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The full content of a SOW version. `milestones` are [{"name", "lines": [activity indices]}];
    every services activity must be in exactly one milestone (ValueError otherwise)."""
    services = [i for i, a in enumerate(activities) if not a.education]
    seen: list[int] = [i for m in milestones for i in m["lines"]]
    if sorted(seen) != services:
        raise ValueError("every services line must be in exactly one milestone")
    services_total = sum((activities[i].price for i in services), ZERO)
    education = [a for a in activities if a.education]
    education_total = sum((a.price for a in education), ZERO)
    total = services_total + education_total
    vals = {
        "customer": customer,
        "vendor": vendor,
        "msa_reference": msa_reference,
        "currency": currency,
        "total": money(total, currency),
        **(values or {}),
    }
    terms_key = "msa_terms" if terms_kind == "msa" else "standard_terms"
    ms_out = []
    for n, m in enumerate(milestones, 1):
        acts = [activities[i] for i in m["lines"]]
        ms_out.append(
            {
                "name": str(m["name"]).strip() or f"Milestone {n}",
                "lines": list(m["lines"]),
                "activities": [
                    {
                        "activity": display_name(a.activity, a.description),
                        "description": ""
                        if display_name(a.activity, a.description) == tidy(a.description)
                        else tidy(a.description),
                        "delivery": a.delivery,
                        "hours": hours_text(a.hours),
                        "amount": f"{a.price:.2f}",
                    }
                    for a in acts
                ],
                "hours": hours_text(sum((a.hours for a in acts), Decimal(0))),
                "amount": f"{sum((a.price for a in acts), ZERO):.2f}",
            }
        )
    return {
        "number": number,
        "title": title,
        "date": date,
        "customer": customer,
        "vendor": vendor,
        "vendor_signer_title": vendor_signer_title,
        "vendor_signer_name": vendor_signer_name,
        "vendor_address": list(vendor_address),
        "vendor_footer": vendor_footer,
        "vendor_colour": vendor_colour,
        "currency": currency,
        "pricing_model": pricing_model,
        "terms": {"kind": terms_kind, "reference": msa_reference, "text": fill(clauses.get(terms_key, ""), vals)},
        "milestones": ms_out,
        "clauses": {
            "objectives": fill(clauses.get("objectives", ""), vals) + paragraphs_of(objectives_extra),
            "out_of_scope": items_of(out_of_scope_extra) + fill(clauses.get("out_of_scope", ""), vals),
            "assumptions": items_of(assumptions_extra) + fill(clauses.get("assumptions", ""), vals),
            "schedule": fill(clauses.get("schedule", ""), vals),
            "acceptance": fill(clauses.get("acceptance", ""), vals),
            "billing": fill(clauses.get(f"billing_{billing_terms}", ""), vals),
            "travel": fill(clauses.get("travel", ""), vals),
        },
        "billing_terms": billing_terms,
        "fees": {
            "services_label": "Fixed Fee" if pricing_model == "fixed_fee" else "Time and Materials (PS Hours)",
            "services": [{"item": m["name"], "hours": m["hours"], "amount": m["amount"]} for m in ms_out],
            "services_subtotal": f"{services_total:.2f}",
            "education": [
                {
                    "item": display_name(a.activity, a.description),
                    "hours": hours_text(a.hours),
                    "amount": f"{a.price:.2f}",
                }
                for a in education
            ],
            "education_subtotal": f"{education_total:.2f}",
            "total": f"{total:.2f}",
        },
        "clause_versions": dict(clause_versions),
    }


def with_clauses(content: Mapping[str, Any], clauses: Mapping[str, list[str]]) -> dict[str, Any]:
    """A copy of `content` whose editable clauses are replaced (mark-up accepted)."""
    out = json.loads(json.dumps(content))
    for key, paras in clauses.items():
        if key not in EDITABLE_CLAUSES:
            raise ValueError(f"clause {key!r} is not editable")
        out["clauses"][key] = [" ".join(p.split()) for p in paras if p.strip()]
    return out


def content_hash(content: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no whitespace): equal content, equal hash."""
    blob = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()


LIST_CLAUSES: frozenset[str] = frozenset({"out_of_scope", "assumptions"})


def sections(content: Mapping[str, Any]) -> list[Section]:
    """The document as numbered sections (level 1) with milestone sub-sections (level 2)."""
    cur = content["currency"]
    n = 0
    out: list[Section] = []

    def top(key: str) -> Section:
        nonlocal n
        n += 1
        s = Section(key=key, heading=f"{n}. {SECTION_TITLES[key]}")
        out.append(s)
        return s

    s = top("parties")
    s.paragraphs = [
        f'This Statement of Work {content["number"]} ("SOW") dated {content["date"]} is entered into by '
        f'{content["customer"]} ("Customer") and {tidy(content["vendor"])} ("Vendor").',
        *content["terms"]["text"],
    ]
    top("objectives").paragraphs = list(content["clauses"]["objectives"])
    s = top("scope")
    s.paragraphs = ["The services are delivered as the following milestones of activities."]
    scope_n = n
    for i, m in enumerate(content["milestones"], 1):
        sub = Section(key=f"milestone_{i}", heading=f"{scope_n}.{i} Milestone {i}: {m['name']}", level=2)
        sub.bullets = [
            f"{a['activity']} ({a['delivery']}): {a['description']}"
            if a["description"]
            else f"{a['activity']} ({a['delivery']})"
            for a in m["activities"]
        ]
        sub.rows = [("Activity", "Hours", "Amount")] + [
            (a["activity"], a["hours"], money(a["amount"], cur)) for a in m["activities"]
        ]
        sub.rows.append((f"Milestone {i} subtotal", m["hours"], money(m["amount"], cur)))
        sub.total_rows = [len(sub.rows) - 1]
        out.append(sub)
    for key in ("out_of_scope", "assumptions", "schedule", "acceptance"):
        sec = top(key)
        if key in LIST_CLAUSES:
            sec.bullets = list(content["clauses"][key])
        else:
            sec.paragraphs = list(content["clauses"][key])
    fees = content["fees"]
    s = top("fees")
    s.paragraphs = [f"Services: {fees['services_label']}."]
    s.rows = [("Item", "Hours", "Amount")]
    s.rows += [(f"Services: {r['item']}", r["hours"], money(r["amount"], cur)) for r in fees["services"]]
    s.rows.append(("Services subtotal", "", money(fees["services_subtotal"], cur)))
    totals = [len(s.rows) - 1]
    if fees["education"]:
        s.rows += [(f"Education: {r['item']}", r["hours"], money(r["amount"], cur)) for r in fees["education"]]
        s.rows.append(("Education subtotal", "", money(fees["education_subtotal"], cur)))
        totals.append(len(s.rows) - 1)
    s.rows.append(("Total", "", money(fees["total"], cur)))
    s.total_rows = [*totals, len(s.rows) - 1]
    s.after = [f"Total fees under this SOW: {money(fees['total'], cur)}."]
    for key in ("billing", "travel"):
        top(key).paragraphs = list(content["clauses"][key])
    s = top("signatures")
    s.paragraphs = ["Each party's authorised signatory signs below; the signatures are electronic."]
    signed = content.get("signed", {})
    s.signatures = [
        SignatureBlock(party=f"{content['customer']} (Customer)", **signed.get("customer", {})),
        SignatureBlock(
            party=f"{tidy(content['vendor'])} (Vendor)",
            **(signed.get("vendor") or {"title": content.get("vendor_signer_title", "")}),
        ),
    ]
    return out


def document(content: Mapping[str, Any], *, vendor: Vendor, version: int | str = "") -> Document:
    """The SOW as a customer Document (cover, numbered sections, signature blocks). The vendor's
    name, address, colour and footer are the ones stored in the content (as generated); the logo is
    the vendor profile's."""
    v = Vendor(
        legal_name=content["vendor"],
        brand_name=vendor.brand_name,
        address_lines=tuple(content.get("vendor_address", vendor.address_lines)),
        logo_data_uri=vendor.logo_data_uri,
        brand_colour=content.get("vendor_colour", vendor.brand_colour),
        signatory_name=content.get("vendor_signer_name", vendor.signatory_name),
        signatory_title=content.get("vendor_signer_title", vendor.signatory_title),
        footer_text=content.get("vendor_footer", vendor.footer_text),
        default_currency=vendor.default_currency,
    )
    return Document(
        kind="Statement of Work",
        number=content["number"],
        version=str(version or content.get("version", "")),
        date=content["date"],
        title=content["title"],
        customer=content["customer"],
        vendor=v,
        sections=sections(content),
    )


def plain_text(secs: Iterable[Section]) -> str:
    """The sections as plain text (customer paper export; the reference for signed-PDF checks)."""
    lines: list[str] = []
    for s in secs:
        lines.append(s.heading)
        lines += s.paragraphs
        lines += s.bullets
        lines += ["\t".join(r) for r in s.rows]
        lines += s.after
        lines.append("")
    return "\n".join(lines)


def words(text: str) -> list[str]:
    return [w for w in text.split() if w != BULLET]


def split_by_headings(text: str, headings: Sequence[str]) -> dict[str, list[str]]:
    """Split extracted text into {heading: words} using the known headings (in order). Words before
    the first heading are kept under "". Used to compare renderings section by section."""
    toks = words(text)
    result: dict[str, list[str]] = {"": []}
    current = ""
    i = 0
    heads = [(h, words(h)) for h in headings]
    while i < len(toks):
        matched = False
        for h, hw in heads:
            if hw and toks[i : i + len(hw)] == hw and h not in result:
                current = h
                result[h] = []
                i += len(hw)
                matched = True
                break
        if not matched:
            result[current].append(toks[i])
            i += 1
    return result
