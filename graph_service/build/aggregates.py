"""Aggregates computed once per build: the figures that sum every DECP contract, as RDF Data Cube
observations in the graph `aggregats`, so that the queries of queries/ asking them read a few hundred
observations instead of a million contracts (README, "National size").

Each cube is one CONSTRUCT in aggregates/<key>.rq (the aggregation the original query did, its comment says
which query); `CUBES` gives its title and components. The queries run on the new store once it is loaded,
beside the check that its union is the merge of the named graphs (as every query sees it; computed again over
the stored merge when it is not: `pipeline.settle_and_derive`), before the search index (which reads their
names from their file) and the swap; the cube's description (qb:DataSet, its structure, `dct:identifier` its
key, `bg:query` the query's text) and its observations are validated (shape set `aggregats`,
shapes/aggregates.ttl) and then added to the store (`load.add_graphs`), so the remote engine gets them like any
other graph. Observation IRIs are relative in the queries and resolved against the build's base.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from mappings.cube import Cube
from mappings.namespaces import BG, DCT, PROV, QB, SDMX_DIMENSION, VOID, XSD
from mappings.source import Context
from mappings.terms import Triple, fr, iri, is_a, literal, nquad, typed

from graph_service.build import load
from graph_service.build.vocabulary import ETALAB
from graph_service.config import PROJECT_ROOT
from graph_service.store import GraphStore

GRAPH = "aggregats"
TITLE = "Agrégats calculés à chaque construction du graphe (cubes RDF Data Cube sur les marchés DECP)"
FOLDER = PROJECT_ROOT / "aggregates"

_D, _M = QB.dimension, QB.measure
_AMOUNTS = ((_M, BG.initialAmountTotal), (_M, BG.initialAmountCount), (_M, BG.currentAmountTotal),
            (_M, BG.currentAmountCount))

#: the cubes, in the order they are computed; each one's query is FOLDER/<key>.rq
CUBES = (
    Cube("decp-departement-flux", "Marchés DECP par flux et par département d'exécution",
         "DECP contracts per feed and département of execution",
         "Nombre de marchés et montants cumulés (initial, actuel) par flux DECP et département du lieu "
         "d'exécution (COG 2025), calculés à chaque construction du graphe.",
         ((_D, BG.sourceGraph), (_D, SDMX_DIMENSION.refArea), (_M, BG.contractCount), *_AMOUNTS)),
    Cube("decp-departement", "Marchés DECP par département d'exécution, tous flux confondus",
         "DECP contracts per département of execution, over all feeds",
         "Nombre de marchés distincts, tous flux confondus, dont le lieu d'exécution est dans le département "
         "(y compris par un ancien code de commune), calculé à chaque construction du graphe.",
         ((_D, SDMX_DIMENSION.refArea), (_M, BG.contractCount))),
    Cube("decp-procedure", "Marchés DECP par type de procédure de l'UE et procédure publiée",
         "DECP contracts per EU procedure type and published procedure",
         "Nombre de marchés distincts par type de procédure de l'UE (procurement-procedure-type) et procédure "
         "publiée (type-procedure-decp), calculé à chaque construction du graphe.",
         ((_D, BG.refEuProcedureType), (_D, BG.refProcedure), (_M, BG.contractCount))),
    Cube("decp-flux", "Attributions et identifiants de marché par flux DECP",
         "Awards and contract identifiers per DECP feed",
         "Par flux DECP : attributions, identifiants de marché, identifiants partagés, attributions sous un "
         "identifiant partagé et montants cumulés, calculés à chaque construction du graphe.",
         ((_D, BG.sourceGraph), (_M, BG.awardCount), (_M, BG.identifierCount), (_M, BG.reusedIdentifierCount),
          (_M, BG.awardsUnderReusedIdentifiers), *_AMOUNTS)),
    Cube("decp-cpv-flux", "Marchés DECP par flux et division CPV", "DECP contracts per feed and CPV division",
         "Nombre de marchés et montants cumulés par flux DECP et division CPV 2008 (deux premiers chiffres du "
         "code), calculés à chaque construction du graphe.",
         ((_D, BG.sourceGraph), (_D, BG.cpvDivision), (_M, BG.contractCount), *_AMOUNTS)),
    Cube("decp-acheteur-unite-legale", "Identifiants de marché DECP par unité légale acheteuse",
         "DECP contract identifiers per buying legal unit",
         "Nombre d'identifiants de marché distincts (SIRET de l'acheteur + id) dont l'acheteur est l'unité légale "
         "ou l'un de ses établissements, calculé à chaque construction du graphe.",
         ((_D, BG.buyerLegalUnit), (_M, BG.identifierCount))),
)


@dataclass
class Computed:
    """One cube of a build: its key, how many observations, how long its query took."""

    key: str
    observations: int
    seconds: float


def query_file(cube: Cube) -> Path:
    return FOLDER / f"{cube.key}.rq"


def compute(store_path: Path, ctx: Context, out: Path) -> list[Computed]:
    """Run every cube's query on the built store at `store_path` and write the graph `aggregats` (the cubes'
    descriptions and observations) to `out` as N-Quads."""
    store = GraphStore(store_path)
    graph = ctx.mint.graph(GRAPH)
    base = ctx.mint.base + "/"
    computed = []
    with out.open("wb") as handle:
        for cube in CUBES:
            path = query_file(cube)
            text = path.read_text(encoding="utf-8")
            described = cube.structure(ctx, path.relative_to(PROJECT_ROOT).as_posix())
            subject = ctx.entity("cube", cube.key)
            described += [(subject, DCT.identifier, literal(cube.key)), (subject, BG.query, literal(text))]
            handle.write("".join(nquad(t, graph) for t in described).encode("utf-8"))
            start = time.perf_counter()
            triples = out.with_suffix(f".{cube.key}.nt")
            with triples.open("wb") as nt:
                store.query(text, base_iri=base).write("application/n-triples", nt)
            seconds = time.perf_counter() - start
            handle.write(load.as_nquads(triples, graph[1:-1]))
            computed.append(Computed(cube.key, count_observations(triples), round(seconds, 2)))
            triples.unlink()
    return computed


def count_observations(triples: Path) -> int:
    """Observations in a cube's N-Triples (one `qb:dataSet` line each)."""
    marker = f" {QB.dataSet} ".encode()   # an N-Triples term: <http://purl.org/linked-data/cube#dataSet>
    with triples.open("rb") as handle:
        return sum(1 for line in handle if marker in line)


def provenance(ctx: Context, build_id: str, graph_file: Path) -> list[Triple]:
    """The graph `aggregats` as the provenance graph describes every graph (graph_service/build/provenance.py):
    title, the build that made it, its licence, its size (`graph_file`'s distinct lines) and the query file
    of each cube."""
    graph = ctx.mint.graph(GRAPH)
    with graph_file.open("rb") as handle:
        size = len(set(handle))
    out: list[Triple] = [*is_a(graph, PROV.Entity, VOID.Dataset), (graph, DCT.title, fr(TITLE)),
                         (graph, PROV.wasGeneratedBy, ctx.mint.resource(f"build/{build_id}")),
                         (graph, VOID.triples, typed(size, XSD.integer)), (graph, DCT.license, iri(ETALAB))]
    for cube in CUBES:
        relative = query_file(cube).relative_to(PROJECT_ROOT).as_posix()
        file = ctx.mint.resource(f"source/{relative}")
        out += [(graph, PROV.wasDerivedFrom, file), *is_a(file, PROV.Entity), (file, DCT.identifier, literal(relative))]
    return out
