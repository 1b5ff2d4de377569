"""The active effort rules: loaded from `data/effort_rules.yaml` (setting PSDESK_EFFORT_RULES),
validated against the questionnaires, and reloaded when the file changes. A malformed file never
replaces good rules: the error (file, line, reason) is kept for `rules_status()` and the previous
rules stay active."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from psdesk.scoping.effort import RulesError, RuleSet, rules_parse
from psdesk.scoping.models import Question
from psdesk.scoping.yamlfile import yaml_read

log = logging.getLogger(__name__)
_lock = threading.Lock()


@dataclass
class _State:
    rules: RuleSet | None = None
    path: str = ""
    mtime: float | None = None
    error: RulesError | None = None


_state = _State()


def rules_path() -> Path:
    return Path(getattr(settings, "PSDESK_EFFORT_RULES", settings.BASE_DIR / "data" / "effort_rules.yaml"))


def questionnaires_path() -> Path:
    return Path(getattr(settings, "PSDESK_QUESTIONNAIRES", settings.BASE_DIR / "data" / "questionnaires"))


def _label(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path(settings.BASE_DIR).resolve()))
    except ValueError:
        return str(path)


def question_keys() -> dict[str, set[str]]:
    """service type → question keys, from the database (admin edits included), else the YAML files."""
    keys: dict[str, set[str]] = {}
    for st, key in Question.objects.values_list("service_type__key", "key"):
        keys.setdefault(st, set()).add(key)
    if keys:
        return keys
    for f in sorted(questionnaires_path().glob("*.yaml")):
        data = yaml_read(f, label=_label(f))
        keys[str(data["service_type"])] = {str(q["key"]) for q in data.get("questions") or []}
    return keys


def rules_load(path: Path | None = None) -> RuleSet:
    """Parse and validate a rules file and make it active. Raises RulesError (file, line, reason);
    on error the previously active rules stay active."""
    p = path or rules_path()
    label = _label(p)
    with _lock:
        try:
            mtime = p.stat().st_mtime
            rules = rules_parse(yaml_read(p, label=label), source=label, questions=question_keys())
        except OSError as exc:
            err = RulesError(label, 0, f"cannot read the file ({exc.strerror or exc})")
            _state.error = err
            raise err from None
        except RulesError as exc:
            _state.error = exc
            _state.mtime = p.stat().st_mtime if p.exists() else None
            _state.path = str(p)
            log.error("effort rules not loaded, previous rules stay active: %s", exc)
            raise
        _state.rules, _state.path, _state.mtime, _state.error = rules, str(p), mtime, None
        return rules


def rules_active() -> RuleSet:
    """The rules in force, reloading the file when it changed. Raises RulesError only when no good
    rules were ever loaded."""
    p = rules_path()
    try:
        mtime: float | None = p.stat().st_mtime
    except OSError:
        mtime = None
    if _state.rules is None or str(p) != _state.path or mtime != _state.mtime:
        try:
            return rules_load(p)
        except RulesError:
            if _state.rules is None:
                raise
    assert _state.rules is not None  # noqa: S101 — narrows the type: a failed first load raised above
    return _state.rules


def rules_status() -> tuple[RuleSet | None, RulesError | None]:
    """(active rules, last load error) — for the admin page and the CLI."""
    return _state.rules, _state.error


def rules_reset() -> None:
    """Forget the loaded rules (tests)."""
    with _lock:
        _state.rules, _state.path, _state.mtime, _state.error = None, "", None, None
