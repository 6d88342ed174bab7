"""PROV-O and VoID description of a build: for every named graph, the file it was lifted from
(path, SHA-256), the rows read, lifted and rejected, the mapping, and the build activity; for a build
from a snapshot, the snapshot (a prov:Collection of its files), each file's original URL
(prov:hadPrimarySource), retrieval time (prov:generatedAtTime), and each graph's identifier and dataset
page, as the manifest states them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from mappings import organisations, parcels
from mappings.namespaces import BG, DCT, PROV, RDFS, SPDX, VOID, XSD
from mappings.source import Context
from mappings.terms import Triple, is_a, iri, literal, nquad, typed

import graph_service
from graph_service.build import vocabulary
from graph_service.build.vocabulary import Document


ETALAB = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
#: the graphs a build writes from its own comparisons (graph_service/build/changes.py, freshness.py)
BUILT = {"changes": "Ce qui a changé d'une construction du graphe à l'autre (Activity Streams)",
         "freshness": "Fraîcheur des jeux de données du catalogue (fréquence annoncée, dernière mise à jour)"}


def triples(results, outcomes, ctx: Context, build_id: str, started: datetime, plan=None,
            documents: Sequence[Document] = (), shared_triples: int = 0) -> list[Triple]:
    mint = ctx.mint
    activity = mint.resource(f"build/{build_id}")
    agent = mint.resource("software/bercy-graph")
    ended = datetime.now(timezone.utc).replace(microsecond=0)
    out: list[Triple] = [
        *is_a(activity, PROV.Activity),
        (activity, RDFS.label, literal(f"bercy-graph build {build_id}")),
        (activity, PROV.startedAtTime, typed(started.isoformat(), XSD.dateTime)),
        (activity, PROV.endedAtTime, typed(ended.isoformat(), XSD.dateTime)),
        (activity, PROV.wasAssociatedWith, agent),
        *is_a(agent, PROV.SoftwareAgent),
        (agent, RDFS.label, literal(f"bercy-graph {graph_service.__version__}")),
    ]
    origins = plan.origins() if plan else {}
    snapshot = None
    if plan is not None:
        snapshot = mint.resource(f"snapshot/{plan.manifest.id}")
        out += [*is_a(snapshot, PROV.Collection, PROV.Entity),
                (snapshot, DCT.identifier, literal(plan.manifest.id)),
                (snapshot, PROV.generatedAtTime, typed(plan.manifest.created, XSD.dateTime)),
                (activity, PROV.used, snapshot)]
    for result in results:
        source = result.source
        graph = mint.graph(source.name)
        file = mint.resource(f"source/{source.path}")
        out += [
            *is_a(graph, PROV.Entity, VOID.Dataset),
            (graph, DCT.title, literal(source.title, lang="fr")),
            (graph, PROV.wasGeneratedBy, activity),
            (graph, PROV.wasDerivedFrom, file),
            (graph, BG.mapping, literal(source.mapping)),
            (graph, BG.rowsRead, typed(result.rows, XSD.integer)),
            (graph, BG.rowsLifted, typed(result.lifted, XSD.integer)),
            (graph, BG.rowsRejected, typed(len(result.rejected), XSD.integer)),
            (graph, VOID.triples, typed(result.triples, XSD.integer)),
            (graph, DCT.license, iri(source.licence)),
            *is_a(file, PROV.Entity),
            (file, DCT.identifier, literal(source.path)),
            (file, SPDX.checksum, mint.resource(f"source/{source.path}#sha256")),
            (mint.resource(f"source/{source.path}#sha256"), SPDX.algorithm, SPDX.checksumAlgorithm_sha256),
            (mint.resource(f"source/{source.path}#sha256"), SPDX.checksumValue,
             typed(result.sha256, XSD.hexBinary)),
            (activity, PROV.used, file),
        ]
        if entry := origins.get(source.name):
            out += origin_triples(graph, file, snapshot, entry)
    for document in documents:   # the vocabulary and shapes graphs: void:triples counted at load
        graph, file = mint.graph(document.name), mint.resource(f"source/{document.relative}")
        out += [*is_a(graph, PROV.Entity, VOID.Dataset), (graph, DCT.title, literal(document.title, lang="fr")),
                (graph, PROV.wasGeneratedBy, activity), (graph, PROV.wasDerivedFrom, file),
                (graph, VOID.triples, typed(0, XSD.integer)), *is_a(file, PROV.Entity),
                (file, DCT.identifier, literal(document.relative)), (graph, DCT.license, iri(document.licence))]
    for name, shapes in vocabulary.conforms_to(outcomes).items():
        out += [(mint.graph(name), DCT.conformsTo, mint.graph(s)) for s in shapes]
    # the shared graphs, written from what the sources say (mappings/source.py, `SHARED`); the parcels'
    # void:triples is counted at load (the file repeats a parcel as often as DVF lines name it)
    out += shared_graph(mint, activity, organisations, shared_triples, ctx.organisations.sources)
    if named := [r.source.name for r in results if r.parcels]:
        out += shared_graph(mint, activity, parcels, 0, named)
    for name, title in BUILT.items():   # graphs the build itself writes: void:triples counted at load
        graph = mint.graph(name)
        out += [*is_a(graph, PROV.Entity, VOID.Dataset), (graph, DCT.title, literal(title, lang="fr")),
                (graph, PROV.wasGeneratedBy, activity), (graph, VOID.triples, typed(0, XSD.integer)),
                (graph, DCT.license, iri(ETALAB))]
    return out + validation(ctx, outcomes)


def validation(ctx: Context, outcomes) -> list[Triple]:
    """Each validated graph's shape set, violations and warnings, and the shapes graphs it conforms to."""
    mint, out = ctx.mint, []
    for name, shapes in vocabulary.conforms_to(outcomes).items():
        out += [(mint.graph(name), DCT.conformsTo, mint.graph(s)) for s in shapes]
    for outcome in outcomes:
        for name in outcome.graphs:
            graph = mint.graph(name)
            out += [(graph, BG.validatedWith, literal(outcome.name)),
                    (graph, BG.shaclViolations, typed(outcome.violations, XSD.integer)),
                    (graph, BG.shaclWarnings, typed(outcome.warnings, XSD.integer))]
    return out


def shared_graph(mint, activity: str, module, size: int, sources: Sequence[str]) -> list[Triple]:
    """A shared graph (its module: GRAPH, TITLE, LICENCE), derived from the graphs of `sources`."""
    graph = mint.graph(module.GRAPH)
    return [*is_a(graph, PROV.Entity, VOID.Dataset), (graph, DCT.title, literal(module.TITLE, lang="fr")),
            (graph, PROV.wasGeneratedBy, activity), (graph, VOID.triples, typed(size, XSD.integer)),
            (graph, BG.mapping, literal(module.__name__)), (graph, DCT.license, iri(module.LICENCE)),
            *((graph, PROV.wasDerivedFrom, mint.graph(name)) for name in sources)]


def write(path: Path, results, outcomes, ctx: Context, build_id: str, started: datetime, plan=None,
          documents: Sequence[Document] = (), shared_triples: int = 0) -> None:
    """Write the provenance graph as N-Quads (`plan`: the snapshot binding, None for given sources;
    `documents`: the vocabulary and shapes graphs; `shared_triples`: the organisations graph's size)."""
    graph = ctx.mint.graph("provenance")
    with path.open("w", encoding="utf-8") as out:
        for triple in triples(results, outcomes, ctx, build_id, started, plan, documents, shared_triples):
            out.write(nquad(triple, graph))


def origin_triples(graph: str, file: str, snapshot: str | None, entry) -> list[Triple]:
    """What the snapshot's manifest says of a graph's file: where and when it was taken, from which dataset."""
    out: list[Triple] = [(snapshot, PROV.hadMember, file)] if snapshot else []
    identifier = entry.resource.id or entry.dataset.id
    if identifier:
        out.append((graph, DCT.identifier, literal(identifier)))
    if entry.dataset.page:
        out.append((graph, DCT.source, iri(entry.dataset.page)))
    if entry.resource.url:
        out.append((file, PROV.hadPrimarySource, iri(entry.resource.url)))
    if entry.retrieved:
        out.append((file, PROV.generatedAtTime, typed(entry.retrieved, XSD.dateTime)))
    return out
