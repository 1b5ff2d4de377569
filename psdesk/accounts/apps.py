from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender: AppConfig, **kwargs: Any) -> None:
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    # post_migrate runs after all migrations; make sure every app's permissions exist first.
    for cfg in apps.get_app_configs():
        create_permissions(cfg, verbosity=0, using=kwargs.get("using", "default"))
    from psdesk.accounts.roles import roles_sync

    roles_sync()


class AccountsConfig(AppConfig):
    name = "psdesk.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
    nav = [("Profile", "accounts:profile", None)]
    role_permissions = {
        "ps_ops_manager": ["grant_pubsec"],
    }

    def ready(self) -> None:
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="psdesk.accounts.sync_roles")
