from __future__ import annotations

from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations.special import RunPython
from django.db.models.signals import post_migrate


def _sync_roles(sender: AppConfig, **kwargs: Any) -> None:
    # post_migrate runs after all migrations; make sure every app's permissions exist first.
    for cfg in apps.get_app_configs():
        create_permissions(cfg, verbosity=0, using=kwargs.get("using", "default"))
    from psdesk.accounts.roles import roles_sync  # noqa: PLC0415 — imports auth models, not loadable before apps are ready

    roles_sync()
    _seeds_rerun()


def _seeds_rerun() -> None:
    """Run every PS Desk data migration's seed again (they are idempotent), lowest app first.

    After `migrate` this changes nothing. After a `flush` — which empties every table, e.g. when a
    transactional test ends — it restores the seeded policies, calendars, questionnaires, rates and
    clause templates, so no code ever runs against a database missing its defaults."""
    order = {f"{app}": i for i, app in enumerate(settings.PSDESK_APPS)}
    loader = MigrationLoader(None, ignore_no_migrations=True)
    keys = sorted((k for k in loader.disk_migrations if k[0] in order), key=lambda k: (order[k[0]], k[1]))
    for key in keys:
        for op in loader.disk_migrations[key].operations:
            if isinstance(op, RunPython):
                op.code(apps, None)  # type: ignore[arg-type]  # seeds only use apps.get_model


class AccountsConfig(AppConfig):
    name = "psdesk.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
    # My work and Board lead the navigation (context_processors.SHELL_NAV); the profile is linked
    # from the name in the header.
    nav: list[tuple[str, str, str | None]] = [("PubSec review", "accounts:pubsec_review", "accounts.grant_pubsec")]
    role_permissions = {
        "ps_ops_manager": [
            "grant_pubsec",
            "confirm_pubsec",
            "view_pubsecmembership",
            "view_accesspolicy",
            "change_accesspolicy",
            "view_idpgrouprole",
            "add_idpgrouprole",
            "change_idpgrouprole",
            "delete_idpgrouprole",
            "view_ssoidentity",
        ],
        "ps_leadership": ["confirm_pubsec"],
    }

    def ready(self) -> None:
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="psdesk.accounts.sync_roles")
