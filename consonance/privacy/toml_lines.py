"""Where each key of a TOML document sits, so that validation errors can say `file:line`.

`tomllib` parses but forgets positions. This scanner walks the same text and records the line of
every table header and key, addressed by the path the parsed document uses, e.g.
("retention", 2, "duration") for the `duration` key of the third `[[retention]]` table. It only
has to understand the shapes TOML allows for keys, not values: multi-line strings and arrays are
skipped, inline tables get their keys recorded on the line they open.
"""

from __future__ import annotations

import re

Path = tuple[str | int, ...]

_KEY = r'(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|\'[^\']*\')'
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_TABLE = re.compile(rf"^\s*\[\s*({_DOTTED})\s*\]\s*(#.*)?$")
_ARRAY_TABLE = re.compile(rf"^\s*\[\[\s*({_DOTTED})\s*\]\]\s*(#.*)?$")
_ASSIGN = re.compile(rf"^\s*({_DOTTED})\s*=\s*(.*)$")
_INLINE_KEY = re.compile(rf"[{{,]\s*({_DOTTED})\s*=")


def _split(dotted: str) -> list[str]:
    parts = re.findall(_KEY, dotted)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]


def key_lines(text: str) -> dict[Path, int]:
    lines: dict[Path, int] = {}
    array_counts: dict[tuple[str, ...], int] = {}
    current: Path = ()
    in_multiline: str | None = None  # the closing delimiter we are waiting for
    bracket_depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if in_multiline in line:
                in_multiline = None
            continue
        if bracket_depth > 0:
            bracket_depth += _bracket_balance(line)
            continue
        if match := _ARRAY_TABLE.match(line):
            names = tuple(_split(match.group(1)))
            index = array_counts.get(names, -1) + 1
            array_counts[names] = index
            current = (*names, index)
            lines.setdefault(current, number)
            lines.setdefault(names, number)
            continue
        if match := _TABLE.match(line):
            current = tuple(_split(match.group(1)))
            lines.setdefault(current, number)
            continue
        if match := _ASSIGN.match(line):
            path = (*current, *_split(match.group(1)))
            lines.setdefault(path, number)
            value = match.group(2)
            for inner in _INLINE_KEY.finditer(value):
                lines.setdefault((*path, *_split(inner.group(1))), number)
            for delimiter in ('"""', "'''"):
                if value.lstrip().startswith(delimiter) and value.count(delimiter) == 1:
                    in_multiline = delimiter
            if value.lstrip().startswith("["):
                bracket_depth = _bracket_balance(value)
    return lines


def _bracket_balance(text: str) -> int:
    # Strings inside arrays may hold brackets; drop them before counting.
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'', "", text.split("#", 1)[0])
    return text.count("[") - text.count("]")


def line_of(lines: dict[Path, int], path: Path) -> int:
    """The line of `path`, or of its nearest ancestor that has one (1 if none does)."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return 1
