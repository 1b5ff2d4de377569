from __future__ import annotations

from django.db import models


class SowStatus(models.TextChoices):
    """The SOW's life after approval (the board tracks the proposal before it)."""

    DRAFT = "draft", "Draft"
    STAMPED = "stamped", "Legal stamped"
    RELEASED = "released", "Released for signature"
    CUSTOMER_SIGNED = "customer_signed", "Signed by the customer"
    EXECUTED = "executed", "Executed"


class TermsKind(models.TextChoices):
    MSA = "msa", "Existing MSA"
    STANDARD = "standard", "Standard terms"


class BillingTerms(models.TextChoices):
    """How the SOW total is billed (docs/process.md, SOWs and signatures)."""

    ON_EXECUTION = "on_execution", "Billed on SOW execution"
    TM_MONTHLY = "tm_monthly", "Time & materials, billed monthly"
    PER_MILESTONE = "per_milestone", "Billed per milestone"
    HALF_HALF = "half_half", "50% on execution, 50% on completion"


class VersionSource(models.TextChoices):
    GENERATED = "generated", "Generated from the estimate"
    MILESTONES = "milestones", "Milestones edited"
    MARKUP = "markup", "Customer mark-up accepted"


class MarkupStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class Party(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    VENDOR = "vendor", "Vendor"


class SignatureRequestStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the signer"
    SIGNED = "signed", "Signed"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ClauseKey(models.TextChoices):
    """The clause texts kept as versioned templates (admin). `{placeholders}` are filled at generation."""

    STANDARD_TERMS = "standard_terms", "Governing terms: standard terms"
    MSA_TERMS = "msa_terms", "Governing terms: existing MSA"
    OBJECTIVES = "objectives", "Objectives"
    OUT_OF_SCOPE = "out_of_scope", "Out of scope"
    ASSUMPTIONS = "assumptions", "Assumptions and customer responsibilities"
    SCHEDULE = "schedule", "Schedule terms"
    ACCEPTANCE = "acceptance", "Acceptance"
    BILLING_ON_EXECUTION = "billing_on_execution", "Billing: on execution"
    BILLING_TM_MONTHLY = "billing_tm_monthly", "Billing: T&M monthly"
    BILLING_PER_MILESTONE = "billing_per_milestone", "Billing: per milestone"
    BILLING_HALF_HALF = "billing_half_half", "Billing: 50/50"
    TRAVEL = "travel", "Travel and expenses"


EDUCATION_ROLES: frozenset[str] = frozenset({"Trainer"})
EDUCATION_SERVICE_TYPES: frozenset[str] = frozenset({"education", "training"})
