"""Demo users: one per persona, with the demo password."""

from __future__ import annotations

from psdesk.accounts.personas import PERSONAS
from psdesk.accounts.services import persona_ensure
from psdesk.core.demo import DemoContext


def load(ctx: DemoContext) -> None:
    users = {p.username: persona_ensure(p, password=ctx.password) for p in PERSONAS}
    ctx.objects["users"] = users


def generate(ctx: DemoContext, progress: object = None) -> None:
    users = {p.username: persona_ensure(p, password=ctx.password) for p in PERSONAS}
    ctx.objects["users"] = users
