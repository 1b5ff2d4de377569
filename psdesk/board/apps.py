from __future__ import annotations

from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "psdesk.board"
    label = "board"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Deferred: importing services loads models, which the app registry forbids before ready().
        from psdesk.approvals.services import register_after_decision  # noqa: PLC0415 — models not ready at import
        from psdesk.board.opportunity_close import close_cards_when_opportunity_closes  # noqa: PLC0415 — ditto
        from psdesk.board.services import (  # noqa: PLC0415 — ditto
            approve_when_decided,
            return_to_sow_wip_when_declined,
        )
        from psdesk.crm.services import register_after_stage_move  # noqa: PLC0415 — ditto
        from psdesk.sows.services import register_after_decline  # noqa: PLC0415 — ditto

        register_after_decision(approve_when_decided)
        register_after_decline(return_to_sow_wip_when_declined)
        register_after_stage_move(close_cards_when_opportunity_closes)

        # What waits on a person, on My work (psdesk/accounts/my_work.py).
        from psdesk.accounts.my_work import my_work_provider_register  # noqa: PLC0415 — app registry must be ready
        from psdesk.board.selectors import (  # noqa: PLC0415 — imports models: registry must be ready
            my_work_approvals_to_decide,
            my_work_cards_to_triage,
            my_work_rdm_reviews,
        )

        my_work_provider_register(my_work_cards_to_triage)
        my_work_provider_register(my_work_approvals_to_decide)
        my_work_provider_register(my_work_rdm_reviews)
