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

import hashlib
import io
import tempfile
from collections.abc import Iterator
from typing import IO

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
    """What the sources say of organisations, each triple once (see the module docstring).

    Memory does not hold the triples: each one goes, once, to a spill file as it comes (the registries
    first, so what they state is known before any other source says it), and what the collector must
    remember (a triple seen, a name a registry gives, an organisation named or identified) is a 16-byte
    digest. A triple held in a set took about 400 bytes; a digest takes about 90."""

    def __init__(self, mint: Minter) -> None:
        self.prefix = {kind: f"<{mint.entity_iri(kind, 'x')[:-1]}" for kind in KINDS}
        self.prefixes = tuple(self.prefix.values())
        self.registry: set[bytes] = set()    # the registries' triples
        self.seen: set[bytes] = set()        # the triples written, and the (subject, name text) pairs named
        self.named: set[bytes] = set()       # the organisations with a prefLabel (a registry's, or the first name)
        self.identified: set[bytes] = set()  # the organisations whose legal identifier is written
        self.sources: list[str] = []         # the sources that said something here, in order
        self.written = 0
        self._spill: IO[str] | None = None

    def is_organisation(self, subject: str) -> bool:
        return subject.startswith(self.prefixes)

    def take(self, triple: Triple, source: str) -> bool:
        """Keep `triple` here if it describes an organisation (True: do not write it in `source`'s
        graph). A registry's triple stays in the registry's graph (False), remembered so that no
        other source states it again. A triple whose object is a blank node stays in its graph."""
        s, p, o = triple
        if not self.is_organisation(s) or o.startswith("_:"):
            return False
        who = _digest(s)
        if p == DCT.identifier and who not in self.identified:
            for kind, scheme in SCHEMES.items():
                if s.startswith(self.prefix[kind]):
                    self.identified.add(who)
                    self._write(*legal_identifier(s, scheme, o))
        if is_registry(source):
            self.registry.add(_digest(*triple))
            if p in NAMES:
                self.seen.add(_digest("name", s, _text(o)))
                self.named.add(who)
            return False
        if source not in self.sources:
            self.sources.append(source)
        if p in NAMES:   # the naming rule: the first name a prefLabel (unless a registry names it), others altLabels
            if (name := _digest("name", s, _text(o))) not in self.seen:
                self.seen.add(name)
                label = SKOS.altLabel if who in self.named else SKOS.prefLabel
                self.named.add(who)
                self._write((s, label, o))
        elif (key := _digest(*triple)) not in self.seen and key not in self.registry:
            self.seen.add(key)
            self._write(triple)
        return True

    def _write(self, *triples: Triple) -> None:
        if self._spill is None:
            self._spill = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 (the collector's lifetime)
        self._spill.writelines(f"{s} {p} {o}\n" for s, p, o in triples)
        self.written += len(triples)

    def triples(self) -> Iterator[Triple]:
        """The shared graph: every triple once, and the naming rule applied (read back from the spill)."""
        if self._spill is None:
            return
        self._spill.seek(0)
        for line in self._spill:
            s, p, o = line[:-1].split(" ", 2)   # two IRIs without spaces, then the object
            yield s, p, o
        self._spill.seek(0, io.SEEK_END)


def _digest(*parts: str) -> bytes:
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).digest()


def legal_identifier(subject: str, scheme: str, code: str) -> list[Triple]:
    """A SIREN or SIRET as ePO and TED carry it: `epo:hasLegalIdentifier` an `adms:Identifier` node
    (`<org#SIREN>`) with `skos:notation` the code, `epo:hasScheme` the scheme's name and
    `adms:schemeAgency` INSEE, its issuer (`dct:identifier` stays: the plain code, for lookups)."""
    node = f"{subject[:-1]}#{scheme}>"
    return [(subject, EPO.hasLegalIdentifier, node), (node, RDF.type, ADMS.Identifier),
            (node, SKOS.notation, code), (node, EPO.hasScheme, literal(scheme)),
            (node, ADMS.schemeAgency, literal(ISSUER))]
