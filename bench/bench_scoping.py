"""Issue 4: the Services Calculator for a combined implementation + migration request.

Figures (median of 50, in-process), each beside a floor measured in the same run:
- effort_run (the pure effort model, target ≤ 50 ms) vs. building the same number of DraftLines;
- draft_estimate(engagement) (read the SSOT rows + run the model) vs. reading the rows alone;
- scoping_request_submit (one transaction: epic, engagement, labels, 34 SSOT rows, intake, audit,
  notification) vs. engagement_create alone (engagement + audit + notification);
- rules_load (parse + validate data/effort_rules.yaml).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bench.common import count_queries, median_ms, report, reset_database, section, timed

IMPL: dict[str, Any] = {
    "license_tier": "Premium",
    "install_type": "New",
    "users": 3250,
    "ha_required": "yes",
    "geo": "yes",
    "geo_ha": "yes",
    "hosting": "On-prem",
    "kubernetes": "EKS",
    "k8s_experience": "Beginner",
    "air_gapped": "yes",
    "proxy": "yes",
    "encryption_in_transit": "yes",
    "gitaly_cluster": "yes",
    "integrations": 3,
}
MIG: dict[str, Any] = {
    "source_scm": "Bitbucket Server, GitLab self-managed",
    "destination": "GitLab.com SaaS",
    "source_version": "13.4",
    "destination_version": "14.1",
    "users": 1000,
    "portfolios": 6,
    "repositories": 1234,
    "large_repos": 3,
    "reorganisation": "yes",
}


def _setup() -> tuple[dict[str, Any], Any]:
    from psdesk.accounts.personas import PERSONAS
    from psdesk.accounts.roles import roles_sync
    from psdesk.accounts.services import persona_ensure
    from psdesk.crm.models import Account, Territory
    from psdesk.scoping.questionnaires import questionnaires_ensure

    reset_database()
    roles_sync()
    questionnaires_ensure()
    users = {p.username: persona_ensure(p, password=None) for p in PERSONAS}
    terr = Territory.objects.create(name="East", engagement_manager=users["erin"])
    acc = Account.objects.create(name="Bench Corp", territory=terr)
    return users, acc


def run() -> None:
    from psdesk.engagements.services import engagement_create
    from psdesk.scoping.effort import DraftLine, effort_run
    from psdesk.scoping.rules import rules_active, rules_load
    from psdesk.scoping.selectors import answers_of, draft_estimate, ssot_rows
    from psdesk.scoping.services import scoping_request_submit

    users, acc = _setup()
    sam = users["sam"]
    with section("effort model: implementation + SCM migration"):
        eng = scoping_request_submit(
            requester=sam,
            account_id=acc.pk,
            service_types=["implementation", "scm_migration"],
            answers={"implementation": IMPL, "scm_migration": MIG},
        ).engagement
        rows = ssot_rows(engagement=eng)
        answers = answers_of(rows)
        rules = rules_active()
        types = ["implementation", "scm_migration"]
        result = effort_run(rules=rules, service_types=types, answers=answers)
        n = len(result.lines)

        def floor() -> None:
            for i in range(n):
                DraftLine("a", "d", "PSE", Decimal(i), "remote", ("p",), "implementation")

        floor_ms = median_ms(timed(floor, repeat=50))
        model_ms = median_ms(timed(lambda: effort_run(rules=rules, service_types=types, answers=answers), repeat=50))
        report(f"effort_run ({n} lines, {result.total_hours} h)", model_ms, floor_ms=floor_ms, target_ms=50)
        read_floor = median_ms(timed(lambda: ssot_rows(engagement=eng), repeat=50))
        full_ms = median_ms(timed(lambda: draft_estimate(engagement=eng), repeat=50))
        q = count_queries(lambda: draft_estimate(engagement=eng))
        report("draft_estimate(engagement) incl. SSOT read", full_ms, floor_ms=read_floor, extra=f"{q} queries")
        load_ms = median_ms(timed(lambda: rules_load(), repeat=20))
        report("rules_load (parse + validate YAML)", load_ms)

    with section("calculator submission (one transaction)"):
        counter = {"i": 0}

        def submit() -> None:
            counter["i"] += 1
            scoping_request_submit(
                requester=sam,
                account_id=acc.pk,
                service_types=["implementation", "scm_migration"],
                answers={"implementation": {**IMPL, "users": 3000 + counter["i"]}, "scm_migration": MIG},
                intake={"pricing_model": "fixed_fee"},
            )

        def create_only() -> None:
            engagement_create(account=acc, actor=sam, em=users["erin"])

        floor_ms = median_ms(timed(create_only, repeat=50))
        submit_ms = median_ms(timed(submit, repeat=50))
        q = count_queries(submit)
        report("scoping_request_submit (34 SSOT rows)", submit_ms, floor_ms=floor_ms, extra=f"{q} queries")
