"""The effort model over the shipped rules: every line says which answers produced its hours."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from psdesk.scoping.effort import DraftLine, RulesError, effort_diff, effort_run, rules_parse, version_gap
from psdesk.scoping.yamlfile import yaml_parse, yaml_read

ROOT = Path(__file__).resolve().parents[3]


def _questions() -> dict[str, set[str]]:
    out = {}
    for f in (ROOT / "data" / "questionnaires").glob("*.yaml"):
        data = yaml_read(f)
        out[data["service_type"]] = {q["key"] for q in data["questions"]}
    return out


@pytest.fixture(scope="module")
def rules():
    return rules_parse(
        yaml_read(ROOT / "data" / "effort_rules.yaml"), source="data/effort_rules.yaml", questions=_questions()
    )


def _by_activity(lines: tuple[DraftLine, ...]) -> dict[str, DraftLine]:
    return {ln.activity: ln for ln in lines}


def test_the_worked_migration_example_produces_lines_with_provenance(rules) -> None:
    # the worked example of docs/process.md (Calculator and SSOT): SaaS destination, 13.4 → 14.1,
    # 1,000 users, 1,234 repositories, 3 over 5 GB
    answers = {
        "scm_migration": {
            "source_scm": "Bitbucket Server, GitLab self-managed",
            "destination": "GitLab.com SaaS",
            "source_version": "13.4",
            "destination_version": "14.1",
            "users": D(1000),
            "portfolios": D(6),
            "repositories": D(1234),
            "large_repos": D(3),
        }
    }
    result = effort_run(rules=rules, service_types=["scm_migration"], answers=answers)
    lines = _by_activity(result.lines)
    assert lines["mig_waves"].hours == D("80.00")
    assert lines["mig_waves"].provenance == (
        "+80 h because destination = GitLab.com SaaS and repositories = 1234 (waves of up to 250 projects to SaaS)",
    )
    assert lines["mig_large_repos"].hours == D("16.00")
    assert lines["mig_large_repos"].provenance == ("+16 h because large_repos = 3 (2 per day)",)
    assert lines["mig_upgrade"].provenance == ("+24 h because version gap = 10 (more than 2 minor releases apart)",)
    assert lines["mig_users"].provenance == ("+8 h because users = 1000 (4 h per 500 users)",)
    assert lines["mig_coordination"].role == "PM"
    assert lines["mig_coordination"].provenance == ("+12 h because portfolios = 6 (2 h per portfolio)",)
    for key in ("mig_saas_discovery", "mig_sso_configuration", "mig_security_configuration"):
        assert lines[key].provenance == ("+8 h because destination = GitLab.com SaaS",)
    assert lines["mig_discovery"].provenance == ("base 16 h for scm migration",)
    assert all(ln.provenance for ln in result.lines)
    assert result.total_hours == D("228.00")  # 64 base + 24 SaaS + 80 waves + 8 + 16 + 24 + 12


def test_the_worked_implementation_example_produces_lines_with_provenance(rules) -> None:
    answers = {
        "implementation": {
            "license_tier": "Premium",
            "install_type": "New",
            "users": D(3250),
            "ha_required": "yes",
            "geo": "yes",
            "geo_ha": "no",
            "hosting": "AWS",
            "kubernetes": "EKS",
            "k8s_experience": "Beginner",
            "air_gapped": "yes",
            "proxy": "yes",
            "encryption_in_transit": "yes",
            "gitaly_cluster": "no",
            "integrations": D(3),
        }
    }
    result = effort_run(rules=rules, service_types=["implementation"], answers=answers)
    lines = _by_activity(result.lines)
    assert lines["impl_build"].hours == D("60.00")
    assert lines["impl_build"].provenance == (
        "base 40 h for implementation",
        "x1.5 (+20 h) because users = 3250 (larger reference architecture)",
    )
    assert lines["impl_geo"].provenance == ("+40 h because geo = yes",)
    assert lines["impl_integrations"].provenance == ("+24 h because integrations = 3 (8 h each)",)
    assert lines["impl_k8s_enablement"].provenance == ("+8 h because kubernetes = EKS and k8s_experience = Beginner",)
    assert "impl_admin_training" not in lines
    assert [r.reason for r in result.removed] == [
        "removed because kubernetes = EKS (no System Admin training for Kubernetes installs)"
    ]
    assert lines["impl_airgap"].hours == D("24.00")
    assert lines["impl_tls"].provenance == ("+16 h because encryption_in_transit = yes",)
    assert result.total_hours == D("256.00")


def test_ha_geo_adds_twenty_days_on_top_of_geo(rules) -> None:
    result = effort_run(
        rules=rules, service_types=["implementation"], answers={"implementation": {"geo": "yes", "geo_ha": "yes"}}
    )
    geo = _by_activity(result.lines)["impl_geo"]
    assert geo.hours == D("200.00")
    assert geo.provenance == (
        "+40 h because geo = yes",
        "+160 h because geo = yes and geo_ha = yes (HA Geo adds 20-25 days)",
    )


def test_unanswered_questions_leave_only_base_activities(rules) -> None:
    result = effort_run(rules=rules, service_types=["implementation", "scm_migration"], answers={})
    assert [ln.activity for ln in result.lines] == [
        "impl_discovery", "impl_pm", "impl_build", "impl_validation", "impl_admin_training",
        "mig_discovery", "mig_pm", "mig_tooling", "mig_hypercare",
    ]  # fmt: skip


def test_changing_an_answer_shows_the_diff_of_lines_and_hours(rules) -> None:
    before = effort_run(
        rules=rules, service_types=["implementation"], answers={"implementation": {"integrations": D(3)}}
    )
    after = effort_run(
        rules=rules, service_types=["implementation"], answers={"implementation": {"integrations": D(5), "geo": "yes"}}
    )
    diff = effort_diff(before.lines, after.lines)
    assert [(c.activity, c.status, c.before_hours, c.after_hours) for c in diff.changes] == [
        ("impl_geo", "added", D("0"), D("40.00")),
        ("impl_integrations", "changed", D("24.00"), D("40.00")),
    ]
    assert diff.delta == D("56.00")


def test_every_role_and_delivery_is_one_of_the_known_ones(rules) -> None:
    answers = {"custom_education": {"sessions": D(2), "delivery_mode": "Onsite", "customisation": "Heavy"}}
    result = effort_run(rules=rules, service_types=["custom_education"], answers=answers)
    lines = _by_activity(result.lines)
    assert lines["edu_delivery_onsite"].delivery == "onsite"
    assert lines["edu_delivery_onsite"].role == "Trainer"
    assert lines["edu_customisation"].hours == D("40.00")


def test_version_gap_counts_minor_releases() -> None:
    assert version_gap("13.4", "14.1") == 10
    assert version_gap("14.1", "14.3") == 2
    assert version_gap("unknown", "14.1") is None


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (
            "service_types:\n  implementation:\n    activities:\n      - {id: a, description: A, role: Wizard, hours: 8}\n",  # noqa: E501
            4,
            "unknown role 'Wizard'",
        ),
        (
            "service_types:\n  implementation:\n    activities: []\n    rules:\n      - when: {question: nope, is: x}\n        add: {activity: a, description: A, role: PSE, hours: 1}\n",  # noqa: E501
            5,
            "unknown question 'nope'",
        ),
        (
            "service_types:\n  implementation:\n    activities:\n      - {id: a, description: A, role: PSE, hours: -3}\n",  # noqa: E501
            4,
            "hours of a must be 0 or more",
        ),
        ("service_types:\n  implementation:\n    activities: [\n", 4, "malformed YAML"),
        ("service_types:\n  teleportation: {}\n", 2, "unknown service type 'teleportation'"),
        (
            "service_types:\n  implementation:\n    rules:\n      - scale: {activity: ghost, factor: 2}\n",
            4,
            "'scale' names activity 'ghost'",
        ),
    ],
)
def test_malformed_rules_report_file_line_and_reason(text: str, line: int, reason: str) -> None:
    with pytest.raises(RulesError) as exc:
        rules_parse(yaml_parse(text, source="rules.yaml"), source="rules.yaml", questions=_questions())
    assert exc.value.source == "rules.yaml"
    assert exc.value.line == line
    assert reason in exc.value.reason
    assert str(exc.value).startswith(f"rules.yaml:{line}: ")


@pytest.mark.parametrize(
    ("answer_type", "raw", "stored"),
    [
        ("number", "3,250", "3250"),
        ("number", 2.5, "2.5"),
        ("number", "unknown", "to-do"),
        ("yes_no", True, "yes"),
        ("yes_no", "N", "no"),
        ("choice", "aws", "AWS"),
        ("text", "  RHEL 8 ", "RHEL 8"),
        ("text", "", "to-do"),
    ],
)
def test_answers_are_normalised(answer_type: str, raw: object, stored: str) -> None:
    from psdesk.scoping.answers import answer_normalise

    assert answer_normalise(answer_type=answer_type, raw=raw, choices=["AWS", "Azure"]) == stored


@pytest.mark.parametrize(
    ("answer_type", "raw", "reason"),
    [
        ("number", "lots", "expects a number, got 'lots'"),
        ("number", -1, "must not be negative, got -1"),
        ("number", "1e999999", "is too large (at most 1,000,000,000,000)"),
        ("number", True, "expects a number, got true"),
        ("choice", "Mars", "'Mars' is not one of: AWS, Azure"),
        ("yes_no", "maybe", "expects yes or no, got 'maybe'"),
    ],
)
def test_answers_of_the_wrong_type_are_refused(answer_type: str, raw: object, reason: str) -> None:
    from psdesk.scoping.answers import AnswerError, answer_normalise

    with pytest.raises(AnswerError) as exc:
        answer_normalise(answer_type=answer_type, raw=raw, choices=["AWS", "Azure"])
    assert str(exc.value) == reason
