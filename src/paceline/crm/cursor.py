"""A read position in one statement's tokens, with errors that point at the token."""

from __future__ import annotations

import re

from paceline.core.errors import ConfigError
from paceline.core.errors import Location as Where
from paceline.crm.lexer import Statement, Token

__all__ = ["Cursor"]


class Cursor:
    """Walks the tokens of one statement; every error names file, line and column."""

    def __init__(self, statement: Statement) -> None:
        self.statement = statement
        self.tokens: list[Token] = list(statement.tokens)
        self.pos = 0
        self.context = ""  # e.g. "primitive vip", put before every message

    # -- looking -------------------------------------------------------
    def at_end(self) -> bool:
        return self.pos >= len(self.tokens)

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def peek_keyword(self, *words: str) -> bool:
        """True if the next token is one of ``words`` (case-insensitive, unquoted)."""
        token = self.peek()
        return token is not None and not token.quoted and token.text.lower() in words

    # -- taking --------------------------------------------------------
    def take(self, expected: str) -> Token:
        """The next token; an error saying ``expected`` if there is none."""
        token = self.peek()
        if token is None:
            raise self.error("unexpected end of statement", expected=expected)
        self.pos += 1
        return token

    def take_keyword(self, *words: str) -> Token | None:
        if self.peek_keyword(*words):
            return self.take(" or ".join(words))
        return None

    def take_match(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        """Take the next token if it matches ``pattern`` entirely; its match."""
        token = self.peek()
        if token is None:
            return None
        found = pattern.fullmatch(token.text)
        if found is not None:
            self.pos += 1
        return found

    def expect_match(self, pattern: re.Pattern[str], expected: str) -> re.Match[str]:
        token = self.peek()
        if token is None:
            raise self.error("unexpected end of statement", expected=expected)
        found = pattern.fullmatch(token.text)
        if found is None:
            raise self.error("unexpected word", token=token, expected=expected)
        self.pos += 1
        return found

    def take_last_match(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        """Take the *last* token of the statement if it matches (tail options)."""
        if self.at_end():
            return None
        found = pattern.fullmatch(self.tokens[-1].text)
        if found is not None:
            self.tokens.pop()
        return found

    def rest(self) -> list[Token]:
        tokens = self.tokens[self.pos :]
        self.pos = len(self.tokens)
        return tokens

    # -- blaming -------------------------------------------------------
    def where(self, token: Token | None = None) -> Where:
        token = token if token is not None else self.peek()
        if token is None:
            last = self.tokens[-1] if self.tokens else None
            if last is None:
                return Where(self.statement.file, None, None)
            return Where(self.statement.file, last.line, last.column + len(last.text))
        return Where(self.statement.file, token.line, token.column)

    def error(
        self, message: str, *, token: Token | None = None, expected: str | None = None
    ) -> ConfigError:
        token = token if token is not None else self.peek()
        where = self.where(token)
        return ConfigError(
            f"{self.context}: {message}" if self.context else message,
            file=where.file,
            line=where.line,
            column=where.column,
            text=None if token is None else token.text,
            expected=expected,
        )

    def finish(self, expected: str) -> None:
        """Fail if tokens are left over."""
        token = self.peek()
        if token is not None:
            raise self.error("unexpected word", token=token, expected=expected)
