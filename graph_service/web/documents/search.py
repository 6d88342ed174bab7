"""What the search box finds: the build's name index (`GraphStore.search`), each hit named by the one label
policy (documents/labels.py), for the results page and `/api/search` alike."""

from __future__ import annotations

from graph_service.search import Hit
from graph_service.store import GraphStore
from graph_service.web.documents.labels import best_labels


def find(store: GraphStore, text: str, limit: int) -> list[Hit]:
    """What matches `text`, best first, named as every page names it."""
    hits = store.search(text, limit)
    labels = best_labels(store, [h.iri for h in hits])
    return [Hit(h.iri, h.path, h.kind, labels.get(h.iri, h.label)) for h in hits]
