"""IRI minting: one rule for every entity bercy-graph publishes.

`{base}/id/{kind}/{key}` where `key` is the official code kept as a string (leading zeros,
Corsica `2A`/`2B`), percent-encoded where needed. Same input, same IRI, every build.
Official IRIs (INSEE, EU CPV, EU authority tables) are linked with owl:sameAs / skos:exactMatch,
never used as our own, so that everything we publish dereferences on our server.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

#: The default base lets the local server (`bercy-graph serve`, 127.0.0.1:8000) dereference
#: the IRIs of a default build. Set BERCY_GRAPH_BASE for a public deployment.
DEFAULT_BASE = "http://127.0.0.1:8000"

KINDS = frozenset(
    {
        # territories (COG)
        "region", "departement", "collectivite", "arrondissement", "commune", "commune-associee",
        "commune-deleguee", "pays", "code-postal",
        # communes through time (mappings/cog_history.py): former versions and the events that ended them
        "commune-version", "evenement-geographique",
        # nomenclatures
        "cpv", "naf", "categorie-juridique", "ministere", "mission", "programme", "action",
        "sous-action", "budget-type", "nature-culture", "type-procedure",
        # State budget cubes: nature of expense (LOLF titres, catégories), AE/CP, PLF/LFI, état A lines
        "budget-titre", "budget-categorie", "credit-type", "loi-finances", "recette", "recette-section",
        # organisations
        "entreprise", "etablissement", "operateur",
        # records
        "contrat", "modification", "mutation", "dataset", "distribution", "catalog",
        "observation", "cube", "publisher", "contact", "scheme", "collection", "measure",
        # metadata quality (DQV): the charter's metrics and their measurements per dataset
        "metric", "quality-measurement",
        # property sales (DVF) and local accounts (OFGL)
        "disposition", "parcelle", "local", "terrain", "type-local", "agregat",
        # fuel prices (mappings/carburants.py): stations and the price of each fuel they sell
        "station-carburant", "prix-carburant",
    }
)

_KEY_SAFE = re.compile(r"^[A-Za-z0-9._~-]+$")
#: One path segment as `encode_key` writes it: unreserved characters or %XX.
_SEGMENT = re.compile(r"(?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})+")
#: The roots of the other IRIs a build mints under the base (`Minter.graph`, `Minter.resource`):
#: named graphs, source files, build activities, the software agent. They dereference like entities.
RESOURCE_ROOTS = frozenset({"graph", "source", "build", "software", "changes", "snapshot"})


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

    def parse(self, iri: str) -> Parsed | None:
        """What an IRI minted under this base names (None for any other IRI): the inverse of minting.

        Also the grammar a request path is checked against before any query: the kind is one of
        `KINDS` (or a resource root), each segment only unreserved characters or %XX, in UTF-8.
        """
        if not iri.startswith(self.base + "/"):
            return None
        return _parse_path(iri[len(self.base):])


@dataclass(frozen=True)
class Parsed:
    """An entity kind (or a resource root such as `graph`) and its keys, percent-decoded."""

    kind: str
    keys: tuple[str, ...]

    @property
    def key(self) -> str:
        """The keys as one path (a compound key is `a/b`)."""
        return "/".join(self.keys)


def _parse_path(path: str) -> Parsed | None:
    """`/id/{kind}/{key}[/{key}...]` or `/{root}/{name}[/...]`, else None."""
    parts = path.split("/")
    if len(parts) >= 4 and parts[:2] == ["", "id"] and parts[2] in KINDS:
        kind, segments = parts[2], parts[3:]
    elif len(parts) >= 3 and parts[0] == "" and parts[1] in RESOURCE_ROOTS:
        kind, segments = parts[1], parts[2:]
    else:
        return None
    if not all(_SEGMENT.fullmatch(s) for s in segments):
        return None
    try:
        return Parsed(kind, tuple(unquote(s, errors="strict") for s in segments))
    except UnicodeDecodeError:
        return None


def split_base(iri: str) -> tuple[str, Parsed] | None:
    """The base an IRI of ours was minted under (the shortest that parses) and what it names, None for
    any other IRI: for a store that may have been built under another base than the one served."""
    scheme = iri.find("://")
    cut = iri.find("/", scheme + 3) if scheme > 0 else -1
    while cut > 0:
        parsed = _parse_path(iri[cut:])
        if parsed is not None:
            return iri[:cut], parsed
        cut = iri.find("/", cut + 1)
    return None


def contract_keys(buyer: str, contract_id: str, award: int | None = None) -> tuple[str, ...]:
    """The keys of a DECP contract, `contrat/{buyer}/{id}[/{n}]`: an id is unique only per buyer, so
    the buyer comes first, as its SIRET (14 digits) or, when the file gives only that, its SIREN (9
    digits: the two never collide). `n` ranks the distinct awards a file publishes under one
    identifier (by notification date); without it, the IRI names the identifier's one award, or the
    identifier shared by several (`bg:ContractIdentifier`)."""
    return (buyer, contract_id) if award is None else (buyer, contract_id, str(award))
