"""The one way a user's value enters a SPARQL text: as an escaped term filled into a fixed template.

Templates are constants written with `$name` placeholders (`string.Template`); `fill` accepts only
`Term`s, which only the functions below make, so a raw string can never be pasted into a
query by mistake. Escaping reuses the N-Triples writers of `mappings.terms` (a SPARQL string literal
and IRI follow the same rules): quotes, backslashes and line breaks are escaped in literals, and every
character an IRI may not hold (`<>"{}|^`\\`, spaces) is percent-encoded. The query's structure is
therefore fixed by the template; a value can only ever be one term.

Why not pyoxigraph's `substitutions`: it only binds variables of the SELECT projection (awkward with
aggregates), and a remote SPARQL store has no such thing; escaped terms work on any SPARQL 1.1 store.
"""

from __future__ import annotations

from decimal import Decimal
from string import Template

from mappings import terms
from mappings.namespaces import XSD


class Term(str):
    """A SPARQL term built from a user value by this module (safe to place in a template)."""


def literal(value: str, lang: str | None = None) -> Term:
    """A string literal (optionally language-tagged) holding exactly `value`."""
    return Term(terms.literal(value, lang=lang))


def iri(value: str) -> Term:
    """An IRI term; characters an IRI may not hold are percent-encoded."""
    return Term(terms.iri(value))


def iris(values: list[str]) -> Term:
    """A space-separated list of IRI terms, for a `VALUES ?x { $list }` block."""
    return Term(" ".join(iri(v) for v in values))


def integer(value: int) -> Term:
    """A plain integer (LIMIT, OFFSET)."""
    return Term(str(int(value)))


def fill(template: str, **values: Term) -> str:
    """The template with each `$name` replaced by its term; raw strings are refused."""
    for name, value in values.items():
        if not isinstance(value, Term):
            raise TypeError(f"${name}: pass a sparql_values term, not {type(value).__name__}")
    return Template(template).substitute(values)


def decimal(value: float | int) -> Term:
    """An xsd:decimal literal (e.g. a minimum score)."""
    return Term(terms.typed(format(Decimal(str(value)), "f"), XSD.decimal))
