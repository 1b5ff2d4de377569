"""Writes for scoping: the Services Calculator submission, SSOT answers, Ask PS, PubSec access."""

from __future__ import annotations

import hashlib
import json
import zoneinfo
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from psdesk.accounts.roles import Role
from psdesk.accounts.selectors import access_policy_get, user_has_role, user_is_pubsec
from psdesk.accounts.services import pubsec_membership_grant
from psdesk.audit.services import audit_record
from psdesk.core import clock
from psdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from psdesk.core.types import Actor
from psdesk.crm.choices import TERMINAL_STAGES, RecordType, Segment
from psdesk.crm.models import Account, Opportunity, Territory
from psdesk.crm.services import account_create, opportunity_create
from psdesk.engagements.models import Engagement, SchedulingIntake
from psdesk.engagements.services import customer_epic_ensure, engagement_create, engagement_label_set, intake_clean
from psdesk.notifications.services import notify
from psdesk.scoping.answers import TODO, AnswerError, answer_normalise
from psdesk.scoping.choices import AccessRequestStatus, AskPsKind, AskPsRoute
from psdesk.scoping.effort import EffortDiff, effort_diff
from psdesk.scoping.models import (
    AskPsAnswer,
    AskPsRequest,
    PubSecAccessRequest,
    Question,
    ScopingPolicy,
    ScopingRequest,
    ServiceType,
    SsotRow,
)
from psdesk.scoping.selectors import (
    ask_ps_can_answer,
    ask_ps_get,
    draft_estimate_for_rows,
    em_candidate,
    ssot_can_edit,
    ssot_rows,
)

LABEL_CALCULATOR = "Services Calculator"
LABEL_PUBSEC = "Public Sector US"


@dataclass(frozen=True)
class NewCustomer:
    """A customer the CRM does not know yet: the calculator creates its account."""

    name: str
    territory_id: int | None = None
    segment: str = ""
    country: str = "US"
    subdivision: str = ""
    timezone: str = ""


@dataclass(frozen=True)
class NewLicenseOpportunity:
    """The parent licence opportunity of a new PS-only opportunity, created on the spot."""

    name: str = ""
    close_date: date | None = None
    amount: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class NewOpportunity:
    """A new Professional Services Only opportunity; its parent is an existing licence opportunity
    of the account (`parent_id`) or a new one (`new_parent`), exactly one of the two."""

    name: str = ""
    close_date: date | None = None
    parent_id: int | None = None
    new_parent: NewLicenseOpportunity | None = None


@dataclass(frozen=True)
class CustomerPlan:
    """What a submission will use or create for its customer and opportunity (validated, nothing
    written yet). `key` and `opportunity_key` identify them for the duplicate check."""

    account: Account | None
    new_customer: NewCustomer | None
    opportunity: Opportunity | None
    new_opportunity: NewOpportunity | None
    parent: Opportunity | None
    pubsec: bool
    key: str
    opportunity_key: str


@dataclass(frozen=True)
class SubmitResult:
    engagement: Engagement
    created: bool  # False: an identical submission within the duplicate window was returned


# ---------------------------------------------------------------------------------------------
# Validation shared by the form, the API and the CLI


def _service_types(keys: list[str]) -> list[ServiceType]:
    if not keys:
        raise ValidationFailed("Choose at least one service type.", details={"field": "service_types"})
    keys = list(dict.fromkeys(keys))
    found = {st.key: st for st in ServiceType.objects.filter(key__in=keys, active=True)}
    for k in keys:
        if k not in found:
            known = ", ".join(ServiceType.objects.filter(active=True).values_list("key", flat=True))
            raise ValidationFailed(
                f"Unknown service type '{str(k)[:50]}'. Known service types: {known}.",
                details={"field": "service_types", "value": str(k)[:50]},
            )
    return [found[k] for k in keys]


def answers_clean(*, service_types: list[str], answers: dict[str, Any]) -> dict[tuple[str, str], str]:
    """Normalise every answer against its question. Returns {(service type, key): stored text}.
    Raises ValidationFailed listing every bad answer in `details.errors` (key path → message that
    names the question by its text); the message is the first of them."""
    if not isinstance(answers, dict):
        raise ValidationFailed("answers must map service type → {question: answer}.", details={"field": "answers"})
    questions = {
        (q.service_type.key, q.key): q
        for q in Question.objects.select_related("service_type").filter(service_type__key__in=service_types)
    }
    errors: dict[str, str] = {}
    out: dict[tuple[str, str], str] = {}
    for st, given in answers.items():
        if st not in service_types:
            errors[f"answers.{st}"] = f"Answers for '{str(st)[:50]}', a service type that is not chosen."
            continue
        if not isinstance(given, dict):
            errors[f"answers.{st}"] = f"Answers for '{str(st)[:50]}' must map question → answer."
            continue
        for key, raw in given.items():
            q = questions.get((st, str(key)))
            if q is None:
                errors[f"answers.{st}.{key}"] = f"Unknown question '{str(key)[:50]}' for '{st}'."
                continue
            try:
                out[(st, q.key)] = answer_normalise(
                    answer_type=q.answer_type, raw=raw, choices=q.choices, multiple=q.multiple
                )
            except AnswerError as exc:
                errors[f"answers.{st}.{key}"] = f"{q.text}: {exc}"
    if errors:
        field, reason = next(iter(errors.items()))
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ValidationFailed(f"{reason}{more}", details={"field": field, "errors": errors})
    return out


def _fingerprint(
    *,
    requester: Any,
    customer: str,
    opportunity: str,
    pubsec: bool,
    types: list[str],
    answers: dict[tuple[str, str], str],
) -> str:
    payload = {
        "requester": requester.pk,
        "customer": customer,
        "opportunity": opportunity,
        "pubsec": pubsec,
        "types": sorted(types),
        "answers": sorted(f"{st}.{k}={v}" for (st, k), v in answers.items() if v != TODO),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# The calculator


def _customer_fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details={"field": field})


def _new_customer_check(*, requester: Any, customer: NewCustomer, pubsec: bool) -> NewCustomer:
    """The new customer, normalised; raises ValidationFailed naming the field (by its label)."""
    name = " ".join(customer.name.split())[:200]
    if not name:
        raise _customer_fail("new_customer.name", "Account name: name the new customer.")
    clash = Account.objects.visible_to(requester).filter(name__iexact=name).first()
    if clash is not None:
        raise ValidationFailed(
            f"Account name: an account named '{clash.name}' exists; choose it instead of a new customer.",
            details={"field": "new_customer.name", "account_id": clash.pk},
        )
    segment = customer.segment or (Segment.PUBSEC if pubsec else Segment.MM_EAST)
    if segment not in Segment.values:
        raise _customer_fail("new_customer.segment", f"Segment: unknown segment '{segment[:20]}'.")
    if customer.territory_id is not None and not Territory.objects.filter(pk=customer.territory_id).exists():
        raise _customer_fail("new_customer.territory_id", f"Territory: unknown territory {customer.territory_id}.")
    country = (customer.country or "US").strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise _customer_fail("new_customer.country", "Country: use the two-letter ISO code, e.g. US, DE.")
    subdivision = customer.subdivision.strip().upper()
    if len(subdivision) > 10:
        raise _customer_fail("new_customer.subdivision", "State / region: at most 10 characters, e.g. NY, BY.")
    tz = customer.timezone.strip()
    if tz:
        try:
            zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise _customer_fail("new_customer.timezone", f"Timezone: unknown timezone '{tz[:64]}'.") from None
    return NewCustomer(
        name=name,
        territory_id=customer.territory_id,
        segment=segment,
        country=country,
        subdivision=subdivision,
        timezone=tz or "America/New_York",
    )


def _new_opportunity_check(
    *, requester: Any, account: Account | None, new: NewOpportunity
) -> tuple[NewOpportunity, Opportunity | None]:
    """The new PS-only opportunity and its existing parent (None: a new parent is created)."""
    if (new.parent_id is None) == (new.new_parent is None):
        raise _customer_fail(
            "new_opportunity.parent_id",
            "Parent licence opportunity: choose an existing licence opportunity or create a new one (one of the two).",
        )
    parent = None
    if new.parent_id is not None:
        parent = Opportunity.objects.visible_to(requester).filter(pk=new.parent_id).first()
        if parent is None:
            raise NotFound(f"opportunity {new.parent_id} not found")
        if account is None or parent.account_id != account.pk:
            raise _customer_fail(
                "new_opportunity.parent_id", "Parent licence opportunity: it belongs to another account."
            )
        if parent.record_type != RecordType.LICENSE:
            raise _customer_fail(
                "new_opportunity.parent_id", "Parent licence opportunity: choose a licence opportunity."
            )
        if parent.stage in TERMINAL_STAGES:
            raise _customer_fail(
                "new_opportunity.parent_id",
                f"Parent licence opportunity: {parent.name} is {parent.get_stage_display()}.",
            )
    elif new.new_parent is not None and new.new_parent.amount < 0:
        raise _customer_fail("new_opportunity.new_parent.amount", "Licence amount: must not be negative.")
    name = " ".join(new.name.split())[:255]
    return NewOpportunity(
        name=name, close_date=new.close_date, parent_id=new.parent_id, new_parent=new.new_parent
    ), parent


def calculator_customer_check(
    *,
    requester: Any,
    account_id: int | None = None,
    new_customer: NewCustomer | None = None,
    opportunity_id: int | None = None,
    new_opportunity: NewOpportunity | None = None,
    us_public_sector: bool = False,
) -> CustomerPlan:
    """Validate the calculator's customer and opportunity choice without writing anything: an
    existing account or a new customer (one of the two); an existing open PS-only opportunity of
    that account, a new one (with its parent chosen or created), or none. The calculator's first
    step runs it so the second step does not fail on step-one input.
    Raises ValidationFailed (naming the field), NotFound (not visible), PermissionDenied (PubSec
    without membership)."""
    if (account_id is None) == (new_customer is None or not new_customer.name.strip()):
        raise _customer_fail(
            "customer", "Customer: choose an existing account or name a new customer (one of the two)."
        )
    if opportunity_id is not None and new_opportunity is not None:
        raise _customer_fail("opportunity", "Opportunity: choose an existing opportunity or a new one, not both.")
    account: Account | None = None
    if account_id is not None:
        account = Account.objects.visible_to(requester).select_related("territory").filter(pk=account_id).first()
        if account is None:
            raise NotFound(f"account {account_id} not found")
    pubsec = bool(us_public_sector) or bool(account is not None and account.us_public_sector)
    if pubsec and not user_is_pubsec(requester):
        raise PermissionDenied(
            "US Public Sector requests need PubSec membership; request access on the Ask PS page.",
            code="pubsec_membership_required",
        )
    if account is None:
        assert new_customer is not None  # noqa: S101 — narrows the type: the check above requires one of the two
        new_customer = _new_customer_check(requester=requester, customer=new_customer, pubsec=pubsec)
        key = f"new:{new_customer.name.lower()}"
    else:
        new_customer = None
        key = f"account:{account.pk}"
    opportunity = parent = None
    opportunity_key = ""
    if opportunity_id is not None:
        opportunity = Opportunity.objects.visible_to(requester).filter(pk=opportunity_id).first()
        if opportunity is None:
            raise NotFound(f"opportunity {opportunity_id} not found")
        if account is None or opportunity.account_id != account.pk:
            raise _customer_fail("opportunity_id", "Opportunity: it belongs to another account.")
        if opportunity.record_type != RecordType.PS_ONLY:
            raise _customer_fail(
                "opportunity_id", "Opportunity: choose a Professional Services Only opportunity, not a licence one."
            )
        if opportunity.stage in TERMINAL_STAGES:
            raise _customer_fail(
                "opportunity_id", f"Opportunity: {opportunity.name} is {opportunity.get_stage_display()}."
            )
        opportunity_key = f"opportunity:{opportunity.pk}"
    elif new_opportunity is not None:
        new_opportunity, parent = _new_opportunity_check(requester=requester, account=account, new=new_opportunity)
        parent_key = f"parent:{parent.pk}" if parent is not None else f"new-parent:{new_opportunity.new_parent}"
        opportunity_key = f"new:{new_opportunity.name.lower()}:{parent_key}"
    return CustomerPlan(
        account=account,
        new_customer=new_customer,
        opportunity=opportunity,
        new_opportunity=new_opportunity,
        parent=parent,
        pubsec=pubsec,
        key=key,
        opportunity_key=opportunity_key,
    )


def scoping_request_submit(
    *,
    requester: Any,
    service_types: list[str],
    answers: dict[str, Any] | None = None,
    account_id: int | None = None,
    new_customer: NewCustomer | None = None,
    opportunity_id: int | None = None,
    new_opportunity: NewOpportunity | None = None,
    us_public_sector: bool = False,
    intake: dict[str, Any] | None = None,
) -> SubmitResult:
    """Submit a Services Calculator request. In ONE transaction: the account (new customer) and its
    PubSec flag, the new PS-only opportunity and its new parent licence opportunity (when asked
    for), the customer epic, the engagement `<Customer> - Scope Issue and Write SOW` in `open`
    linked to its opportunity, with the `Services Calculator` (and `Public Sector US`) labels and
    the territory's EM, the SSOT table, the scheduling intake (its timezone defaults to the
    account's) and the submission record; each audited; "engagement.created" notified (after
    commit delivery). An identical submission by the same requester within the policy's duplicate
    window returns the existing engagement (`created=False`).

    Raises ValidationFailed (unknown service type, bad answers, missing customer, bad intake — the
    message names the field by its label, `details.field` by its key), NotFound (account or
    opportunity not visible), PermissionDenied (no calculator permission, or PubSec without
    membership)."""
    if not requester.has_perm("scoping.use_calculator"):
        raise PermissionDenied("Your role may not submit Services Calculator requests.")
    types = _service_types(list(service_types or []))
    type_keys = [t.key for t in types]
    cleaned = answers_clean(service_types=type_keys, answers=answers or {})
    intake_values = intake_clean(intake or {})
    plan = calculator_customer_check(
        requester=requester,
        account_id=account_id,
        new_customer=new_customer,
        opportunity_id=opportunity_id,
        new_opportunity=new_opportunity,
        us_public_sector=us_public_sector,
    )
    pubsec = plan.pubsec
    fingerprint = _fingerprint(
        requester=requester,
        customer=plan.key,
        opportunity=plan.opportunity_key,
        pubsec=pubsec,
        types=type_keys,
        answers=cleaned,
    )
    window = timedelta(seconds=ScopingPolicy.current().duplicate_window_seconds)
    questions = list(Question.objects.select_related("service_type").filter(service_type__key__in=type_keys))
    order = {k: i for i, k in enumerate(type_keys)}
    questions.sort(key=lambda q: (order[q.service_type.key], q.position, q.pk))

    with transaction.atomic():
        # Serialise submissions of one requester so a double click cannot create two engagements.
        get_user_model().objects.select_for_update(of=("self",)).filter(pk=requester.pk).first()
        now = clock.now()
        dup = (
            ScopingRequest.objects.select_related("engagement")
            .filter(fingerprint=fingerprint, requester=requester, created_at__gte=now - window)
            .first()
        )
        if dup is not None:
            return SubmitResult(engagement=dup.engagement, created=False)
        account = plan.account
        if account is None:
            assert plan.new_customer is not None  # noqa: S101 — calculator_customer_check returns one of the two
            account = _account_create(requester=requester, customer=plan.new_customer, pubsec=pubsec)
        elif pubsec and not account.us_public_sector:
            Account.objects.filter(pk=account.pk).update(us_public_sector=True)
            account.us_public_sector = True
            audit_record(
                verb="scoping.account_marked_pubsec",
                actor=requester,
                target=account,
                before={"us_public_sector": False},
                after={"us_public_sector": True},
                reason="US Public Sector ticked in the Services Calculator",
            )
        em = em_candidate(account=account)
        opportunity = plan.opportunity
        if plan.new_opportunity is not None:
            opportunity = _opportunity_create(
                requester=requester, account=account, new=plan.new_opportunity, parent=plan.parent, em=em
            )
        epic = customer_epic_ensure(account=account, actor=requester)
        names = ", ".join(t.name for t in types)
        eng = engagement_create(
            account=account,
            actor=requester,
            opportunity=opportunity,
            em=em,
            epic=epic,
            description=f"Created by the Services Calculator for {requester.get_username()}: {names}.",
        )
        engagement_label_set(engagement=eng, label=LABEL_CALCULATOR, actor=requester)
        if pubsec:
            engagement_label_set(engagement=eng, label=LABEL_PUBSEC, actor=requester)
        SsotRow.objects.bulk_create(
            SsotRow(
                engagement=eng,
                question=q,
                service_type=q.service_type.key,
                key=q.key,
                text=q.text,
                answer_type=q.answer_type,
                choices=q.choices,
                multiple=q.multiple,
                example=q.example,
                rationale=q.rationale,
                required=q.required,
                position=i + 1,
                response=cleaned.get((q.service_type.key, q.key), TODO),
                updated_at=now,
                updated_by=requester,
            )
            for i, q in enumerate(questions)
        )
        # The SA's timezone wins; without one the intake starts from the account's.
        SchedulingIntake.objects.create(
            engagement=eng,
            created_at=now,
            updated_at=now,
            **{**intake_values, "timezone": intake_values.get("timezone") or account.timezone},
        )
        ScopingRequest.objects.create(
            engagement=eng,
            account=account,
            opportunity=opportunity,
            requester=requester,
            service_types=type_keys,
            us_public_sector=pubsec,
            fingerprint=fingerprint,
            created_at=now,
        )
        audit_record(
            verb="scoping.request_submitted",
            actor=requester,
            target=eng,
            after={
                "service_types": type_keys,
                "answered": sum(1 for v in cleaned.values() if v != TODO),
                "questions": len(questions),
                "us_public_sector": pubsec,
                "em": getattr(em, "pk", None),
                "opportunity": getattr(opportunity, "pk", None),
            },
        )
        eng.refresh_from_db()
        return SubmitResult(engagement=eng, created=True)


def _account_create(*, requester: Any, customer: NewCustomer, pubsec: bool) -> Account:
    """The new customer's account through the CRM's own service (audited `crm.account_created`);
    owned by the requester when an Account Executive submits, else by nobody yet."""
    territory = Territory.objects.filter(pk=customer.territory_id).first() if customer.territory_id else None
    account = account_create(
        actor=requester,
        name=customer.name,
        segment=customer.segment,
        territory=territory,
        country=customer.country,
        subdivision=customer.subdivision,
        timezone=customer.timezone,
        us_public_sector=pubsec,
    )
    if not user_has_role(requester, Role.ACCOUNT_EXECUTIVE):
        Account.objects.filter(pk=account.pk).update(owner=None)
        account.owner = None
    return account


def _opportunity_create(
    *, requester: Any, account: Account, new: NewOpportunity, parent: Opportunity | None, em: Any
) -> Opportunity:
    """The new PS-only opportunity (and its new parent licence opportunity) through the CRM's
    service, each audited `crm.opportunity_created`. Owned by the account's owner when it has one;
    the requester (and that owner) form the account team; the EM is the engagement's."""
    owner = account.owner or requester
    team = list(dict.fromkeys(u for u in (requester, account.owner) if u is not None))
    if parent is None:
        assert new.new_parent is not None  # noqa: S101 — _new_opportunity_check requires a parent or a new one
        parent = opportunity_create(
            actor=requester,
            account=account,
            record_type=RecordType.LICENSE,
            name=new.new_parent.name,
            close_date=new.new_parent.close_date,
            amount=new.new_parent.amount,
            owner=owner,
            account_team=team,
        )
    return opportunity_create(
        actor=requester,
        account=account,
        record_type=RecordType.PS_ONLY,
        name=new.name,
        parent=parent,
        close_date=new.close_date,
        owner=owner,
        account_team=team,
        engagement_manager=em,
    )


# ---------------------------------------------------------------------------------------------
# The SSOT table


@dataclass(frozen=True)
class AnswerResult:
    row: SsotRow
    diff: EffortDiff


def ssot_answer_set(*, row_id: int, response: Any, actor: Actor, expected_version: int | None = None) -> AnswerResult:
    """Record a customer response in the SSOT table (audited with old and new answer), re-run the
    effort model and return the diff of lines and hours. Compare-and-set on the row's `version`.
    Raises NotFound (absent or not visible), PermissionDenied (not account team / EM),
    ValidationFailed (answer does not fit the question), Conflict (stale version)."""
    with transaction.atomic():
        row = (
            SsotRow.objects.select_related("engagement", "engagement__account", "engagement__opportunity")
            .select_for_update(of=("self",))
            .filter(pk=row_id, engagement__in=Engagement.objects.visible_to(actor))
            .first()
        )
        if row is None:
            raise NotFound(f"SSOT row {row_id} not found")
        eng = row.engagement
        if not ssot_can_edit(user=actor, engagement=eng):
            raise PermissionDenied("Only the account team and the engagement manager may edit the SSOT table.")
        if expected_version is not None and row.version != expected_version:
            raise Conflict(
                f"'{row.text}' changed since you loaded it (now: {row.response}); reload and try again.",
                code="stale",
                details={
                    "expected_version": expected_version,
                    "current_version": row.version,
                    "response": row.response,
                },
            )
        try:
            value = answer_normalise(
                answer_type=row.answer_type, raw=response, choices=row.choices, multiple=row.multiple
            )
        except AnswerError as exc:
            raise ValidationFailed(f"{row.text}: {exc}", details={"field": "response", "row": row.pk}) from None
        rows = ssot_rows(engagement=eng.pk)
        before_lines = _lines_or_none(rows)
        if value == row.response:
            return AnswerResult(row=row, diff=effort_diff(before_lines, before_lines))
        old = row.response
        updated = SsotRow.objects.filter(pk=row.pk, version=row.version).update(
            response=value, version=row.version + 1, updated_at=clock.now(), updated_by=actor
        )
        if updated != 1:
            raise Conflict("Another edit won the race for this answer; reload and try again.", code="stale")
        row.response, row.version = value, row.version + 1
        Engagement.objects.filter(pk=eng.pk).update(last_activity_at=clock.now())
        audit_record(
            verb="scoping.ssot_answered",
            actor=actor,
            target=eng,
            before={"question": f"{row.service_type}.{row.key}", "response": old},
            after={"question": f"{row.service_type}.{row.key}", "response": value},
        )
        for r in rows:
            if r.pk == row.pk:
                r.response = value
        after_lines = _lines_or_none(rows)
        return AnswerResult(row=row, diff=effort_diff(before_lines, after_lines))


@dataclass(frozen=True)
class SsotAnswer:
    """One response in a batch: the row, what was typed, and the row version the form showed."""

    row_id: int
    response: Any
    expected_version: int | None = None


@dataclass(frozen=True)
class AnswersResult:
    changed: list[SsotRow]
    diff: EffortDiff


def ssot_answers_set(*, engagement_id: int, answers: list[SsotAnswer], actor: Actor) -> AnswersResult:
    """Record several responses of one engagement's SSOT table at once (the SSOT page's one Save
    per service type): every answer is checked first, then the changed ones are written, each
    audited `scoping.ssot_answered` with old and new answer; one diff of the draft estimate for
    the whole batch. All or nothing.
    Raises NotFound (engagement or a row not visible), PermissionDenied (not account team / EM),
    ValidationFailed (`details.errors`: `rows.<id>` → message naming the question), Conflict
    (a row changed since the form was loaded; `details.rows` lists them)."""
    with transaction.atomic():
        eng = (
            Engagement.objects.visible_to(actor)
            .select_related("account", "opportunity")
            .filter(pk=engagement_id)
            .first()
        )
        if eng is None:
            raise NotFound(f"engagement {engagement_id} not found")
        if not ssot_can_edit(user=actor, engagement=eng):
            raise PermissionDenied("Only the account team and the engagement manager may edit the SSOT table.")
        wanted = {a.row_id for a in answers}
        locked = {
            r.pk: r for r in SsotRow.objects.select_for_update(of=("self",)).filter(engagement=eng, pk__in=wanted)
        }
        missing = sorted(wanted - set(locked))
        if missing:
            raise NotFound(f"SSOT row {missing[0]} not found")
        errors: dict[str, str] = {}
        stale: list[SsotRow] = []
        values: dict[int, str] = {}
        for a in answers:
            row = locked[a.row_id]
            if a.expected_version is not None and row.version != a.expected_version:
                stale.append(row)
                continue
            try:
                values[row.pk] = answer_normalise(
                    answer_type=row.answer_type, raw=a.response, choices=row.choices, multiple=row.multiple
                )
            except AnswerError as exc:
                errors[f"rows.{row.pk}"] = f"{row.text}: {exc}"
        if stale:
            names = "; ".join(f"'{r.text}' (now: {r.response})" for r in stale[:5])
            raise Conflict(
                f"Changed since you loaded the page: {names}. Reload and try again.",
                code="stale",
                details={"rows": [r.pk for r in stale]},
            )
        if errors:
            field, reason = next(iter(errors.items()))
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise ValidationFailed(f"{reason}{more}", details={"field": field, "errors": errors})
        rows = ssot_rows(engagement=eng.pk)
        before_lines = _lines_or_none(rows)
        now = clock.now()
        changed: list[SsotRow] = []
        for row_id, value in values.items():
            row = locked[row_id]
            if value == row.response:
                continue
            old = row.response
            SsotRow.objects.filter(pk=row.pk).update(
                response=value, version=row.version + 1, updated_at=now, updated_by=actor
            )
            row.response, row.version = value, row.version + 1
            changed.append(row)
            audit_record(
                verb="scoping.ssot_answered",
                actor=actor,
                target=eng,
                before={"question": f"{row.service_type}.{row.key}", "response": old},
                after={"question": f"{row.service_type}.{row.key}", "response": value},
            )
        if not changed:
            return AnswersResult(changed=[], diff=effort_diff(before_lines, before_lines))
        Engagement.objects.filter(pk=eng.pk).update(last_activity_at=now)
        by_id = {r.pk: r.response for r in changed}
        for r in rows:
            if r.pk in by_id:
                r.response = by_id[r.pk]
        return AnswersResult(changed=changed, diff=effort_diff(before_lines, _lines_or_none(rows)))


def _lines_or_none(rows: list[SsotRow]) -> tuple[Any, ...]:
    """The draft lines, or none when the effort rules cannot be loaded: answers still save."""
    try:
        return draft_estimate_for_rows(rows).lines
    except ValidationFailed:
        return ()


# ---------------------------------------------------------------------------------------------
# Ask PS and PubSec access


def ask_ps_submit(*, asker: Any, kind: str, subject: str, body: str, account_id: int | None = None) -> AskPsRequest:
    """Route a question to PS (C1): about an account → the EM of its territory (PubSec accounts:
    only via the private PubSec channel); general → the PS channel. Audited and notified
    ("ask_ps.question", carrying the question and a link to answer it). Raises ValidationFailed or
    NotFound (account not visible)."""
    if not asker.has_perm("scoping.add_askpsrequest"):
        raise PermissionDenied("Your account has no role that may ask PS; ask your manager for access.")
    if kind not in AskPsKind.values:
        raise ValidationFailed(f"kind must be one of {', '.join(AskPsKind.values)}.", details={"field": "kind"})
    subject, body = (subject or "").strip(), (body or "").strip()
    if not subject or len(subject) > 200:
        raise ValidationFailed("A subject needs 1 to 200 characters.", details={"field": "subject"})
    if not body or len(body) > 10_000:
        raise ValidationFailed("The question needs 1 to 10,000 characters.", details={"field": "body"})
    account = None
    em = None
    if kind == AskPsKind.ACCOUNT:
        if account_id is None:
            raise ValidationFailed("Choose the account the request is about.", details={"field": "account"})
        account = Account.objects.visible_to(asker).select_related("territory").filter(pk=account_id).first()
        if account is None:
            raise NotFound(f"account {account_id} not found")
        em = em_candidate(account=account)
        route = AskPsRoute.PUBSEC_CHANNEL if account.us_public_sector else AskPsRoute.EM
    elif account_id is not None:
        raise ValidationFailed("A general question is not about an account.", details={"field": "account"})
    else:
        route = AskPsRoute.PS_CHANNEL
    with transaction.atomic():
        req = AskPsRequest.objects.create(
            kind=kind,
            asker=asker,
            account=account,
            subject=subject,
            body=body,
            route=route,
            routed_to=em,
            created_at=clock.now(),
        )
        audit_record(
            verb="scoping.ask_ps",
            actor=asker,
            target=req,
            after={
                "kind": kind,
                "account": getattr(account, "pk", None),
                "route": route,
                "routed_to": getattr(em, "pk", None),
            },
        )
        notify(
            event="ask_ps.question",
            target=req,
            actor=asker,
            context={"subject": subject, "body": body, "route": route},
            recipients=[em] if em is not None else [],
            account=account,
        )
    return req


def ask_ps_answer(*, request_id: int, author: Actor, body: str) -> AskPsAnswer:
    """Answer an Ask PS question in PS Desk: the EM it was routed to, or anyone who may answer
    (`scoping.add_askpsanswer`). Side effects: an AskPsAnswer row, audited `scoping.ask_ps_answered`,
    the asker notified `ask_ps.answered` with the answer (only the asker). Raises NotFound (absent or
    not visible), PermissionDenied (may not answer), ValidationFailed (empty or too long answer)."""
    req = ask_ps_get(user=author, request_id=request_id)
    if not ask_ps_can_answer(user=author, request=req):
        raise PermissionDenied("Only the engagement manager it was routed to or PS staff answer questions to PS.")
    body = (body or "").strip()
    if not body or len(body) > 10_000:
        raise ValidationFailed("The answer needs 1 to 10,000 characters.", details={"field": "body"})
    with transaction.atomic():
        answer = AskPsAnswer.objects.create(request=req, author=author, body=body, created_at=clock.now())
        audit_record(verb="scoping.ask_ps_answered", actor=author, target=req, after={"answer": answer.pk})
        notify(
            event="ask_ps.answered",
            target=req,
            actor=author,
            context={"subject": req.subject, "answer": body},
            recipients=[req.asker],
            account=req.account,
            owners=False,
        )
    return answer


def pubsec_access_request(*, user: Actor, justification: str) -> PubSecAccessRequest:
    """Ask to join US Public Sector. One pending request per user (Conflict otherwise); a member
    asking again gets ValidationFailed. Audited."""
    if not user.has_perm("scoping.add_pubsecaccessrequest"):
        raise PermissionDenied("Your account has no role that may request PubSec access.")
    justification = (justification or "").strip()
    if not justification or len(justification) > 5000:
        raise ValidationFailed(
            "Say why you need PubSec access (1 to 5,000 characters).", details={"field": "justification"}
        )
    if user_is_pubsec(user):
        raise ValidationFailed("You are already a US Public Sector member.", details={"field": "user"})
    with transaction.atomic():
        if PubSecAccessRequest.objects.select_for_update(of=("self",)).filter(user=user, status__in=_OPEN).exists():
            raise Conflict("You already have a pending PubSec access request.", code="pending")
        req = PubSecAccessRequest.objects.create(user=user, justification=justification, created_at=clock.now())
        audit_record(verb="scoping.pubsec_access_requested", actor=user, target=req, after={"status": req.status})
    return req


_OPEN = (AccessRequestStatus.PENDING, AccessRequestStatus.AWAITING_SECOND)


def pubsec_access_decide(*, request_id: int, grant: bool, actor: Actor, reason: str = "") -> PubSecAccessRequest:
    """Decide one step of a PubSec access request (every step audited `scoping.pubsec_access_decided`).

    A pending request: a PS Ops Manager (`accounts.grant_pubsec`) denies it, or approves it — which
    grants at once when the access policy's four-eyes rule is off, and otherwise waits for a second
    approval. Awaiting a second approval: a *different* PS Ops Manager or PS Leadership
    (`accounts.confirm_pubsec`) confirms — granting membership with the policy's expiry (audited by
    accounts) — or denies. Nobody decides their own request.

    Raises PermissionDenied (403: role, own request, the first approver again), NotFound, Conflict
    (already decided), ValidationFailed (deny without reason)."""
    reason = (reason or "").strip()
    if not grant and not reason:
        raise ValidationFailed("Denying needs a reason.", details={"field": "reason"})
    if not (actor.has_perm("accounts.grant_pubsec") or actor.has_perm("accounts.confirm_pubsec")):
        raise PermissionDenied("Only a PS Ops Manager (or PS Leadership, as second approver) decides PubSec access.")
    with transaction.atomic():
        req = (
            PubSecAccessRequest.objects.select_for_update(of=("self",))
            .select_related("user", "first_approved_by")
            .filter(pk=request_id)
            .first()
        )
        if req is None:
            raise NotFound(f"PubSec access request {request_id} not found")
        if req.user_id == actor.pk:
            raise PermissionDenied("Nobody decides their own PubSec access request.")
        if req.status not in _OPEN:
            raise Conflict(f"This request was already {req.get_status_display().lower()}.", code="decided")
        before = req.status
        now = clock.now()
        if req.status == AccessRequestStatus.PENDING:
            if not actor.has_perm("accounts.grant_pubsec"):
                raise PermissionDenied("Only a PS Ops Manager makes the first decision on PubSec access.")
            if grant and access_policy_get().pubsec_four_eyes:
                req.status, req.first_approved_by, req.first_approved_at = (
                    AccessRequestStatus.AWAITING_SECOND,
                    actor,
                    now,
                )
                req.save(update_fields=["status", "first_approved_by", "first_approved_at"])
                _access_decided_audit(req, actor=actor, before=before, reason=reason)
                return req
        elif not actor.has_perm("accounts.confirm_pubsec"):
            raise PermissionDenied("Only a PS Ops Manager or PS Leadership gives the second approval.")
        elif req.first_approved_by_id == actor.pk:
            raise PermissionDenied("You gave the first approval; a second PS Ops Manager or PS Leadership confirms it.")
        status = AccessRequestStatus.GRANTED if grant else AccessRequestStatus.DENIED
        req.status, req.decided_by, req.decided_at, req.decision_reason = status, actor, now, reason[:5000]
        req.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        if grant:
            pubsec_membership_grant(
                user=req.user,
                actor=req.first_approved_by or actor,
                second_approver=actor if req.first_approved_by is not None else None,
                reason=reason or "PubSec access request granted",
            )
        _access_decided_audit(req, actor=actor, before=before, reason=reason)
    return req


def _access_decided_audit(req: PubSecAccessRequest, *, actor: Actor, before: str, reason: str) -> None:
    audit_record(
        verb="scoping.pubsec_access_decided",
        actor=actor,
        target=req,
        before={"status": before},
        after={"status": req.status, "user": req.user_id},
        reason=reason,
    )
