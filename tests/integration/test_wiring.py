"""The cross-app wiring in one place: every registry through which a higher app plugs into a lower
one, with exactly the functions registered in it (in the order they run). A new registrant, or one
renamed or moved, fails here, so this file and ARCHITECTURE.md stay the map of who reacts to what.

Board moves have no registry: `psdesk.board.services.engagement_transition` lists its effects."""

from __future__ import annotations

from typing import Any

from psdesk.accounts import my_work, profile_sections
from psdesk.approvals import services as approvals_services
from psdesk.crm import services as crm_services
from psdesk.crm import workflow as crm_workflow
from psdesk.estimates import services as estimates_services
from psdesk.integrations import inbound
from psdesk.notifications import services as notifications_services


def _name(fn: Any) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def test_after_an_opportunity_stage_move_board_projects_and_scheduling_react() -> None:
    """crm.services.register_after_stage_move: effects inside the opportunity move's transaction."""
    assert [_name(f) for f in crm_services.AFTER_STAGE_HOOKS] == [
        "psdesk.board.opportunity_close.close_cards_when_opportunity_closes",
        "psdesk.projects.services.on_stage_move",
        "psdesk.scheduling.services.queue.queue_after_stage_move",
        "psdesk.delivery.services.milestones.on_stage_move",
    ]


def test_closed_won_paperwork_is_a_signed_order_form_or_an_executed_sow() -> None:
    """crm.workflow.register_close_won_path: the ways an opportunity's paperwork can be complete."""
    assert [_name(f) for f in crm_workflow.CLOSE_WON_PATHS] == [
        "psdesk.quotes.selectors.standard_order_form_path",
        "psdesk.sows.selectors.custom_sow_booking",
    ]


def test_after_a_customer_agreement_the_project_and_the_queue_follow_the_agreed_version() -> None:
    """estimates.services.register_after_agreement: effects inside the agreement's transaction."""
    assert [_name(f) for f in estimates_services.AFTER_AGREEMENT_HOOKS] == [
        "psdesk.projects.services.project_plan_follow",
        "psdesk.scheduling.services.queue.queue_demand_follow",
    ]


def test_after_an_approval_decision_the_board_may_move_the_card_to_approved() -> None:
    """approvals.services.register_after_decision: effects inside the decision's transaction."""
    assert [_name(f) for f in approvals_services.AFTER_DECISION_HOOKS] == [
        "psdesk.board.services.approve_when_decided",
        "psdesk.chatops.services.approvals.approval_message_after_decision",
        "psdesk.delivery.services.change_orders.change_order_after_decision",
    ]


def test_after_a_customer_declines_the_card_returns_to_sow_wip() -> None:
    """sows.services.register_after_decline: effects inside the decline's transaction."""
    from psdesk.sows.services import esign

    assert [_name(f) for f in esign.AFTER_DECLINE_HOOKS] == ["psdesk.board.services.return_to_sow_wip_when_declined"]


def test_notification_effects_mirror_engagements_to_work_tracking() -> None:
    """notifications.services.effect_register: functions run when an event is notified."""
    effects = notifications_services._EFFECTS
    assert {event: [_name(f) for f in fns] for event, fns in effects.items()} == {
        "engagement.created": ["psdesk.notifications.hooks.work_tracking_mirror"],
        "board.moved": ["psdesk.notifications.hooks.work_tracking_mirror"],
        "approval.requested": ["psdesk.chatops.services.approvals.approval_messages_post"],
        "ask_ps.answered": ["psdesk.chatops.services.interactions.ask_answer_to_slack"],
    }


def test_inbound_webhooks_are_handled_by_crm() -> None:
    """integrations.inbound.inbound_handler_register: (source, kind) → the service that reacts."""
    assert {key: _name(f) for key, f in inbound._HANDLERS.items()} == {
        ("crm", "opportunity.stage_changed"): "psdesk.crm.services.opportunity_stage_from_crm",
    }


def test_my_work_gathers_each_apps_waiting_work() -> None:
    """accounts.my_work.my_work_provider_register: what waits on a person, in page order."""
    assert [_name(f) for f in my_work.PROVIDERS] == [
        "psdesk.scoping.selectors.my_work_questions_to_answer",
        "psdesk.scoping.selectors.my_work_my_questions",
        "psdesk.scoping.selectors.my_work_pubsec_access_requests",
        "psdesk.estimates.selectors.my_work_ta_reviews",
        "psdesk.sows.selectors.my_work_sows_to_stamp",
        "psdesk.sows.selectors.my_work_sows_to_countersign",
        "psdesk.board.selectors.my_work_cards_to_triage",
        "psdesk.board.selectors.my_work_approvals_to_decide",
        "psdesk.board.selectors.my_work_rdm_reviews",
        "psdesk.projects.selectors.my_work_welcome_emails_due",
        "psdesk.scheduling.selectors.consultants.my_work_time_off_to_decide",
        "psdesk.training.selectors.my_work_training_to_plan",
        "psdesk.training.selectors.my_work_training_approvals",
        "psdesk.delivery.selectors.my_work_milestones",
        "psdesk.delivery.selectors.my_work_change_orders_to_approve",
        "psdesk.delivery.selectors.my_work_change_orders_to_countersign",
        "psdesk.timesheets.selectors.my_work_timesheet_due",
        "psdesk.timesheets.selectors.my_work_timesheets_to_approve",
        "psdesk.timesheets.selectors.my_work_work_at_risk_to_decide",
    ]


def test_the_profile_page_shows_the_slack_link() -> None:
    """accounts.profile_sections.profile_section_register: sections of the profile page, in order."""
    assert [_name(f) for f in profile_sections.PROFILE_SECTIONS] == [
        "psdesk.chatops.profile.slack_profile_section",
    ]


def test_forecast_demand_less_delivered_hours() -> None:
    """scheduling.selectors.register_actual_hours: hours already delivered, off the forecast's demand."""
    from psdesk.scheduling.selectors.forecast_runs import ACTUAL_HOURS

    assert [_name(f) for f in ACTUAL_HOURS] == [
        "psdesk.timesheets.selectors.approved_hours_by_opportunity_role",
    ]


def test_the_sla_sweep_hands_due_acceptance_periods_to_delivery() -> None:
    """sla.services.register_due_handler: policy key → what the sweep calls for a due timer."""
    from psdesk.sla import services as sla_services

    assert {key: _name(f) for key, f in sla_services.DUE_HANDLERS.items()} == {
        "milestone_acceptance": "psdesk.delivery.services.milestones.milestone_accept_passively",
    }


def test_closing_a_project_waits_for_delivery() -> None:
    """PROJECT_WORKFLOW.add_guard: Close needs accepted milestones (and every registered close-out
    check, `delivery.services.register_close_out_check`), Complete the close-out checklist."""
    from psdesk.delivery.selectors import CLOSE_OUT_CHECKS
    from psdesk.projects.workflow import PROJECT_WORKFLOW

    assert [_name(g) for g in PROJECT_WORKFLOW.move("close").guards] == ["psdesk.delivery.selectors.close_out_refusal"]
    assert [_name(g) for g in PROJECT_WORKFLOW.move("complete").guards] == [
        "psdesk.delivery.selectors.close_out_checklist_refusal"
    ]
    assert [_name(f) for f in CLOSE_OUT_CHECKS] == ["psdesk.timesheets.selectors.time_all_approved_refusal"]
