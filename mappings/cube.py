"""RDF Data Cube (qb:) building blocks: a data set with its structure, and its observations.

A cube is `{base}/id/cube/<key>`, its structure `.../cube/<key>/structure` and each component
specification `.../cube/<key>/structure/<n>` (n = qb:order), so that every IRI is stable and
dereferenceable. Component specifications state `qb:componentProperty` besides their role
(qb:dimension...): the W3C spec's normalized form (§10.1), on which its integrity checks run.

What a component property *is* (`qb:DimensionProperty`, `rdfs:range`, labels, its unit) is said once,
in the vocabulary (`ontology/bercy.ttl`, graph `vocabulary`); its code list (`qb:codeList`) once, by
the mapping that builds that list (`code_list`), never by each cube. Units are per measure: the
`sdmx-attribute:unitMeasure` attribute is attached to the measure property (`qb:componentAttachment
qb:MeasureProperty`), so `bg:montant` is in euros and `bg:montantParHabitant` in euros per inhabitant.
Each cube names its catalog dataset (`dct:source`) when the ministry's catalog has one, and always the
source file it was lifted from (`prov:wasDerivedFrom`, described with its checksum in `provenance`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .namespaces import A, DCT, PROV, QB, RDFS, SDMX_ATTRIBUTE, XSD
from .source import Context
from .terms import Triple, en, fr, iri, typed

EUR = iri("http://publications.europa.eu/resource/authority/currency/EUR")


def code_list(prop: str, values: str) -> list[Triple]:
    """A coded dimension and its code list (a concept scheme or a collection): stated once, where the
    list is built."""
    return [(prop, A, QB.CodedProperty), (prop, QB.codeList, values)]


@dataclass(frozen=True)
class Cube:
    """What a data set says about itself: key, titles and its components in order.

    `components` are (qb:dimension | qb:measure | qb:attribute, property) pairs.
    """

    key: str
    title_fr: str
    title_en: str
    description_fr: str
    components: Sequence[tuple[str, str]]

    def structure(self, ctx: Context, source_path: str, catalog_dataset: str | None = None,
                  law: str | None = None) -> list[Triple]:
        """The qb:DataSet, its qb:DataStructureDefinition and component specifications.

        `source_path` is the file under the data directory; `catalog_dataset` the key of the
        ministry's catalog dataset it comes from (`/id/dataset/<key>`); `law` the text it publishes.
        """
        cube = ctx.entity("cube", self.key)
        dsd = ctx.entity("cube", self.key, "structure")
        out: list[Triple] = [
            (cube, A, QB.DataSet),
            (cube, RDFS.label, fr(self.title_fr)),
            (cube, RDFS.label, en(self.title_en)),
            (cube, DCT.title, fr(self.title_fr)),
            (cube, DCT.title, en(self.title_en)),
            (cube, DCT.description, fr(self.description_fr)),
            (cube, QB.structure, dsd),
            (cube, PROV.wasDerivedFrom, ctx.mint.resource(f"source/{source_path}")),
            (dsd, A, QB.DataStructureDefinition),
        ]
        if catalog_dataset:
            out.append((cube, DCT.source, ctx.entity("dataset", catalog_dataset)))
        if law:
            out.append((cube, DCT.references, iri(law)))
        for order, (role, prop) in enumerate(self.components, start=1):
            spec = ctx.entity("cube", self.key, "structure", str(order))
            out += [(dsd, QB.component, spec), (spec, A, QB.ComponentSpecification), (spec, role, prop),
                    (spec, QB.componentProperty, prop), (spec, QB.order, typed(order, XSD.integer))]
        unit = ctx.entity("cube", self.key, "structure", "unit")
        out += [(dsd, QB.component, unit), (unit, A, QB.ComponentSpecification),
                (unit, QB.attribute, SDMX_ATTRIBUTE.unitMeasure),
                (unit, QB.componentProperty, SDMX_ATTRIBUTE.unitMeasure),
                (unit, QB.componentAttachment, QB.MeasureProperty)]
        return out

    def observation(self, ctx: Context, *keys: str) -> tuple[str, list[Triple]]:
        """An observation of this cube, its IRI derived from the values of its dimensions."""
        subject = ctx.entity("observation", self.key, *keys)
        return subject, [(subject, A, QB.Observation), (subject, QB.dataSet, ctx.entity("cube", self.key))]
