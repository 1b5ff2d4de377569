from __future__ import annotations

from django.db import models


class Segment(models.TextChoices):
    ENT_APAC = "Ent_APAC", "Ent_APAC"
    ENT_EAST = "Ent_EAST", "Ent_EAST"
    ENT_WEST = "Ent_WEST", "Ent_WEST"
    ENT_EMEA = "Ent_EMEA", "Ent_EMEA"
    MM_APAC = "MM_APAC", "MM_APAC"
    MM_EAST = "MM_East", "MM_East"
    MM_EMEA = "MM_EMEA", "MM_EMEA"
    MM_WEST = "MM_West", "MM_West"
    SMB = "SMB", "SMB"
    PUBSEC = "PubSec", "Public Sector US"


class OpportunityStage(models.TextChoices):
    PENDING_ACCEPTANCE = "0_pending_acceptance", "0-Pending Acceptance"
    DISCOVERY = "1_discovery", "1-Discovery"
    SCOPING = "2_scoping", "2-Scoping"
    TECHNICAL_EVALUATION = "3_technical_evaluation", "3-Technical Evaluation"
    PROPOSAL = "4_proposal", "4-Proposal"
    NEGOTIATING = "5_negotiating", "5-Negotiating"
    AWAITING_SIGNATURE = "6_awaiting_signature", "6-Awaiting Signature"
    CLOSED_WON = "closed_won", "Closed Won"
    CLOSED_LOST = "closed_lost", "8-Closed Lost"
    UNQUALIFIED = "unqualified", "9-Unqualified"
    DUPLICATE = "duplicate", "10-Duplicate"


class RecordType(models.TextChoices):
    LICENSE = "license", "License"
    PS_ONLY = "professional_services_only", "Professional Services Only"


class ForecastCategory(models.TextChoices):
    PIPELINE = "pipeline", "Pipeline"
    BEST_CASE = "best_case", "Best Case"
    COMMIT = "commit", "Commit"
    CLOSED = "closed", "Closed"
    OMITTED = "omitted", "Omitted"


class EmConfidence(models.TextChoices):
    GREY = "grey", "Grey (no visibility)"
    RED = "red", "Red (won't close in the stated timeframe)"
    AMBER = "amber", "Amber (will close, maybe not in the timeframe)"
    GREEN = "green", "Green (will close in the timeframe)"


# Open stages in their forward order; the last four stages end the opportunity.
OPEN_STAGES: tuple[str, ...] = (
    OpportunityStage.PENDING_ACCEPTANCE,
    OpportunityStage.DISCOVERY,
    OpportunityStage.SCOPING,
    OpportunityStage.TECHNICAL_EVALUATION,
    OpportunityStage.PROPOSAL,
    OpportunityStage.NEGOTIATING,
    OpportunityStage.AWAITING_SIGNATURE,
)
TERMINAL_STAGES: tuple[str, ...] = (
    OpportunityStage.CLOSED_WON,
    OpportunityStage.CLOSED_LOST,
    OpportunityStage.UNQUALIFIED,
    OpportunityStage.DUPLICATE,
)
