"""Entities over HTTP: every IRI the build mints dereferences at our server (rdflib as a real
client), content negotiation (Accept x extension x format=), HEAD, 404, ETag / Last-Modified
with 304, paging of the links to a high-degree entity, HTML pages with labels and key figures,
the landing page, the lookup form, VoID and the per-graph dumps.

The graph is built here with the server's own URL as base, so the IRIs in the store are the
URLs a client fetches. Expected values come from the source files (read with csv here) or from
SPARQL counts on the same store.
"""

from __future__ import annotations

import csv
import re
from decimal import Decimal
from email.utils import formatdate, parsedate_to_datetime

import pytest
import requests
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS as DCT, OWL, RDF, SKOS, VOID

from graph_service.web.documents.entity import PAGE_SIZE
from graph_service.store import GraphStore
from mappings import catalog

from .conftest import DATA
from .serving import running_server

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
IGEO = Namespace("http://rdf.insee.fr/def/geo#")
RDF_FORMATS = {"ttl": ("text/turtle", "turtle"), "jsonld": ("application/ld+json", "json-ld"),
               "nt": ("application/n-triples", "nt"), "rdf": ("application/rdf+xml", "xml")}
TOULON, PARIS_DEP, CPV_WORKS = "commune/83137", "departement/75", "cpv/45210000"
DVF_FILE = DATA / "dvf" / "geodvf_2023_commune_83137_toulon.csv"


def read_csv(path, **kwargs) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, **kwargs))


@pytest.fixture(scope="module")
def served(served_build):
    """(server URL = IRI base, store) for a build whose base is the server's own URL."""
    mine, store = served_build
    with running_server(mine, port=int(mine.base.rsplit(":", 1)[1])) as url:
        yield url, store


@pytest.fixture(scope="module")
def base(served) -> str:
    return served[0]


def get(url: str, **kwargs) -> requests.Response:
    return requests.get(url, timeout=120, allow_redirects=False, **kwargs)


def media(response: requests.Response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


# --- rdflib as a real client -------------------------------------------------------------------

def test_rdflib_parses_a_commune_from_its_iri(base):
    iri = URIRef(f"{base}/id/{TOULON}")
    graph = Graph().parse(iri)
    name = next(r["name"] for r in read_csv(DATA / "referentials/cog2025/cog2025_communes.csv")
                if r["code"] == "83137" and r["type_code"] == "COM")
    assert (iri, RDF.type, IGEO.Commune) in graph
    assert (iri, SKOS.prefLabel, Literal(name, lang="fr")) in graph
    assert (iri, OWL.sameAs, URIRef("http://id.insee.fr/geo/commune/83137")) in graph


def test_rdflib_parses_a_departement_a_cpv_concept_and_a_dataset(base):
    dep = URIRef(f"{base}/id/{PARIS_DEP}")
    name = next(r["name"] for r in read_csv(DATA / "referentials/cog2025/cog2025_departments.csv")
                if r["code"] == "75")
    graph = Graph().parse(dep)
    assert (dep, RDF.type, IGEO.Departement) in graph
    assert (dep, SKOS.prefLabel, Literal(name, lang="fr")) in graph

    cpv = URIRef(f"{base}/id/{CPV_WORKS}")
    label = next(r["name"] for r in read_csv(DATA / "referentials/cpv/cpv2008_fr_avec_cle_et_parent.csv")
                 if r["id"].startswith("45210000-"))
    assert (cpv, SKOS.prefLabel, Literal(label, lang="fr")) in Graph().parse(cpv)

    row = next(r for r in read_csv(DATA / catalog.PATH, delimiter=";")
               if r["harvest.remote_url"].rstrip("/").endswith("/decp_augmente") and r["description"].strip())
    ds = URIRef(f"{base}/id/dataset/decp_augmente")
    graph = Graph().parse(ds)
    assert (ds, RDF.type, DCAT.Dataset) in graph
    assert (ds, DCT.title, None) in graph and str(graph.value(ds, DCT.title)) == row["title"]


# --- content negotiation -----------------------------------------------------------------------

@pytest.mark.parametrize("accept, expected", [
    ("text/turtle", "text/turtle"),
    ("application/ld+json", "application/ld+json"),
    ("application/n-triples", "application/n-triples"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("text/html", "text/html"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),   # a browser
    ("*/*", "text/turtle"),
    (None, "text/turtle"),
    ("application/rdf+xml;q=0.5, application/ld+json", "application/ld+json"),
    ("text/html;q=0.1, text/turtle", "text/turtle"),
])
def test_accept_decides_without_extension(base, accept, expected):
    response = get(f"{base}/id/{TOULON}", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert media(response) == expected
    assert "Accept" in response.headers["vary"]


@pytest.mark.parametrize("ext", [*RDF_FORMATS, "html"])
def test_extension_and_format_parameter_override_accept(base, ext):
    expected = RDF_FORMATS[ext][0] if ext in RDF_FORMATS else "text/html"
    by_ext = get(f"{base}/id/{TOULON}.{ext}", headers={"Accept": "image/png"})
    by_param = get(f"{base}/id/{TOULON}?format={ext}", headers={"Accept": "image/png"})
    for response in (by_ext, by_param):
        assert response.status_code == 200 and media(response) == expected
        varies = {v.strip().lower() for v in response.headers.get("vary", "").split(",") if v.strip()}
        assert "accept" not in varies   # the URL alone decides the format
        assert varies == ({"accept-language"} if ext == "html" else set())   # a page's language: Accept-Language


def test_all_rdf_formats_say_the_same(base):
    """The same statements in every format; only the Hydra view differs: it is the URL fetched (`.ttl`, `.nt`...)."""
    graphs = []
    for ext, (_, rdflib_format) in RDF_FORMATS.items():
        url = f"{base}/id/{PARIS_DEP}.{ext}"
        response = get(url)
        graph = Graph().parse(data=response.content, format=rdflib_format)
        graphs.append({(s, p, o) for s, p, o in graph if URIRef(url) not in (s, o)})
        assert (URIRef(url), RDF.type, HYDRA.PartialCollectionView) in graph
    first = set(graphs[0])
    assert first and all(set(g) == first for g in graphs[1:])


def test_unacceptable_and_bad_format_are_refused(base):
    assert get(f"{base}/id/{TOULON}", headers={"Accept": "image/png"}).status_code == 406
    response = get(f"{base}/id/{TOULON}?format=pdf")
    assert response.status_code == 400 and "format" in response.text


def test_content_location_and_alternates(base):
    response = get(f"{base}/id/{TOULON}", headers={"Accept": "application/n-triples"})
    assert response.headers["content-location"] == f"{base}/id/{TOULON}.nt"
    assert f"<{base}/id/{TOULON}.jsonld>" in response.headers["link"]


def test_a_key_with_a_dot_is_not_an_extension(base):
    iri = f"{base}/id/naf/62.01Z"
    assert media(get(iri)) == "text/turtle"
    graph = Graph().parse(data=get(f"{iri}.nt").content, format="nt")
    assert (URIRef(iri), RDF.type, SKOS.Concept) in graph


# --- HEAD, 404, 304 ----------------------------------------------------------------------------

def test_head_has_the_headers_of_get_and_no_body(base):
    url = f"{base}/id/{PARIS_DEP}.ttl"
    full, head = get(url), requests.head(url, timeout=60)
    assert head.status_code == 200 and head.content == b""
    for name in ("content-type", "etag", "last-modified", "content-length"):
        assert head.headers[name] == full.headers[name]
    assert int(head.headers["content-length"]) == len(full.content)


@pytest.mark.parametrize("path", ["/id/commune/99999", "/id/commune/83137/extra", "/id/nokind/1",
                                  "/id/commune/<script>", "/id/commune/83137.pdf"])
def test_unknown_iris_are_404(base, path):
    assert get(base + path).status_code == 404
    assert requests.head(base + path, timeout=60).status_code == 404


def test_a_browser_gets_a_readable_404_page_with_a_way_home(base):
    response = requests.get(f"{base}/id/commune/99999", timeout=60,
                            headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
    assert "/id/commune/99999" in response.text and 'href="/"' in response.text
    script = requests.get(f"{base}/id/commune/99999", timeout=60, headers={"Accept": "*/*"})
    assert script.status_code == 404 and script.headers["content-type"].startswith("text/plain")


def test_another_spelling_of_the_key_redirects_to_the_iri(base):
    prepared = requests.Request("GET", f"{base}/id/{TOULON}.ttl").prepare()
    prepared.url = f"{base}/id/commune/%38%33137.ttl"    # requests would normalize the spelling itself
    with requests.Session() as session:
        response = session.send(prepared, allow_redirects=False, timeout=60)
    assert response.status_code == 301 and response.headers["location"] == f"{base}/id/{TOULON}.ttl"


def test_conditional_requests_get_304(base):
    url = f"{base}/id/{TOULON}.ttl"
    first = get(url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert get(url, headers={"If-None-Match": etag}).status_code == 304
    assert get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    earlier = parsedate_to_datetime(modified).timestamp() - 3600
    assert get(url, headers={"If-Modified-Since": formatdate(earlier, usegmt=True)}).status_code == 200
    assert get(f"{base}/id/{TOULON}.nt").headers["etag"] != etag   # one version per representation


# --- paging of incoming links ------------------------------------------------------------------

def test_incoming_links_of_a_high_degree_entity_are_paged_to_the_end(served):
    base, store = served
    iri = f"{base}/id/{TOULON}"
    expected = int(store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p "
                                f"WHERE {{ ?s ?p <{iri}> }} }}")[0]["n"])
    assert expected > PAGE_SIZE   # the case under test: more links than one page holds
    seen, url, pages = set(), f"{iri}.ttl", 0
    while url:
        graph = Graph().parse(data=get(url).content, format="turtle")
        pages += 1
        collection = URIRef(f"{iri}#incoming")   # the paging node names its topic: not a data link
        links = {(s, p) for s, p in graph.subject_predicates(URIRef(iri))   # nor are the pages' hydra:first
                 if s != collection and not p.startswith(HYDRA)}
        assert len(links) <= PAGE_SIZE and not links & seen
        seen |= links
        assert int(graph.value(collection, HYDRA.totalItems)) == expected
        view = graph.value(collection, HYDRA.view)
        nxt = graph.value(view, HYDRA.next)
        url = str(nxt).replace(iri, f"{iri}.ttl", 1) if nxt else None
    assert len(seen) == expected and pages == -(-expected // PAGE_SIZE)
    assert get(f"{iri}.ttl?page={pages + 1}").status_code == 404
    assert get(f"{iri}.ttl?page=0").status_code == 400


# --- HTML pages --------------------------------------------------------------------------------

def test_commune_page_shows_labels_links_and_dvf_figures_from_the_file(base):
    sales: dict[str, str] = {}
    for row in read_csv(DVF_FILE):
        if row["code_commune"] == "83137":
            sales.setdefault(row["id_mutation"], row["valeur_fonciere"])   # the price repeats per line
    total = sum(Decimal(v) for v in sales.values() if v)
    page = get(f"{base}/id/{TOULON}", headers={"Accept": "text/html"}).text
    assert "<h1>Toulon</h1>" in page
    assert ">Var</a>" in page                                       # the département by its label
    assert f'href="{base}/id/departement/83"' in page               # ... and clickable
    assert f"{len(sales):,}".replace(",", "\u202f") in page          # sales, counted from the file
    assert f"{round(total):,}".replace(",", "\u202f") + "\u00a0€" in page
    content = page.split("</header>", 1)[1]                            # (the header's search box has a script)
    assert "<svg" in content and "<script" not in content           # inline chart, no JS
    assert f'href="{base}/id/{TOULON}.ttl"' in page                 # the machine formats


def test_html_pages_of_a_departement_cpv_and_dataset(served):
    base, store = served
    dep = get(f"{base}/id/{PARIS_DEP}.html").text
    contracts = store.select(f"PREFIX dct: <http://purl.org/dc/terms/> SELECT (COUNT(DISTINCT ?c) AS ?n) "
                             f"WHERE {{ ?c a <http://data.europa.eu/a4g/ontology#Contract> ; "
                             f"dct:spatial <{base}/id/{PARIS_DEP}> }}")[0]["n"]
    assert "<h1>Paris</h1>" in dep and f"{int(contracts):,}".replace(",", "\u202f") in dep
    cpv = get(f"{base}/id/{CPV_WORKS}.html").text
    assert "marchés classés sous ce code : attributions (DECP)" in cpv
    ds = get(f"{base}/id/dataset/decp_augmente.html").text
    assert "score de qualité" in ds and "distributions" in ds


def test_html_paging_states_the_range_and_links_the_next_page(base):
    page = get(f"{base}/id/{TOULON}.html").text
    assert f"Liens 1 à {PAGE_SIZE}" in page and f'href="{base}/id/{TOULON}?page=2"' in page


# --- landing page, lookup, VoID, dumps ---------------------------------------------------------

def test_landing_page_explains_and_links(base):
    page = get(base + "/", headers={"Accept": "text/html"})
    assert page.status_code == 200 and media(page) == "text/html"
    for href in ('href="/sparql"', 'href="/catalog"', 'href="/.well-known/void"', f'href="{base}/id/{TOULON}"'):
        assert href in page.text
    assert get(base + "/", headers={"Accept": "text/turtle"}).headers["location"] == "/.well-known/void"


def test_lookup_form_leads_to_the_entity(base):
    response = get(f"{base}/lookup", params={"kind": "departement", "code": "2A"})
    assert response.status_code == 303 and response.headers["location"] == f"{base}/id/departement/2A"
    assert get(f"{base}/lookup", params={"kind": "nope", "code": "1"}).status_code == 400


def test_void_describes_endpoint_examples_subsets_dumps_and_linksets(served):
    base, store = served
    graph = Graph().parse(f"{base}/.well-known/void")
    dataset = URIRef(f"{base}/.well-known/void#bercy-graph")
    assert graph.value(dataset, VOID.sparqlEndpoint) == URIRef(f"{base}/sparql")
    examples = list(graph.objects(dataset, VOID.exampleResource))
    assert examples and all(get(str(e)).status_code == 200 for e in examples)
    subsets = {s for s in graph.objects(dataset, VOID.subset) if (s, RDF.type, VOID.Linkset) not in graph}
    assert {str(s) for s in subsets} == set(store.named_graphs()) - {f"{base}/graph/provenance"}
    regions = URIRef(f"{base}/graph/cog-regions")
    dump = get(str(graph.value(regions, VOID.dataDump)))
    assert dump.status_code == 200 and media(dump) == "application/n-quads"
    quads = [line for line in dump.text.splitlines() if line.strip()]
    assert len(quads) == int(graph.value(regions, VOID.triples))
    assert all(line.rstrip(" .").endswith(f"<{regions}>") for line in quads)
    communes = int(store.select("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?o WHERE { "
                                "?s <http://www.w3.org/2002/07/owl#sameAs> ?o "
                                "FILTER(STRSTARTS(STR(?o), 'http://id.insee.fr/geo/commune/')) } }")[0]["n"])
    linkset = next(ls for ls in graph.subjects(RDF.type, VOID.Linkset)
                   if graph.value(ls, VOID.linkPredicate) == OWL.sameAs
                   and str(graph.value(graph.value(ls, VOID.objectsTarget), VOID.uriSpace))
                   == "http://id.insee.fr/geo/commune/")
    assert int(graph.value(linkset, VOID.triples)) == communes
    recorded = {row["ls"] for row in store.select(
        "SELECT ?ls WHERE { ?ls a <http://rdfs.org/ns/void#Linkset> }")}   # between our graphs, by the build
    assert recorded and recorded <= {str(ls) for ls in graph.subjects(RDF.type, VOID.Linkset)}
    for ls in recorded:
        assert (None, VOID.subset, URIRef(ls)) in graph and graph.value(URIRef(ls), VOID.triples) is not None


# --- every IRI the build mints -----------------------------------------------------------------

def minted_samples(store: GraphStore, base: str) -> dict[str, str]:
    """One IRI per kind (`id/commune`, `graph`, `source`...), sampled from the start of every graph."""
    samples: dict[str, str] = {}
    for graph in store.named_graphs():
        rows = store.select(f'SELECT DISTINCT ?x WHERE {{ GRAPH <{graph}> {{ {{ ?x ?p ?o }} UNION {{ ?s ?q ?x }} }} '
                            f'FILTER(isIRI(?x) && STRSTARTS(STR(?x), "{base}/")) }} LIMIT 400')
        for row in rows:
            path = row["x"][len(base) + 1:]
            root = path.split("/")[0]
            kind = "/".join(path.split("/")[:2]) if root == "id" else root.split("#")[0]
            samples.setdefault(kind + ("#" if "#" in path else ""), row["x"])
    return samples


def test_every_kind_of_minted_iri_dereferences(served):
    base, store = served
    samples = minted_samples(store, base)
    assert {"id/commune", "id/contrat", "id/dataset", "graph", "source"} <= set(samples)
    for kind, iri in samples.items():
        document, _, fragment = iri.partition("#")
        response = get(document, headers={"Accept": "application/n-triples"})
        assert response.status_code == 200, (kind, iri, response.status_code)
        graph = Graph().parse(data=response.content, format="nt")
        assert (URIRef(iri), None, None) in graph or (None, None, URIRef(iri)) in graph, (kind, iri)
        if fragment:   # a hash IRI is described in its document
            assert (URIRef(iri), None, None) in graph, (kind, iri)


def test_request_paths_are_checked_before_any_query():
    from graph_service.web.documents.entity import candidates
    from mappings.iri import Minter

    minter, exts = Minter("http://x.test"), {"ttl", "html"}
    assert [c.iri for c in candidates("/id/naf/62.01Z", minter, exts)] == ["http://x.test/id/naf/62.01Z"]
    both = candidates("/id/commune/75056.ttl", minter, exts)
    assert [(c.iri, c.ext) for c in both] == [("http://x.test/id/commune/75056.ttl", None),
                                              ("http://x.test/id/commune/75056", "ttl")]
    compound = candidates("/id/contrat/20003070800016/2018AOO0407%2F0300", minter, exts)
    assert compound[0].keys == ("20003070800016", "2018AOO0407/0300") and compound[0].canonical
    assert not candidates("/id/commune/%38%33137", minter, exts)[0].canonical
    for bad in ("/id/unknown/1", "/id/commune", "/id/commune/", "/id/commune/a b", "/id/commune/x'}",
                "/other/1", "/graph/", "/id/commune/%ZZ"):
        assert candidates(bad, minter, exts) == [], bad


def page_words(page: str) -> str:
    """The text of an HTML page, tags dropped, runs of ASCII white space made one space (the no-break
    spaces of French numbers are kept)."""
    import re

    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", page))


def test_cpv_page_figures_are_the_graphs_contracts(served):
    """The CPV page's figures: its contracts counted once each (one may come from two feeds) and
    their current amounts summed once each, as a separate query of the store counts them."""
    base, store = served
    rows = store.select(f"""SELECT ?c (SAMPLE(?a) AS ?amount) WHERE {{
        ?c <http://data.europa.eu/a4g/ontology#hasPurpose>/<http://data.europa.eu/a4g/ontology#hasMainClassification>
           <http://data.europa.eu/cpv/cpv/{CPV_WORKS.rpartition("/")[2]}> .
        OPTIONAL {{ ?c <https://w3id.org/bercy-graph/def#currentAmount> ?a }} }} GROUP BY ?c""")
    total = sum(Decimal(r["amount"]) for r in rows if "amount" in r)
    text = page_words(get(f"{base}/id/{CPV_WORKS}.html").text)
    assert f"{len(rows):,}".replace(",", "\u202f") + " marchés classés sous ce code : attributions (DECP)" in text
    assert f"{round(total):,}".replace(",", "\u202f") + "\u00a0€ marchés classés sous ce code : montant actuel cumulé" in text
    assert len(rows) > 1000


def test_dataset_page_figures_worked_out_by_hand(served):
    """decp_augmente, from its row of the catalog export: 6 of the charter's 10 rules passed (no
    coverage, a 1,990-character description, an underscore in its id), formats json, geojson, csv."""
    base, _ = served
    text = page_words(get(f"{base}/id/dataset/decp_augmente.html").text)
    assert "60\u00a0% score de qualité" in text and "6 / 10 règles de la charte respectées" in text
    assert "3 distributions" in text
    assert ("Règles non respectées : Couverture spatiale ; Couverture temporelle ; Description de 300 à 500 "
            "caractères ; Identifiant avec des tirets.") in text


# --- tables of related items, charts (issue 12) ---------------------------------------------------

def test_a_territory_table_downloads_every_contract_the_figure_counts(served):
    base, store = served
    contracts = {r["c"] for r in store.select(
        f"PREFIX dct: <http://purl.org/dc/terms/> SELECT DISTINCT ?c WHERE {{ "
        f"?c a <http://data.europa.eu/a4g/ontology#Contract> ; dct:spatial <{base}/id/{PARIS_DEP}> }}")}
    r = get(f"{base}/tables/marches-executes/id/{PARIS_DEP}.csv?decimal=comma")
    assert r.status_code == 200 and media(r) == "text/csv" and r.content.startswith(b"\xef\xbb\xbf")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(r.content.decode("utf-8-sig").splitlines(), delimiter=";"))
    header = rows[0]
    assert {row[header.index("objet (IRI)")] for row in rows[1:]} == contracts and len(rows) - 1 == len(contracts)
    amounts = [row[header.index("montant actuel (€)")] for row in rows[1:]]
    assert not any("." in a for a in amounts) and any("," in a for a in amounts)


def test_a_table_page_is_sorted_and_paged_with_links(served):
    base, _ = served
    page = get(f"{base}/tables/ventes/id/{TOULON}?sort=prix&order=asc&page=2", headers={"Accept": "text/html"}).text
    assert '<th scope="col" aria-sort="ascending"' in page and "<caption>" in page
    assert f'<link rel="next" href="{base}/tables/ventes/id/{TOULON}?sort=prix&amp;order=asc&amp;page=3">' in page
    one = get(f"{base}/tables/ventes/id/{TOULON}.json?sort=prix&order=asc&page=2").json()
    assert len(one["member"]) == 50 and one["view"]["next"].endswith("page=3") and one["view"]["previous"]
    prices = [m["prix"] for m in one["member"] if m["prix"] is not None]
    assert prices == sorted(prices)
    assert get(f"{base}/tables/ventes/id/{TOULON}?sort=nope").status_code == 400
    assert get(f"{base}/tables/ventes/id/{PARIS_DEP}").status_code == 404   # a département has no sales table


def test_a_chart_says_how_many_contracts_it_leaves_out(served):
    """Paris (département): the chart by year says, inside its figure, how many awards it leaves out (the count
    itself is checked against the DECP files in test_reader_pages.py)."""
    base, store = served
    page = get(f"{base}/id/{PARIS_DEP}.html").text
    chart = page.split('<figure class="chart">', 1)[1].split("</figure>", 1)[0]
    said = re.search(r"([\d\u202f]+) marchés? sans date de notification n", chart)
    undated = int(said.group(1).replace("\u202f", ""))
    row = store.select(
        f"PREFIX dct: <http://purl.org/dc/terms/> PREFIX epo: <http://data.europa.eu/a4g/ontology#> "
        f"PREFIX igeo: <http://rdf.insee.fr/def/geo#> SELECT (COUNT(DISTINCT ?c) AS ?all) WHERE {{ "
        f"{{ VALUES ?where {{ <{base}/id/{PARIS_DEP}> }} }} UNION {{ ?where igeo:subdivisionDe <{base}/id/{PARIS_DEP}> ; a ?within "
        f"FILTER(?within IN (igeo:Commune, igeo:Departement)) }} "
        f"?c a epo:Contract ; dct:spatial ?where }}")[0]
    assert 'viewBox="' in chart and " width=" not in chart.split("<svg", 1)[1].split(">", 1)[0]
    shown = sum(int(n.replace("\u202f", "")) for n in re.findall(r'<td class="num">([\d\u202f]+)</td>', chart))
    assert shown + undated == int(row["all"])


def test_a_commune_of_guadeloupe_has_its_accounts_as_a_table(served):
    """Les Abymes (97101): one row per line of the OFGL file for it (aggregate x budget), the same amounts."""
    base, _ = served
    lines = [r for r in read_csv(DATA / "local_accounts/ofgl_base_communes_2024_dept971_guadeloupe.csv",
                                 delimiter=";") if r["Code Insee 2024 Commune"] == "97101"]
    assert lines
    r = get(f"{base}/tables/comptes/id/commune/97101.json")
    members = r.json()["member"]
    assert len(members) == len(lines)
    assert sorted(Decimal(str(m["montant"])) for m in members) == sorted(Decimal(x["Montant"]) for x in lines)
    page = get(f"{base}/id/commune/97101", headers={"Accept": "text/html"}).text
    assert f"Comptes de la commune (agrégats OFGL) — {len(lines)} lignes" in page
