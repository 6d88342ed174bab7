"""Communes through time: former commune codes, their dated versions and the events that ended them.

Old records name communes as they were (DECP 2019, DVF of past years, local accounts): a code merged
since is not in the COG 2025. This referential says, for such a code, which **version** of the commune it
named at a given date and where that version leads today, so that `Context.link("commune", code, at)`
resolves it (counted apart as "resolved through history").

Model (INSEE geo ontology 4.0, `http://rdf.insee.fr/def/geo#`): a version is a `bg:VersionDeCommune`
(`igeo:codeINSEE`, `igeo:nom`, `igeo:dateDebut` / `igeo:dateFin` when known) with `bg:communeActuelle` the
COG 2025 commune it is part of today (followed through every later event); an event is an
`igeo:EvenementGeographique` typed by what it did (`bg:Fusion`, `bg:Suppression`, `bg:ChangementDeCode`,
`bg:Creation`, `bg:Retablissement`, `bg:ChangementDeNom`, `bg:AutreEvenement`) with `igeo:date`,
`igeo:detruit` the version it ended and `igeo:cree` what replaced it (today's commune, or the version the
successor code had then). An event whose date the files do not give has no `igeo:date` and
`bg:dateInconnue true`, and its version no `igeo:dateFin`.

Sources (data/SOURCES.md), most precise first:
- INSEE COG 2017 `historiq2017.txt`: every event since 1943, dated (`EFF`), with its `MOD` code;
- `@etalab/cog` 0.1.0 (COG 2018) communes absorbed (`communeAbsorbante`) or recoded (`nouveauCode`):
  undated, ended after the 2017 file and by 1 January 2018;
- `@etalab/decoupage-administratif` 6.0.0 (COG 2026) `anciensCodes` of each commune: undated, old -> current.
An undated source only adds a version for a code the dated file leaves alive (never overrides a date).

Resolution rule: a code valid at a record's date resolves to the version it named then; a record without
a date resolves to the code's last version; a version whose end is unknown is taken as valid (the files
cannot refute it). A version that splits into several communes (`Suppression` shared between communes)
leads to no single commune today and is left unresolved.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

from .kinds import like
from .namespaces import BG, DCT, IGEO, RDFS, SKOS, XSD, A
from .read import Record, Reject, read_csv, read_json_records
from .source import Context, Source
from .terms import Triple, fr, literal, typed

DIR = "referentials/cog-history/"
HISTORIQ = DIR + "insee-cog2017_historiq2017.txt"
ABSORBED_2018 = DIR + "etalab-cog-0.1.0_communes-absorbees-nouveauCode.csv"
OLD_CODES_2026 = DIR + "decoupage-administratif-6.0.0_communes-anciensCodes.json"
VERSION = "commune-version"
EVENT = "evenement-geographique"

#: INSEE `MOD` codes of historiq2017 (its documentation, "historique des communes") by what they do.
#: A commune ends (its code goes to COMECH): suppression (territory shared), fusion simple, fusion-association,
#: commune nouvelle (commune absorbed, associated or delegated).
ENDS = {300: BG.Suppression, 310: BG.Fusion, 311: BG.Fusion, 330: BG.Fusion, 331: BG.Fusion, 332: BG.Fusion,
        333: BG.Fusion}
#: A commune changes code when it changes département (DEPANC: the old code).
CODE_CHANGES = {410, 411}
#: A code starts: creation, re-establishment.
STARTS = {200: BG.Creation, 210: BG.Retablissement}
NAME_CHANGES = {100, 110, 111, 120, 130}
#: The absorbing side of fusions and the later status changes of associated/delegated communes.
FUSION_SIDE = {312, 320, 321, 340, 341, 350, 351, 360}
MAX_HOPS = 12


def event_class(mod: int) -> str:
    """The class of an event from its INSEE MOD code."""
    if mod in ENDS:
        return ENDS[mod]
    if mod in STARTS:
        return STARTS[mod]
    if mod in CODE_CHANGES:
        return BG.ChangementDeCode
    if mod in NAME_CHANGES:
        return BG.ChangementDeNom
    if mod in FUSION_SIDE:
        return BG.Fusion
    return BG.AutreEvenement


def insee_date(text: str) -> date:
    """`DD-MM-YYYY` as historiq2017 writes its dates."""
    day, month, year = (int(x) for x in text.strip().split("-"))
    return date(year, month, day)


@dataclass
class Version:
    """A commune code over a period, ending in its successor(s)."""

    code: str
    name: str
    start: date | None
    end: date | None
    successors: list[str]
    source: str          # the file that reveals its end
    line: int            # the record of that file that reveals it
    mod: int | None = None

    @property
    def keys(self) -> tuple[str, str]:
        """The IRI keys: `commune-version/{code}/{end date or sans-date}`."""
        return self.code, self.end.isoformat() if self.end else "sans-date"

    @property
    def key(self) -> str:
        return "/".join(self.keys)


@dataclass
class History:
    """Every former code's versions, from the three files."""

    versions: dict[str, list[Version]] = field(default_factory=dict)

    def at(self, code: str, when: date | None) -> Version | None:
        """The version a code named at a date (None: its last version)."""
        found = self.versions.get(code, [])
        if when is None:
            return found[-1] if found else None
        for v in found:
            if (v.start is None or v.start <= when) and (v.end is None or when < v.end):
                return v
        return None

    def current(self, v: Version, today: set[str]) -> str | None:
        """Today's commune a version leads to, through every later event (None: none or several)."""
        for _ in range(MAX_HOPS):
            if len(set(v.successors)) != 1:
                return None
            successor = v.successors[0]
            if successor in today:
                return successor
            nxt = self.at(successor, v.end)
            if nxt is None or nxt is v:
                return None
            v = nxt
        return None

    def successor_entity(self, v: Version, today: set[str]) -> tuple[str, ...] | None:
        """(kind, key) of what an end event created: today's commune, or the successor's version then."""
        if len(set(v.successors)) != 1:
            return None
        successor = v.successors[0]
        if successor in today:
            return "commune", successor
        nxt = self.at(successor, v.end)
        return (VERSION, *nxt.keys) if nxt else None

    def events(self) -> dict[str, int]:
        """Versions by how their end is known (for the report)."""
        out: dict[str, int] = defaultdict(int)
        for versions in self.versions.values():
            for v in versions:
                out["dated" if v.end else "undated"] += 1
        return dict(out)


def historiq_rows(path: Path) -> Iterator[Record]:
    """historiq2017.txt: ISO-8859-1, TAB, CRLF (its documented layout)."""
    return read_csv(path, columns=("DEP", "COM", "EFF", "MOD", "COMECH", "DEPANC", "NCCOFF"), delimiter="\t",
                    encoding="latin-1")


def _code(row: Record) -> str:
    return row.require("DEP") + row.require("COM")


def build(data_dir: Path) -> History:
    """The history from the files present under `data_dir` (a missing undated file is skipped)."""
    ends: dict[tuple[str, date], Version] = {}
    starts: dict[str, set[date]] = defaultdict(set)
    path = data_dir / HISTORIQ
    if path.exists():
        for row in historiq_rows(path):
            try:
                mod, eff = int(row.require("MOD")), insee_date(row.require("EFF"))
            except (Reject, ValueError):
                continue  # the lift rejects it with its reason
            code, name = _code(row), row.get("NCCOFF")
            if mod in ENDS and (successor := row.get("COMECH")) and successor != code:
                v = ends.setdefault((code, eff), Version(code, name, None, eff, [], HISTORIQ, row.line, mod))
                v.successors.append(successor)
            elif mod in CODE_CHANGES and (old := row.get("DEPANC")) and old != code:
                ends.setdefault((old, eff), Version(old, name, None, eff, [code], HISTORIQ, row.line, mod))
                starts[code].add(eff)
            elif mod in STARTS:
                starts[code].add(eff)
    for mvt in sorted((data_dir / DIR).glob(MVT_GLOB)):
        for v in mvt_ends(read_mvt(mvt), f"{DIR}{mvt.name}"):
            for successor in v.successors:
                ends.setdefault((v.code, v.end), Version(v.code, v.name, None, v.end, [], v.source, v.line,
                                                         v.mod)).successors.append(successor)
    history = History()
    by_code: dict[str, list[Version]] = defaultdict(list)
    for (code, _), v in sorted(ends.items(), key=lambda item: (item[0][0], item[0][1])):
        by_code[code].append(v)
    for code, versions in by_code.items():
        previous: date | None = None
        for v in versions:
            begun = [s for s in starts.get(code, ()) if (previous is None or previous <= s) and s < v.end]
            v.start = max(begun) if begun else None
            previous = v.end
    history.versions = dict(by_code)
    for code, name, successor, source, line in undated(data_dir):
        versions = history.versions.setdefault(code, [])
        last_end = versions[-1].end if versions else None
        if versions and (versions[-1].end is None):
            continue  # an earlier undated file already gave it
        later = [s for s in starts.get(code, ()) if last_end is None or s >= last_end]
        if versions and not later:
            continue  # the dated file says it ended and never came back: the date wins
        versions.append(Version(code, name, max(later) if later else None, None, [successor], source, line))
    return history


def undated(data_dir: Path) -> Iterator[tuple[str, str, str, str, int]]:
    """(old code, its name, successor, file, record) of the undated files, COG 2018 first."""
    path = data_dir / ABSORBED_2018
    if path.exists():
        for row in read_csv(path, columns=("code", "nom", "type", "communeAbsorbante", "nouveauCode")):
            if successor := row.get("communeAbsorbante") or row.get("nouveauCode"):
                yield row.get("code"), row.get("nom"), successor, ABSORBED_2018, row.line
    path = data_dir / OLD_CODES_2026
    if path.exists():
        for entry in read_json_records(path):  # a JSON object: no header to check
            for old in entry.get("anciensCodes", None) or ():
                yield old, "", entry.get("code"), OLD_CODES_2026, entry.line


#: INSEE's "mouvements des communes" file (`v_mvt_commune_YYYY.csv`, COG 2019+), when a harvester stages it:
#: its documented layout, one row per (commune before, commune after) of an event.
MVT_GLOB = "v_mvt_commune_*.csv"
MVT_COLUMNS = ("MOD", "DATE_EFF", "TYPECOM_AV", "COM_AV", "TNCC_AV", "NCC_AV", "NCCENR_AV", "LIBELLE_AV",
               "TYPECOM_AP", "COM_AP", "TNCC_AP", "NCC_AP", "NCCENR_AP", "LIBELLE_AP")
#: Its MOD codes (2 digits): 10 name, 20 creation, 21 re-establishment, 30 removal, 31 simple merger,
#: 32 commune nouvelle, 33 merger-association, 34 association -> simple merger, 41 code change (département),
#: 50 code change (chef-lieu), 70 associated -> delegated commune.
MVT_CLASSES = {10: BG.ChangementDeNom, 20: BG.Creation, 21: BG.Retablissement, 30: BG.Suppression,
               31: BG.Fusion, 32: BG.Fusion, 33: BG.Fusion, 34: BG.Fusion, 41: BG.ChangementDeCode,
               50: BG.ChangementDeCode, 70: BG.Fusion}


def read_mvt(path: Path) -> Iterator[Record]:
    """v_mvt_commune_YYYY.csv: UTF-8, `,`, the 14 documented columns."""
    return read_csv(path, columns=MVT_COLUMNS)


def mvt_ends(rows: Iterable[Record], source: str) -> list[Version]:
    """The ends of commune codes an INSEE movements file states: for one event (MOD, date, code before), the
    communes (`TYPECOM_AP` COM) after it; the code ends when none of them keeps it (a commune nouvelle's
    chef-lieu keeps its code, a name change too)."""
    after: dict[tuple[str, str, str], list[tuple[str, Record]]] = defaultdict(list)
    for movement in rows:  # read by `read_mvt`, which checks MVT_COLUMNS in the header
        if movement.get("TYPECOM_AV") == "COM" and movement.get("TYPECOM_AP") == "COM" and movement.get("COM_AV"):
            after[(movement.get("MOD"), movement.get("DATE_EFF"), movement.get("COM_AV"))].append(
                (movement.get("COM_AP"), movement))
    out = []
    for (mod, when, code), successors in after.items():
        codes = [c for c, _ in successors]
        if code in codes or not mod.isdigit():
            continue
        first = successors[0][1]
        out.append(Version(code, first.get("LIBELLE_AV"), None, date.fromisoformat(when), codes, source,
                           first.line, int(mod)))
    return out


def lift_mvt(row: Record, ctx: Context, path: str) -> Iterable[Triple]:
    """A row of a movements file: the version whose end it reveals, with its dated event."""
    history = history_of(ctx.data_dir)
    out: list[Triple] = []
    for v in _revealed(history, path, row.line):
        event = ctx.entity(EVENT, f"{Path(path).stem}-{row.line}")
        out += [(event, RDFS.label, fr(f"{v.name} ({v.code}) : MOD {v.mod} au {v.end}")),
                (event, BG.codeMouvement, literal(str(v.mod)))]
        out += end_event(ctx, history, v, MVT_CLASSES.get(v.mod or 0, BG.AutreEvenement), event)
        out += version_triples(ctx, history, v)
    return out


def mvt_source(path: str) -> Source:
    """The source of a staged movements file (`referentials/cog-history/v_mvt_commune_YYYY.csv`): added to
    the build after the 2017 history when a harvester has fetched one (none is embedded)."""
    return Source(name=f"cog-historique-{Path(path).stem.replace('_', '-')}",
                  title=f"INSEE — mouvements des communes ({Path(path).name})", path=path, read=read_mvt,
                  lift=partial(lift_mvt, path=path), mapping=__name__, preamble=preamble)


_CACHE: dict[Path, History] = {}


def history_of(data_dir: Path) -> History:
    """The history of a data directory, built once per build (the three sources share it)."""
    key = data_dir.resolve()
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = build(data_dir)
    return _CACHE[key]


def version_triples(ctx: Context, history: History, v: Version) -> list[Triple]:
    """Declare a version (and register its period for `Context.link`), with the commune it leads to today."""
    subject = ctx.define(VERSION, *v.keys)
    today = history.current(v, ctx.known["commune"])
    until = f"jusqu'au {v.end.isoformat()}" if v.end else "fin non datée"
    label = f"{v.name or 'commune'} ({v.code}, {until})"
    out: list[Triple] = [(subject, A, BG.VersionDeCommune), (subject, IGEO.codeINSEE, literal(v.code)),
                         (subject, RDFS.label, fr(label))]
    if v.name:
        out.append((subject, IGEO.nom, fr(v.name)))
    if v.start:
        out.append((subject, IGEO.dateDebut, typed(v.start.isoformat(), XSD.date)))
    if v.end:
        out.append((subject, IGEO.dateFin, typed(v.end.isoformat(), XSD.date)))
    if today:
        out.append((subject, BG.communeActuelle, ctx.entity("commune", today)))
        ctx.relate(VERSION, v.key, "commune", today)
        ctx.formerly("commune", v.code, v.start, v.end, v.key)
    elif len(set(v.successors)) > 1:
        out.append((subject, SKOS.note, fr(f"partagée entre {', '.join(sorted(set(v.successors)))} : "
                                           "aucune commune unique aujourd'hui")))
    return out


def end_event(ctx: Context, history: History, v: Version, cls: str, event: str) -> list[Triple]:
    """The event that ended a version: what it destroyed, what it created, when (or that the date is unknown)."""
    out: list[Triple] = [(event, A, IGEO.EvenementGeographique), (event, A, cls),
                         (event, IGEO.detruit, ctx.entity(VERSION, *v.keys))]
    if created := history.successor_entity(v, ctx.known["commune"]):
        out.append((event, IGEO.cree, ctx.entity(*created)))
    if v.end:
        out.append((event, IGEO.date, typed(v.end.isoformat(), XSD.date)))
    else:
        out += [(event, BG.dateInconnue, typed("true", XSD.boolean)),
                (event, SKOS.note, fr(UNDATED_NOTES[v.source]))]
    return out


UNDATED_NOTES = {
    ABSORBED_2018: "date inconnue : après l'historique INSEE 2017, au plus tard au COG 2018 (@etalab/cog 0.1.0)",
    OLD_CODES_2026: "date inconnue : après le COG 2018, au plus tard au COG 2026 "
                    "(@etalab/decoupage-administratif 6.0.0)",
}


def lift_historiq(row: Record, ctx: Context) -> Iterable[Triple]:
    """One row of historiq2017: one dated event; the version it ends when it ends one."""
    try:
        mod = int(row.require("MOD"))
        eff = insee_date(row.require("EFF"))
    except ValueError as exc:
        raise Reject("EFF", f"not a MOD code or a DD-MM-YYYY date: {exc}") from None
    code = _code(row)
    history = history_of(ctx.data_dir)
    event = ctx.entity(EVENT, f"historiq2017-{row.line}")
    name = row.get("NCCOFF")
    out: list[Triple] = [
        (event, RDFS.label, fr(f"{name} ({code}) : MOD {mod} au {eff.isoformat()}")),
        (event, BG.codeMouvement, literal(str(mod))),
        (event, DCT.identifier, literal(f"historiq2017 ligne {row.line}")),
    ]
    old = row.get("DEPANC") if mod in CODE_CHANGES else code
    ended = next((v for v in history.versions.get(old, ()) if v.end == eff and v.source == HISTORIQ), None)
    if ended is not None and (mod in ENDS or mod in CODE_CHANGES):
        out += end_event(ctx, history, ended, event_class(mod), event)
        if ended.line == row.line:  # the first row of that end declares the version
            out += version_triples(ctx, history, ended)
        return out
    out += [(event, A, IGEO.EvenementGeographique), (event, A, event_class(mod)),
            (event, IGEO.date, typed(eff.isoformat(), XSD.date))]
    if mod in STARTS:
        if code in ctx.known["commune"] and history.at(code, eff) is None:
            out.append((event, IGEO.cree, ctx.entity("commune", code)))
        elif (v := history.at(code, eff)) is not None:
            out.append((event, IGEO.cree, ctx.entity(VERSION, *v.keys)))
    return out


def lift_undated(row: Record, ctx: Context, path: str) -> Iterable[Triple]:
    """A row of an undated file: the versions it alone reveals, each with its undated end event."""
    history = history_of(ctx.data_dir)
    out: list[Triple] = []
    for versions in _revealed(history, path, row.line):
        v = versions
        moved = path == ABSORBED_2018 and bool(row.get("nouveauCode"))
        event = ctx.entity(EVENT, f"{Path(path).stem}-{v.code}")
        out += [(event, RDFS.label, fr(f"{v.name or v.code} ({v.code}) -> {v.successors[0]}, date inconnue")),
                (event, DCT.identifier, literal(f"{Path(path).name} {v.code}"))]
        out += end_event(ctx, history, v, BG.ChangementDeCode if moved else BG.Fusion, event)
        out += version_triples(ctx, history, v)
    return out


_REVEALED: dict[tuple[int, str], dict[int, list[Version]]] = {}


def _revealed(history: History, path: str, line: int) -> list[Version]:
    """The versions a record of an undated file reveals (indexed once per history)."""
    key = (id(history), path)
    if key not in _REVEALED:
        _REVEALED.clear() if len(_REVEALED) > 4 else None
        index: dict[int, list[Version]] = defaultdict(list)
        for versions in history.versions.values():
            for v in versions:
                if v.source == path:
                    index[v.line].append(v)
        _REVEALED[key] = index
    return _REVEALED[key].get(line, [])


def preamble(ctx: Context) -> Iterable[Triple]:
    """Nothing to state: builds the history once, before the first record."""
    history_of(ctx.data_dir)
    return ()


SOURCES = [
    Source(name="cog-historique-insee-2017", title="INSEE COG 2017 — historique des communes depuis 1943 (daté)",
           path=HISTORIQ, read=historiq_rows, lift=lift_historiq, mapping=__name__, preamble=preamble,
           reads_also=(ABSORBED_2018, OLD_CODES_2026)),
    Source(name="cog-historique-etalab-2018",
           title="@etalab/cog 0.1.0 (COG 2018) — communes absorbées ou recodées (non daté)",
           path=ABSORBED_2018, read=partial(read_csv, columns=("code", "nom", "communeAbsorbante", "nouveauCode")),
           lift=partial(lift_undated, path=ABSORBED_2018), mapping=__name__, preamble=preamble,
           reads_also=(HISTORIQ, OLD_CODES_2026)),
    Source(name="cog-historique-etalab-2026",
           title="@etalab/decoupage-administratif 6.0.0 (COG 2026) — anciens codes des communes (non daté)",
           path=OLD_CODES_2026, read=read_json_records, lift=partial(lift_undated, path=OLD_CODES_2026),
           mapping=__name__, preamble=preamble, reads_also=(HISTORIQ, ABSORBED_2018)),
]

#: the kinds of these files (mappings/kinds.py): each read as its embedded source reads it
KINDS = [like(SOURCES[0], SOURCES[0].name, columns=("DEP", "COM", "MOD", "EFF"), delimiter="\t"),
         like(SOURCES[1], SOURCES[1].name),
         like(SOURCES[2], SOURCES[2].name, format="json", array=True, keys=("code", "anciensCodes"))]
