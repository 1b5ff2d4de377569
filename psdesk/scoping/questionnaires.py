"""Loading questionnaires from `data/questionnaires/*.yaml` into the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from psdesk.scoping.effort import RulesError
from psdesk.scoping.models import Question, ServiceType
from psdesk.scoping.rules import questionnaires_path
from psdesk.scoping.yamlfile import yaml_read

ANSWER_TYPES = ("number", "choice", "yes_no", "text")


def questionnaire_parse(path: Path, *, label: str | None = None) -> dict[str, Any]:
    """Read and validate one questionnaire file. Raises RulesError(file, line, reason)."""
    src = label or str(path)
    data = yaml_read(path, label=src)
    if not isinstance(data, dict):
        raise RulesError(src, 1, "a questionnaire must be a mapping")
    for field in ("service_type", "name"):
        if not isinstance(data.get(field), str) or not data[field].strip():
            raise RulesError(src, getattr(data, "line", 1), f"missing '{field}'")
    questions = data.get("questions")
    if not isinstance(questions, list) or not questions:
        raise RulesError(src, getattr(data, "line", 1), "'questions' must be a non-empty list")
    seen: set[str] = set()
    for q in questions:
        line = getattr(q, "line", 0)
        if not isinstance(q, dict):
            raise RulesError(src, line, "a question must be a mapping")
        for field in ("key", "text"):
            if not isinstance(q.get(field), str) or not q[field].strip():
                raise RulesError(src, line, f"a question needs '{field}'")
        if q["key"] in seen:
            raise RulesError(src, line, f"duplicate question key '{q['key']}'")
        seen.add(q["key"])
        at = q.get("answer_type", "text")
        if at not in ANSWER_TYPES:
            raise RulesError(src, line, f"answer_type must be one of {', '.join(ANSWER_TYPES)}, got '{at}'")
        if at == "choice" and (not isinstance(q.get("choices"), list) or not q["choices"]):
            raise RulesError(src, line, "a choice question needs a non-empty 'choices' list")
    return data


def questionnaires_load(*, directory: Path, service_type_model: Any = None, question_model: Any = None) -> list[str]:
    """Create or update service types and questions from every YAML file in `directory`
    (idempotent; questions missing from a file are kept — the admin may have added them).
    The model arguments let a data migration pass its historical models. Returns the keys loaded."""
    if service_type_model is None or question_model is None:
        service_type_model, question_model = ServiceType, Question
    loaded = []
    for f in sorted(directory.glob("*.yaml")):
        data = questionnaire_parse(f, label=f"data/questionnaires/{f.name}")
        st, _ = service_type_model.objects.update_or_create(
            key=data["service_type"],
            defaults={
                "name": data["name"],
                "description": data.get("description", "") or "",
                "position": int(data.get("position", 0) or 0),
            },
        )
        for i, q in enumerate(data["questions"]):
            question_model.objects.update_or_create(
                service_type=st,
                key=q["key"],
                defaults={
                    "text": str(q["text"]),
                    "answer_type": q.get("answer_type", "text"),
                    "choices": [str(c) for c in q.get("choices") or []],
                    "multiple": bool(q.get("multiple", False)),
                    "example": str(q.get("example", "") or ""),
                    "rationale": str(q.get("rationale", "") or ""),
                    "required": bool(q.get("required", False)),
                    "position": (i + 1) * 10,
                },
            )
        loaded.append(st.key)
    return loaded


def questionnaires_ensure() -> None:
    """Load the questionnaires when the database has none (a flushed test or demo database)."""
    if not ServiceType.objects.exists():
        questionnaires_load(directory=questionnaires_path())
