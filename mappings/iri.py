"""IRI minting: one rule for every entity bercy-graph publishes.

`{base}/id/{kind}/{key}` where `key` is the official code kept as a string (leading zeros,
Corsica `2A`/`2B`), percent-encoded where needed. Same input, same IRI, every build.
Official IRIs (INSEE, EU CPV, EU authority tables) are linked with owl:sameAs / skos:exactMatch,
never used as our own, so that everything we publish dereferences on our server.
"""

from __future__ import annotations

import os
import re
from urllib.parse import quote

#: The default base lets the local server (`bercy-graph serve`, 127.0.0.1:8000) dereference
#: the IRIs of a default build. Set BERCY_GRAPH_BASE for a public deployment.
DEFAULT_BASE = "http://127.0.0.1:8000"

KINDS = frozenset(
    {
        # territories (COG)
        "region", "departement", "collectivite", "arrondissement", "commune", "commune-associee",
        "commune-deleguee", "pays",
        # nomenclatures
        "cpv", "naf", "categorie-juridique", "ministere", "mission", "programme", "action",
        "sous-action", "budget-type", "nature-culture",
        # State budget cubes: nature of expense (LOLF titres, catégories), AE/CP, PLF/LFI, état A lines
        "budget-titre", "budget-categorie", "credit-type", "loi-finances", "recette", "recette-section",
        # organisations
        "entreprise", "etablissement", "operateur",
        # records
        "contrat", "modification", "mutation", "dataset", "distribution", "catalog",
        "observation", "cube", "publisher", "contact", "scheme", "measure",
        # metadata quality (DQV): the charter's metrics and their measurements per dataset
        "metric", "quality-measurement",
        # property sales (DVF) and local accounts (OFGL)
        "disposition", "parcelle", "local", "terrain", "type-local", "agregat",
    }
)

_KEY_SAFE = re.compile(r"^[A-Za-z0-9._~-]+$")


def base_from_env() -> str:
    """The configured base, without a trailing slash."""
    return os.environ.get("BERCY_GRAPH_BASE", DEFAULT_BASE).rstrip("/")


def encode_key(key: str) -> str:
    """Percent-encode a key for use as one path segment (spaces, slashes, accents...)."""
    key = key.strip()
    if not key:
        raise ValueError("empty identifier")
    return key if _KEY_SAFE.match(key) else quote(key, safe="")


class Minter:
    """Mints our IRIs under one base (as N-Triples terms)."""

    def __init__(self, base: str | None = None) -> None:
        self.base = (base or base_from_env()).rstrip("/")

    def entity_iri(self, kind: str, *keys: str) -> str:
        """The plain IRI string of an entity; several keys make a compound key (`a/b`)."""
        if kind not in KINDS:
            raise ValueError(f"unknown entity kind {kind!r}")
        return f"{self.base}/id/{kind}/" + "/".join(encode_key(k) for k in keys)

    def entity(self, kind: str, *keys: str) -> str:
        """The N-Triples term of an entity IRI."""
        return f"<{self.entity_iri(kind, *keys)}>"

    def graph(self, name: str) -> str:
        """The N-Triples term of a named graph (one per source)."""
        return f"<{self.base}/graph/{encode_key(name)}>"

    def resource(self, path: str) -> str:
        """Any other IRI on our server (catalog pages, build activities...)."""
        return f"<{self.base}/{path.lstrip('/')}>"
