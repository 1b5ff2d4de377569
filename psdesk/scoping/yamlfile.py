"""Reading configuration YAML with line numbers, so a mistake is reported as `file:line: reason`.

Pure: no Django. Mappings come back as `LineDict` (a dict with `.line`, 1-based) and lists as
`LineList`, so validators can point at the offending entry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from psdesk.scoping.effort import RulesError


class LineDict(dict[Any, Any]):
    line: int = 0


class LineList(list[Any]):
    line: int = 0


class _Loader(yaml.SafeLoader):
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    d = LineDict(loader.construct_mapping(node, deep=True))
    d.line = node.start_mark.line + 1
    return d


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    seq = LineList(loader.construct_sequence(node, deep=True))
    seq.line = node.start_mark.line + 1
    return seq


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def yaml_read(path: Path | str, *, label: str | None = None) -> Any:
    """Parse a YAML file. Raises RulesError(file, line, reason) on unreadable or malformed YAML."""
    source = label or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(source, 0, f"cannot read the file ({exc.strerror or exc})") from None
    return yaml_parse(text, source=source)


def yaml_parse(text: str, *, source: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 — _Loader is a SafeLoader subclass (adds line numbers only)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        raise RulesError(source, line, f"malformed YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise RulesError(source, 0, f"malformed YAML: {exc}") from None
