from __future__ import annotations

from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "psdesk.board"
    label = "board"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from psdesk.board.services import register_after_move
        from psdesk.notifications.hooks import board_after_move

        register_after_move(board_after_move)

        from psdesk.approvals.services import register_after_decision
        from psdesk.board.approval_flow import approve_on_entry, approve_when_complete, sla_after_move

        register_after_move(sla_after_move)
        register_after_move(approve_on_entry)
        register_after_decision(approve_when_complete)

        from psdesk.board import sow_flow

        sow_flow.register()
