"""The effort model (docs/process.md, Calculator and SSOT): answers → a draft estimate with provenance.

Pure: no Django. The rules are configuration (`data/effort_rules.yaml`, parsed by `rules_parse`);
this module validates them and runs them over a set of answers.

    rules = rules_parse(data, source="data/effort_rules.yaml", questions={"implementation": {...}})
    result = effort_run(rules=rules, service_types=["implementation"], answers={"implementation": {...}})
    for line in result.lines: print(line.hours, line.provenance)

Every line records which answers produced its hours, as sentences such as
"+16 h because integrations = 3". A service type contributes its base activities; each rule whose
`when` holds adds hours to an activity (creating it if absent), scales it, or removes it. Rules run
in file order. Unanswered questions ("to-do") never satisfy a condition.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

ROLES: tuple[str, ...] = ("PSE", "PM", "TA", "Trainer", "EM")
DELIVERIES: tuple[str, ...] = ("remote", "onsite")
OPS: tuple[str, ...] = ("is", "is_not", "in", "gt", "gte", "lt", "lte", "answered")
DERIVED: tuple[str, ...] = ("version_gap",)
HOURS = Decimal("0.01")

Answers = Mapping[str, Mapping[str, Any]]  # service type → question key → typed value


@dataclass(frozen=True)
class DraftLine:
    """One line of a draft estimate. `provenance` says, in order, what produced `hours`."""

    activity: str
    description: str
    role: str
    hours: Decimal
    delivery: str
    provenance: tuple[str, ...]
    service_type: str


class RulesError(Exception):
    """The rules file is malformed. Carries the file, the 1-based line (0 when unknown) and the reason."""

    def __init__(self, source: str, line: int, reason: str) -> None:
        self.source = source
        self.line = line
        self.reason = reason
        super().__init__(f"{source}:{line}: {reason}" if line else f"{source}: {reason}")


@dataclass(frozen=True)
class Condition:
    question: str  # a question key, or "derived:<name>"
    op: str
    value: Any

    def label(self, actual: Any) -> str:
        name = self.question.removeprefix("derived:").replace("_", " ") if self.is_derived else self.question
        return f"{name} = {_fmt(actual)}"

    @property
    def is_derived(self) -> bool:
        return self.question.startswith("derived:")


@dataclass(frozen=True)
class Per:
    """Hours proportional to a numeric answer: ceil(answer / divide_by) x unit_hours."""

    question: str
    unit_hours: Decimal
    divide_by: Decimal = Decimal(1)


@dataclass(frozen=True)
class Activity:
    key: str
    description: str
    role: str
    hours: Decimal
    delivery: str = "remote"


@dataclass(frozen=True)
class Rule:
    kind: str  # add | scale | remove
    activity: str
    when: tuple[Condition, ...] = ()
    hours: Decimal = Decimal(0)
    per: Per | None = None
    factor: Decimal = Decimal(1)
    template: Activity | None = None  # for `add` of an activity not yet present
    note: str = ""
    line: int = 0


@dataclass(frozen=True)
class ServiceRules:
    key: str
    activities: tuple[Activity, ...]
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class RuleSet:
    source: str
    version: int
    hours_per_day: Decimal
    service_types: dict[str, ServiceRules]
    derived: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Removed:
    activity: str
    service_type: str
    reason: str


@dataclass(frozen=True)
class EffortResult:
    lines: tuple[DraftLine, ...]
    removed: tuple[Removed, ...] = ()

    @property
    def total_hours(self) -> Decimal:
        return sum((ln.hours for ln in self.lines), Decimal(0))

    def hours_by_role(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for ln in self.lines:
            out[ln.role] = out.get(ln.role, Decimal(0)) + ln.hours
        return out


# ---------------------------------------------------------------------------------------------
# Parsing and validating the rules


def _line(node: Any, default: int) -> int:
    return int(getattr(node, "line", 0) or default)


def _dec(value: Any, source: str, line: int, what: str, *, positive: bool = False) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise RulesError(source, line, f"{what} must be a number, got {value!r}")
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise RulesError(source, line, f"{what} must be a number, got {value!r}") from None
    if not d.is_finite() or d < 0 or (positive and d == 0):
        raise RulesError(source, line, f"{what} must be {'greater than 0' if positive else '0 or more'}, got {value}")
    return d


def _str(node: Mapping[str, Any], key: str, source: str, line: int, *, required: bool = True) -> str:
    value = node.get(key)
    if value is None:
        if required:
            raise RulesError(source, line, f"missing '{key}'")
        return ""
    if not isinstance(value, str) or not value.strip():
        raise RulesError(source, line, f"'{key}' must be a non-empty string, got {value!r}")
    return value.strip()


def _activity(node: Any, source: str, parent_line: int) -> Activity:
    line = _line(node, parent_line)
    if not isinstance(node, Mapping):
        raise RulesError(source, line, f"an activity must be a mapping, got {node!r}")
    key = _str(node, "id", source, line)
    if not re.fullmatch(r"[a-z0-9_]+", key):
        raise RulesError(source, line, f"activity id '{key}' must be lower_snake_case")
    role = _str(node, "role", source, line)
    if role not in ROLES:
        raise RulesError(source, line, f"unknown role '{role}' (known: {', '.join(ROLES)})")
    delivery = str(node.get("delivery", "remote"))
    if delivery not in DELIVERIES:
        raise RulesError(source, line, f"delivery must be remote or onsite, got '{delivery}'")
    return Activity(
        key=key,
        description=_str(node, "description", source, line),
        role=role,
        hours=_dec(node.get("hours", 0), source, line, f"hours of {key}"),
        delivery=delivery,
    )


def _conditions(node: Any, source: str, line: int, known: set[str], derived: set[str]) -> tuple[Condition, ...]:
    if node is None:
        return ()
    items = node if isinstance(node, list) else [node]
    out = []
    for item in items:
        il = _line(item, line)
        if not isinstance(item, Mapping):
            raise RulesError(source, il, f"a condition must be a mapping, got {item!r}")
        if "question" in item:
            question = str(item["question"])
            if question not in known:
                raise RulesError(source, il, f"unknown question '{question}' (not in the questionnaire)")
        elif "derived" in item:
            name = str(item["derived"])
            if name not in derived:
                raise RulesError(source, il, f"unknown derived value '{name}' (define it under 'derived')")
            question = f"derived:{name}"
        else:
            raise RulesError(source, il, "a condition needs 'question' or 'derived'")
        ops = [k for k in item if k in OPS]
        extra = [k for k in item if k not in OPS and k not in ("question", "derived")]
        if extra:
            raise RulesError(source, il, f"unknown condition key(s): {', '.join(map(str, extra))}")
        if len(ops) != 1:
            raise RulesError(source, il, f"a condition needs exactly one of: {', '.join(OPS)}")
        op = ops[0]
        value = item[op]
        if op in ("gt", "gte", "lt", "lte"):
            value = _dec(value, source, il, f"'{op}'") if not isinstance(value, bool) else value
        elif op == "in":
            if not isinstance(value, list) or not value:
                raise RulesError(source, il, "'in' needs a non-empty list")
            value = tuple(_norm(v) for v in value)
        elif op == "answered":
            value = bool(value)
        else:
            value = _norm(value)
        out.append(Condition(question=question, op=op, value=value))
    return tuple(out)


def _norm(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).strip().lower()


def rules_parse(data: Any, *, source: str, questions: Mapping[str, set[str]] | None = None) -> RuleSet:
    """Validate the parsed YAML of a rules file and build a RuleSet. Raises RulesError(file, line,
    reason) on the first problem. `questions` (service type → question keys) enables reference
    checks; without it any question key is accepted."""
    if not isinstance(data, Mapping):
        raise RulesError(source, 1, "the rules file must be a mapping with 'service_types'")
    version = data.get("version", 1)
    if not isinstance(version, int):
        raise RulesError(source, _line(data, 1), "'version' must be an integer")
    hpd = _dec(data.get("hours_per_day", 8), source, _line(data, 1), "hours_per_day", positive=True)
    derived = _derived_parse(data, source)
    types_node = data.get("service_types")
    if not isinstance(types_node, Mapping) or not types_node:
        raise RulesError(source, _line(data, 1), "'service_types' must be a non-empty mapping")
    service_types: dict[str, ServiceRules] = {}
    for st_key, st_node in types_node.items():
        st_line = _line(st_node, _line(types_node, 1))
        if questions is not None and st_key not in questions:
            raise RulesError(source, st_line, f"unknown service type '{st_key}' (no questionnaire)")
        if not isinstance(st_node, Mapping):
            raise RulesError(source, st_line, f"service type '{st_key}' must be a mapping")
        known = set(questions[st_key]) if questions is not None else _Anything()
        derived_here = {n for n, s in derived.items() if s.get("service_type") == st_key}
        service_types[str(st_key)] = _service_rules_parse(
            str(st_key), st_node, source=source, line=st_line, known=known, derived_here=derived_here
        )
    return RuleSet(source=source, version=version, hours_per_day=hpd, service_types=service_types, derived=derived)


def _derived_parse(data: Mapping[str, Any], source: str) -> dict[str, dict[str, Any]]:
    """The file's `derived:` values (e.g. version_gap), each checked for its three keys."""
    derived_node = data.get("derived") or {}
    if not isinstance(derived_node, Mapping):
        raise RulesError(source, _line(data, 1), "'derived' must be a mapping")
    derived: dict[str, dict[str, Any]] = {}
    for name, spec in derived_node.items():
        dl = _line(spec, _line(derived_node, 1))
        if name not in DERIVED:
            raise RulesError(source, dl, f"unknown derived value '{name}' (known: {', '.join(DERIVED)})")
        if not isinstance(spec, Mapping) or not spec.get("service_type") or not spec.get("from") or not spec.get("to"):
            raise RulesError(source, dl, f"derived '{name}' needs service_type, from and to")
        derived[name] = dict(spec)
    return derived


def _service_rules_parse(
    st_key: str, st_node: Mapping[str, Any], *, source: str, line: int, known: set[str], derived_here: set[str]
) -> ServiceRules:
    """One service type's base activities and rules, in file order."""
    acts_node = st_node.get("activities") or []
    if not isinstance(acts_node, list):
        raise RulesError(source, line, "'activities' must be a list")
    activities = [_activity(a, source, line) for a in acts_node]
    defined: set[str] = set()
    templates: dict[str, Activity] = {}
    for a in activities:
        if a.key in defined:
            raise RulesError(source, line, f"duplicate activity id '{a.key}'")
        defined.add(a.key)
        templates[a.key] = a
    rules_node = st_node.get("rules") or []
    if not isinstance(rules_node, list):
        raise RulesError(source, line, "'rules' must be a list")
    rules = [
        _rule_parse(r, source=source, line=line, known=known, derived_here=derived_here, templates=templates)
        for r in rules_node
    ]
    return ServiceRules(st_key, tuple(activities), tuple(rules))


def _rule_parse(
    r: Any, *, source: str, line: int, known: set[str], derived_here: set[str], templates: dict[str, Activity]
) -> Rule:
    """One `add` / `scale` / `remove` rule. An `add` of a new activity defines it (in `templates`),
    so later rules may scale or remove it."""
    rl = _line(r, line)
    if not isinstance(r, Mapping):
        raise RulesError(source, rl, f"a rule must be a mapping, got {r!r}")
    kinds = [k for k in ("add", "scale", "remove") if k in r]
    if len(kinds) != 1:
        raise RulesError(source, rl, "a rule needs exactly one of: add, scale, remove")
    unknown_keys = [k for k in r if k not in ("add", "scale", "remove", "when", "note")]
    if unknown_keys:
        raise RulesError(source, rl, f"unknown rule key(s): {', '.join(map(str, unknown_keys))}")
    when = _conditions(r.get("when"), source, rl, known, derived_here)
    kind = kinds[0]
    body = r[kind]
    bl = _line(body, rl)
    if not isinstance(body, Mapping):
        raise RulesError(source, bl, f"'{kind}' must be a mapping")
    note = str(r.get("note", "") or "")
    act_key = _str(body, "activity", source, bl)
    if kind == "add":
        if act_key not in templates:
            fields = {k: v for k, v in body.items() if k not in ("activity", "hours", "per")}
            templates[act_key] = _activity({"id": act_key, **fields}, source, bl)
        per = _per_parse(body["per"], source, bl, known) if "per" in body else None
        if per is None and "hours" not in body:
            raise RulesError(source, bl, "'add' needs 'hours' or 'per'")
        hours = Decimal(0) if per is not None else _dec(body["hours"], source, bl, "hours")
        return Rule("add", act_key, when, hours=hours, per=per, template=templates[act_key], note=note, line=rl)
    if act_key not in templates:
        raise RulesError(source, bl, f"'{kind}' names activity '{act_key}' that is not defined before it")
    factor = _dec(body.get("factor"), source, bl, "factor", positive=True) if kind == "scale" else Decimal(1)
    return Rule(kind, act_key, when, factor=factor, note=note, line=rl)


def _per_parse(pn: Any, source: str, line: int, known: set[str]) -> Per:
    """`per: {question, unit_hours, divide_by}`: hours that grow with a numeric answer."""
    pl = _line(pn, line)
    if not isinstance(pn, Mapping):
        raise RulesError(source, pl, "'per' must be a mapping")
    pq = _str(pn, "question", source, pl)
    if pq not in known:
        raise RulesError(source, pl, f"unknown question '{pq}' (not in the questionnaire)")
    return Per(
        question=pq,
        unit_hours=_dec(pn.get("unit_hours"), source, pl, "unit_hours"),
        divide_by=_dec(pn.get("divide_by", 1), source, pl, "divide_by", positive=True),
    )


class _Anything(set[str]):
    def __contains__(self, item: object) -> bool:
        return True


# ---------------------------------------------------------------------------------------------
# Running the model


def version_gap(source: Any, target: Any, minors_per_major: int = 13) -> int | None:
    """Minor releases between two `major.minor` versions (13.4 → 14.1 is 10 with 13 minors per
    major), or None when either is not a version."""
    a, b = _version(source), _version(target)
    if a is None or b is None:
        return None
    return abs((b[0] * minors_per_major + b[1]) - (a[0] * minors_per_major + a[1]))


def _version(value: Any) -> tuple[int, int] | None:
    m = re.match(r"^\s*v?(\d+)\.(\d+)", str(value)) if value is not None else None
    return (int(m.group(1)), int(m.group(2))) if m else None


def _derived_values(rules: RuleSet, answers: Answers) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, spec in rules.derived.items():
        if name == "version_gap":
            st = answers.get(str(spec["service_type"]), {})
            gap = version_gap(st.get(str(spec["from"])), st.get(str(spec["to"])), int(spec.get("minors_per_major", 13)))
            if gap is not None:
                out[name] = Decimal(gap)
    return out


def _holds(cond: Condition, answers: Mapping[str, Any], derived: Mapping[str, Any]) -> tuple[bool, Any]:
    actual = derived.get(cond.question[8:]) if cond.is_derived else answers.get(cond.question)
    if cond.op == "answered":
        return (actual is not None) == cond.value, actual
    if actual is None:
        return False, None
    if cond.op in ("gt", "gte", "lt", "lte"):
        if not isinstance(actual, Decimal):
            return False, actual
        v = cond.value
        ok = {"gt": actual > v, "gte": actual >= v, "lt": actual < v, "lte": actual <= v}[cond.op]
        return ok, actual
    norm = _norm(actual) if not isinstance(actual, Decimal) else _norm(_fmt(actual))
    values = set(norm.split(", ")) if ", " in norm else {norm}  # multi-choice answers
    if cond.op == "is":
        return (cond.value in values), actual
    if cond.op == "is_not":
        return (cond.value not in values), actual
    return bool(values & set(cond.value)), actual


def _fmt(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}".rstrip("0").rstrip(".")
    return str(value)


def _h(hours: Decimal) -> str:
    return _fmt(hours.quantize(HOURS, rounding=ROUND_HALF_UP))


@dataclass
class _Line:
    act: Activity
    hours: Decimal
    provenance: list[str]


def effort_run(*, rules: RuleSet, service_types: Sequence[str], answers: Answers) -> EffortResult:
    """Run the model for the given service types (in the given order) over typed answers
    (Decimal for numbers, "yes"/"no", choice or text strings; unanswered keys absent).
    Unknown service types raise KeyError (callers validate first)."""
    derived = _derived_values(rules, answers)
    lines: list[DraftLine] = []
    removed: list[Removed] = []
    for st in service_types:
        sr = rules.service_types[st]
        st_answers = answers.get(st, {})
        work: dict[str, _Line] = {}
        gone: set[str] = set()
        for a in sr.activities:
            work[a.key] = _Line(a, a.hours, [f"base {_h(a.hours)} h for {st.replace('_', ' ')}"])
        for rule in sr.rules:
            because = _rule_because(rule, st_answers, derived)
            if because is None:
                continue
            note = f" ({rule.note})" if rule.note else ""
            if rule.kind == "add":
                _rule_add(rule, because, note, st_answers, work, gone)
            elif rule.kind == "scale":
                _rule_scale(rule, because, note, work)
            else:
                line = work.pop(rule.activity, None)
                gone.add(rule.activity)
                if line is not None:
                    reason = " and ".join(because) or "the rule always applies"
                    removed.append(Removed(rule.activity, st, f"removed because {reason}{note}"))
        lines.extend(_draft_lines(work, st))
    return EffortResult(lines=tuple(lines), removed=tuple(removed))


def _rule_because(rule: Rule, st_answers: Mapping[str, Any], derived: Mapping[str, Any]) -> list[str] | None:
    """The labels of the rule's conditions when all hold (its reasons), or None when one fails."""
    because = []
    for cond in rule.when:
        holds, actual = _holds(cond, st_answers, derived)
        if not holds:
            return None
        because.append(cond.label(actual))
    return because


def _rule_add(
    rule: Rule, because: list[str], note: str, st_answers: Mapping[str, Any], work: dict[str, _Line], gone: set[str]
) -> None:
    """Add the rule's hours (fixed, or per unit of a numeric answer) to its activity, creating the
    activity from the rule's template unless an earlier rule removed it."""
    hours = rule.hours
    if rule.per is not None:
        qty = st_answers.get(rule.per.question)
        if not isinstance(qty, Decimal) or qty <= 0:
            return
        units = Decimal(math.ceil(qty / rule.per.divide_by))
        hours = units * rule.per.unit_hours
        because.append(f"{rule.per.question} = {_fmt(qty)}")
    if hours == 0:
        return
    reason = " and ".join(dict.fromkeys(because)) or "the rule always applies"
    line = work.get(rule.activity)
    if line is None:
        if rule.activity in gone or rule.template is None:
            return  # removed earlier by a rule: stays removed
        line = work[rule.activity] = _Line(rule.template, Decimal(0), [])
    line.hours += hours
    line.provenance.append(f"+{_h(hours)} h because {reason}{note}")


def _rule_scale(rule: Rule, because: list[str], note: str, work: dict[str, _Line]) -> None:
    """Multiply the activity's hours by the rule's factor (nothing when it is not there)."""
    line = work.get(rule.activity)
    if line is None:
        return
    before = line.hours
    line.hours = line.hours * rule.factor
    delta = line.hours - before
    sign = "+" if delta >= 0 else "-"
    reason = " and ".join(because) or "the rule always applies"
    line.provenance.append(f"x{_fmt(rule.factor)} ({sign}{_h(abs(delta))} h) because {reason}{note}")


def _draft_lines(work: dict[str, _Line], st: str) -> list[DraftLine]:
    """The activities left with hours (rounded), in order, as estimate draft lines."""
    out = []
    for w in work.values():
        hours = w.hours.quantize(HOURS, rounding=ROUND_HALF_UP)
        if hours <= 0:
            continue
        out.append(
            DraftLine(
                activity=w.act.key,
                description=w.act.description,
                role=w.act.role,
                hours=hours,
                delivery=w.act.delivery,
                provenance=tuple(w.provenance),
                service_type=st,
            )
        )
    return out


# ---------------------------------------------------------------------------------------------
# Diff of two estimates


@dataclass(frozen=True)
class LineChange:
    service_type: str
    activity: str
    description: str
    status: str  # added | removed | changed
    before_hours: Decimal
    after_hours: Decimal
    provenance: tuple[str, ...]

    @property
    def delta(self) -> Decimal:
        return self.after_hours - self.before_hours


@dataclass(frozen=True)
class EffortDiff:
    changes: tuple[LineChange, ...]
    before_total: Decimal
    after_total: Decimal

    @property
    def delta(self) -> Decimal:
        return self.after_total - self.before_total


def effort_diff(before: Sequence[DraftLine], after: Sequence[DraftLine]) -> EffortDiff:
    """Lines added, removed or with changed hours between two runs (matched by service type +
    activity), in the order of `after` then the removed ones."""
    old = {(ln.service_type, ln.activity): ln for ln in before}
    new = {(ln.service_type, ln.activity): ln for ln in after}
    changes: list[LineChange] = []
    for key, ln in new.items():
        prev = old.get(key)
        if prev is None:
            changes.append(
                LineChange(ln.service_type, ln.activity, ln.description, "added", Decimal(0), ln.hours, ln.provenance)
            )
        elif prev.hours != ln.hours:
            changes.append(
                LineChange(ln.service_type, ln.activity, ln.description, "changed", prev.hours, ln.hours, ln.provenance)
            )
    for key, ln in old.items():
        if key not in new:
            changes.append(
                LineChange(ln.service_type, ln.activity, ln.description, "removed", ln.hours, Decimal(0), ())
            )
    return EffortDiff(
        changes=tuple(changes),
        before_total=sum((ln.hours for ln in before), Decimal(0)),
        after_total=sum((ln.hours for ln in after), Decimal(0)),
    )
