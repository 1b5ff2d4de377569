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
