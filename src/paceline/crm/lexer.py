"""Split crm configure text into statements of located tokens.

The crm shell reads its input line by line: a line ending in ``\\`` goes on
with the next one, a line starting with ``#`` is a comment (kept, and attached
to the statement that follows), and each logical line is cut into words the
way a POSIX shell does (``"..."`` with ``\\"`` and ``\\\\`` escapes,
``'...'`` literal, quotes may sit inside a word: ``ip="198.18.0.1"``).

A statement starting with ``xml`` is not cut into words: its second token is
the XML text as written (continuation lines joined by newlines).

Every token remembers where it starts (file, 1-based line and column), so
that the parser can blame the exact spot of an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from paceline.core.errors import ConfigError

__all__ = ["Statement", "Token", "tokenize", "trailing_comments"]


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a statement: its value with quotes removed, and where it starts."""

    text: str
    line: int
    column: int
    quoted: bool = False

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Statement:
    """One logical line (continuations joined): its words and the comments before it."""

    tokens: tuple[Token, ...]
    comments: tuple[str, ...] = ()
    file: str | None = None

    @property
    def line(self) -> int:
        return self.tokens[0].line


def tokenize(text: str, file: str | None = None) -> list[Statement]:
    """Cut ``text`` into statements; raise ConfigError on an unterminated quote."""
    return _tokenize(text, file)[0]


def lex(text: str, file: str | None = None) -> tuple[list[Statement], tuple[int, ...]]:
    """:func:`tokenize` and :func:`trailing_comments` in one pass over ``text``."""
    return _tokenize(text, file)


def trailing_comments(text: str, file: str | None = None) -> tuple[int, ...]:
    """The line numbers of the comment lines after the last statement: they
    precede nothing, so no object keeps them (crmsh drops them as well)."""
    return _tokenize(text, file)[1]


def _tokenize(text: str, file: str | None) -> tuple[list[Statement], tuple[int, ...]]:
    statements: list[Statement] = []
    comments: list[str] = []
    comment_lines: list[int] = []
    current: list[Token] = []
    xml: list[str] | None = None  # lines of an ``xml <...>`` statement being read
    lines = text.split("\n")
    for index, raw in enumerate(lines):
        lineno = index + 1
        stripped = raw.strip()
        if xml is not None or (not current and _XML_RE.match(stripped)):
            if xml is None:
                start = raw.index("xml")
                current = [Token("xml", lineno, start + 1)]
                body_start = start + 3 + (len(raw[start + 3 :]) - len(raw[start + 3 :].lstrip()))
                current.append(Token("", lineno, body_start + 1, quoted=True))
                xml = [raw[body_start:]]
            else:
                xml.append(raw)
            if xml[-1].rstrip().endswith("\\"):
                xml[-1] = xml[-1].rstrip()[:-1]
                continue
            first = current[1]
            current[1] = Token("\n".join(xml), first.line, first.column, quoted=True)
            statements.append(Statement(tuple(current), tuple(comments), file))
            comments, comment_lines, current, xml = [], [], [], None
            continue
        if not current and stripped.startswith("#"):
            comments.append(stripped)
            comment_lines.append(lineno)
            continue
        body = raw.rstrip()
        continued = body.endswith("\\") and not body.endswith("\\\\")
        if continued:
            body = body[:-1]
        current.extend(_split_words(body, lineno, file))
        if continued:
            continue
        if current:
            statements.append(Statement(tuple(current), tuple(comments), file))
            comments, comment_lines = [], []
        current = []
    if current:
        if xml is not None:
            first = current[1]
            current[1] = Token("\n".join(xml), first.line, first.column, quoted=True)
        statements.append(Statement(tuple(current), tuple(comments), file))
        comment_lines = []
    return statements, tuple(comment_lines)


_SPACE = " \t\r\f\v"
_XML_RE = re.compile(r"xml(\s|<)")


def _split_words(line: str, lineno: int, file: str | None) -> list[Token]:
    """Shell-like split of one physical line, keeping each word's column."""
    words: list[Token] = []
    i = 0
    n = len(line)
    while i < n:
        if line[i] in _SPACE:
            i += 1
            continue
        start = i
        parts: list[str] = []
        quoted = False
        while i < n and line[i] not in _SPACE:
            ch = line[i]
            if ch == '"':
                quoted = True
                i += 1
                while True:
                    if i >= n:
                        raise ConfigError(
                            "unterminated double quote",
                            file=file,
                            line=lineno,
                            column=start + 1,
                            text=line[start:],
                            expected='a closing "',
                        )
                    ch = line[i]
                    if ch == '"':
                        i += 1
                        break
                    if ch == "\\" and i + 1 < n and line[i + 1] in '"\\$`':
                        parts.append(line[i + 1])
                        i += 2
                        continue
                    parts.append(ch)
                    i += 1
            elif ch == "'":
                quoted = True
                end = line.find("'", i + 1)
                if end < 0:
                    raise ConfigError(
                        "unterminated single quote",
                        file=file,
                        line=lineno,
                        column=start + 1,
                        text=line[start:],
                        expected="a closing '",
                    )
                parts.append(line[i + 1 : end])
                i = end + 1
            elif ch == "\\" and i + 1 < n:
                parts.append(line[i + 1])
                i += 2
            else:
                parts.append(ch)
                i += 1
        words.append(Token("".join(parts), lineno, start + 1, quoted))
    return words
