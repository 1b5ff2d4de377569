"""Answers to scoping questions: normalising what people type and typing it for the effort model.

Pure: no Django. An answer is stored as text in the SSOT table (what the customer said, normalised);
"to-do" means not answered yet. "unknown", "?" and an empty answer are the same as "to-do".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

TODO = "to-do"
UNANSWERED = frozenset({"", "to-do", "todo", "unknown", "?", "n/a?", "tbd"})
YES = frozenset({"yes", "y", "true", "1"})
NO = frozenset({"no", "n", "false", "0"})
MAX_NUMBER = 10**12


class AnswerError(ValueError):
    """An answer that does not fit its question (wrong type, negative count, not a listed choice)."""


def answer_normalise(*, answer_type: str, raw: Any, choices: Sequence[str] = (), multiple: bool = False) -> str:
    """The stored text of an answer, or raise AnswerError with a human reason."""
    if raw is None:
        return TODO
    if isinstance(raw, bool):
        if answer_type != "yes_no":
            raise AnswerError(f"expects {_kind(answer_type)}, got {str(raw).lower()}")
        return "yes" if raw else "no"
    text = str(raw).strip()
    if text.lower() in UNANSWERED:
        return TODO
    parse = _PARSERS.get(answer_type)
    if parse is None:
        raise AnswerError(f"unknown answer type '{answer_type}'")
    return parse(raw, text, choices, multiple)


def _number(raw: Any, text: str, choices: Sequence[str], multiple: bool) -> str:
    try:
        value = Decimal(text.replace(",", "").replace("_", "")) if isinstance(raw, str) else Decimal(str(raw))
    except InvalidOperation:
        raise AnswerError(f"expects a number, got '{text[:40]}'") from None
    if not value.is_finite():
        raise AnswerError(f"expects a number, got '{text[:40]}'")
    if value < 0:
        raise AnswerError(f"must not be negative, got {text[:40]}")
    if value > MAX_NUMBER:
        raise AnswerError(f"is too large (at most {MAX_NUMBER:,})")
    return _fmt(value)


def _yes_no(raw: Any, text: str, choices: Sequence[str], multiple: bool) -> str:
    low = text.lower()
    if low in YES:
        return "yes"
    if low in NO:
        return "no"
    raise AnswerError(f"expects yes or no, got '{text[:40]}'")


def _choice(raw: Any, text: str, choices: Sequence[str], multiple: bool) -> str:
    by_lower = {c.lower(): c for c in choices}
    parts = [p.strip() for p in text.split(",")] if multiple else [text]
    out = []
    for p in parts:
        if p.lower() not in by_lower:
            raise AnswerError(f"'{p[:40]}' is not one of: {', '.join(choices)}")
        out.append(by_lower[p.lower()])
    return ", ".join(dict.fromkeys(out))


def _text(raw: Any, text: str, choices: Sequence[str], multiple: bool) -> str:
    if len(text) > 2000:
        raise AnswerError("is longer than 2000 characters")
    return text


# answer type → parser(raw, stripped text, choices, multiple) of an answered value
_PARSERS: dict[str, Callable[[Any, str, Sequence[str], bool], str]] = {
    "number": _number,
    "yes_no": _yes_no,
    "choice": _choice,
    "text": _text,
}


def answer_typed(*, answer_type: str, stored: str) -> Any:
    """The value the effort model sees: Decimal for numbers, the text otherwise; None if unanswered."""
    if stored.strip().lower() in UNANSWERED:
        return None
    if answer_type == "number":
        try:
            return Decimal(stored)
        except InvalidOperation:
            return None
    return stored


def is_answered(stored: str) -> bool:
    return stored.strip().lower() not in UNANSWERED


def _kind(answer_type: str) -> str:
    return {"number": "a number", "yes_no": "yes or no", "choice": "one of the listed choices", "text": "text"}.get(
        answer_type, answer_type
    )


def _fmt(value: Decimal) -> str:
    if value == value.to_integral():
        return str(value.quantize(Decimal(1)))
    return f"{value.normalize():f}"
