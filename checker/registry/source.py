"""Where a key stands in a chapter file, so that every registry error names the file and the line.

tomllib returns plain dicts without positions. The chapter files are simple
(one `[[exercise]]` header per exercise, one key per line), so a table is found
by counting its headers and a key by the first line after the table's header
that sets it. That is exact for the files the course writes, and near enough
(never off by more than the table) for any other layout TOML allows.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from checker.errors import RegistryError


@dataclass(frozen=True)
class Source:
    """One chapter file's name and lines."""

    path: Path
    lines: tuple[str, ...]

    @classmethod
    def of(cls, path: Path, text: str) -> Source:
        return cls(path, tuple(text.splitlines()))

    def header_line(self, header: str, index: int, after: int = 1) -> int:
        """The line of the index-th `[[header]]` from line `after` on; `after` itself for an inline table."""
        pattern = re.compile(r"^\s*\[\[\s*" + re.escape(header).replace(r"\.", r"\s*\.\s*") + r"\s*\]\]")
        seen = 0
        for number in range(after, len(self.lines) + 1):
            if pattern.match(self.lines[number - 1]):
                if seen == index:
                    return number
                seen += 1
        return after

    def key_line(self, key: str, after: int) -> int:
        """The first line from `after` on that sets `key`: `key = …`, `{ key = …`, or a `[….key]` header."""
        name = "(?:" + "|".join(re.escape(form) for form in (key, f'"{key}"', f"'{key}'")) + ")"
        pattern = re.compile(rf"(?:^|[{{,])\s*{name}\s*=|^\s*\[+\s*(?:[^\]]*[.\s])?{name}\s*\]+")
        for number in range(after, len(self.lines) + 1):
            if pattern.search(self.lines[number - 1]):
                return number
        return after


@dataclass(frozen=True)
class At:
    """A table of a chapter file and how an error names it; its line is found only when an error needs it."""

    source: Source
    what: str
    parent: At | None = None
    header: str = ""  # the `[[header]]` of this table, counted from the parent's line
    index: int = 0
    key_in_parent: str = ""  # or the key that holds this table in the parent (`owns = { … }`)

    @functools.cached_property
    def line(self) -> int:
        if self.parent is None:
            return 1
        if self.key_in_parent:
            return self.parent.key(self.key_in_parent)
        return self.source.header_line(self.header, self.index, self.parent.line)

    def table(self, header: str, index: int, what: str) -> At:
        """The index-th `[[header]]` table inside this one."""
        return At(self.source, f"{self.what}, {what}", self, header, index)

    def keyed(self, key: str) -> At:
        """The table this one holds under `key`, named as this one."""
        return At(self.source, self.what, self, key_in_parent=key)

    def named(self, what: str) -> At:
        return dataclasses.replace(self, what=what)

    def key(self, key: str) -> int:
        return self.source.key_line(key, self.line)

    def error(self, message: str, fix: str, key: str | None = None) -> RegistryError:
        line = self.key(key) if key else self.line
        return RegistryError(f"{self.source.path.name}, line {line}: {self.what}: {message}", fix)
