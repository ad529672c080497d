"""corosync.conf syntax: sections and ``key: value`` items, with locations.

The grammar (specs/corosync.md section 1): a line is a comment (first
non-blank ``#``), blank, ``name {`` (nothing after the brace), ``}`` alone, or
``key: value`` (the first ``:`` splits; both sides trimmed). Every piece keeps
its line and column so that ``paceline.membership.config`` can blame the
exact place of a bad value.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from paceline.core.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Item:
    """``key: value``; ``column`` is where the value starts (1-based)."""

    key: str
    value: str
    line: int
    key_column: int
    column: int


@dataclass(slots=True)
class Section:
    """``name { ... }``: items and sub-sections in file order."""

    name: str
    line: int
    column: int
    items: list[Item] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    def item(self, key: str) -> Item | None:
        """The last ``key`` item (a later one overrides, as in cmap)."""
        found = None
        for it in self.items:
            if it.key == key:
                found = it
        return found

    def subsections(self, name: str) -> Iterator[Section]:
        return (s for s in self.sections if s.name == name)


def parse(text: str, file: str | None = None) -> Section:
    """The file as a root section (name ``""``).

    Raises:
        ConfigError: a line that is none of the forms above, or unbalanced braces.
    """
    root = Section("", 0, 0)
    stack = [root]
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if not stripped or stripped.startswith("#"):
            continue
        if stripped == "}":
            if len(stack) == 1:
                raise ConfigError(
                    "Unexpected closing brace", file=file, line=lineno, column=indent + 1
                )
            stack.pop()
            continue
        brace = stripped.find("{")
        colon = stripped.find(":")
        if brace >= 0 and (colon < 0 or brace < colon):
            name = stripped[:brace].strip()
            rest = stripped[brace + 1 :].strip()
            if rest:
                raise ConfigError(
                    "Extra characters after opening bracket '{'",
                    file=file,
                    line=lineno,
                    column=indent
                    + brace
                    + 2
                    + (len(stripped[brace + 1 :]) - len(stripped[brace + 1 :].lstrip())),
                    text=rest,
                )
            if not name:
                raise ConfigError(
                    "section name missing before '{'", file=file, line=lineno, column=indent + 1
                )
            section = Section(name, lineno, indent + 1)
            stack[-1].sections.append(section)
            stack.append(section)
            continue
        if colon > 0:
            key = stripped[:colon].strip()
            after = stripped[colon + 1 :]
            value = after.strip()
            vcol = indent + colon + 2 + (len(after) - len(after.lstrip()))
            stack[-1].items.append(Item(key, value, lineno, indent + 1, vcol))
            continue
        raise ConfigError(
            "Line is not opening or closing section or key value",
            file=file,
            line=lineno,
            column=indent + 1,
            text=stripped,
        )
    if len(stack) > 1:
        open_ = stack[-1]
        raise ConfigError(
            f"Missing closing brace for section '{open_.name}'",
            file=file,
            line=open_.line,
            column=open_.column,
        )
    return root
