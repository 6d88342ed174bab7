"""The EU authority tables (and the ADMS publisher types) the catalog uses, as small named graphs.

DCAT-AP's controlled-vocabulary shapes check `value skos:inScheme <scheme>` in the data, and its
range shapes want each value typed (`dct:Frequency`, `dct:MediaTypeOrExtent`...). Loading the whole
tables (~120,000 triples) into every build and validation would be slow and mostly useless, so each
table becomes one source whose records are only the codes the catalog's mapping tables can produce:
each code is checked against the table (a code the table lacks is rejected, so a typo in our tables
shows in the quarantine report) and emitted with its scheme, its types and its labels (French and
English, where the table has labels: the staged frequency, file-type and language tables carry
none). The table files are parsed once per process with pyoxigraph.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path

import pyoxigraph as ox

from .namespaces import DCT, OWL, SKOS
from .read import Record, Reject, SourceError
from .source import Context, Source
from .terms import Triple, iri, is_a, literal

EU = "http://publications.europa.eu/resource/authority/"
DIR = "vocabularies/eu/"
LABEL_LANGUAGES = ("fr", "en")
ADMS_LICENCE = "https://joinup.ec.europa.eu/category/licence/isa-open-metadata-licence-v11"


@dataclass(frozen=True)
class Table:
    """One controlled vocabulary: its file, scheme, how its concepts' IRIs are made and typed."""

    name: str
    file: str
    value_class: str  # the class DCAT-AP's range shapes expect for its values (N-Triples term)
    scheme_iri: str = ""
    concept_base: str = ""
    #: what the README of data/vocabularies/eu/ states for the file
    licence: str = "http://publications.europa.eu/resource/authority/licence/CC0"

    @property
    def scheme(self) -> str:
        return self.scheme_iri or EU + self.name

    def concept_iri(self, code: str) -> str:
        return (self.concept_base or EU + self.name + "/") + code

    def concept(self, code: str) -> str:
        """The N-Triples term of a concept of this table."""
        return iri(self.concept_iri(code))


TABLES: dict[str, Table] = {t.name: t for t in (
    Table("frequency", "frequency.rdf", DCT.Frequency),
    Table("file-type", "file-type.rdf", DCT.MediaTypeOrExtent),
    Table("language", "language.ttl", DCT.LinguisticSystem),
    Table("country", "country.rdf", DCT.Location),
    Table("data-theme", "data-theme.rdf", SKOS.Concept),
    Table("access-right", "access-right.rdf", DCT.RightsStatement),
    Table("licence", "licence.ttl", DCT.LicenseDocument),
    Table("publisher-type", "adms-skos-v1.00.rdf", SKOS.Concept,
          "http://purl.org/adms/publishertype/1.0", "http://purl.org/adms/publishertype/", ADMS_LICENCE),
    Table("licence-type", "adms-skos-v1.00.rdf", SKOS.Concept,
          "http://purl.org/adms/licencetype/1.0", "http://purl.org/adms/licencetype/", ADMS_LICENCE),
    # The high-value dataset categories of Implementing Regulation (EU) 2023/138 (DCAT-AP HVD).
    Table("hvd-category", "high-value-dataset-category.rdf", SKOS.Concept,
          "http://data.europa.eu/bna/asd487ae75", "http://data.europa.eu/bna/"),
)}


def concept(table: str, code: str) -> str:
    """The N-Triples IRI term of `code` in the named table (e.g. `concept("frequency", "ANNUAL")`)."""
    return TABLES[table].concept(code)


@lru_cache(maxsize=None)
def load(path: Path) -> ox.Store:
    """The whole table file in an in-memory Oxigraph store (parsed once per process)."""
    if not path.is_file():
        raise SourceError(path, "file not found")
    fmt = ox.RdfFormat.TURTLE if path.suffix == ".ttl" else ox.RdfFormat.RDF_XML
    store = ox.Store()
    try:
        store.bulk_load(path=str(path), format=fmt)
    except (SyntaxError, ValueError, OSError) as exc:
        raise SourceError(path, f"cannot parse the vocabulary: {exc}") from None
    return store


def _literals(store: ox.Store, subject: str, *props: str) -> list[tuple[str, str]]:
    """(text, language) of the French/English (or untagged) literals of a subject."""
    query = f"SELECT ?o WHERE {{ VALUES ?p {{ {' '.join(props)} }} <{subject}> ?p ?o . FILTER(isLiteral(?o)) }}"
    found = [(s["o"].value, s["o"].language or "") for s in store.query(query)]
    return sorted({(text, lang) for text, lang in found if lang in ("", *LABEL_LANGUAGES)})


def read_table(table: Table, codes: Iterable[str], path: Path) -> Iterator[Record]:
    """One record per code the catalog uses: is it in the table's scheme, and its labels."""
    store = load(path)
    for index, code in enumerate(sorted(codes), start=1):
        subject = table.concept_iri(code)
        in_scheme = store.query(f"ASK {{ <{subject}> {SKOS.inScheme} <{table.scheme}> }}")
        labels = [(t, lang) for t, lang in _literals(store, subject, SKOS.prefLabel) if lang]
        yield Record(index, {"code": code, "in_scheme": bool(in_scheme), "labels": labels})


def lift_concept(table: Table, row: Record, ctx: Context) -> Iterable[Triple]:
    code = row.require("code")
    if not row["in_scheme"]:
        raise Reject("code", f"not in the EU table {table.scheme} ({table.file})", code)
    subject = table.concept(code)
    yield subject, SKOS.inScheme, iri(table.scheme)
    yield subject, SKOS.notation, literal(code)
    labels = row["labels"]
    # DCAT-AP requires a skos:prefLabel on every skos:Concept: unlabelled codes get only the type
    # the range shapes expect, never a made-up label.
    classes = (table.value_class, SKOS.Concept) if labels else (table.value_class,)
    yield from is_a(subject, *dict.fromkeys(classes))
    for text, lang in labels:
        yield subject, SKOS.prefLabel, literal(text, lang=lang)


def scheme_preamble(table: Table, ctx: Context) -> Iterable[Triple]:
    """The scheme, typed and titled (DCAT-AP wants a dct:title on every skos:ConceptScheme)."""
    store = load(ctx.data_dir / DIR / table.file)
    scheme = iri(table.scheme)
    yield from is_a(scheme, SKOS.ConceptScheme)
    titles = _literals(store, table.scheme, DCT.title, "<http://purl.org/dc/elements/1.1/title>",
                       SKOS.prefLabel)
    for text, lang in titles or [(table.name, "")]:  # the table id when the file states no title
        yield scheme, DCT.title, literal(text, lang=lang or None)
    for version, _ in _literals(store, table.scheme, OWL.versionInfo):
        yield scheme, OWL.versionInfo, literal(version)


def sources(used: dict[str, Iterable[str]]) -> list[Source]:
    """One source per table, emitting the codes `used` (table name -> codes) by the catalog."""
    out = []
    for name, codes in used.items():
        table = TABLES[name]
        out.append(Source(
            name=f"eu-{name}",
            title=f"EU Vocabularies — {name} (codes used by the catalog)",
            path=DIR + table.file,
            read=partial(read_table, table, frozenset(codes)),
            lift=partial(lift_concept, table),
            mapping=__name__,
            preamble=partial(scheme_preamble, table),
            licence=table.licence,
        ))
    return out
