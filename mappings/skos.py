"""SKOS building blocks shared by the nomenclature mappings (CPV, NAF, catégories juridiques, budget).

Every nomenclature is a `skos:ConceptScheme` at `{base}/id/scheme/<name>`; every code a
`skos:Concept` in it, with its code as `skos:notation` and its official label as `skos:prefLabel`.
The hierarchy is stated upwards only (`skos:broader`); concepts without a parent are the top
concepts of their scheme (`skos:topConceptOf`, and `skos:hasTopConcept` from the scheme).
"""

from __future__ import annotations

from .namespaces import A, DCT, SKOS
from .source import Context
from .terms import Triple, fr, literal


def scheme(ctx: Context, name: str, title_fr: str, title_en: str) -> tuple[str, list[Triple]]:
    """The IRI term of a concept scheme and its description."""
    subject = ctx.define("scheme", name)
    return subject, [
        (subject, A, SKOS.ConceptScheme),
        (subject, SKOS.prefLabel, fr(title_fr)),
        (subject, SKOS.prefLabel, literal(title_en, lang="en")),
        (subject, DCT.title, fr(title_fr)),
    ]


def concept(subject: str, in_scheme: str, notation: str, label_fr: str | None,
            broader: str | None = None, top: bool = False, classes: tuple[str, ...] = ()) -> list[Triple]:
    """A concept of a scheme: type(s), scheme, notation, French label, parent or top-concept link.

    `label_fr` may be None when another source states the label (see legal_categories).
    """
    triples = [(subject, A, SKOS.Concept), (subject, SKOS.inScheme, in_scheme),
               (subject, SKOS.notation, literal(notation))]
    triples += [(subject, A, cls) for cls in classes]
    if label_fr is not None:
        triples.append((subject, SKOS.prefLabel, fr(label_fr)))
    if broader is not None:
        triples.append((subject, SKOS.broader, broader))
    if top:
        triples += [(subject, SKOS.topConceptOf, in_scheme), (in_scheme, SKOS.hasTopConcept, subject)]
    return triples


def collection(ctx: Context, name: str, title_fr: str, title_en: str) -> tuple[str, list[Triple]]:
    """The IRI term of a `skos:Collection` (`{base}/id/collection/<name>`) and its description: the
    values one cube dimension takes, when they are a part of a larger scheme."""
    subject = ctx.define("collection", name)
    return subject, [
        (subject, A, SKOS.Collection),
        (subject, SKOS.prefLabel, fr(title_fr)),
        (subject, SKOS.prefLabel, literal(title_en, lang="en")),
        (subject, DCT.title, fr(title_fr)),
    ]


def member(ctx: Context, name: str, concept_iri: str) -> Triple:
    """A concept as a member of the collection `name`."""
    return ctx.entity("collection", name), SKOS.member, concept_iri
