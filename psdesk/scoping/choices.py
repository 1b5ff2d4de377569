from __future__ import annotations

from django.db import models


class AnswerType(models.TextChoices):
    NUMBER = "number", "Number"
    CHOICE = "choice", "Choice"
    YES_NO = "yes_no", "Yes / no"
    TEXT = "text", "Text"


class AskPsKind(models.TextChoices):
    GENERAL = "general", "General question"
    ACCOUNT = "account", "About a specific account"


class AskPsRoute(models.TextChoices):
    PS_CHANNEL = "ps_channel", "#professional-services"
    EM = "em", "Territory engagement manager"
    PUBSEC_CHANNEL = "pubsec_channel", "#professional-services-us-pubsec"


class AccessRequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    AWAITING_SECOND = "awaiting_second", "Awaiting a second approval"
    GRANTED = "granted", "Granted"
    DENIED = "denied", "Denied"
