"""Reading a template: YAML to plain Python values plus the line and column of every value and key."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from icespec.spec.errors import Diagnostic

PathKey = tuple[str | int, ...]
# libyaml's parser when present (several times faster); both keep line/column marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Documented limits, so a hostile file fails in bounded time and memory: YAML aliases can make a
# 2 KB file expand to billions of values (the "billion laughs"), and deep nesting exhausts the stack.
MAX_VALUES = 100_000
MAX_DEPTH = 64


@dataclass
class SourceDocument:
    """A parsed YAML document and where each part of it came from (1-based line and column)."""

    path: Path
    data: Any
    value_positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: PathKey, *, key: bool = False) -> tuple[int, int]:
        """Position of the value at `path` (or of its key), falling back to the nearest parent."""
        probe = tuple(path)
        while True:
            table = self.key_positions if key else self.value_positions
            if probe in table:
                return table[probe]
            if key and probe in self.value_positions:
                return self.value_positions[probe]
            if not probe:
                return (1, 1)
            probe = probe[:-1]
            key = False

    def diagnostic(self, path: PathKey, message: str, *, key: bool = False) -> Diagnostic:
        line, column = self.position(path, key=key)
        return Diagnostic(str(self.path), line, column, message)


class _DuplicateKey(Exception):
    def __init__(self, key: str, node: yaml.Node, first: tuple[int, int]):
        self.key, self.node, self.first = key, node, first


class _TooLarge(Exception):
    def __init__(self, node: yaml.Node, message: str):
        self.node, self.message = node, message


class _Budget:
    def __init__(self) -> None:
        self.values = 0


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _convert(
    node: yaml.Node, path: PathKey, doc: SourceDocument, constructor: yaml.SafeLoader, budget: _Budget
) -> Any:
    budget.values += 1
    if budget.values > MAX_VALUES:
        raise _TooLarge(node, f"the template expands to more than {MAX_VALUES:,} values (YAML aliases that repeat "
                              "each other?): write the values out")  # fmt: skip
    if len(path) > MAX_DEPTH:
        raise _TooLarge(node, f"the template nests values more than {MAX_DEPTH} levels deep: flatten it")
    doc.value_positions[path] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        explicit: dict[str, tuple[int, int]] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = str(constructor.construct_object(key_node, deep=True))
            if key in explicit:
                raise _DuplicateKey(key, key_node, explicit[key])
            explicit[key] = _mark(key_node)
        constructor.flatten_mapping(node)  # merge keys (<<) first; explicit keys after them win
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = str(constructor.construct_object(key_node, deep=True))
            doc.key_positions[(*path, key)] = _mark(key_node)
            result[key] = _convert(value_node, (*path, key), doc, constructor, budget)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, (*path, index), doc, constructor, budget) for index, item in enumerate(node.value)
        ]
    return constructor.construct_object(node, deep=True)


def _explicit_tag(text: str) -> tuple[int, int, str] | None:
    """The first explicit YAML tag (`!!float x`, `!custom`), if any: a tag makes PyYAML build values a
    template has no use for, and some of them fail outside YAML's own error types."""
    if "!" not in text:
        return None
    try:
        for token in yaml.scan(text, Loader=_LOADER):
            if isinstance(token, yaml.TagToken):
                handle, suffix = token.value
                return token.start_mark.line + 1, token.start_mark.column + 1, f"{handle or ''}{suffix}"
    except yaml.YAMLError:
        return None  # a syntax error: the composer reports it with its position
    return None


def read_document(path: Path, text: str | None = None) -> tuple[SourceDocument | None, list[Diagnostic]]:
    """Parse one YAML file. Returns the document, or None with diagnostics in the common format."""
    path = Path(path)
    try:
        if text is None:
            text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [
            Diagnostic(str(path), 1, 1, f"the file is not UTF-8 text ({exc.reason}): save it as UTF-8")
        ]
    except OSError as exc:
        return None, [Diagnostic(str(path), 1, 1, f"cannot read the file: {exc.strerror or exc}")]
    doc = SourceDocument(path=path, data=None)
    tag = _explicit_tag(text)
    if tag is not None:
        return None, [Diagnostic(str(path), tag[0], tag[1],
                                 f"YAML tag {tag[2]!r}: templates take plain values; remove the tag")]  # fmt: skip
    try:
        nodes = list(yaml.compose_all(text, Loader=_LOADER))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        advice = "fix the YAML syntax"
        if exc.context and exc.context_mark and exc.context_mark.line + 1 != line:
            advice = f"{advice} ({exc.context} at line {exc.context_mark.line + 1})"
        source_line = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
        if "mapping values are not allowed" in problem and "<" in source_line:
            advice = 'quote a type that contains ": ", e.g. type: "struct<id: long, name: string>"'
        return None, [Diagnostic(str(path), line, column, f"YAML syntax error: {problem}: {advice}")]
    except yaml.YAMLError as exc:
        return None, [Diagnostic(str(path), 1, 1, f"YAML error: {exc}")]
    nodes = [n for n in nodes if n is not None]
    if not nodes:
        return None, [
            Diagnostic(
                str(path),
                1,
                1,
                "the file is empty: a template needs at least 'name', 'namespace' and 'columns'",
            )
        ]
    if len(nodes) > 1:
        line, column = _mark(nodes[1])
        return None, [
            Diagnostic(
                str(path),
                line,
                column,
                "a template holds one YAML document: remove the second '---' document",
            )
        ]
    root = nodes[0]
    if not isinstance(root, yaml.MappingNode):
        line, column = _mark(root)
        found = "a list" if isinstance(root, yaml.SequenceNode) else "a single value"
        return None, [
            Diagnostic(
                str(path),
                line,
                column,
                f"a template must be a mapping of keys (name, namespace, columns, ...), found {found}",
            )
        ]
    constructor = yaml.SafeLoader("")
    try:
        doc.data = _convert(root, (), doc, constructor, _Budget())
    except _DuplicateKey as dup:
        line, column = _mark(dup.node)
        return None, [
            Diagnostic(
                str(path),
                line,
                column,
                f"duplicate key '{dup.key}' (first at line {dup.first[0]}): keep one",
            )
        ]
    except _TooLarge as large:
        line, column = _mark(large.node)
        return None, [Diagnostic(str(path), line, column, large.message)]
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, [Diagnostic(str(path), line, column, f"YAML error: {exc.problem}")]
    return doc, []
