"""The ministry's open-data catalog (data.economie.gouv.fr, as harvested by data.gouv.fr) in DCAT-AP 3.

One `dcat:Dataset` per row of the data.gouv.fr catalogue export, one `dcat:Distribution` per
resource format, the organisations as publishers, and one `dcat:Catalog` tying them together.
Controlled values are IRIs of the EU authority tables (see `vocabularies.py`, which emits the
concepts these tables use), so harvesters (data.gouv.fr, CKAN, data.europa.eu) read them as such.

Decisions (also in ontology/README.md; the dataset's key and the rejected rows: `catalog_entry`):
- distributions mirror what Opendatasoft publishes: the ODS exports (csv, json, geojson, shp) have
  `dcat:accessURL` = `dcat:downloadURL` = `<portal>/api/v2/catalog/datasets/<id>/exports/<format>`
  (the pattern of a real ODS DCAT export, shared/external/opendatasoft), titled "Export CSV du jeu
  de données"; attachments (xlsx, pdf...) are reached from the dataset's landing page (the export
  gives no file name), so their access URL is that page with a fragment naming the format. Every
  distribution of a dataset thus has its own URL: harvesters key resources by URL (udata keeps one
  resource per `downloadURL or accessURL`, udata/core/dataset/rdf.py `resource_from_rdf`);
- formats: `dct:format` is the EU file type, `dcat:mediaType` the IANA media type, labelled with its
  name (`text/csv`): ckanext-dcat reads a media type's `rdfs:label` and looks it up in CKAN's format
  registry, which gives the resource format "CSV" (the EU file-type IRI is not in that registry);
- spatial coverage: the EU country (FRA for "France" and "France métropolitaine", whose EU code FXX
  is deprecated) and, for France, a `dct:Location` with the bounding box of metropolitan France
  (`METROPOLE_BBOX`) as `dcat:bbox` (WKT) and `locn:geometry` (GeoJSON): harvesters keep a coverage
  only from a geometry (udata: a GeoJSON or WKT literal of a `dct:spatial` node). Metropolitan France
  is the only outline at hand, a part of France: the coverage stated stays the union, France;
- high-value datasets: a dataset tagged `hvd` on data.gouv.fr gets `dcatap:hvdCategory` from its
  HVD category tags (`HVD_CATEGORIES`, data.gouv.fr's rule) and, with its distributions,
  `dcatap:applicableLegislation` Implementing Regulation (EU) 2023/138, as DCAT-AP HVD requires;
  their ODS exports get the portal's Explore API as `dcat:accessService` (an HVD dataset must be
  reachable through an API; the exports are endpoints of that API). The service carries no HVD
  annotation: an HVD data service needs a contact point, which the export does not give;
- themes: the export carries no EU theme; a theme is derived only from the ministry's own keywords
  whose meaning the EU definition covers (table `THEMES_BY_KEYWORD`), else none;
- every dataset is open (`dct:accessRights` PUBLIC: published on an open-data portal) and in French
  (`dct:language` FRA, as Opendatasoft's DCAT export states on every dataset of a French portal, see
  the real export in shared/external/opendatasoft);
- no contact point: the export has no contact information.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace

from . import vocabularies
from .catalog_entry import COLUMNS, ETALAB_2, LICENCES, NO_LICENCE, PATH, PORTAL, Entry, Licence, parse
from .kinds import like
from .namespaces import A, BG, DCAT, DCATAP, DCT, FOAF, GEO, LOCN, PREFIXES, RDFS, SKOS, XSD, Namespace
from .read import Record
from .source import Context, csv_source
from .terms import Triple, en, fr, iri, is_a, literal, typed
from .vocabularies import concept

CATALOG_KEY = "data-economie-gouv-fr"
#: "Ministères économiques et financiers" on data.gouv.fr: the catalog's publisher.
MINISTRY_ORG = ("534fff8ea3a7292c64a77f02", "Ministères économiques et financiers")


#: data.gouv.fr (udata) frequency codes -> EU frequency table. Empty: no frequency stated.
FREQUENCIES = {
    "annual": "ANNUAL", "semiannual": "ANNUAL_2", "quarterly": "QUARTERLY", "bimonthly": "BIMONTHLY",
    "monthly": "MONTHLY", "weekly": "WEEKLY", "daily": "DAILY", "hourly": "HOURLY",
    "continuous": "CONT", "irregular": "IRREG", "biennial": "BIENNIAL", "triennial": "TRIENNIAL",
    "unknown": "UNKNOWN",
}


@dataclass(frozen=True)
class Format:
    """A resource format: its EU file type, its IANA media type, whether ODS exports it, and its
    name in distribution titles (the EU code unless said)."""

    code: str
    media_type: str
    export: bool = False
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or self.code


_F = Format
#: data.gouv.fr's `resources_formats` tokens (file extensions or media subtypes) -> format.
FORMATS = {
    "csv": _F("CSV", "text/csv", True),
    "json": _F("JSON", "application/json", True),
    "geojson": _F("GEOJSON", "application/geo+json", True, "GeoJSON"),
    "shp": _F("SHP", "application/zip", True, "Shapefile"),  # ODS exports shapefiles zipped
    "zip": _F("ZIP", "application/zip"),
    "tgz": _F("TAR_GZ", "application/gzip", label="TAR.GZ"),
    "pdf": _F("PDF", "application/pdf"),
    "ods": _F("ODS", "application/vnd.oasis.opendocument.spreadsheet"),
    "vnd.oasis.opendocument.spreadsheet": _F("ODS", "application/vnd.oasis.opendocument.spreadsheet"),
    "vnd.oasis.opendocument.text": _F("ODT", "application/vnd.oasis.opendocument.text"),
    "xlsx": _F("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "vnd.openxmlformats-officedocument.spreadsheetml.sheet":
        _F("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "xls": _F("XLS", "application/vnd.ms-excel"),
    "vnd.ms-excel": _F("XLS", "application/vnd.ms-excel"),
    "docx": _F("DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "vnd.openxmlformats-officedocument.wordprocessingml.document":
        _F("DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "doc": _F("DOC", "application/msword"),
    "msword": _F("DOC", "application/msword"),
    "xml": _F("XML", "application/xml"),
    "html": _F("HTML", "text/html"),
    "plain": _F("TXT", "text/plain", label="texte"),
    "octet-stream": _F("OCTET", "application/octet-stream", label="binaire"),
}
IANA = "https://www.iana.org/assignments/media-types/"
#: The portal's Explore API, version 2.0: the version of the export URLs of its own DCAT export.
ODS_API = f"{PORTAL}/api/v2"

#: The ministry's keywords whose meaning an EU data theme's definition covers. ECON ("economic
#: activity ... and finance activity focusing on the management of money at the individual,
#: company, or government level") covers public finance; GOVE ("government and the public sector
#: ... central, regional or local authorities") covers administrations and public procurement.
THEMES_BY_KEYWORD = {
    "economie": "ECON", "finances-publiques": "ECON", "budget-de-letat": "ECON",
    "loi-de-finances": "ECON", "comptes-publics": "ECON", "comptabilite-publique": "ECON",
    "fiscalite": "ECON", "impots-locaux": "ECON", "entreprise": "ECON", "entreprises": "ECON",
    "consommation": "ECON", "industrie-et-services": "ECON",
    "administration": "GOVE", "marches-publics": "GOVE", "collectivites-locales": "GOVE",
}

#: data.gouv.fr's `spatial.zones` names -> EU country table. Metropolitan France is given the
#: country: the table's FXX ("France métropolitaine") is deprecated since 1997.
ZONES = {"France": "FRA", "France métropolitaine": "FRA", "Union Européenne": "EUR"}

#: Metropolitan France's bounding box (west, south, east, north; WGS 84 degrees): the extreme
#: coordinates of the 96 département outlines of france-geojson (IGN Admin Express COG 2018,
#: simplified; shared/data/geo/departements-version-simplifiee.geojson: -5.1036, 41.3671, 9.5597,
#: 51.0884), rounded outward to 0.01°. Those outlines have no overseas département.
METROPOLE_BBOX = (-5.11, 41.36, 9.56, 51.09)
#: The datatype of a GeoJSON literal that udata and ckanext-dcat read (GeoDCAT-AP's IANA media type).
GEOJSON = iri("https://www.iana.org/assignments/media-types/application/vnd.geo+json")

ELI = Namespace(PREFIXES["eli"])
#: Commission Implementing Regulation (EU) 2023/138, the high-value datasets (its ELI, as DCAT-AP HVD names it).
HVD_LEGISLATION = "http://data.europa.eu/eli/reg_impl/2023/138/oj"
HVD_TAG = "hvd"
#: data.gouv.fr's HVD category tags -> the EU HVD category table. data.gouv.fr (udata) tags a
#: dataset with the slug of the French label of each category of the regulation's annex
#: (udata/rdf.py, `TAG_TO_EU_HVD_CATEGORIES`); the tag names the category, nothing is guessed.
HVD_CATEGORIES = {
    "geospatiales": "c_ac64a52d", "observation-de-la-terre-et-environnement": "c_dd313021",
    "meteorologiques": "c_164e0bf5", "statistiques": "c_e1da4e07",
    "entreprises-et-propriete-dentreprises": "c_a9135398", "mobilite": "c_b79e35eb",
}

#: The organisations of the export, all State administrations or national public bodies
#: (ministries, DGAFP, DAE, CISIRH, INPI, France Relance): ADMS publisher type NationalAuthority.
NATIONAL_AUTHORITIES = {
    "534fff8ea3a7292c64a77f02", "5c1b60038b4c41685320f5bd", "542a61d888ee382b8f22e2d7",
    "534fff96a3a7292c64a77fe7", "600f0235931b551bc4dcb5bd", "5be157a3634f4157841e6496",
    "5988421b88ee382902e11949",
}

#: Every code the mappings above can produce, per EU table: what `vocabularies` emits.
USED_CODES: dict[str, set[str]] = {
    "frequency": set(FREQUENCIES.values()),
    "file-type": {f.code for f in FORMATS.values()},
    "language": {"FRA"},
    "country": set(ZONES.values()),
    "data-theme": set(THEMES_BY_KEYWORD.values()),
    "access-right": {"PUBLIC"},
    "licence": {lic.eu for lic in LICENCES.values() if lic.eu},
    "publisher-type": {"NationalAuthority"},
    "licence-type": {"Attribution"},
    "hvd-category": set(HVD_CATEGORIES.values()),
}


def licence_triples(lic: Licence) -> list[Triple]:
    node = iri(lic.iri)
    # Both Licences Ouvertes require attribution ("mentionner la paternité de l'information").
    out = [(node, A, DCT.LicenseDocument), (node, DCT.title, fr(lic.title)),
           (node, DCT.type, concept("licence-type", "Attribution"))]
    if lic.eu:
        out.append((node, SKOS.exactMatch, concept("licence", lic.eu)))
    if lic.spdx:
        out.append((node, SKOS.exactMatch, iri(f"http://spdx.org/licenses/{lic.spdx}")))
    return out


def publisher(ctx: Context, org_id: str, name: str) -> tuple[str, list[Triple]]:
    """The organisation as a DCAT-AP agent (typed as harvesters expect)."""
    agent = ctx.entity("publisher", org_id)
    out = [*is_a(agent, FOAF.Agent, FOAF.Organization), (agent, FOAF.name, fr(name)),
           (agent, DCT.identifier, literal(org_id)),
           (agent, RDFS.seeAlso, iri(f"https://www.data.gouv.fr/organizations/{org_id}/"))]
    if org_id in NATIONAL_AUTHORITIES:
        out.append((agent, DCT.type, concept("publisher-type", "NationalAuthority")))
    return agent, out


def explore_api(ctx: Context) -> str:
    """The portal's Explore API: a data service of the catalog, whose endpoints the exports are."""
    return ctx.entity("catalog", CATALOG_KEY, "explore-api")


def explore_api_triples(ctx: Context) -> list[Triple]:
    """The Explore API described. No `dcat:servesDataset`: a dataset's document is made of what the
    dataset links to, and links back to the datasets would pull every HVD dataset into each one's."""
    api = explore_api(ctx)
    return [*is_a(api, DCAT.DataService),
            (api, DCT.title, fr("API Explore v2 de data.economie.gouv.fr (Opendatasoft)")),
            (api, DCAT.endpointURL, iri(ODS_API)), (api, DCAT.endpointDescription, iri(f"{ODS_API}/swagger.json"))]


def legislation_triples() -> list[Triple]:
    """Implementing Regulation (EU) 2023/138, titled as the EU HVD category table cites it."""
    legislation = iri(HVD_LEGISLATION)
    return [(legislation, A, ELI.LegalResource),
            (legislation, DCT.title, en("Commission Implementing Regulation (EU) 2023/138 of 21 December 2022 "
                                        "laying down a list of specific high-value datasets and the arrangements "
                                        "for their publication and re-use"))]


def catalog_preamble(ctx: Context) -> Iterable[Triple]:
    """The catalog itself, its publisher, the licences the datasets point to, the portal's API and
    the HVD regulation."""
    cat = ctx.entity("catalog", CATALOG_KEY)
    agent, agent_triples = publisher(ctx, *MINISTRY_ORG)
    home = iri(PORTAL + "/")
    yield from agent_triples
    yield from is_a(cat, DCAT.Catalog)
    yield cat, DCT.title, fr("Catalogue des données ouvertes des ministères économiques et financiers")
    yield cat, DCT.title, literal("Open data catalog of the French ministries of economy and finance",
                                  lang="en")
    yield cat, DCT.description, fr(
        "Les jeux de données publiés sur data.economie.gouv.fr, tels que data.gouv.fr les a moissonnés "
        "(export du catalogue de data.gouv.fr du 16 janvier 2026).")
    yield cat, DCT.publisher, agent
    yield cat, FOAF.homepage, home
    yield home, A, FOAF.Document
    yield cat, DCT.language, concept("language", "FRA")
    yield cat, DCT.license, iri(ETALAB_2.iri)
    yield cat, DCT.spatial, concept("country", "FRA")
    yield cat, DCAT.themeTaxonomy, iri(vocabularies.TABLES["data-theme"].scheme)
    for lic in LICENCES.values():
        yield from licence_triples(lic)
    yield cat, DCAT.service, explore_api(ctx)
    yield from explore_api_triples(ctx)
    yield from legislation_triples()


def box_ring(west: float, south: float, east: float, north: float) -> list[tuple[float, float]]:
    """The closed ring of a bounding box, counter-clockwise (GeoJSON's exterior ring order)."""
    return [(west, south), (east, south), (east, north), (west, north), (west, south)]


def metropole_extent(node: str) -> list[Triple]:
    """A `dct:Location` holding metropolitan France's bounding box, in WKT (DCAT-AP's `dcat:bbox`)
    and in GeoJSON (`locn:geometry`, the geometry udata and ckanext-dcat read)."""
    ring = box_ring(*METROPOLE_BBOX)
    wkt = "POLYGON((" + ", ".join(f"{x} {y}" for x, y in ring) + "))"
    geojson = json.dumps({"type": "Polygon", "coordinates": [[list(point) for point in ring]]})
    return [(node, A, DCT.Location), (node, LOCN.geographicName, fr("France métropolitaine")),
            (node, DCAT.bbox, typed(wkt, GEO.wktLiteral)), (node, LOCN.geometry, typed(geojson, GEOJSON))]


def hvd_categories(entry: Entry, ctx: Context) -> list[str]:
    """The HVD categories of a dataset tagged `hvd`, from its category tags; an `hvd` tag without
    one is reported (DCAT-AP HVD requires a category, and none is guessed)."""
    if HVD_TAG not in entry.keywords:
        return []
    codes = sorted({HVD_CATEGORIES[k] for k in entry.keywords if k in HVD_CATEGORIES})
    if not codes:
        ctx.unresolvable("HVD category", entry.key)
    return codes


def access(entry: Entry, token: str, fmt: Format) -> tuple[str, bool, str]:
    """The distribution's own URL, whether it downloads the file, and its title: the ODS export
    where the portal offers one, else the dataset's page (which lists the file) with a fragment
    naming the format, so that no two distributions of a dataset share a URL."""
    if fmt.export and entry.portal_id:
        url = f"{ODS_API}/catalog/datasets/{entry.portal_id}/exports/{token}"
        return url, True, f"Export {fmt.name} du jeu de données"
    page = f"{entry.landing_page}#{fmt.code.lower()}"
    return page, False, f"Fichier {fmt.name} (sur la page du jeu de données)"


def distribution(entry: Entry, token: str, fmt: Format, licence: str | None, hvd: bool,
                 ctx: Context) -> list[Triple]:
    dist = ctx.entity("distribution", entry.key, fmt.code.lower())
    media = iri(IANA + fmt.media_type)
    url, download, title = access(entry, token, fmt)
    out = [(dist, A, DCAT.Distribution),
           (dist, DCT.title, fr(title)),  # harvesters name resources by it
           (dist, DCT.description, fr(f"{entry.title} ({fmt.code})")),
           (dist, DCT.format, concept("file-type", fmt.code)),
           (dist, DCAT.mediaType, media), (media, A, DCT.MediaType),
           (media, RDFS.label, literal(fmt.media_type)),  # what ckanext-dcat looks up in CKAN's formats
           (dist, DCAT.accessURL, iri(url)), (iri(url), A, RDFS.Resource)]  # the range DCAT-AP HVD checks
    if download:
        out.append((dist, DCAT.downloadURL, iri(url)))
    if licence:
        out.append((dist, DCT.license, licence))
    if hvd:
        out.append((dist, DCATAP.applicableLegislation, iri(HVD_LEGISLATION)))
        if download:
            out.append((dist, DCAT.accessService, explore_api(ctx)))
    return out


def lift(row: Record, ctx: Context) -> Iterable[Triple]:
    entry = parse(row)
    ds = ctx.entity("dataset", entry.key)
    yield ctx.entity("catalog", CATALOG_KEY), DCAT.dataset, ds
    yield from is_a(ds, DCAT.Dataset)
    yield ds, DCT.identifier, literal(entry.key)
    yield ds, DCT.title, fr(entry.title)
    yield ds, DCT.description, fr(entry.stated_description)
    if entry.description_generated:
        yield ds, BG.generatedDescription, typed("true", XSD.boolean)
    for keyword in entry.keywords:
        yield ds, DCAT.keyword, fr(keyword)
    for theme in sorted({THEMES_BY_KEYWORD[k] for k in entry.keywords if k in THEMES_BY_KEYWORD}):
        yield ds, DCAT.theme, concept("data-theme", theme)
    agent, agent_triples = publisher(ctx, entry.org_id, entry.org_name)
    yield ds, DCT.publisher, agent
    yield from agent_triples
    licence = None
    if entry.licence in LICENCES:
        licence = iri(LICENCES[entry.licence].iri)
        yield ds, DCT.license, licence
    elif entry.licence and entry.licence not in NO_LICENCE:
        ctx.unresolvable("licence", entry.licence)
    yield ds, DCT.accessRights, concept("access-right", "PUBLIC")
    yield ds, DCT.language, concept("language", "FRA")
    if entry.frequency in FREQUENCIES:
        yield ds, DCT.accrualPeriodicity, concept("frequency", FREQUENCIES[entry.frequency])
    elif entry.frequency:
        ctx.unresolvable("frequency", entry.frequency)
    if entry.start or entry.end:
        period = f"_:period-{ctx.line}"
        yield ds, DCT.temporal, period
        yield period, A, DCT.PeriodOfTime
        if entry.start:
            yield period, DCAT.startDate, typed(entry.start, XSD.date)
        if entry.end:
            yield period, DCAT.endDate, typed(entry.end, XSD.date)
    countries = []
    for zone in entry.zones:
        if zone in ZONES:
            countries.append(ZONES[zone])
        else:
            ctx.unresolvable("spatial zone", zone)
    for country in dict.fromkeys(countries):
        yield ds, DCT.spatial, concept("country", country)
        if country == "FRA":
            extent = f"_:extent-{ctx.line}"
            yield ds, DCT.spatial, extent
            yield from metropole_extent(extent)
    if entry.granularity:
        yield ds, BG.spatialGranularity, literal(entry.granularity)
    if entry.issued:
        yield ds, DCT.issued, typed(entry.issued, XSD.dateTime)
    if entry.modified:
        yield ds, DCT.modified, typed(entry.modified, XSD.dateTime)
    hvd = hvd_categories(entry, ctx)
    for category in hvd:
        yield ds, DCATAP.hvdCategory, concept("hvd-category", category)
    if hvd:
        yield ds, DCATAP.applicableLegislation, iri(HVD_LEGISLATION)
    landing = iri(entry.landing_page)
    yield ds, DCAT.landingPage, landing
    yield landing, A, FOAF.Document
    yield ds, DCT.isReferencedBy, iri(entry.datagouv_url)
    seen: set[str] = set()
    for token in entry.formats:
        fmt = FORMATS.get(token)
        if fmt is None:
            ctx.unresolvable("resource format", token)
        elif fmt.code not in seen:
            seen.add(fmt.code)
            dist_triples = distribution(entry, token, fmt, licence, bool(hvd), ctx)
            yield ds, DCAT.distribution, dist_triples[0][0]
            yield from dist_triples


SOURCE = csv_source("catalog", "Catalogue de data.economie.gouv.fr (moissonné par data.gouv.fr)", PATH, COLUMNS,
                    lift, __name__, delimiter=";", preamble=catalog_preamble)

#: The catalog, then the EU vocabulary concepts it uses.
SOURCES = [SOURCE, *vocabularies.sources(USED_CODES)]

#: the kind(s) of file this mapping lifts (mappings/kinds.py)
KINDS = [like(SOURCE, "catalog-datagouv-export", make=lambda graph, title, path: [
    replace(SOURCE, name=graph, title=title, path=path), *SOURCES[1:]])]


def is_catalog(graph_name: str) -> bool:
    """The graphs a catalog document is made of (and DCAT-AP validates): this catalog and the EU
    vocabulary graphs its values come from, not the quality measurements."""
    return graph_name == SOURCE.name or graph_name.startswith("eu-")
