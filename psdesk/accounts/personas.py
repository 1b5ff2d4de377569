"""Named people, one per role plus an outsider and a PubSec member. Used by demo data and tests."""

from __future__ import annotations

from dataclasses import dataclass

from psdesk.accounts.roles import Role


@dataclass(frozen=True)
class Persona:
    username: str
    full_name: str
    roles: tuple[str, ...]
    email_domain: str = "psdesk.example"

    @property
    def email(self) -> str:
        return f"{self.username}@{self.email_domain}"


PERSONAS: tuple[Persona, ...] = (
    Persona("alice", "Alice Archer", (Role.ACCOUNT_EXECUTIVE,)),
    Persona("sam", "Sam Sato", (Role.SOLUTIONS_ARCHITECT,)),
    Persona("erin", "Erin Evans", (Role.ENGAGEMENT_MANAGER,)),
    Persona("emil", "Emil Eriksen", (Role.ENGAGEMENT_MANAGER,)),
    Persona("tara", "Tara Thompson", (Role.TECHNICAL_ARCHITECT,)),
    Persona("rory", "Rory Reyes", (Role.REGIONAL_DELIVERY_MANAGER,)),
    Persona("leo", "Leo Larsen", (Role.PS_LEADERSHIP,)),
    Persona("rita", "Rita Ramos", (Role.DEAL_DESK,)),
    Persona("lena", "Lena Lindqvist", (Role.LEGAL,)),
    Persona("paula", "Paula Park", (Role.PROJECT_COORDINATOR,)),
    Persona("oscar", "Oscar Olsen", (Role.PS_OPS_MANAGER,)),
    Persona("cody", "Cody Chen", (Role.CONSULTANT,)),
    Persona("eddie", "Eddie Edwards", (Role.EDUCATION_SERVICES,)),
    Persona("tom", "Tom Turner", (Role.TEAM_MEMBER,)),
    Persona("mona", "Mona Miller", (Role.SALES_MANAGER, Role.ACCOUNT_EXECUTIVE)),
    Persona("pat", "Pat Pierce", (Role.ENGAGEMENT_MANAGER, Role.US_PUBLIC_SECTOR)),
    Persona("olga", "Olga Outsider", ()),
)


def persona(username: str) -> Persona:
    for p in PERSONAS:
        if p.username == username:
            return p
    raise KeyError(username)
