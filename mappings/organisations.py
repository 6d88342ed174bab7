"""Organisations, described once per build: one shared graph, `organisations`, and one naming rule.

Every source that names a SIREN or a SIRET (DECP buyers and suppliers in five feeds, OFGL budgets,
generic tables) says what it knows of the organisation: its type, identifier, `org:unitOf`, name.
Stated in each source's graph, the same triple came back once per graph: 2,902 triples about
`entreprise`/`etablissement` IRIs were stated in two to five graphs (6,131 quads, build of
2026-12-06). So a triple whose subject is an organisation (`KINDS`) is not written in its source's
graph: it goes to this collector, and the build writes the `organisations` graph once, after every
source, each triple once (`Organisations.triples`).

The registries keep their own graphs and come first: SIRENE (`sirene-*`), then the collectivités'
SIREN lists (`collectivites-*`). What a registry states is not stated again in `organisations`.

Naming rule (issue 15): every organisation with a name in any source has exactly one `skos:prefLabel`.
A registry gives the legal name (`rov:legalName`) and the same text as `skos:prefLabel`; an organisation
no registry names takes the first name another source gives (build order: OFGL, then the DECP feeds),
and every other name becomes a `skos:altLabel`. `bg:declaredName` (what DECP declares for a supplier's
entreprise) is kept as stated. The page policy (`graph_service/web/documents/labels.py`) reads
`skos:prefLabel` first, so the name shown is the one chosen here.
"""

from __future__ import annotations

from collections import defaultdict

from .iri import Minter
from .namespaces import ADMS, DCT, EPO, RDF, RDFS, SKOS
from .terms import Triple, literal

#: The IRI kinds (`/id/{kind}/...`) that are organisations.
KINDS = ("entreprise", "etablissement", "operateur")
#: Sources whose graphs describe organisations first-hand, in precedence order (SIRENE first).
REGISTRIES = ("sirene-", "collectivites-")
#: The name of the shared graph.
GRAPH = "organisations"
TITLE = "Organisations (SIREN, SIRET, autres identifiants) — décrites une fois, toutes sources confondues"
#: The identifier scheme of an organisation kind's key, as ePO's `epo:hasScheme` names it; INSEE issues both.
SCHEMES = {"entreprise": "SIREN", "etablissement": "SIRET"}
ISSUER = "INSEE"
#: every source it draws on is under the Licence Ouverte
LICENCE = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
#: Names a source may give an organisation (the collector turns them into one prefLabel + altLabels).
NAMES = (RDFS.label, SKOS.prefLabel)


def is_registry(source: str) -> bool:
    """Whether a source's graph is a registry of organisations (kept as its own graph)."""
    return source.startswith(REGISTRIES)


def _text(term: str) -> str:
    """The lexical form of a literal term (its language tag or datatype left out)."""
    return term[1:term.rindex('"')] if term.startswith('"') else term


class Organisations:
    """What the sources say of organisations, each triple once (see the module docstring)."""

    def __init__(self, mint: Minter) -> None:
        self.prefix = {kind: f"<{mint.entity_iri(kind, 'x')[:-1]}" for kind in KINDS}
        self.prefixes = tuple(self.prefix.values())
        self.registry: set[Triple] = set()
        self.registry_names: dict[str, set[str]] = defaultdict(set)  # subject -> names a registry gives
        self.stated: dict[Triple, str] = {}          # triple -> the first source stating it
        self.names: dict[str, list[tuple[str, str]]] = defaultdict(list)  # subject -> (name term, source)
        self.sources: list[str] = []                 # the sources that said something here, in order
        self.identifiers: dict[str, tuple[str, str]] = {}  # subject -> (scheme, code term)

    def is_organisation(self, subject: str) -> bool:
        return subject.startswith(self.prefixes)

    def take(self, triple: Triple, source: str) -> bool:
        """Keep `triple` here if it describes an organisation (True: do not write it in `source`'s
        graph). A registry's triple stays in the registry's graph (False), remembered so that no
        other source states it again. A triple whose object is a blank node stays in its graph."""
        s, p, o = triple
        if not self.is_organisation(s) or o.startswith("_:"):
            return False
        if p == DCT.identifier and s not in self.identifiers:
            for kind, scheme in SCHEMES.items():
                if s.startswith(self.prefix[kind]):
                    self.identifiers[s] = (scheme, o)
        if is_registry(source):
            self.registry.add(triple)
            if p in NAMES:
                self.registry_names[s].add(_text(o))
            return False
        if source not in self.sources:
            self.sources.append(source)
        if p in NAMES:
            self.names[s].append((o, source))
        else:
            self.stated.setdefault(triple, source)
        return True

    def triples(self) -> list[Triple]:
        """The shared graph: every triple once, and the naming rule applied."""
        out = [t for t in self.stated if t not in self.registry]
        for subject, names in self.names.items():
            seen = set(self.registry_names.get(subject, ()))
            named = bool(seen)
            for name, _ in names:
                if _text(name) in seen:
                    continue
                seen.add(_text(name))
                out.append((subject, SKOS.altLabel if named else SKOS.prefLabel, name))
                named = True
        for subject, (scheme, code) in self.identifiers.items():
            out += legal_identifier(subject, scheme, code)
        return out


def legal_identifier(subject: str, scheme: str, code: str) -> list[Triple]:
    """A SIREN or SIRET as ePO and TED carry it: `epo:hasLegalIdentifier` an `adms:Identifier` node
    (`<org#SIREN>`) with `skos:notation` the code, `epo:hasScheme` the scheme's name and
    `adms:schemeAgency` INSEE, its issuer (`dct:identifier` stays: the plain code, for lookups)."""
    node = f"{subject[:-1]}#{scheme}>"
    return [(subject, EPO.hasLegalIdentifier, node), (node, RDF.type, ADMS.Identifier),
            (node, SKOS.notation, code), (node, EPO.hasScheme, literal(scheme)),
            (node, ADMS.schemeAgency, literal(ISSUER))]
