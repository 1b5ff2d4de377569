"""An audit row as a sentence a person reads, and its field-by-field before/after.

    audit_sentence(ev, now=clock.now(), names=COLUMN_NAMES)
    → AuditSentence(text="erin moved this from Open to Awaiting Discovery", ago="2 h ago", ...)

Pure: no queries and no imports from the apps above `audit`; callers pass `names`, a vocabulary
for the values they own (board column keys → "Awaiting Discovery", approval kinds → "PS Leadership
approval"), and `fields`, labels for field names. Unknown values are shown as given; unknown verbs
fall back to "<actor> <event in words>" with the changes listed, never a raw dict.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

SYSTEM_ACTOR = "PS Desk"
# Fields that are bookkeeping of a move, not something a person changed.
_QUIET_FIELDS = frozenset({"state_changed_at", "last_activity_at", "version", "request", "content_hash"})


class AuditRow(Protocol):
    verb: str
    actor_label: str
    occurred_at: datetime
    before: Any
    after: Any
    reason: str


@dataclass(frozen=True)
class FieldChange:
    field: str  # the label shown ("Column", "Label")
    before: str  # "" when the field was not set before
    after: str  # "" when the field was removed


@dataclass(frozen=True)
class AuditSentence:
    text: str  # "erin moved this from Open to Awaiting Discovery"
    ago: str  # "2 h ago"
    at: datetime
    actor: str
    reason: str
    changes: tuple[FieldChange, ...]

    @property
    def full(self) -> str:
        """The sentence with its reason and age: 'erin moved this … — “why” — 2 h ago'."""
        reason = f" — “{self.reason}”" if self.reason else ""
        return f"{self.text}{reason} — {self.ago}"


def time_ago(at: datetime, now: datetime) -> str:
    """ "just now", "5 min ago", "2 h ago", "3 d ago", "4 wk ago", or the date for older rows;
    a row from the future (clock skew) reads "just now"."""
    seconds = int((now - at).total_seconds())
    if seconds < 60:
        return "just now"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 24:
        return f"{hours} h ago"
    days = hours // 24
    if days < 14:
        return f"{days} d ago"
    if days < 70:
        return f"{days // 7} wk ago"
    return f"on {at:%Y-%m-%d}"


def _humanise(key: str) -> str:
    return key.replace("_", " ").replace(".", " ").strip()


def _value(value: Any, names: Mapping[str, str], field: str = "") -> str:
    """A stored value in words: `names["<field>:<value>"]` (ids: "em:7" → "erin"), else
    `names["<value>"]` (state keys, kinds), else the value itself."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_value(v, names, field) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{_humanise(str(k))}: {_value(v, names, str(k))}" for k, v in value.items())
    text = str(value)
    return names.get(f"{field}:{text}", names.get(text, text))


def field_changes(
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    *,
    names: Mapping[str, str],
    fields: Mapping[str, str],
) -> tuple[FieldChange, ...]:
    """Field by field, in the order the row lists them: what it was and what it became (display
    values). Bookkeeping fields (timestamps, versions, ids and hashes) are left out."""
    b, a = dict(before or {}), dict(after or {})
    out = []
    for key in [*b, *(k for k in a if k not in b)]:
        if key in _QUIET_FIELDS:
            continue
        old, new = _value(b.get(key), names, key), _value(a.get(key), names, key)
        if old == new and key in b and key in a:
            continue
        out.append(FieldChange(field=fields.get(key, _humanise(key).capitalize()), before=old, after=new))
    return tuple(out)


Phrase = Callable[[str, Mapping[str, Any], Mapping[str, Any], Mapping[str, str]], str]


def _moved(actor: str, before: Mapping[str, Any], after: Mapping[str, Any], names: Mapping[str, str]) -> str:
    source, target = _value(before.get("state"), names), _value(after.get("state"), names)
    text = f"{actor} moved this from {source} to {target}"
    return text + " automatically" if actor == SYSTEM_ACTOR else text


def _kind(after: Mapping[str, Any], names: Mapping[str, str]) -> str:
    return _value(after.get("kind"), names) or "an approval"


def _requested(actor: str, before: Mapping[str, Any], after: Mapping[str, Any], names: Mapping[str, str]) -> str:
    return f"{actor} asked for the {_kind(after, names)}"


def _decided(actor: str, before: Mapping[str, Any], after: Mapping[str, Any], names: Mapping[str, str]) -> str:
    verdict = "approved" if after.get("status") == "approved" else "rejected"
    text = f"{actor} {verdict} the {_kind(after, names)}"
    state = after.get("target_state")
    return f"{text} (the card was in {_value(state, names)})" if state else text


def _superseded(actor: str, before: Mapping[str, Any], after: Mapping[str, Any], names: Mapping[str, str]) -> str:
    n = len(after.get("requests") or [])
    return f"the content changed: {n} earlier approval{'s' if n != 1 else ''} no longer count{'s' if n == 1 else ''}"


def _label_set(actor: str, before: Mapping[str, Any], after: Mapping[str, Any], names: Mapping[str, str]) -> str:
    new, old = _value(after.get("label"), names), _value(before.get("label"), names)
    return f"{actor} set the label {new}" + (f" (was {old})" if old else "")


def _label_removed(actor: str, before: Mapping[str, Any], after: Mapping[str, Any], names: Mapping[str, str]) -> str:
    return f"{actor} removed the label {_value(before.get('label'), names)}"


def _created(actor: str, before: Mapping[str, Any], after: Mapping[str, Any], names: Mapping[str, str]) -> str:
    return f"{actor} created this"


def _em_assigned(actor: str, before: Mapping[str, Any], after: Mapping[str, Any], names: Mapping[str, str]) -> str:
    who = _value(after.get("em"), names, "em")
    return f"{actor} assigned the engagement manager {who}" if who else f"{actor} removed the engagement manager"


PHRASES: dict[str, Phrase] = {
    "approvals.requested": _requested,
    "approvals.decided": _decided,
    "approvals.superseded": _superseded,
    "engagements.label_set": _label_set,
    "engagements.label_removed": _label_removed,
    "engagements.created": _created,
    "engagements.em_assigned": _em_assigned,
}
# Verbs of a workflow move carry {"state": source} → {"state": target}.
MOVE_PREFIXES: tuple[str, ...] = ("board.",)


def _is_move(verb: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    return (
        "state" in before and "state" in after and (verb.startswith(MOVE_PREFIXES) or before["state"] != after["state"])
    )


def audit_sentence(
    ev: AuditRow,
    *,
    now: datetime,
    names: Mapping[str, str] | None = None,
    fields: Mapping[str, str] | None = None,
) -> AuditSentence:
    """The sentence for one audit row. `names` maps stored values (state keys, kinds, user ids as
    strings) to display names; `fields` maps field names to labels."""
    names = names or {}
    fields = fields or {}
    before: Mapping[str, Any] = ev.before if isinstance(ev.before, Mapping) else {}
    after: Mapping[str, Any] = ev.after if isinstance(ev.after, Mapping) else {}
    actor = ev.actor_label if ev.actor_label and ev.actor_label != "system" else SYSTEM_ACTOR
    phrase = PHRASES.get(ev.verb)
    if phrase is not None:
        text = phrase(actor, before, after, names)
    elif _is_move(ev.verb, before, after):
        text = _moved(actor, before, after, names)
    else:
        app, _, event = ev.verb.partition(".")
        text = f"{actor}: {_humanise(event or app)}" + (f" ({_humanise(app)})" if event else "")
    return AuditSentence(
        text=text,
        ago=time_ago(ev.occurred_at, now),
        at=ev.occurred_at,
        actor=actor,
        reason=ev.reason or "",
        changes=field_changes(before, after, names=names, fields=fields),
    )
