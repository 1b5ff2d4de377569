"""Default content of the welcome email (docs/process.md, Projects and the welcome email). The body
is rendered from `notifications/email/welcome.txt` (plain text) and `welcome.html` (the HTML
alternative); an admin's WelcomeTemplate replaces the subject and the text of both parts."""

from __future__ import annotations

from psdesk.projects.choices import ProjectKind

DEFAULT_SUBJECTS: dict[str, str] = {
    ProjectKind.CONSULTING: "Welcome to {{ brand }} Professional Services — {{ account.name }}",
    ProjectKind.TRAINING: "Welcome to {{ brand }} Education Services — {{ account.name }}",
}

NEXT_STEPS: dict[str, list[str]] = {
    ProjectKind.CONSULTING: [
        "We confirm the project team and propose a start date with you.",
        "A kick-off call introduces your project manager and engineers and walks through the SOW scope.",
        "We agree on access, environments and a working cadence.",
    ],
    ProjectKind.TRAINING: [
        "We agree on session dates, time zone and delivery mode (remote or on site).",
        "You send us the attendee list; each attendee receives a registration link.",
        "Your instructor contacts you before the first session with any prerequisites.",
    ],
}

CUSTOMER_ROLES: dict[str, list[str]] = {
    ProjectKind.CONSULTING: [
        "{brand} Champion: owns the engagement on your side and makes decisions.",
        "Administrators: grant access to your {brand} instance and infrastructure.",
        "Technical point of contact: answers technical questions and joins working sessions.",
        "Other stakeholders: anyone who should receive updates.",
    ],
    ProjectKind.TRAINING: [
        "Training coordinator ({brand} Champion): owns scheduling and the attendee list.",
        "Administrator: ensures attendees have access to {brand} for the labs.",
    ],
}

# Legal-form suffixes dropped from the vendor's legal name to brand the email ("GitLab Inc." → "GitLab").
LEGAL_SUFFIXES = (", Inc.", " Inc.", " Inc", ", LLC", " LLC", " Ltd.", " Ltd", " GmbH", " plc", " B.V.", " S.A.")


def brand_of(vendor_name: str) -> str:
    """The vendor's name without its legal form, for greetings and headers."""
    name = vendor_name.strip()
    for suffix in LEGAL_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)].strip() or name
    return name
