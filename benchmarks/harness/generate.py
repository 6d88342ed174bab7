"""National-size inputs in the real formats, shaped on the real samples of data/ (scale benchmarks only).

Why resampling: every generated record is a copy of a REAL record of the same file (its template), with
fresh identities (ids, SIRET/SIREN with valid Luhn check digits) and values redrawn from the real file's
own distributions (amounts, dates) or from the real referentials (COG communes, their postal codes and
coordinates). The template carries its defects with it (mojibake, junk codes, missing fields, bad enums),
so each defect keeps the rate measured in the real file; duplicated identifiers are reproduced at the
measured rate (`dup_rate`). Referentials, catalog, budget and local accounts stay the real files.

Sizes: `n` DECP contracts (v1 JSON 2019 / v2 JSON 2024+ / tabular, shared as the real files are), `n`
DVF lines (geo-DVF and raw DGFiP) and n/4 SIRENE legal units.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import random
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from graph_service.snapshot import MANIFEST, Http, load, save, sha256

#: share of the n DECP contracts / DVF lines each file gets (about the real national shares)
DECP_V1 = {"decp/decp_v1_e-marchespublics_2019-04-03.json": 0.10,
           "decp/decp_v1_data.gouv.fr_pes_2019-04-05.json": 0.20,
           "decp/decp_v1_data.gouv.fr_aife_2019-04-04_subset1000.json": 0.10}
DECP_V2 = ("decp/decp_v2_2024_ville_de_paris_21750001600019.json", 0.30)
DECP_TAB = ("decp/decp_consolide_tabulaire_2024S2_travaux_cpv4521_subset.csv", 0.30)
GEO_DVF = ("dvf/geodvf_2023_commune_83137_toulon.csv", 0.75)
RAW_DVF = ("dvf/dvf_raw_dgfip_format_sample_cerema_stubbed.txt", 0.25)
SIRENE = ("sirene/sirene_stock_unite_legale_2026_extrait_credit-bail_97.csv", 0.25)
GENERATED = [*DECP_V1, DECP_V2[0], DECP_TAB[0], GEO_DVF[0], RAW_DVF[0], SIRENE[0]]


def luhn_complete(body: str) -> str:
    """`body` followed by the digit that makes the whole pass the Luhn check (SIREN, SIRET)."""
    for d in "0123456789":
        digits = body + d
        total = 0
        for i, c in enumerate(reversed(digits)):
            n = int(c) * (2 if i % 2 else 1)
            total += n - 9 if n > 9 else n
        if total % 10 == 0:
            return digits
    raise AssertionError("unreachable")


def luhn_ok(digits: str) -> bool:
    return digits.isdigit() and luhn_complete(digits[:-1]) == digits


class Identities:
    """Fresh SIRENs (valid check digit), shared by DECP titulaires and the SIRENE stock, as in reality."""

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.sirens, self._seen = rng, [], set()

    def siren(self) -> str:
        while True:
            s = luhn_complete(f"{self.rng.randrange(10**7, 10**8):08d}")
            if s not in self._seen:
                self._seen.add(s)
                self.sirens.append(s)
                return s

    def siret(self, reuse: float = 0.5) -> str:
        """A SIRET of a new or (with probability `reuse`) an already drawn company: a company wins many."""
        siren = self.rng.choice(self.sirens) if self.sirens and self.rng.random() < reuse else self.siren()
        return luhn_complete(siren + f"{self.rng.randrange(1, 1000):04d}")


class Communes:
    """Real COG 2025 communes with La Poste's postal code and coordinates."""

    def __init__(self, data: Path) -> None:
        with (data / "referentials/postal/laposte_hexasmal_datanova-ods-export_2023-06.csv").open(
                encoding="utf-8-sig") as f:
            postal = {r["code_commune_insee"]: r for r in csv.DictReader(f, delimiter=";")}
        with (data / "referentials/cog2025/cog2025_communes.csv").open(encoding="utf-8") as f:
            self.rows = [r for r in csv.DictReader(f) if r["type_code"] == "COM" and r["code"] in postal]
        self.postal = postal

    def draw(self, rng: random.Random) -> tuple[dict, str, tuple[float, float] | None]:
        c = rng.choice(self.rows)
        p = self.postal[c["code"]]
        coords = p["coordonnees_geographiques"].split(",")
        point = (float(coords[0]), float(coords[1])) if len(coords) == 2 else None
        return c, p["code_postal"], point


def dup_rate(keys: list[str]) -> float:
    """Share of records whose key already appeared earlier in the file (a real defect)."""
    seen, dups = set(), 0
    for k in keys:
        dups += k in seen
        seen.add(k)
    return dups / max(1, len(keys))


def gen_decp_json(src: Path, n: int, rng: random.Random, ids: Identities, buyers: list[dict]) -> str:
    """A DECP JSON file (v1 `{"marches": [...]}` or v2 bare array) of n records resampled from src."""
    raw = json.loads(src.read_text(encoding="utf-8"))
    wrapped = isinstance(raw, dict)
    records = raw["marches"] if wrapped else raw
    rate = dup_rate([str(r.get("id")) + str((r.get("acheteur") or {}).get("id")) for r in records])
    amounts = [r["montant"] for r in records if "montant" in r]
    dates = [r["dateNotification"] for r in records if "dateNotification" in r]
    out, made = [], []
    for i in range(n):
        r = copy.deepcopy(rng.choice(records))
        if made and rng.random() < rate:
            r["id"] = rng.choice(made)
        elif "id" in r:
            suffix = f"G{i:x}"   # the 2024+ schema allows 16 characters
            r["id"] = str(r["id"])[: 16 - len(suffix)] + suffix
            made.append(r["id"])
        if "acheteur" in r and buyers and luhn_ok(str((r["acheteur"] or {}).get("id", ""))):
            r["acheteur"] = {k: v for k, v in rng.choice(buyers).items() if k in r["acheteur"] or k == "id"}
        if "uid" in r:
            r["uid"] = str(r.get("acheteur", {}).get("id", "")) + str(r.get("id", ""))
        if "montant" in r and amounts:
            r["montant"] = rng.choice(amounts)
        if "dateNotification" in r and dates:
            r["dateNotification"] = rng.choice(dates)
        for key in ("titulaires", "concessionnaires"):
            for t in r.get(key) or []:
                holder = t.get("titulaire", t) if isinstance(t, dict) else None
                if isinstance(holder, dict) and luhn_ok(str(holder.get("id", ""))) and len(str(holder["id"])) == 14:
                    holder["id"] = ids.siret()
        out.append(r)
    return json.dumps({"marches": out} if wrapped else out, ensure_ascii=False, indent=1)


def gen_decp_tabular(src: Path, n: int, rng: random.Random, ids: Identities) -> str:
    """The tabular DECP: one row per contract x holder; n rows, whole contracts resampled."""
    with src.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fields = reader.fieldnames
        groups = defaultdict(list)
        for row in reader:
            groups[row["uid"]].append(row)
    contracts = list(groups.values())
    amounts = [g[0]["montant"] for g in contracts]
    dates = [g[0]["dateNotification"] for g in contracts]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    rows = i = 0
    while rows < n:
        group = rng.choice(contracts)
        new_id = f"{group[0]['id']}G{i}"
        amount, date = rng.choice(amounts), rng.choice(dates)
        for row in group[: n - rows]:
            row = dict(row, id=new_id, uid=row["acheteur_id"] + new_id, montant=amount, dateNotification=date)
            if len(row["titulaire_id"]) == 14 and luhn_ok(row["titulaire_id"]):
                row["titulaire_id"] = ids.siret()
            writer.writerow(row)
            rows += 1
        i += 1
    return buf.getvalue()


def gen_geo_dvf(src: Path, n: int, rng: random.Random, communes: Communes) -> str:
    """geo-DVF: whole mutations of the real file, moved to a real commune (its postal code, its
    coordinates jittered by about 1 km), with a price drawn from the real prices; n lines."""
    with src.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fields = reader.fieldnames
        mutations = defaultdict(list)
        for row in reader:
            mutations[row["id_mutation"]].append(row)
    groups = list(mutations.values())
    prices = [g[0]["valeur_fonciere"] for g in groups if g[0]["valeur_fonciere"]]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    rows = i = 0
    while rows < n:
        group = rng.choice(groups)
        commune, postal, point = communes.draw(rng)
        price = rng.choice(prices)
        for row in group[: n - rows]:
            row = dict(row, id_mutation=f"{row['id_mutation']}G{i}", code_commune=commune["code"],
                       nom_commune=commune["name"], code_departement=commune["department_code"],
                       code_postal=postal, valeur_fonciere=price if row["valeur_fonciere"] else "")
            if row["id_parcelle"]:
                row["id_parcelle"] = commune["code"] + row["id_parcelle"][5:]
            if row["longitude"] and point:   # one parcel, one point (its lines repeat it)
                jitter = random.Random(row["id_parcelle"] or row["id_mutation"])
                row["latitude"] = f"{point[0] + jitter.uniform(-0.01, 0.01):.6f}"
                row["longitude"] = f"{point[1] + jitter.uniform(-0.01, 0.01):.6f}"
            writer.writerow(row)
            rows += 1
        i += 1
    return buf.getvalue()


def gen_raw_dvf(src: Path, n: int, rng: random.Random, communes: Communes, geo: Path) -> str:
    """Raw DGFiP DVF ('|', CRLF, decimal comma): real lines moved to real communes; since the real raw
    sample's prices and dates are neutralised (1,00 and 01/01/2001), they are drawn from geo-DVF's."""
    text = src.read_bytes().decode("utf-8")   # read_text would turn its CRLF into LF
    header, *lines = text.split("\r\n")
    lines = [line.split("|") for line in lines if line]
    cols = header.split("|")
    at = {c: cols.index(c) for c in ("Reference document", "Date mutation", "Valeur fonciere", "Code postal",
                                      "Commune", "Code departement", "Code commune")}
    with geo.open(encoding="utf-8", newline="") as f:
        sales = [(r["date_mutation"], r["valeur_fonciere"]) for r in csv.DictReader(f) if r["valeur_fonciere"]]
    out = [header]
    for i in range(n):
        row = list(rng.choice(lines))
        commune, postal, _ = communes.draw(rng)
        date, price = rng.choice(sales)
        y, m, d = date.split("-")
        row[at["Reference document"]] = f"{row[at['Reference document']]}G{i}"
        row[at["Date mutation"]] = f"{d}/{m}/{y}"
        row[at["Valeur fonciere"]] = f"{float(price):.2f}".replace(".", ",")
        row[at["Code postal"]] = postal
        row[at["Commune"]] = commune["name"].upper()
        dep = commune["department_code"]
        row[at["Code departement"]] = dep
        row[at["Code commune"]] = commune["code"][len(dep):] if commune["code"].startswith(dep) else commune["code"][2:]
        out.append("|".join(row))
    return "\r\n".join(out) + "\r\n"


def gen_sirene(src: Path, n: int, rng: random.Random, ids: Identities) -> str:
    """SIRENE StockUniteLegale: real rows with the SIRENs the DECP holders were given first (so DECP
    links resolve to the stock, as nationally), then fresh ones."""
    with src.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames, list(reader)
    pool = list(ids.sirens)
    rng.shuffle(pool)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for i in range(n):
        row = rng.choice(rows)
        siren = pool[i] if i < len(pool) else ids.siren()
        nic = luhn_complete(siren + row["nicSiegeUniteLegale"][:4])[9:] if row["nicSiegeUniteLegale"] else ""
        writer.writerow(dict(row, siren=siren, nicSiegeUniteLegale=nic))
    return buf.getvalue()


def buyers_of(data: Path) -> list[dict]:
    """The real buyers (SIRET + name) of the real DECP files."""
    found = {}
    for path in DECP_V1:
        for r in json.loads((data / path).read_text(encoding="utf-8"))["marches"]:
            a = r.get("acheteur") or {}
            if luhn_ok(str(a.get("id", ""))) and a.get("nom"):
                found[a["id"]] = {"id": a["id"], "nom": a["nom"]}
    return list(found.values())


def snapshot(data: Path, out: Path, n: int, seed: int = 13) -> dict:
    """Write a data dir at `out`: every real file linked, the large sources generated in place of theirs.
    Returns the parameters (for the result file)."""
    rng = random.Random(seed)
    for path in data.rglob("*"):
        if path.is_file():
            target = out / path.relative_to(data)
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_symlink() or target.exists():
                target.unlink()
            os.symlink(path.resolve(), target)
    ids, communes, buyers = Identities(rng), Communes(data), buyers_of(data)
    texts = {p: gen_decp_json(data / p, max(1, int(n * share)), rng, ids, buyers) for p, share in DECP_V1.items()}
    texts[DECP_V2[0]] = gen_decp_json(data / DECP_V2[0], max(1, int(n * DECP_V2[1])), rng, ids, buyers)
    texts[DECP_TAB[0]] = gen_decp_tabular(data / DECP_TAB[0], max(1, int(n * DECP_TAB[1])), rng, ids)
    texts[GEO_DVF[0]] = gen_geo_dvf(data / GEO_DVF[0], max(1, int(n * GEO_DVF[1])), rng, communes)
    texts[RAW_DVF[0]] = gen_raw_dvf(data / RAW_DVF[0], max(1, int(n * RAW_DVF[1])), rng, communes, data / GEO_DVF[0])
    texts[SIRENE[0]] = gen_sirene(data / SIRENE[0], max(1, int(n * SIRENE[1])), rng, ids)
    for path, text in texts.items():
        target = out / path
        target.unlink()
        target.write_bytes(text.encode("utf-8"))
    restate(out, texts)
    return {"records": n, "seed": seed, "files": {p: len(t.encode()) for p, t in texts.items()}}


def restate(out: Path, generated: dict[str, str]) -> None:
    """The copy's manifest with the generated files' checksums and sizes (a build verifies them); they
    keep their dataset and kind, and lose what only the real download had (retrieval time, HTTP answer)."""
    manifest = load(out)
    manifest.files = [replace(e, sha256=sha256(out / e.path), size=(out / e.path).stat().st_size,
                              retrieved=None, http=Http()) if e.path in generated else e
                      for e in manifest.files]
    (out / MANIFEST).unlink()      # a link to the real manifest
    save(out, manifest)
