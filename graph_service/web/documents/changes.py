"""What changed in the graph, build after build: an Atom feed for people (`/feed`) and a Linked Data
Event Stream for machines (`/ldes`, SEMIC's LDES 1.0 with the DCAT-AP Feeds profile).

Both read the activities the build records in the `changes` graph (graph_service/build/changes.py):
one `as:Create` / `as:Update` / `as:Delete` per named graph that changed, with the number of records
added, modified and removed per kind of record. The event stream is paged by build: a build's
activities never change once recorded, so every page but the newest is immutable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from graph_service.store import GraphStore
from graph_service.web.documents.labels import KIND_NAMES, OTHER_KIND
from graph_service.web.html.layout import number
from mappings.iri import Minter
from mappings.namespaces import (
    AS,
    BG,
    LDES,
    PREFIXES,
    RDF,
    TREE,
    XSD,
    sparql_prologue,
)
from mappings.terms import Triple, iri, literal, typed

FEED_PATH = "/feed"
LDES_PATH = "/ldes"
VERBS = {"Create": "nouvelle source", "Update": "", "Delete": "source retirée"}
_ACTIVITIES = sparql_prologue("as", "bg", "dct") + """
SELECT ?a ?type ?g ?title ?when ?kind ?added ?modified ?removed WHERE {
  GRAPH ?changes { ?a a ?type ; as:object ?g ; as:published ?when .
                   OPTIONAL { ?a bg:recordChange ?part . ?part bg:recordKind ?kind ; bg:recordsAdded ?added ;
                              bg:recordsModified ?modified ; bg:recordsRemoved ?removed } }
  OPTIONAL { ?g dct:title ?title }
}"""
#: What a dataset's own activity says (its metadata in the catalog).
DATASET_VERBS = {"Create": "nouveau jeu de données au catalogue", "Update": "description modifiée",
                 "Delete": "retiré du catalogue"}


@dataclass
class Activity:
    """One graph's change in one build."""

    iri: str
    type: str                      # Create, Update or Delete
    graph: str
    title: str
    published: str                 # xsd:dateTime text
    counts: dict[str, tuple[int, int, int]] = field(default_factory=dict)   # kind -> (added, modified, removed)

    @property
    def build(self) -> str:
        """The build that recorded it (its IRI is `{base}/changes/{build id}/{graph name}[/...]`)."""
        return self.iri.split("/changes/", 1)[1].split("/", 1)[0]

    @property
    def of_dataset(self) -> bool:
        """About one catalogued dataset's metadata (else: about a whole graph's records)."""
        return not self.counts


def activities(store: GraphStore, mint: Minter) -> list[Activity]:
    """Every recorded activity, oldest first (ties: by IRI)."""
    found: dict[str, Activity] = {}
    for row in store.select(_ACTIVITIES.replace("?changes", f"<{mint.graph('changes')[1:-1]}>")):
        act = found.setdefault(row["a"], Activity(row["a"], row["type"].rsplit("#", 1)[-1], row["g"],
                                                 row.get("title") or row["g"].rsplit("/", 1)[-1], row["when"]))
        if "kind" in row:
            act.counts[row["kind"]] = (int(row["added"]), int(row["modified"]), int(row["removed"]))
    return sorted(found.values(), key=lambda a: (a.published, a.iri))


def _agree(word: str, count: int, feminine: bool) -> str:
    return word + ("e" if feminine else "") + ("s" if count > 1 else "")


def summary(activity: Activity) -> str:
    """The change in plain French: "DECP 2024 : 312 marchés ajoutés, 4 modifiés"."""
    if activity.of_dataset:
        return f"{activity.title} : {DATASET_VERBS[activity.type]}"
    parts = []
    for kind in sorted(activity.counts, key=lambda k: (k not in KIND_NAMES, -sum(activity.counts[k]))):
        added, modified, removed = activity.counts[kind]
        name = KIND_NAMES.get(kind, OTHER_KIND)
        singular, plural, feminine = name.singular, name.plural, name.feminine
        said = [f"{number(n)} {_agree(verb, n, feminine)}" for n, verb in
                ((added, "ajouté"), (modified, "modifié"), (removed, "supprimé")) if n]
        if said:
            first = next(n for n in (added, modified, removed) if n)
            said[0] = said[0].replace(" ", f" {plural if first > 1 else singular} ", 1)
            parts.append(", ".join(said))
    verb = VERBS[activity.type]
    text = "; ".join(parts) or "aucun enregistrement"
    return f"{activity.title} : {verb + ' — ' if verb else ''}{text}"


def atom(items: list[Activity], public_url, limit: int = 100) -> bytes:
    """An Atom 1.0 feed (RFC 4287) of the newest activities, newest first."""
    ns = "http://www.w3.org/2005/Atom"
    ET.register_namespace("", ns)
    feed = ET.Element(f"{{{ns}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "fr"})
    newest = list(reversed(items))[:limit]
    ET.SubElement(feed, f"{{{ns}}}id").text = public_url(FEED_PATH)
    ET.SubElement(feed, f"{{{ns}}}title").text = "bercy-graph — ce qui change dans les données du ministère"
    ET.SubElement(feed, f"{{{ns}}}updated").text = newest[0].published if newest else "1970-01-01T00:00:00Z"
    ET.SubElement(feed, f"{{{ns}}}link", rel="self", type="application/atom+xml", href=public_url(FEED_PATH))
    ET.SubElement(feed, f"{{{ns}}}link", rel="alternate", type="text/html", href=public_url("/"))
    author = ET.SubElement(feed, f"{{{ns}}}author")
    ET.SubElement(author, f"{{{ns}}}name").text = "bercy-graph"
    for activity in newest:
        entry = ET.SubElement(feed, f"{{{ns}}}entry")
        ET.SubElement(entry, f"{{{ns}}}id").text = activity.iri
        ET.SubElement(entry, f"{{{ns}}}title").text = summary(activity)
        ET.SubElement(entry, f"{{{ns}}}updated").text = activity.published
        ET.SubElement(entry, f"{{{ns}}}link", rel="alternate", href=activity.graph)
        ET.SubElement(entry, f"{{{ns}}}summary").text = summary(activity)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def builds(items: list[Activity]) -> list[str]:
    """The builds that recorded activities, oldest first: the pages of the event stream."""
    return list(dict.fromkeys(a.build for a in items))


def stream_triples(items: list[Activity], public_url, page: str | None, retention_days: int) -> list[Triple]:
    """The event stream and one of its pages: the root (`page` None) points to the oldest page; a page
    holds one build's activities and a relation to the next build's page."""
    stream = iri(public_url(LDES_PATH) + "#stream")
    pages = builds(items)
    node = iri(public_url(LDES_PATH if page is None else f"{LDES_PATH}/{page}"))
    out: list[Triple] = [
        (stream, RDF.type, LDES.EventStream),
        (stream, LDES.timestampPath, AS.published),
        (stream, LDES.versionOfPath, AS.object),
        (stream, TREE.view, node),
        (node, RDF.type, TREE.Node),
        (node, TREE.viewDescription, iri(public_url(LDES_PATH) + "#description")),
        (iri(public_url(LDES_PATH) + "#description"), LDES.retentionPolicy, iri(public_url(LDES_PATH) + "#retention")),
        (iri(public_url(LDES_PATH) + "#retention"), RDF.type, LDES.DurationAgoPolicy),
        (iri(public_url(LDES_PATH) + "#retention"), TREE.value, typed(f"P{retention_days}D", XSD.duration)),
    ]
    if page is None:
        following = pages[:1]
        members: list[Activity] = []
    else:
        position = pages.index(page)
        following = pages[position + 1:position + 2]
        members = [a for a in items if a.build == page]
    for nxt in following:
        relation = iri(f"{node[1:-1]}#to-{nxt}")
        first = min(a.published for a in items if a.build == nxt)
        out += [(node, TREE.relation, relation),
                (relation, RDF.type, TREE.GreaterThanOrEqualToRelation if page else TREE.Relation),
                (relation, TREE.node, iri(public_url(f"{LDES_PATH}/{nxt}")))]
        if page:
            out += [(relation, TREE.path, AS.published), (relation, TREE.value, typed(first, XSD.dateTime))]
    for activity in members:
        member = iri(activity.iri)
        out += [(stream, TREE.member, member),
                (member, RDF.type, AS[activity.type]),
                (member, AS.object, iri(activity.graph)),
                (member, AS.published, typed(activity.published, XSD.dateTime)),
                (member, AS.summary, literal(summary(activity), lang="fr"))]
        for kind, (added, modified, removed) in sorted(activity.counts.items()):
            part = iri(f"{activity.iri}#{kind or 'autre'}")
            out += [(member, BG.recordChange, part), (part, BG.recordKind, literal(kind)),
                    (part, BG.recordsAdded, typed(added, XSD.integer)),
                    (part, BG.recordsModified, typed(modified, XSD.integer)),
                    (part, BG.recordsRemoved, typed(removed, XSD.integer))]
    return out


def is_closed(items: list[Activity], page: str) -> bool:
    """A page is closed (immutable) once a later build has recorded activities."""
    pages = builds(items)
    return page in pages and pages.index(page) < len(pages) - 1


PREFIXES_USED = {k: PREFIXES[k] for k in ("as", "ldes", "tree", "bg", "dct", "xsd", "rdf")}
