"""Reading untrusted YAML into nodes with bounded size, depth and aliasing, and plain tags only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.core.yamlnodes import line_of

MAX_PACK_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 32
MAX_ALIASES = 100
# Aliases let a small file stand for a huge tree ("billion laughs"); count the tree as the
# validator would walk it, with every alias expanded, and refuse beyond this many nodes.
MAX_EXPANDED_NODES = 2_000_000

_CORE = "tag:yaml.org,2002:"
ALLOWED_TAGS = frozenset(
    _CORE + name
    for name in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp", "merge")
)
_STR, _MERGE = _CORE + "str", _CORE + "merge"
# The characters YAML itself forbids in a stream, so the first one is found with its real line.
_ALLOWED_ASCII = bytes([9, 10, 13, *range(0x20, 0x7F)])
_FORBIDDEN = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# libyaml when PyYAML was built with it: parsing and composing then run in C.
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc]
    """The safe loader, with a shortcut for the common plain scalar that can only be text."""

    # Implicit types (int, float, bool, null, timestamp, merge) start with one of these.
    _TYPED_STARTS = frozenset(yaml.resolver.Resolver.yaml_implicit_resolvers) - {""}
    # Those that start with a letter are the booleans and null: `false` is the longest.
    _LONGEST_WORD_TYPE = 5

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is ScalarNode and value:
            first = value[0]
            if first not in self._TYPED_STARTS or (
                len(value) > self._LONGEST_WORD_TYPE and first.isalpha()
            ):
                return _STR
        resolved: str = super().resolve(kind, value, implicit)
        return resolved


@dataclass(frozen=True)
class Composed:
    """A readable document: its root, and every key that appears twice in one mapping."""

    root: Node | None
    duplicate_keys: list[ScalarNode]


@dataclass(frozen=True)
class YamlProblem:
    """Something that makes a file unreadable or unsafe, at a 1-based line."""

    line: int
    message: str


class Refused(Exception):
    """The file is unsafe or malformed past recovery."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


def compose(data: bytes) -> tuple[Composed, list[YamlProblem]]:
    """The single document of `data` as nodes, or the problems that stop it being read."""
    duplicates: list[ScalarNode] = []
    try:
        root = _compose(_decode(data))
        problems = _inspect(root, duplicates) if root is not None else []
    except Refused as refused:
        return Composed(None, []), [YamlProblem(refused.line, refused.message)]
    return Composed(root, duplicates), problems


def construct(node: Node) -> Any:
    """Plain Python values (dict, list, str, int, ...) of a node that passed `compose`."""
    return _Constructor().value(node)


def tag_name(tag: str) -> str:
    """A tag as written in YAML: `!!python/object` rather than its long form."""
    return "!!" + tag.removeprefix(_CORE) if tag.startswith(_CORE) else tag


def _decode(data: bytes) -> str:
    if len(data) > MAX_PACK_BYTES:
        size, limit = len(data) / 2**20, MAX_PACK_BYTES / 2**20
        raise Refused(1, f"file is {size:.1f} MB, the limit is {limit:g} MB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise Refused(line, f"not UTF-8 text (byte 0x{data[exc.start]:02x})") from None
    text = text.removeprefix("\ufeff")
    if text.isascii() and not data.translate(None, _ALLOWED_ASCII):
        return text  # the common case, checked in C rather than by the regex below
    bad = _FORBIDDEN.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise Refused(line, f"control character {bad.group()!r} at column {column} is not allowed")
    return text


def _compose(text: str) -> Node | None:
    try:
        node: Node | None = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        reason = exc.problem or exc.context or "malformed YAML"
        if "single document" in reason:
            reason = "expected one YAML document, found a second '---'"
        if "nesting depth" in reason:
            raise Refused(line, f"nesting is deeper than {MAX_DEPTH} levels") from None
        raise Refused(line, f"YAML syntax error: {reason}") from None
    except yaml.YAMLError as exc:
        raise Refused(1, f"YAML syntax error: {exc}") from None
    except RecursionError:
        # Only the pure-Python composer recurses; libyaml stops at its own depth limit.
        raise Refused(1, f"nesting is deeper than {MAX_DEPTH} levels") from None
    return node


def _inspect(root: Node, duplicates: list[ScalarNode]) -> list[YamlProblem]:
    """Depth, keys, tags and aliases of the composed graph, walked without recursion."""
    problems: list[YamlProblem] = []
    seen: set[int] = set()
    aliases = 0
    # (node, depth, the node that locates a use of it: its key, or the item before it)
    stack: list[tuple[Node, int, Node]] = [(root, 1, root)]
    while stack:
        node, depth, used_at = stack.pop()
        if id(node) in seen:
            # libyaml composes an alias as the anchored node itself: a second visit is a use.
            aliases += 1
            if aliases > MAX_ALIASES:
                raise Refused(_end_line(used_at), f"more than {MAX_ALIASES} aliases (*name)")
            continue
        seen.add(id(node))
        if depth > MAX_DEPTH:
            raise Refused(line_of(node), f"nesting is deeper than {MAX_DEPTH} levels")
        if node.tag not in ALLOWED_TAGS:
            message = f"tag '{tag_name(node.tag)}' is not allowed: packs are plain YAML"
            problems.append(YamlProblem(line_of(node), message))
        if isinstance(node, MappingNode):
            keys: set[str] = set()
            for key, value in node.value:
                if not isinstance(key, ScalarNode):
                    # An aliased key starts where its anchor is; its value is where it is used.
                    message = "a mapping key must be a plain value, not a list or mapping"
                    raise Refused(line_of(value), message)
                if key.value in keys and key.tag != _MERGE:
                    duplicates.append(key)
                keys.add(key.value)
            for key, value in reversed(node.value):
                stack.append((value, depth + 1, key))
                stack.append((key, depth + 1, key))
        elif isinstance(node, SequenceNode):
            items = node.value
            stack.extend(
                (item, depth + 1, items[index - 1] if index else node)
                for index, item in reversed(list(enumerate(items)))
            )
    if aliases:
        _check_expansion(root)
    problems.sort(key=lambda problem: problem.line)
    return problems


def _end_line(node: Node) -> int:
    mark = node.end_mark if isinstance(node, ScalarNode | SequenceNode | MappingNode) else None
    return int(mark.line) + 1 if mark is not None else line_of(node)


def _check_expansion(root: Node) -> None:
    """With aliases, the tree they stand for: no cycles, at most MAX_EXPANDED_NODES nodes."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            open_nodes.discard(id(node))
            size = 1 + sum(sizes[id(child)] for child in _children(node))
            if size > MAX_EXPANDED_NODES:
                message = f"expands to more than {MAX_EXPANDED_NODES:,} values via aliases"
                raise Refused(line_of(node), message)
            sizes[id(node)] = size
        elif id(node) in open_nodes:
            raise Refused(line_of(node), "an alias refers to the node that contains it")
        elif id(node) not in sizes:
            open_nodes.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


class _Constructor:
    """Plain values of checked nodes: strings as they are, other scalars as PyYAML types them."""

    def __init__(self) -> None:
        self._safe = yaml.SafeLoader("")
        self._done: dict[int, Any] = {}

    def value(self, node: Node) -> Any:
        if isinstance(node, ScalarNode):
            return node.value if node.tag in (_STR, _MERGE) else self._scalar(node)
        known = self._done.get(id(node))
        if known is not None:
            return known
        result: Any
        if isinstance(node, SequenceNode):
            result = [self.value(child) for child in node.value]
        elif any(key.tag == _MERGE for key, _ in node.value):
            # `<<: *defaults` is rare; PyYAML flattens it (a bad merge is a YAMLError).
            result = self._safe.construct_object(node, deep=True)
        else:
            result = {self.value(key): self.value(child) for key, child in node.value}
        self._done[id(node)] = result
        return result

    def _scalar(self, node: ScalarNode) -> Any:
        try:
            return self._safe.construct_object(node, deep=True)
        except yaml.YAMLError:
            return node.value
