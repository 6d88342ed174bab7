"""A fake Opendatasoft + udata portal on 127.0.0.1, with faults on demand, for the harvest tests.

Shapes and values come from real material, never invented:
- Opendatasoft catalog entries: the two datasets of Opendatasoft's own Explore v2 OpenAPI example
  (`shared/external/opendatasoft/ods-explore-v2.0-openapi-example-catalog-datasets.json`, real
  `dataset_uid`s `da_6kvv9v`, `da_5m8ykr`), flattened to v2.1 as the README there says; and the
  ministry's datasets built on the real v2.1 record of data.economie.gouv.fr
  (`shared/data/tabular/data-economie_catalog-dataset-metas_fixture-anonymised.json`: metas.default,
  dcat, ...), with the dataset_id of the real export they serve and the title data.gouv.fr gives them
  (`data/catalog/datagouv_export_harvested_from_data-economie-gouv-fr.csv`). Their `dataset_uid`s are
  unknown and INVENTED here (`da_mef_plf25`, `da_mef_signalconso`); their `fields` are the real
  exports' column names (ODS labels unknown: the name stands as label).
- exports: the real files under data/ (a verbatim ODS CSV export of plf25-depenses-2025-selon-destination,
  the SignalConso CSV of data.gouv.fr).
- udata datasets: the rows of the real data.gouv.fr catalog export above (id, slug, title, page,
  frequency, license, last_modified, harvest.*), in the API's nesting (`harvest: {modified_at, ...}`).
  Resource ids: SignalConso's real one (106add51-..., from data/SOURCES.md); the PLF one is INVENTED.
  Resource `checksum` / `filesize` are computed from the served bytes, as udata computes them.
- the INSEE "mouvements des communes" file: no real copy is staged; the real INSEE COG 2017 history file
  (`shared/data/referentials/cog-history/insee-cog2017_historiq2017.txt`) is served in its place.

Faults are queued per path prefix (`portal.fault("/api/1/datasets/", "500", "500")`): each request whose
path starts with the prefix takes the next one. Modes change the portal's behaviour as a whole.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
ODS_EXAMPLE = SHARED / "external" / "opendatasoft" / "ods-explore-v2.0-openapi-example-catalog-datasets.json"
MEF_RECORD = SHARED / "data" / "tabular" / "data-economie_catalog-dataset-metas_fixture-anonymised.json"
DATAGOUV_CATALOG = ROOT / "data" / "catalog" / "datagouv_export_harvested_from_data-economie-gouv-fr.csv"
PLF25 = ROOT / "data" / "budget" / "plf2025_depenses_selon_destination_ods_export.csv"
SIGNALCONSO = ROOT / "data" / "tabular" / "signalconso_subset.csv"
INSEE_HISTORY = SHARED / "data" / "referentials" / "cog-history" / "insee-cog2017_historiq2017.txt"

#: the ministry's datasets: (dataset_id, invented uid, export file, data.gouv.fr id)
MEF = [("plf25-depenses-2025-selon-destination", "da_mef_plf25", PLF25, "6709bd95daeddce062e00b23"),
       ("signalconso", "da_mef_signalconso", SIGNALCONSO, "61c0aa40f71e0c08fefa5a47")]
SIGNALCONSO_RESOURCE = "106add51-e925-4121-b0e4-81489c26a43f"
PLF25_RESOURCE = "00000000-0000-4000-8000-00000000f125"          # INVENTED (the real id is unknown)
MEF_ORG = "534fff8ea3a7292c64a77f02"


def _datagouv_rows() -> dict[str, dict]:
    with DATAGOUV_CATALOG.open(encoding="utf-8", newline="") as f:
        return {r["id"]: r for r in csv.DictReader(f, delimiter=";")}


def _header(path: Path) -> list[str]:
    first = path.read_text(encoding="utf-8-sig").split("\n", 1)[0]
    return first.split(";") if first.count(";") > first.count(",") else first.split(",")


class FakePortal:
    """Serves /api/explore/v2.1/..., /api/1/..., resource files; records every request it answers."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str, dict]] = []      # (method, path, headers)
        self.queries: list[tuple[str, dict]] = []              # (path, parsed query string)
        self.faults: dict[str, list] = defaultdict(list)
        self.loop_ods = False           # the catalog ignores `offset` (every page is the first)
        self.loop_udata = False         # from page 2 on, an organisation page's next_page points to itself
        self.grow_total = 0             # datasets added to the catalog after each catalog page served (times)
        self.page_size_cap = 100
        rows = _datagouv_rows()
        example = json.loads(ODS_EXAMPLE.read_text(encoding="utf-8"))
        self.ods: list[dict] = [dict(d["dataset"]) for d in example["datasets"]]
        template = json.loads(MEF_RECORD.read_text(encoding="utf-8"))["results"][0]
        self.exports: dict[str, bytes] = {}
        self.etags: dict[str, str] = {}
        self.fixed_etag: str | None = None
        self.udata: dict[str, dict] = {}
        self.files: dict[str, bytes] = {}
        for dataset_id, uid, path, udata_id in MEF:
            entry = copy.deepcopy(template)
            entry["dataset_id"], entry["dataset_uid"] = dataset_id, uid
            entry["metas"]["default"]["title"] = rows[udata_id]["title"]
            entry["metas"]["default"]["modified"] = rows[udata_id]["harvest.modified_at"] + "+00:00"
            entry["fields"] = [{"name": c, "label": c, "type": "text", "description": None, "annotations": {}}
                               for c in _header(path)]
            self.ods.append(entry)
            self.exports[dataset_id] = path.read_bytes()
            self.udata[udata_id] = self._udata_document(rows[udata_id], path)
        self.files["/insee/v_mvt_commune.csv"] = INSEE_HISTORY.read_bytes()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _udata_document(self, row: dict, path: Path) -> dict:
        """A udata API dataset from a row of data.gouv.fr's own catalog export (same fields, nested)."""
        rid = SIGNALCONSO_RESOURCE if row["slug"] == "signalconso" else PLF25_RESOURCE
        body = path.read_bytes()
        self.files[f"/fr/datasets/r/{rid}"] = body
        return {
            "id": row["id"], "title": row["title"], "slug": row["slug"], "page": row["url"],
            "frequency": row["frequency"], "license": row["license"], "created_at": row["created_at"],
            "last_modified": row["last_modified"],
            "organization": {"id": row["organization_id"], "name": row["organization"]},
            "harvest": {"backend": row["harvest.backend"], "domain": row["harvest.domain"],
                        "modified_at": row["harvest.modified_at"], "remote_url": row["harvest.remote_url"]},
            "resources": [{"id": rid, "title": path.name, "format": "csv", "type": "main", "filetype": "remote",
                           "url": "", "filesize": len(body),
                           "checksum": {"type": "sha1", "value": hashlib.sha1(body).hexdigest()},
                           "last_modified": row["last_modified"],
                           "harvest": {"modified_at": row["harvest.modified_at"]}}],
        }

    # -- test controls -----------------------------------------------------------------------------
    def start(self) -> FakePortal:
        self.thread.start()
        for doc in self.udata.values():
            for r in doc["resources"]:
                r["url"] = f"{self.url}/fr/datasets/r/{r['id']}"
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fault(self, prefix: str, *faults) -> None:
        with self.lock:
            self.faults[prefix].extend(faults)

    def ods_entry(self, uid: str) -> dict:
        return next(d for d in self.ods if d["dataset_uid"] == uid)

    def set_export(self, dataset_id: str, body: bytes) -> None:
        self.exports[dataset_id] = body

    def set_resource(self, udata_id: str, body: bytes, harvest_modified_at: str | None = None) -> None:
        resource = self.udata[udata_id]["resources"][0]
        self.files[f"/fr/datasets/r/{resource['id']}"] = body
        resource.update(filesize=len(body), checksum={"type": "sha1", "value": hashlib.sha1(body).hexdigest()})
        if harvest_modified_at:
            resource["harvest"]["modified_at"] = harvest_modified_at

    def count(self, prefix: str, method: str = "GET") -> int:
        return sum(1 for m, p, _ in self.requests if m == method and p.startswith(prefix))

    def _next_fault(self, path: str):
        with self.lock:
            for prefix, queue in self.faults.items():
                if path.startswith(prefix) and queue:
                    return queue.pop(0)
        return None

    # -- responses ---------------------------------------------------------------------------------
    def _handler(self):
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_HEAD(self) -> None:
                self.do_GET(head=True)

            def do_GET(self, head: bool = False) -> None:
                parts = urlsplit(self.path)
                with portal.lock:
                    portal.requests.append((self.command, parts.path, dict(self.headers)))
                    portal.queries.append((parts.path, parse_qs(parts.query)))
                fault = portal._next_fault(parts.path)
                try:
                    if fault is not None and self._fault(fault, parts):
                        return
                    status, body, headers = portal.route(parts.path, parse_qs(parts.query), self.headers)
                    self._send(status, body, headers, head)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _send(self, status: int, body: bytes, headers: dict, head: bool = False,
                      cut: int | None = None) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not head:
                    self.wfile.write(body[:cut] if cut is not None else body)
                    self.wfile.flush()

            def _fault(self, fault, parts) -> bool:
                """Answer with the fault; False when the fault only decorates the normal answer."""
                name, arg = (fault, None) if isinstance(fault, str) else fault
                if name == "500":
                    self._send(500, b"Internal Server Error", {"Content-Type": "text/plain"})
                elif name == "429":
                    self._send(429, b'{"error": "Too many requests"}',
                               {"Content-Type": "application/json", "Retry-After": str(arg)})
                elif name == "timeout":
                    time.sleep(arg)
                    self._send(500, b"late", {})
                elif name == "badjson":
                    self._send(200, b"<html><body>Maintenance</body></html>", {"Content-Type": "application/json"})
                elif name == "404":
                    self._send(404, b'{"message": "Not found"}', {"Content-Type": "application/json"})
                elif name == "truncate":
                    status, body, headers = portal.route(parts.path, parse_qs(parts.query), self.headers)
                    self._send(status, body, headers, cut=len(body) // 2)
                    self.close_connection = True
                elif name == "drip":          # the whole body, one small piece every `arg` seconds
                    status, body, headers = portal.route(parts.path, parse_qs(parts.query), self.headers)
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    for i in range(0, len(body), 4096):
                        self.wfile.write(body[i:i + 4096])
                        self.wfile.flush()
                        time.sleep(arg)
                elif name == "quota":
                    status, body, headers = portal.route(parts.path, parse_qs(parts.query), self.headers)
                    headers |= {"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "0",
                                "X-RateLimit-Reset": str(arg)}
                    self._send(status, body, headers)
                else:
                    raise ValueError(name)
                return True

        return Handler

    def route(self, path: str, query: dict, headers) -> tuple[int, bytes, dict]:
        js = {"Content-Type": "application/json; charset=utf-8"}
        if path == "/api/explore/v2.1/catalog/datasets":
            limit, offset = int(query.get("limit", ["10"])[0]), int(query.get("offset", ["0"])[0])
            if limit > 100 or offset + limit > 10_000:     # the API's own bounds: a 400, as ODS answers
                return 400, json.dumps({"error": "limit/offset out of bounds"}).encode(), js
            limit = min(limit, self.page_size_cap)
            if self.loop_ods:
                offset = 0
            page = {"total_count": len(self.ods), "results": self.ods[offset:offset + limit]}
            if self.grow_total:
                self.grow_total -= 1
                grown = copy.deepcopy(self.ods[0])
                grown["dataset_uid"] += f"-{len(self.ods)}"
                grown["dataset_id"] += f"-{len(self.ods)}"
                self.ods.insert(0, grown)
            return 200, json.dumps(page).encode(), js
        prefix = "/api/explore/v2.1/catalog/datasets/"
        if path.startswith(prefix) and "/exports/" in path:
            dataset_id, _fmt = path[len(prefix):].split("/exports/")
            if "/records" in path:
                return 400, b"{}", js
            if dataset_id not in {d["dataset_id"] for d in self.ods}:
                return 404, b'{"error": "Unknown dataset"}', js
            body = self.exports[dataset_id]
            etag = self.fixed_etag or f'"{hashlib.md5(body).hexdigest()}"'
            return self._ranged(body, {"Content-Type": "text/csv; charset=utf-8", "ETag": etag}, headers)
        if path.startswith("/api/1/datasets/"):
            udata_id = path[len("/api/1/datasets/"):].strip("/")
            if udata_id not in self.udata:
                return 404, b'{"message": "Not found"}', js
            return 200, json.dumps(self.udata[udata_id]).encode(), js
        if path.startswith(f"/api/1/organizations/{MEF_ORG}/datasets/"):
            page = int(query.get("page", ["1"])[0])
            docs = list(self.udata.values())
            nxt = f"{self.url}/api/1/organizations/{MEF_ORG}/datasets/?page={page if self.loop_udata and page >= 2 else page + 1}"
            return 200, json.dumps({"data": docs[page - 1:page], "page": page, "page_size": 1,
                                    "total": len(docs), "next_page": nxt if page < len(docs) or self.loop_udata else None,
                                    "previous_page": None}).encode(), js
        if path in self.files:
            body = self.files[path]
            return self._ranged(body, {"Content-Type": "text/csv", "ETag": f'"{hashlib.md5(body).hexdigest()}"',
                                       "Last-Modified": "Mon, 01 Dec 2025 00:00:00 GMT"}, headers)
        return 404, b"not found", {"Content-Type": "text/plain"}

    @staticmethod
    def _ranged(body: bytes, headers: dict, request_headers) -> tuple[int, bytes, dict]:
        """RFC 9110 Range with If-Range: 206 from the offset asked when the validator still matches."""
        headers = dict(headers, **{"Accept-Ranges": "bytes"})
        wanted = request_headers.get("Range")
        if wanted and wanted.startswith("bytes=") and wanted.endswith("-"):
            if_range = request_headers.get("If-Range")
            if if_range in (None, headers.get("ETag"), headers.get("Last-Modified")):
                start = int(wanted[len("bytes="):-1])
                headers["Content-Range"] = f"bytes {start}-{len(body) - 1}/{len(body)}"
                return 206, body[start:], headers
        return 200, body, headers
