"""The tokenizer: continuations, comments, quotes, and where each word starts."""

from __future__ import annotations

import pytest

from paceline.core.errors import ConfigError
from paceline.crm.lexer import tokenize


def words(text: str) -> list[list[str]]:
    return [[t.text for t in s.tokens] for s in tokenize(text)]


def test_continuation_lines_make_one_statement() -> None:
    text = 'primitive vip IPaddr2 \\\n    params ip="198.18.0.64" \\\n    op monitor interval=10s\n'
    assert words(text) == [
        [
            "primitive",
            "vip",
            "IPaddr2",
            "params",
            "ip=198.18.0.64",
            "op",
            "monitor",
            "interval=10s",
        ]
    ]


def test_tokens_know_their_line_and_column() -> None:
    (statement,) = tokenize("node n1\n", file="a.crm")
    assert [(t.line, t.column) for t in statement.tokens] == [(1, 1), (1, 6)]
    (statement,) = tokenize("\n\nprimitive d \\\n\tDummy", file="a.crm")
    assert [(t.text, t.line, t.column) for t in statement.tokens] == [
        ("primitive", 3, 1),
        ("d", 3, 11),
        ("Dummy", 4, 2),
    ]


def test_comments_attach_to_the_next_statement() -> None:
    statements = tokenize("# the nodes\nnode n1\n\n# vip\n# really\nprimitive v IPaddr2\n")
    assert [s.comments for s in statements] == [("# the nodes",), ("# vip", "# really")]


def test_hash_inside_a_statement_is_a_word() -> None:
    assert words("location l g rule #uname eq n1") == [
        ["location", "l", "g", "rule", "#uname", "eq", "n1"]
    ]


def test_quotes_group_words_and_escapes_work() -> None:
    assert words('primitive p Dummy params a="x y" b=\'lit "q"\' c="say \\"hi\\""') == [
        ["primitive", "p", "Dummy", "params", "a=x y", 'b=lit "q"', 'c=say "hi"']
    ]


def test_empty_quotes_give_an_empty_word() -> None:
    assert words('property x=""') == [["property", "x="]]


@pytest.mark.parametrize(
    ("text", "column"),
    [('primitive p Dummy params a="open', 26), ("primitive p Dummy params a='open", 26)],
)
def test_unterminated_quote_is_located(text: str, column: int) -> None:
    with pytest.raises(ConfigError) as err:
        tokenize(text, file="x.crm")
    assert err.value.line == 1 and err.value.column == column
    assert str(err.value).startswith("x.crm:1:26: unterminated")
