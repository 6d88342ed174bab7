"""RDF Data Cube (qb:) building blocks: a data set with its structure, and its observations.

A cube is `{base}/id/cube/<key>`, its structure `.../cube/<key>/structure` and each component
specification `.../cube/<key>/structure/<n>` (n = qb:order), so that every IRI is stable and
dereferenceable. Amounts are in euros: the unit is stated once on the data set
(`sdmx-attribute:unitMeasure`, attached at qb:DataSet level).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .namespaces import A, DCT, QB, RDFS, SDMX_ATTRIBUTE, XSD
from .source import Context
from .terms import Triple, en, fr, iri, typed

EUR = iri("http://publications.europa.eu/resource/authority/currency/EUR")


@dataclass(frozen=True)
class Cube:
    """What a data set says about itself: key, titles and its components in order.

    `components` are (qb:dimension | qb:measure | qb:attribute, property) pairs; `code_lists` gives
    the concept scheme (by name) a coded dimension takes its values from (qb:codeList).
    """

    key: str
    title_fr: str
    title_en: str
    description_fr: str
    components: Sequence[tuple[str, str]]
    code_lists: Mapping[str, str] = field(default_factory=dict)

    def structure(self, ctx: Context, source_iri: str | None = None) -> list[Triple]:
        """The qb:DataSet, its qb:DataStructureDefinition and component specifications."""
        cube = ctx.entity("cube", self.key)
        dsd = ctx.entity("cube", self.key, "structure")
        out: list[Triple] = [
            (cube, A, QB.DataSet),
            (cube, RDFS.label, fr(self.title_fr)),
            (cube, RDFS.label, en(self.title_en)),
            (cube, DCT.title, fr(self.title_fr)),
            (cube, DCT.description, fr(self.description_fr)),
            (cube, QB.structure, dsd),
            (cube, SDMX_ATTRIBUTE.unitMeasure, EUR),
            (dsd, A, QB.DataStructureDefinition),
        ]
        if source_iri:
            out.append((cube, DCT.source, iri(source_iri)))
        role_class = {QB.dimension: QB.DimensionProperty, QB.measure: QB.MeasureProperty,
                      QB.attribute: QB.AttributeProperty}
        for order, (role, prop) in enumerate(self.components, start=1):
            spec = ctx.entity("cube", self.key, "structure", str(order))
            out += [(dsd, QB.component, spec), (spec, A, QB.ComponentSpecification), (spec, role, prop),
                    (spec, QB.order, typed(order, XSD.integer)), (prop, A, role_class[role])]
            if prop in self.code_lists:
                out += [(prop, A, QB.CodedProperty), (prop, QB.codeList, ctx.entity("scheme", self.code_lists[prop]))]
        unit = ctx.entity("cube", self.key, "structure", "unit")
        out += [(dsd, QB.component, unit), (unit, A, QB.ComponentSpecification),
                (unit, QB.attribute, SDMX_ATTRIBUTE.unitMeasure), (unit, QB.componentAttachment, QB.DataSet),
                (SDMX_ATTRIBUTE.unitMeasure, A, QB.AttributeProperty)]
        return out

    def observation(self, ctx: Context, *keys: str) -> tuple[str, list[Triple]]:
        """An observation of this cube, its IRI derived from the values of its dimensions."""
        subject = ctx.entity("observation", self.key, *keys)
        return subject, [(subject, A, QB.Observation), (subject, QB.dataSet, ctx.entity("cube", self.key))]
