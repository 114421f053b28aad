"""Finding things in composed YAML: the node an error path names, the keys a part repeats."""

from __future__ import annotations

from bisect import bisect_left

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


def line_of(node: Node) -> int:
    """The 1-based line a node starts on."""
    return int(node.start_mark.line) + 1


def node_at(node: Node, loc: tuple[int | str, ...]) -> Node:
    """The deepest YAML node on the error's path, so the line points at the field itself."""
    for part in loc:
        if isinstance(part, int) and isinstance(node, SequenceNode):
            if part >= len(node.value):
                break
            node = node.value[part]
        elif isinstance(part, str) and isinstance(node, MappingNode):
            child = next((v for k, v in node.value if k.value == part), None)
            if child is None:
                break
            node = child
        else:
            break
    return node


class DuplicateKeys:
    """The repeated keys of a file, handed to the part of the pack whose text holds them."""

    def __init__(self, keys: list[ScalarNode]) -> None:
        self._keys = sorted(keys, key=_offset)
        self._offsets = [_offset(key) for key in self._keys]

    def within(self, node: Node, *, deep: bool = True) -> list[ScalarNode]:
        """Repeated keys inside `node` (only its own keys unless deep)."""
        if not self._keys:
            return []
        # A block ends where the next one starts, so compare offsets, not lines.
        first, end = _offset(node), int(node.end_mark.index)
        keys = self._keys[bisect_left(self._offsets, first) : bisect_left(self._offsets, end)]
        if deep or not isinstance(node, MappingNode):
            return keys
        own = {id(key) for key, _ in node.value}
        return [key for key in keys if id(key) in own]


def _offset(node: Node) -> int:
    return int(node.start_mark.index)
