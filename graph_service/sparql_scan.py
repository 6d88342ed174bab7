"""A small SPARQL lexer for the endpoint's checks, run before any text reaches the store.

Why lexical: the endpoint must refuse `SERVICE` and `LOAD` (pyoxigraph would fetch the URL; it has no
switch to forbid it and ignores proxy settings), see
whether a query has its own dataset (FROM / FROM NAMED), and add the protocol's `using-graph-uri`
to updates (pyoxigraph's `update` has no dataset argument). Keywords are only recognised outside
strings, IRIs and comments, so `"SERVICE"` in a literal or `ex:service` is not one. The tokens follow
the SPARQL terminals where a `#` or a quote may hide text: IRIs with \\u escapes, prefixed names with
`\\#` / `\\'` escapes (PN_LOCAL_ESC) are single tokens, so no comment or string starts inside them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
  | (?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)
  | (?P<name>(?:[A-Za-z_\u00c0-\ufffd][\w\-.\u00b7\u00c0-\ufffd]*)?:(?:[\w\-.:%\u00b7\u00c0-\ufffd]|\\.)*
             |_:[\w\-.]+|@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<word>[A-Za-z_][\w\-]*)
  | (?P<open>\{)
  | (?P<close>\})
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)


@dataclass(frozen=True)
class Token:
    kind: str      # "word" (keyword or bare name), "iri", "string", "var", "name", "open", "close", "other"
    text: str
    start: int
    depth: int     # braces open before the token

    @property
    def keyword(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def tokens(text: str) -> list[Token]:
    """The significant tokens of a query or update (comments and spaces dropped)."""
    out: list[Token] = []
    depth = 0
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        if kind in ("ws", "comment"):
            continue
        if kind == "close":
            depth = max(0, depth - 1)
        out.append(Token(kind, m.group(), m.start(), depth))
        if kind == "open":
            depth += 1
    return out


def keywords(text: str) -> set[str]:
    """The keywords used (upper case)."""
    return {t.keyword for t in tokens(text) if t.kind == "word"}


REMOTE = ("SERVICE", "LOAD")


def _remote_word(tok: Token) -> bool:
    """A bare word or a prefix that holds SERVICE or LOAD.

    Oxigraph's parser matches keywords without a word boundary (`SERVICESILENT<iri>` and
    `SERVICE:x` are SERVICE calls), and no other bare SPARQL word holds these letters, so any
    such word counts. (Local names are not looked at: `dcat:accessService` is no call.)
    """
    if tok.kind == "word":
        return any(k in tok.keyword for k in REMOTE)
    if tok.kind == "name" and ":" in tok.text and not tok.text.startswith("_:"):
        return any(k in tok.text.split(":", 1)[0].upper() for k in REMOTE)
    return False


def remote_targets(text: str) -> list[str | None]:
    """IRIs that `SERVICE` and `LOAD` would fetch; None for a target that is not a plain <IRI>."""
    toks = tokens(text)
    targets: list[str | None] = []
    for i, tok in enumerate(toks):
        if not _remote_word(tok):
            continue
        nxt = toks[i + 1] if tok.kind == "word" and i + 1 < len(toks) else None
        if nxt is not None and nxt.keyword == "SILENT":
            nxt = toks[i + 2] if i + 2 < len(toks) else None
        targets.append(nxt.text[1:-1] if nxt is not None and nxt.kind == "iri" else None)
    return targets


def has_dataset_clause(query: str) -> bool:
    """True if the query names its own dataset (FROM or FROM NAMED; also glued, as in `*FROM<g>`)."""
    return any("FROM" in word for word in keywords(query))


def query_form(query: str) -> str | None:
    """SELECT, CONSTRUCT, DESCRIBE or ASK: the first of them in the text."""
    for tok in tokens(query):
        if tok.keyword in ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK"):
            return tok.keyword
    return None


def has_own_dataset(update: str) -> bool:
    """True if an update operation sets its dataset itself (USING or WITH)."""
    return bool({"USING", "WITH"} & keywords(update))


def add_using(update: str, default_graphs: list[str], named_graphs: list[str]) -> str:
    """The update with `USING <g>` / `USING NAMED <g>` before the WHERE of each DELETE/INSERT operation.

    This is what the protocol's using-graph-uri / using-named-graph-uri mean (SPARQL 1.1 Protocol
    2.2.3). The IRIs are checked before they are written into the text.
    """
    for g in default_graphs + named_graphs:
        if not is_iri(g):
            raise ValueError(f"not an absolute IRI: {g!r}")
    clause = "".join(f" USING <{g}>" for g in default_graphs)
    clause += "".join(f" USING NAMED <{g}>" for g in named_graphs)
    toks = tokens(update)
    cuts = [t.start for i, t in enumerate(toks)
            if t.keyword == "WHERE" and t.depth == 0 and not (i and toks[i - 1].keyword == "DELETE")]
    out, last = [], 0
    for pos in cuts:
        out += [update[last:pos], clause.strip(), " "]
        last = pos
    out.append(update[last:])
    return "".join(out)


_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^<>\"{}|^`\\\x00-\x20]*")


def is_iri(value: str) -> bool:
    """An absolute IRI that can be written between < > without escaping."""
    return bool(_IRI.fullmatch(value))
