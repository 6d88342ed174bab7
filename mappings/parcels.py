"""Cadastral parcels, described once per build: one shared graph, `parcelles`.

A DVF line says what it knows of its parcel (`mappings/dvf.py`): its types (`bg:Parcelle`,
`geo:Feature`), its identifier, its commune (`dct:spatial`) and, in geo-DVF, its point
(`<parcel#point>`). Nationally the same parcel is named by both formats (geo-DVF and the DGFiP's raw
file) and by every year it was sold in, so stated in each DVF graph the same triple came back once per
graph (the 100k benchmark's first failure of the union check: `/id/parcelle/84033000BE0036`, in both DVF
graphs). So a triple whose subject is a parcel (`KIND`, its `#point` included) is not written in its
source's graph: the build writes it straight to the `parcelles` graph's N-Quads (one file per source,
kept by the lift cache with the source's graph) and the store keeps each quad once. Memory does not
grow with the data: no set of parcels is held; the graph's `void:triples` is the store's count.
The sale's disposition keeps its `bg:parcelle` link in the sale's graph.

Conflicting descriptions are kept, not chosen between: a parcel given two communes (a commune merged
between two files) or two points (geo-DVF's centroid moved between two years) has both, as its sources
state them. The `dvf` shapes read this graph (shapes/dvf.ttl, `ParcelleShape`: one commune, at most one
point), so such a parcel is reported as a violation, with both values in the graph, never dropped.
"""

from __future__ import annotations

from collections.abc import Callable

from .iri import Minter
from .terms import Triple

#: The IRI kind (`/id/{kind}/...`) of a parcel.
KIND = "parcelle"
#: The name of the shared graph.
GRAPH = "parcelles"
TITLE = "Parcelles cadastrales (DVF) — décrites une fois, tous fichiers et millésimes DVF confondus"
#: DVF and geo-DVF are under the Licence Ouverte
LICENCE = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"


class Parcels:
    """Where a source's parcel triples go while it is lifted: `sink`, set by the build (None: nowhere
    shared, the triples stay in the source's graph)."""

    def __init__(self, mint: Minter) -> None:
        self.prefix = f"<{mint.entity_iri(KIND, 'x')[:-1]}"
        self.sink: Callable[[Triple], object] | None = None

    def take(self, triple: Triple) -> bool:
        """Write `triple` to the parcels graph if it describes a parcel (True: not in the source's graph)."""
        if self.sink is None or not triple[0].startswith(self.prefix):
            return False
        self.sink(triple)
        return True
