from __future__ import annotations

from django.apps import AppConfig

_VIEW = ["view_milestone", "view_changeorder", "view_billableevent"]


class DeliveryConfig(AppConfig):
    name = "psdesk.delivery"
    label = "delivery"
    verbose_name = "Delivery (milestones, change orders, close-out)"
    default_auto_field = "django.db.models.BigAutoField"
    nav = [("Delivery", "delivery:index", "delivery.view_milestone")]
    role_permissions = {
        # the project manager of a delivery project is its coordinator (ps-scheduling)
        "ps-scheduling": [*_VIEW, "complete_milestone", "close_out_project"],
        "ps_ops_manager": [*_VIEW, "complete_milestone", "close_out_project", "change_deliverypolicy"],
        "engagement_manager": [*_VIEW, "manage_change_order"],
        "ps_leadership": _VIEW,
        "deal_desk": _VIEW,
        "account_executive": _VIEW,
        "regional_delivery_manager": _VIEW,
        "consultant": ["view_milestone"],
    }

    def ready(self) -> None:
        from psdesk.accounts.my_work import my_work_provider_register  # noqa: PLC0415 — app registry must be ready
        from psdesk.approvals.services import register_after_decision  # noqa: PLC0415 — app registry must be ready
        from psdesk.crm.services import register_after_stage_move  # noqa: PLC0415 — app registry must be ready
        from psdesk.delivery.selectors import (  # noqa: PLC0415 — imports models: registry must be ready
            close_out_checklist_refusal,
            close_out_refusal,
            my_work_change_orders_to_approve,
            my_work_change_orders_to_countersign,
            my_work_milestones,
        )
        from psdesk.delivery.services import (  # noqa: PLC0415 — imports models: registry must be ready
            change_order_after_decision,
            milestone_accept_passively,
            on_stage_move,
        )
        from psdesk.projects.workflow import PROJECT_WORKFLOW  # noqa: PLC0415 — app registry must be ready
        from psdesk.sla.services import register_due_handler  # noqa: PLC0415 — app registry must be ready

        # Closed Won (after projects books the project): milestones from the executed SOW.
        register_after_stage_move(on_stage_move)
        # The acceptance period's deadline: the SLA sweep accepts passively.
        register_due_handler("milestone_acceptance", milestone_accept_passively)
        # Close needs every milestone accepted (+ registered checks); Complete the close-out checklist.
        PROJECT_WORKFLOW.add_guard("close", close_out_refusal)
        PROJECT_WORKFLOW.add_guard("complete", close_out_checklist_refusal)
        # A change order is approved by the last required approval on its hash, rejected by any rejection.
        register_after_decision(change_order_after_decision)
        my_work_provider_register(my_work_milestones)
        my_work_provider_register(my_work_change_orders_to_approve)
        my_work_provider_register(my_work_change_orders_to_countersign)
