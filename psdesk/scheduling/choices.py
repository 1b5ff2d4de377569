from __future__ import annotations

from django.db import models

from psdesk.crm.choices import OpportunityStage


class ConsultantRole(models.TextChoices):
    PSE = "PSE", "Professional Services Engineer"
    PM = "PM", "Project Manager"
    TA = "TA", "Technical Architect"
    TRAINER = "Trainer", "Trainer"


class Region(models.TextChoices):
    AMER = "AMER", "Americas"
    EMEA = "EMEA", "Europe, Middle East, Africa"
    APAC = "APAC", "Asia Pacific"


class DeliveryMode(models.TextChoices):
    REMOTE = "remote", "Remote"
    ONSITE = "onsite", "Onsite"


class ServiceType(models.TextChoices):
    IMPLEMENTATION = "implementation", "Implementation"
    MIGRATION = "migration", "SCM migration"
    CICD = "cicd", "CI/CD transition"
    ASSESSMENT = "assessment", "Readiness assessment / health check"
    ADVISORY = "advisory", "Advisory"
    EDUCATION = "education", "Custom education"
    OTHER = "other", "Other"


class DemandKind(models.TextChoices):
    COMMITTED = "committed", "Committed (closed won)"
    TENTATIVE = "tentative", "Tentative (stage 5+ pipeline)"


class QueueStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    START_COMMITTED = "start_committed", "Start committed"
    REMOVED = "removed", "Removed"


class AllocationKind(models.TextChoices):
    SOFT = "soft", "Soft (proposed)"
    HARD = "hard", "Hard (booked)"


# The CRM stages (5+) whose opportunities count as tentative demand in the forecast.
PIPELINE_STAGES = (OpportunityStage.NEGOTIATING, OpportunityStage.AWAITING_SIGNATURE)


class TimeOffStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"
