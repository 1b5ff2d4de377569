"""Catalog choice classes (docs/process.md, Catalog and quotes)."""

from __future__ import annotations

from django.db import models


class SkuCategory(models.TextChoices):
    EDUCATION = "Education", "Education"
    CONSULTING = "Consulting", "Consulting"


class SkuType(models.TextChoices):
    IMPLEMENTATION = "Implementation", "Implementation"
    MIGRATION = "Migration", "Migration"
    INTEGRATION = "Integration", "Integration"
    ADVISORY = "Advisory", "Advisory"
    EDUCATION_STANDARD = "Education - Standard", "Education - Standard"
    EDUCATION_CUSTOM = "Education - Custom", "Education - Custom"
    DEDICATED_ENGINEER = "Dedicated Engineer", "Dedicated Engineer"
    CUSTOM = "Custom", "Custom"


class Maturity(models.TextChoices):
    PLANNED = "Planned", "Planned"
    MINIMAL = "Minimal", "Minimal"
    VIABLE = "Viable", "Viable"
    COMPLETE = "Complete", "Complete"
    LOVABLE = "Lovable", "Lovable"


class SkuUnit(models.TextChoices):
    FIXED = "fixed", "fixed fee"
    SESSION = "session", "per session"
    SEAT = "seat", "per seat"
    MONTH = "month", "per month"
    HOUR = "hour", "per hour"


class DeliveryMode(models.TextChoices):
    REMOTE = "remote", "Remote"
    ONSITE = "onsite", "Onsite"


class RateRole(models.TextChoices):
    """Delivery roles that carry a bill rate and a standard cost rate."""

    PSE = "PSE", "Professional Services Engineer"
    PM = "PM", "Project Manager"
    TA = "TA", "Technical Architect"
    TRAINER = "Trainer", "Trainer"
    EM = "EM", "Engagement Manager"
