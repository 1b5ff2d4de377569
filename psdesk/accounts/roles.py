"""Roles are Django groups. Each app declares which of its permissions each role gets
on its AppConfig (`role_permissions = {"engagement_manager": ["move_engagement"]}`); `roles_sync()`
creates the groups and grants them. It runs after every `migrate`."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.models import Group, Permission


class Role:
    ACCOUNT_EXECUTIVE = "account_executive"
    SOLUTIONS_ARCHITECT = "solutions_architect"
    ENGAGEMENT_MANAGER = "engagement_manager"
    TECHNICAL_ARCHITECT = "technical_architect"
    REGIONAL_DELIVERY_MANAGER = "regional_delivery_manager"
    PS_LEADERSHIP = "ps_leadership"
    DEAL_DESK = "deal_desk"
    LEGAL = "legal"
    PROJECT_COORDINATOR = "ps-scheduling"
    PS_OPS_MANAGER = "ps_ops_manager"
    CONSULTANT = "consultant"
    EDUCATION_SERVICES = "education_services"
    TEAM_MEMBER = "team_member"
    US_PUBLIC_SECTOR = "us_public_sector"
    SALES_MANAGER = "sales_manager"


ROLE_LABELS: dict[str, str] = {
    Role.ACCOUNT_EXECUTIVE: "Account Executive (AE/SAE/ISR)",
    Role.SOLUTIONS_ARCHITECT: "Solutions Architect / CSM",
    Role.ENGAGEMENT_MANAGER: "Engagement Manager",
    Role.TECHNICAL_ARCHITECT: "Technical Architect",
    Role.REGIONAL_DELIVERY_MANAGER: "Regional Delivery Manager",
    Role.PS_LEADERSHIP: "PS Leadership",
    Role.DEAL_DESK: "Revenue / Deal Desk",
    Role.LEGAL: "Legal",
    Role.PROJECT_COORDINATOR: "Project Coordinator (ps-scheduling)",
    Role.PS_OPS_MANAGER: "PS Ops Manager",
    Role.CONSULTANT: "Consultant",
    Role.EDUCATION_SERVICES: "Education Services",
    Role.TEAM_MEMBER: "Team member / team lead",
    Role.US_PUBLIC_SECTOR: "US Public Sector member",
    Role.SALES_MANAGER: "Sales manager (may move opportunity stages back)",
}


def declared_role_permissions() -> dict[str, set[tuple[str, str]]]:
    """role → {(app_label, codename)} gathered from every app's AppConfig.role_permissions."""
    result: dict[str, set[tuple[str, str]]] = {r: set() for r in ROLE_LABELS}
    for cfg in apps.get_app_configs():
        declared: dict[str, list[str]] = getattr(cfg, "role_permissions", {}) or {}
        for role, codenames in declared.items():
            if role not in result:
                raise ValueError(f"app {cfg.label} grants permissions to unknown role {role!r}")
            for code in codenames:
                result[role].add((cfg.label, code))
    return result


def roles_sync() -> list[str]:
    """Create every role group and set its permissions exactly. Returns missing permission names."""
    missing: list[str] = []
    for role, perms in declared_role_permissions().items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for app_label, code in sorted(perms):
            p = Permission.objects.filter(content_type__app_label=app_label, codename=code).first()
            if p is None:
                missing.append(f"{app_label}.{code}")
            else:
                wanted.append(p)
        group.permissions.set(wanted)
    return missing
