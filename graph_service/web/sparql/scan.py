"""A small SPARQL lexer for the endpoint's checks, run before any text reaches the store.

Why lexical: the endpoint must refuse `SERVICE` and `LOAD` (pyoxigraph would fetch the URL; it has no
switch to forbid it and ignores proxy settings), see whether a query has its own dataset (FROM / FROM
NAMED), add the protocol's `using-graph-uri` to updates (pyoxigraph's `update` has no dataset argument)
and refuse nesting deep enough to crash the store's recursive parser. Keywords are only recognised
outside strings, IRIs and comments, so `"SERVICE"` in a literal or `ex:service` is not one.

Text can hide from a lexer only inside a comment, a string, an IRI, a variable or a prefixed name, so
these follow the terminals of the store's parser (Oxigraph 0.5, SPARQL 1.1 grammar §19.8) exactly:
a comment ends at CR or LF, white space is only space, tab, CR and LF, strings take only the grammar's
escapes, local names take `\\#`-style escapes and a single `.`-run, and `\\u` escapes count only in
IRIs and strings (Oxigraph 0.5 does not expand them elsewhere; tests/test_sparql_scan_fuzz.py checks
all this against pyoxigraph). Where the two could still differ, the lexer refuses rather than guesses:

- a string the grammar does not accept (unterminated, a bad escape, a line break in a short string) or
  a backslash outside strings, IRIs and names is a `ScanError`: the store would refuse the text anyway,
  and stopping there keeps the scan linear (no retry from every quote);
- `<` may be the less-than operator where the lexer reads an IRI (`FILTER(?a<?b)SERVICE:x#>`): an IRI
  token that holds `)` followed by SERVICE or LOAD counts as a call (see `Scan.remote_targets`).

One pass over the text, each character read a bounded number of times: linear in the text's length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

# Character classes of the grammar as Oxigraph 0.5 spells them (PN_CHARS_BASE has no astral planes).
_BASE = ("A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
         "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd")
_CHARS_U = "_" + _BASE
_CHARS = _CHARS_U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_ESCAPE = r"""\\[tbnrf"'\\]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"""
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_LOCAL = rf"(?:[{_CHARS_U}:0-9]|{_PLX})(?:[{_CHARS}:]|{_PLX})*+(?:\.++(?:[{_CHARS}:]|{_PLX})++)?"

_TOKEN = re.compile(rf"""
    (?P<ws>[\ \t\r\n]++)
  | (?P<comment>\#[^\r\n]*+)
  | (?P<string>'''(?:(?:''|')?(?:[^'\\]|{_ESCAPE}))*+'''
             |\"\"\"(?:(?:\"\"|\")?(?:[^"\\]|{_ESCAPE}))*+\"\"\"
             |'(?!'')(?:[^'\\\n\r]|{_ESCAPE})*+'
             |"(?!"")(?:[^"\\\n\r]|{_ESCAPE})*+")
  | (?P<badstring>['"])
  | (?P<iri><(?:[^<>"{{}}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{{4}}|\\U[0-9A-Fa-f]{{8}})*+>)
  | (?P<var>[?$][{_CHARS_U}0-9][{_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*+)
  | (?P<bnode>_:[{_CHARS_U}0-9][{_CHARS}]*+(?:\.++[{_CHARS}]++)*+)
  | (?P<name>(?:[{_BASE}][{_CHARS}]*+(?:\.++[{_CHARS}]++)*+)?:(?:{_LOCAL})?)
  | (?P<word>[{_CHARS}]++(?:\.++[{_CHARS}]++)*+)
  | (?P<open>\{{)
  | (?P<close>\}})
  | (?P<bracket>[(\[])
  | (?P<unbracket>[)\]])
  | (?P<backslash>\\)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)


class ScanError(ValueError):
    """Text the store's SPARQL parser would refuse too; the lexer stops there rather than guess."""


class Token(NamedTuple):
    """One significant token (a tuple: a query has dozens, lexed on every request)."""

    kind: str      # "word" (keyword or bare name), "iri", "string", "var", "name", "open", "close", "other"
    text: str
    start: int
    depth: int     # braces open before the token

    @property
    def keyword(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def _line_col(text: str, pos: int) -> str:
    """Where `pos` is, for error messages."""
    line, line_start = text.count("\n", 0, pos) + 1, text.rfind("\n", 0, pos) + 1
    return f"line {line}, column {pos - line_start + 1}"


_ERRORS = {
    "badstring": "a string that is not closed on its line, or holds an escape SPARQL does not define",
    "backslash": "a backslash outside a string, an IRI or a prefixed name",
}
_KINDS = {"bnode": "name", "bracket": "other", "unbracket": "other"}


def _lex(text: str) -> tuple[list[Token], int]:
    """The significant tokens (comments and white space dropped) and the deepest { ( [ nesting."""
    out: list[Token] = []
    braces = nesting = deepest = 0      # braces open; braces, parentheses and brackets open
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        kind = m.lastgroup
        if kind in _ERRORS:
            raise ScanError(f"syntax error at {_line_col(text, pos)}: {_ERRORS[kind]}")
        pos = m.end()
        if kind in ("ws", "comment"):
            continue
        if kind in ("open", "bracket"):
            nesting += 1
            deepest = max(deepest, nesting)
        elif kind in ("close", "unbracket"):
            nesting = max(0, nesting - 1)
        if kind == "close":
            braces = max(0, braces - 1)
        out.append(Token(_KINDS.get(kind, kind), m.group(), m.start(), braces))
        if kind == "open":
            braces += 1
    return out, deepest


REMOTE = ("SERVICE", "LOAD")


def _remote_word(tok: Token) -> bool:
    """A bare word or a prefix that holds SERVICE or LOAD.

    Oxigraph's parser matches keywords without a word boundary (`SERVICESILENT<iri>` and
    `SERVICE:x` are SERVICE calls), and no other bare SPARQL word holds these letters, so any
    such word counts. (Local names are not looked at: `dcat:accessService` is no call.)
    """
    if tok.kind == "word":
        return any(k in tok.keyword for k in REMOTE)
    if tok.kind == "name" and not tok.text.startswith("_:"):
        return any(k in tok.text.split(":", 1)[0].upper() for k in REMOTE)
    return False


def _operator_in_disguise(tok: Token) -> bool:
    """An IRI token the store may read as `<` (less than), then `)` and a call: `<?b)SERVICE:x#>`.

    The `<` operator only occurs inside an expression's parentheses and a call only outside them,
    so such text needs a `)` before the SERVICE (LOAD cannot follow: it needs a `}` first)."""
    if tok.kind != "iri" or ")" not in tok.text:
        return False
    after = tok.text.split(")", 1)[1].upper()
    return any(k in after for k in REMOTE)


@dataclass(frozen=True)
class Scan:
    """A query or update lexed once; every check of a request reads these tokens."""

    text: str
    tokens: tuple[Token, ...]
    nesting: int      # the deepest nesting of braces, parentheses and brackets together

    def remote_targets(self) -> list[str | None]:
        """IRIs that `SERVICE` and `LOAD` would fetch; None for a target that is not a plain <IRI>."""
        toks = self.tokens
        targets: list[str | None] = []
        for i, tok in enumerate(toks):
            if _operator_in_disguise(tok):
                targets.append(None)
                continue
            if not _remote_word(tok):
                continue
            nxt = toks[i + 1] if tok.kind == "word" and i + 1 < len(toks) else None
            if nxt is not None and nxt.keyword == "SILENT":
                nxt = toks[i + 2] if i + 2 < len(toks) else None
            targets.append(nxt.text[1:-1] if nxt is not None and nxt.kind == "iri" else None)
        return targets

    def keywords(self) -> set[str]:
        """The keywords used (upper case)."""
        return {t.keyword for t in self.tokens if t.kind == "word"}

    def has_dataset_clause(self) -> bool:
        """True if the query names its own dataset (FROM or FROM NAMED; also glued, as in `*FROM<g>`)."""
        return any("FROM" in word for word in self.keywords())

    def has_own_dataset(self) -> bool:
        """True if an update operation sets its dataset itself (USING or WITH)."""
        return bool({"USING", "WITH"} & self.keywords())

    def add_using(self, default_graphs: list[str], named_graphs: list[str]) -> str:
        """The update with `USING <g>` / `USING NAMED <g>` before the WHERE of each DELETE/INSERT operation.

        This is what the protocol's using-graph-uri / using-named-graph-uri mean (SPARQL 1.1 Protocol
        2.2.3). The IRIs are checked before they are written into the text.
        """
        for g in default_graphs + named_graphs:
            if not is_iri(g):
                raise ValueError(f"not an absolute IRI: {g!r}")
        clause = "".join(f" USING <{g}>" for g in default_graphs)
        clause += "".join(f" USING NAMED <{g}>" for g in named_graphs)
        toks = self.tokens
        cuts = [t.start for i, t in enumerate(toks)
                if t.keyword == "WHERE" and t.depth == 0 and not (i and toks[i - 1].keyword == "DELETE")]
        out, last = [], 0
        for pos in cuts:
            out += [self.text[last:pos], clause.strip(), " "]
            last = pos
        out.append(self.text[last:])
        return "".join(out)


def scan(text: str) -> Scan:
    """Lex a query or update once (raises ScanError for text the store's parser would refuse)."""
    toks, deepest = _lex(text)
    return Scan(text, tuple(toks), deepest)


# One-shot helpers for callers that check a single thing.

def remote_targets(text: str) -> list[str | None]:
    return scan(text).remote_targets()


def has_dataset_clause(query: str) -> bool:
    return scan(query).has_dataset_clause()


def has_own_dataset(update: str) -> bool:
    return scan(update).has_own_dataset()


def add_using(update: str, default_graphs: list[str], named_graphs: list[str]) -> str:
    return scan(update).add_using(default_graphs, named_graphs)


_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^<>\"{}|^`\\\x00-\x20]*")


def is_iri(value: str) -> bool:
    """An absolute IRI that can be written between < > without escaping."""
    return bool(_IRI.fullmatch(value))
