"""The one HTTP client of the harvest: timeouts, retries, quotas, size bounds, resumable downloads.

Portals fail in the ordinary ways (500, 429, slow answers, cut connections, HTML where JSON was
promised); every request of the harvest goes through `Client` so that each of those has one answer.
The API key travels in a header only and `redact` removes it from any text we print or store.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from graph_service.snapshot import sha256

USER_AGENT = "bercy-graph-harvest/1 (+https://github.com/; linked data of the French ministry of economy's open data)"
RETRY_STATUSES = {429, 500, 502, 503, 504}


class HarvestHTTPError(Exception):
    """A request that failed after its retries; the message is safe to print (no key in it)."""


class NotFound(HarvestHTTPError):
    """404 or 410: the portal says the thing is gone (a deletion candidate, not a failure)."""


@dataclass(frozen=True)
class HttpPolicy:
    """The bounds of every request; tests shrink them to keep the fault matrix fast."""

    timeout: float = 30.0             # seconds to connect and between bytes read
    retries: int = 4                  # attempts after the first one
    backoff: float = 2.0              # seconds before the first retry, doubled each time
    max_wait: float = 300.0           # longest Retry-After / X-RateLimit-Reset wait honoured
    max_json_bytes: int = 50 * 2**20  # a catalog page or dataset document larger than this is refused
    max_file_bytes: int = 4 * 2**30   # a downloaded file larger than this is refused
    max_seconds: float = 3600.0       # one transfer (all its resumes) may not last longer: a server that
                                      # drips bytes never trips `timeout`


@dataclass
class Download:
    """What a download brought: the validators and status the manifest records."""

    path: Path
    status: int
    size: int
    sha256: str
    etag: str | None
    last_modified: str | None
    content_length: int | None
    media_type: str | None
    resumed: int = 0                  # times the transfer was resumed with a Range request


@dataclass
class Client:
    """A requests session with the harvest's policies; `api_key` goes in `key_header` only."""

    policy: HttpPolicy = field(default_factory=HttpPolicy)
    api_key: str | None = None
    key_header: str = "Authorization"
    key_prefix: str = "Apikey "
    log: Callable[[str], None] = lambda line: None
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        if self.api_key:
            self.session.headers[self.key_header] = self.key_prefix + self.api_key

    def redact(self, text: str) -> str:
        """The text with the API key (if any) blanked: for every message we print or store."""
        return text.replace(self.api_key, "***") if self.api_key else text

    # -- requests with retries ---------------------------------------------------------------------
    def _request(self, url: str, headers: dict[str, str] | None = None) -> requests.Response:
        """GET with retries: connection errors, timeouts and RETRY_STATUSES back off, honouring Retry-After."""
        delay = self.policy.backoff
        last = ""
        for attempt in range(self.policy.retries + 1):
            try:
                response = self.session.get(url, headers=headers, timeout=self.policy.timeout, stream=True)
            except (requests.ConnectionError, requests.Timeout) as exc:
                last = f"{type(exc).__name__}"
                wait = delay
            else:
                self._respect_quota(response)
                if response.status_code not in RETRY_STATUSES:
                    return response
                last = f"HTTP {response.status_code}"
                wait = retry_after(response.headers.get("Retry-After")) or delay
                response.close()
                if wait > self.policy.max_wait:
                    raise HarvestHTTPError(self.redact(
                        f"{url}: {last}, Retry-After {wait:.0f} s is beyond the {self.policy.max_wait:.0f} s we wait"))
            if attempt < self.policy.retries:
                self.log(self.redact(f"retry {attempt + 1}/{self.policy.retries} in {wait:.1f} s: {url} ({last})"))
                self.sleep(min(wait, self.policy.max_wait))
                delay *= 2
        raise HarvestHTTPError(self.redact(f"{url}: {last} after {self.policy.retries + 1} attempts"))

    def _respect_quota(self, response: requests.Response) -> None:
        """Opendatasoft's X-RateLimit-* headers: when none is left, wait for the reset (bounded)."""
        remaining = response.headers.get("X-RateLimit-Remaining")
        if remaining is None or not remaining.strip().isdigit() or int(remaining) > 0:
            return
        wait = reset_in(response.headers.get("X-RateLimit-Reset"))
        if wait is None:
            return
        if wait > self.policy.max_wait:
            raise HarvestHTTPError(f"{response.url}: quota exhausted (X-RateLimit-Remaining: 0), reset in "
                                   f"{wait:.0f} s, beyond the {self.policy.max_wait:.0f} s we wait")
        self.log(f"quota exhausted, waiting {wait:.1f} s for X-RateLimit-Reset")
        self.sleep(wait)

    def _read_bounded(self, response: requests.Response, limit: int, url: str) -> bytes:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise HarvestHTTPError(f"{url}: {declared} bytes announced, over the {limit} bytes bound")
        chunks, size = [], 0
        for chunk in response.iter_content(65536):
            size += len(chunk)
            if size > limit:
                raise HarvestHTTPError(f"{url}: response over the {limit} bytes bound")
            chunks.append(chunk)
        return b"".join(chunks)

    def get_json(self, url: str) -> Any:
        """A JSON document; a truncated body or invalid JSON is retried, then reported."""
        last = ""
        for attempt in range(self.policy.retries + 1):
            response = self._request(url)
            try:
                if response.status_code in (404, 410):
                    raise NotFound(self.redact(f"{url}: HTTP {response.status_code}"))
                if response.status_code != 200:
                    raise HarvestHTTPError(self.redact(f"{url}: HTTP {response.status_code}"))
                body = self._read_bounded(response, self.policy.max_json_bytes, url)
                return json.loads(body)
            except (requests.RequestException, ValueError) as exc:
                last = "truncated body" if isinstance(exc, requests.RequestException) else "invalid JSON"
            finally:
                response.close()
            if attempt < self.policy.retries:
                self.log(self.redact(f"retry {attempt + 1}/{self.policy.retries}: {url} ({last})"))
                self.sleep(self.policy.backoff * 2**attempt)
        raise HarvestHTTPError(self.redact(f"{url}: {last} after {self.policy.retries + 1} attempts"))

    def download(self, url: str, dest: Path) -> Download:
        """Stream `url` into `dest` (through `dest.part`), resuming a cut transfer with a Range request.

        A resumed part is kept only when the server answers 206 for the same entity (If-Range on its
        ETag or Last-Modified); otherwise the transfer starts over. The caller checks the result against
        the portal's declared size and checksum.
        """
        part = dest.with_name(dest.name + ".part")
        part.unlink(missing_ok=True)
        try:
            return self._download(url, dest, part)
        finally:
            part.unlink(missing_ok=True)      # a failed transfer leaves nothing behind in the snapshot

    def _download(self, url: str, dest: Path, part: Path) -> Download:
        deadline = time.monotonic() + self.policy.max_seconds
        validator: str | None = None
        first: requests.Response | None = None
        resumed = 0
        last = ""
        for attempt in range(self.policy.retries + 1):
            have = part.stat().st_size if part.exists() else 0
            headers = {}
            if have and validator:
                headers = {"Range": f"bytes={have}-", "If-Range": validator}
            response = self._request(url, headers)
            try:
                if response.status_code not in (200, 206):
                    raise HarvestHTTPError(self.redact(f"{url}: HTTP {response.status_code}"))
                if response.status_code == 200:
                    have = 0
                    first = response
                    validator = response.headers.get("ETag") or response.headers.get("Last-Modified")
                elif have:
                    resumed += 1
                expected = _int(response.headers.get("Content-Length"))
                if expected is not None and have + expected > self.policy.max_file_bytes:
                    raise HarvestHTTPError(f"{url}: {have + expected} bytes, over the "
                                           f"{self.policy.max_file_bytes} bytes bound")
                got = 0
                with part.open("ab" if have else "wb") as out:
                    for chunk in response.iter_content(65536):
                        got += len(chunk)
                        if have + got > self.policy.max_file_bytes:
                            raise HarvestHTTPError(f"{url}: over the {self.policy.max_file_bytes} bytes bound")
                        if time.monotonic() > deadline:
                            raise HarvestHTTPError(self.redact(
                                f"{url}: still transferring after {self.policy.max_seconds:g} s, abandoned"))
                        out.write(chunk)
                if expected is not None and got < expected:
                    raise requests.ConnectionError("truncated")
            except requests.RequestException:
                last = "truncated body"
            else:
                part.replace(dest)
                head = first.headers if first is not None else response.headers
                return Download(
                    path=dest, status=(first or response).status_code, size=dest.stat().st_size,
                    sha256=sha256(dest), etag=head.get("ETag"), last_modified=head.get("Last-Modified"),
                    content_length=_int(head.get("Content-Length")),
                    media_type=(head.get("Content-Type") or "").split(";")[0].strip() or None, resumed=resumed)
            finally:
                response.close()
            if attempt < self.policy.retries:
                self.log(self.redact(f"resume {attempt + 1}/{self.policy.retries}: {url} ({last}, "
                                     f"{part.stat().st_size if part.exists() else 0} bytes kept)"))
                self.sleep(self.policy.backoff * 2**attempt)
        raise HarvestHTTPError(self.redact(f"{url}: {last} after {self.policy.retries + 1} attempts"))

    def head(self, url: str) -> requests.structures.CaseInsensitiveDict:
        """The headers of a HEAD request (for udata's Last-Modified / Content-Length hints); {} on failure."""
        try:
            response = self.session.head(url, timeout=self.policy.timeout, allow_redirects=True)
        except requests.RequestException:
            return requests.structures.CaseInsensitiveDict()
        return response.headers if response.status_code == 200 else requests.structures.CaseInsensitiveDict()


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date, RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def reset_in(value: str | None) -> float | None:
    """Seconds until an X-RateLimit-Reset: epoch seconds, delta seconds, or an ISO / HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        number = float(value)
        return max(0.0, number - time.time()) if number > 1e9 else number
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return retry_after(value)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())




def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None
