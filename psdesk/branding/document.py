"""The customer-document standard (pure, no Django): one `Document` — a cover, numbered sections of
paragraphs, bullet lists, tables with subtotal rows and labelled signature blocks — that every
customer-facing document is built as (SOW, order form, estimate PDF, change orders). Renderings
(`psdesk.branding.rendering`) turn the same Document into HTML → PDF and into DOCX with real Word
styles, so their text is equal section by section.

`content_problems(text)` is the customer-text check: internal keys (`impl_discovery`), doubled
punctuation ("Inc.."), unfilled placeholders (`{customer}`, `{{ x }}`, `____` blanks without a label).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

INTERNAL_KEY = re.compile(r"^[a-z]+_[a-z_]+$")
_KEY_SHAPED = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)+$")
DOUBLED = re.compile(r"(?<![.])\.\.(?![.])|,,|;;|::|\s[.,;:](?=\s|$)")
PLACEHOLDER = re.compile(r"\{\{?\s*[A-Za-z_][\w.]*\s*\}?\}|\{%|%\}|\bNone\b|\bnan\b")
BULLET = "\u2022"


@dataclass(frozen=True)
class Vendor:
    """The vendor as printed (from psdesk.branding.selectors.vendor_get)."""

    legal_name: str = "GitLab Inc."
    brand_name: str = "GitLab"
    address_lines: tuple[str, ...] = ()
    logo_data_uri: str = ""
    brand_colour: str = "#292961"
    signatory_name: str = ""
    signatory_title: str = ""
    signatory_email: str = ""
    footer_text: str = ""
    default_currency: str = "USD"


@dataclass
class SignatureBlock:
    """One labelled signature block: "For <party>", then Signature, Name, Title, Date (filled when signed)."""

    party: str
    name: str = ""
    title: str = ""
    date: str = ""
    signature: str = ""


@dataclass
class Section:
    """One heading and its blocks, in this order: paragraphs, bullets, a table (first row is the
    header; rows in `total_rows` are subtotals/totals, shown bold), closing paragraphs, signatures."""

    key: str
    heading: str
    level: int = 1
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    rows: list[tuple[str, ...]] = field(default_factory=list)
    total_rows: list[int] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    signatures: list[SignatureBlock] = field(default_factory=list)
    new_page: bool = False  # start the section on a new page (a certificate, an annex)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["rows"] = [list(r) for r in self.rows]
        d["header"] = list(self.rows[0]) if self.rows else []
        d["body"] = [{"cells": list(r), "total": i in self.total_rows} for i, r in enumerate(self.rows) if i > 0]
        return d

    def lines(self) -> list[str]:
        """The section's text in reading order (what both renderings show)."""
        out = [self.heading, *self.paragraphs, *self.bullets]
        out += [" ".join(c for c in r if c) for r in self.rows]
        out += self.after
        for s in self.signatures:
            out += [
                f"For {s.party}",
                f"Signature: {s.signature}",
                f"Name: {s.name}",
                f"Title: {s.title}",
                f"Date: {s.date}",
            ]
        return out


@dataclass
class Document:
    """A customer document. `kind` is its type as printed ("Statement of Work", "Order Form",
    "Estimate", "Change Order"); `number`/`version`/`date` go on the cover and in every page header."""

    kind: str
    number: str
    version: str
    date: str
    title: str
    customer: str
    vendor: Vendor
    sections: list[Section]
    cover_lines: list[str] = field(default_factory=list)

    @property
    def running_header(self) -> str:
        return f"{self.kind} {self.number} \u00b7 Version {self.version} \u00b7 {self.date}"

    def cover(self) -> list[str]:
        """The cover page's text lines (the logo image aside)."""
        return [
            self.kind,
            self.title,
            f"Prepared for {self.customer}",
            f"{self.number} \u00b7 Version {self.version} \u00b7 {self.date}",
            *self.cover_lines,
            self.vendor.legal_name,
            *self.vendor.address_lines,
        ]

    def text(self) -> str:
        return "\n".join([*self.cover(), *(ln for s in self.sections for ln in s.lines())])


def number_sections(sections: Iterable[Section]) -> list[Section]:
    """Prefix headings with their numbers: level 1 "3. Scope", level 2 "3.1 …"."""
    out: list[Section] = []
    top = sub = 0
    for s in sections:
        if s.level == 1:
            top, sub = top + 1, 0
            s.heading = f"{top}. {s.heading}"
        else:
            sub += 1
            s.heading = f"{top}.{sub} {s.heading}"
        out.append(s)
    return out


def display_name(name: str, description: str = "") -> str:
    """What a customer reads for an activity or item: its own name, unless that is an internal key
    (`impl_discovery`), in which case the catalog/effort-rule description, else the key in words."""
    name = (name or "").strip()
    if _KEY_SHAPED.fullmatch(name):
        return (description or "").strip() or name.replace("_", " ").capitalize()
    return name


def tidy(text: str) -> str:
    """One line of customer text: whitespace collapsed, a doubled full stop after an abbreviation
    ("Inc..") made single, a space before punctuation removed."""
    t = " ".join((text or "").split())
    t = re.sub(r"(?<![.])\.\.(?![.])", ".", t)
    return re.sub(r"\s+([,;:.])(?=\s|$)", r"\1", t)


def items_of(text: str) -> list[str]:
    """A list typed as lines (or bullets) → its items, one per non-empty line."""
    return [tidy(ln.lstrip("-*\u2022 \t")) for ln in (text or "").splitlines() if ln.strip(" -*\u2022\t")]


def content_problems(text: str) -> list[str]:
    """Why `text` is not customer-grade: each internal key token, doubled punctuation and unfilled
    placeholder found (empty when clean)."""
    found: list[str] = []
    for tok in re.split(r"[\s()\[\],;:\"'·]+", text):
        tok = tok.strip(".")
        if INTERNAL_KEY.fullmatch(tok):
            found.append(f"internal key {tok!r}")
    for line in text.splitlines():
        if DOUBLED.search(line):
            found.append(f"doubled punctuation in {line.strip()!r}")
        if PLACEHOLDER.search(line) or re.search(r"\{[a-z_]+\}", line):
            found.append(f"unfilled placeholder in {line.strip()!r}")
    return found


def content_hash(content: Mapping[str, Any] | Document) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no whitespace): equal content, equal hash."""
    data = asdict(content) if isinstance(content, Document) else content
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()
    return hashlib.sha256(blob).hexdigest()


def document_from_dict(data: Mapping[str, Any]) -> Document:
    """The Document `dataclasses.asdict(d)` was made from (the worker renders stored sources):
    `content_hash(document_from_dict(asdict(d))) == content_hash(d)`."""
    sections = [
        Section(
            **{
                **s,
                "rows": [tuple(r) for r in s.get("rows", [])],
                "signatures": [SignatureBlock(**b) for b in s.get("signatures", [])],
            }
        )
        for s in data["sections"]
    ]
    vendor = Vendor(**{**data["vendor"], "address_lines": tuple(data["vendor"].get("address_lines", ()))})
    return Document(**{**data, "vendor": vendor, "sections": sections})
