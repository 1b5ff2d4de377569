from __future__ import annotations

from typing import Any

from django.db import migrations

CLAUSES = {
    "standard_terms": (
        "This SOW is governed by the {vendor} standard terms for professional services, which are "
        "incorporated by reference. If this SOW conflicts with those terms, those terms prevail unless "
        "this SOW expressly says otherwise."
    ),
    "msa_terms": (
        "This SOW is governed by the Master Services Agreement {msa_reference} between {customer} and "
        "{vendor}, which is incorporated by reference. Capitalised terms have the meanings given there."
    ),
    "objectives": "{customer} engages {vendor} to deliver the engagement \"{engagement}\" described in this SOW.",
    "out_of_scope": (
        "Any activity not listed in the Scope section is out of scope and needs a change order."
    ),
    "assumptions": (
        "{customer} provides timely access to systems, environments, credentials and subject-matter experts "
        "needed for the activities.\n\n"
        "{customer} completes the prerequisites communicated before each activity and names a project contact "
        "with authority to accept milestones."
    ),
    "schedule": (
        "Services are scheduled for at least {min_hours} hours per week once started.\n\n"
        "This SOW expires {validity_days} days after its execution; unused hours lapse at expiry.\n\n"
        "Delays caused by {customer} may move the schedule and are not a breach by {vendor}."
    ),
    "acceptance": (
        "Each milestone is complete when {customer} signs off on it. If {customer} neither signs off nor "
        "reports a material non-conformity within {passive_days} business days of the completion notice "
        "(day 1 being the day the notice is sent), the milestone is accepted."
    ),
    "billing_on_execution": "Fees are invoiced in full on execution of this SOW.",
    "billing_tm_monthly": "Time and materials: hours worked are invoiced monthly in arrears from approved timesheets.",
    "billing_per_milestone": "Each milestone's fee is invoiced when the milestone is accepted (or passively accepted).",
    "billing_half_half": "50% of the fees are invoiced on execution of this SOW and 50% on completion.",
    "travel": (
        "Travel and expenses are not included in the fees. Reasonable, pre-approved travel and expenses are "
        "billed monthly at cost in addition to the fees, in line with {customer}'s travel policy where provided."
    ),
}


def seed(apps: Any, schema_editor: Any) -> None:
    ClauseTemplate = apps.get_model("sows", "ClauseTemplate")
    SowPolicy = apps.get_model("sows", "SowPolicy")
    for key, text in CLAUSES.items():
        ClauseTemplate.objects.get_or_create(key=key, version=1, defaults={"text": text})
    if not SowPolicy.objects.exists():
        SowPolicy.objects.create()


class Migration(migrations.Migration):
    dependencies = [("sows", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
