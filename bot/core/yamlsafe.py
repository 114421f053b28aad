"""Reading untrusted YAML into nodes with bounded size, depth and aliasing, and plain tags only."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_PACK_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 32
MAX_ALIASES = 100
# Aliases let a small file stand for a huge tree ("billion laughs"); count the tree as the
# validator would walk it, with every alias expanded, and refuse beyond this many nodes.
MAX_EXPANDED_NODES = 2_000_000

_CORE = "tag:yaml.org,2002:"
ALLOWED_TAGS = frozenset(
    _CORE + name for name in ("str", "int", "float", "bool", "null", "seq", "map")
)
# The characters YAML itself forbids in a stream, so the first one is found with its real line.
_FORBIDDEN = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class YamlProblem:
    """Something that makes a file unreadable or unsafe, at a 1-based line."""

    line: int
    message: str


class Refused(Exception):
    """Composition stops: the file is unsafe or malformed past recovery."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


@dataclass
class _Open:
    node: SequenceNode | MappingNode
    anchor: str | None
    size: int = 1
    keys: list[Node] = field(default_factory=list)


def compose(data: bytes) -> tuple[Node | None, list[YamlProblem]]:
    """The single document of `data` as nodes, or the problems that stop it being read."""
    try:
        text = _decode(data)
        return _Composer().run(text)
    except Refused as refused:
        return None, [YamlProblem(refused.line, refused.message)]


def construct(node: Node) -> Any:
    """Plain Python values (dict, list, str, int, ...) of a composed node."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


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
    bad = _FORBIDDEN.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise Refused(line, f"control character {bad.group()!r} at column {column} is not allowed")
    return text


class _Composer:
    """PyYAML's composer rebuilt over the (C) event stream, with limits at every step."""

    def __init__(self) -> None:
        self.resolver: Any = yaml.resolver.Resolver()
        self.anchors: dict[str, tuple[Node, int]] = {}
        self.aliases = 0
        self.problems: list[YamlProblem] = []
        self.stack: list[_Open] = []
        self.root: Node | None = None
        self.root_size = 0
        self.documents = 0

    def run(self, text: str) -> tuple[Node | None, list[YamlProblem]]:
        try:
            for event in yaml.parse(text, Loader=_Loader):
                self._event(event)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else 1
            reason = exc.problem or exc.context or "malformed YAML"
            raise Refused(line, f"YAML syntax error: {reason}") from None
        except yaml.YAMLError as exc:
            raise Refused(1, f"YAML syntax error: {exc}") from None
        return self.root, self.problems

    def _event(self, event: Event) -> None:
        # The C parser's marks are a type of their own with the same fields.
        start: Any = event.start_mark
        end: Any = event.end_mark
        line = start.line + 1
        if isinstance(event, DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise Refused(line, "expected one YAML document, found a second '---'")
        elif isinstance(event, ScalarEvent):
            tag = self._tag(event.tag, ScalarNode, event.value, event.implicit, line)
            node = ScalarNode(tag, event.value, start, end, event.style)
            self._add(node, 1, event.anchor, line)
        elif isinstance(event, AliasEvent):
            self._alias(event, line)
        elif isinstance(event, SequenceStartEvent | MappingStartEvent):
            if len(self.stack) >= MAX_DEPTH:
                raise Refused(line, f"nesting is deeper than {MAX_DEPTH} levels")
            kind: type[Node]
            kind = SequenceNode if isinstance(event, SequenceStartEvent) else MappingNode
            tag = self._tag(event.tag, kind, None, event.implicit, line)
            collection = kind(tag, [], start, None, flow_style=event.flow_style)
            assert isinstance(collection, SequenceNode | MappingNode)
            self.stack.append(_Open(collection, event.anchor))
        elif isinstance(event, SequenceEndEvent | MappingEndEvent):
            done = self.stack.pop()
            done.node.end_mark = end
            self._add(done.node, done.size, done.anchor, done.node.start_mark.line + 1)

    def _tag(self, tag: str | None, kind: type[Node], value: Any, implicit: Any, line: int) -> str:
        if tag is None or tag == "!":
            resolved: str = self.resolver.resolve(kind, value, implicit)
            return resolved
        if tag not in ALLOWED_TAGS:
            self.problems.append(
                YamlProblem(line, f"tag '{tag_name(tag)}' is not allowed: packs are plain YAML")
            )
            # Read on as plain data so every other problem in the file is still found.
            fallback: str = self.resolver.resolve(kind, value, (True, False))
            return fallback
        return tag

    def _alias(self, event: AliasEvent, line: int) -> None:
        name = event.anchor or ""
        if name not in self.anchors:
            raise Refused(line, f"alias '*{name}' refers to no finished anchor")
        self.aliases += 1
        if self.aliases > MAX_ALIASES:
            raise Refused(line, f"more than {MAX_ALIASES} aliases (*name)")
        node, size = self.anchors[name]
        self._add(node, size, None, line)

    def _add(self, node: Node, size: int, anchor: str | None, line: int) -> None:
        if anchor is not None:
            # Registered only once complete, so an anchor can never contain itself.
            self.anchors[anchor] = (node, size)
        if not self.stack:
            self.root, self.root_size = node, size
            return
        parent = self.stack[-1]
        parent.size += size
        if parent.size > MAX_EXPANDED_NODES:
            raise Refused(line, f"expands to more than {MAX_EXPANDED_NODES:,} values via aliases")
        if isinstance(parent.node, SequenceNode):
            parent.node.value.append(node)
        elif not parent.keys or len(parent.keys) == len(parent.node.value):
            if not isinstance(node, ScalarNode):
                raise Refused(line, "a mapping key must be a plain value, not a list or mapping")
            parent.keys.append(node)
        else:
            parent.node.value.append((parent.keys[-1], node))
