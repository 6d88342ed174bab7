"""HTTP content negotiation: parse an Accept header with q-values and pick the best offer.

Shared by every router that serves several representations (SPARQL results, RDF, HTML pages).
RFC 9110 §12.5.1: the most specific matching range sets an offer's quality; q=0 means "not
acceptable"; among equal qualities the server's order of offers decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float

    def specificity(self, media_type: str) -> int:
        """-1 if the range does not match `media_type`, else 0 (*/*), 1 (type/*) or 2 (exact)."""
        mtype, _, msub = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != mtype:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == msub else -1


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an Accept header; malformed entries are skipped. None/empty/unreadable -> */*."""
    if not header or not header.strip():
        return [MediaRange("*", "*", 1.0)]
    ranges = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        mtype, _, sub = fields[0].lower().partition("/")
        if not mtype or not sub or (mtype == "*" and sub != "*"):
            continue
        q: float | None = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(1.0, max(0.0, float(value.strip())))
                except ValueError:
                    q = None
        if q is not None:
            ranges.append(MediaRange(mtype, sub, q))
    return ranges or [MediaRange("*", "*", 1.0)]   # an unreadable header is ignored (RFC 9110 §12.5.1)


def quality(ranges: Sequence[MediaRange], media_type: str) -> float:
    """How much the client wants `media_type`: q of the most specific matching range, 0 if none."""
    best_spec, best_q = -1, 0.0
    for r in ranges:
        spec = r.specificity(media_type)
        if spec > best_spec:
            best_spec, best_q = spec, r.q
    return best_q if best_spec >= 0 else 0.0


def negotiate(accept: str | None | Sequence[MediaRange], offers: Sequence[str]) -> str | None:
    """The offer the client prefers (ties: first offer), or None if none is acceptable (-> 406)."""
    ranges = parse_accept(accept) if accept is None or isinstance(accept, str) else accept
    best, best_q = None, 0.0
    for offer in offers:
        q = quality(ranges, offer)
        if q > best_q:
            best, best_q = offer, q
    return best


def explicitly_wants(accept: str | None, media_type: str, over: Sequence[str]) -> bool:
    """True if the client names `media_type` itself (not via */*) at a q at least that of every `over` type.

    Used to send an HTML page to browsers while clients that send */* get data.
    """
    ranges = parse_accept(accept)
    mine = [r for r in ranges if r.specificity(media_type) == 2]
    if not mine or mine[0].q == 0:
        return False
    return all(mine[0].q >= quality(ranges, other) for other in over)
