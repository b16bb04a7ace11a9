"""A client for the ccat-data-transfer ingest API, for instrument software.

Standard library only (Python >= 3.9). It starts and finishes executed observation units and registers
raw data files, one at a time or in bulk, computing each file's SHA-256 while reading it once. Every
registration carries an id made here (a time-ordered UUID, version 7), so sending the same registration
again is safe: the API answers that it is already registered. Time-ordered ids keep a large archive's
indexes warm: each new file's key lands beside the last ones instead of on a random page. A refused request raises CcatApiError with the API's messages,
each naming the field it is about (e.g. ``files[3].sha256: must be 64 hexadecimal characters``).

    client = CcatClient("https://ccat-dt.example.org", token=os.environ["CCAT_DT_TOKEN"])
    unit = client.start_obs_unit(instrument="primecam", obs_unit="deep_field_3")
    files = [client.describe_file(root, path, module="pcam_280") for path in paths]
    client.register_files(unit, files)      # bulk; resending the same list is safe
    client.finish_obs_unit(unit, outcome="success")
"""

import hashlib
import json
import os
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Sequence

__all__ = ["CcatApiError", "CcatClient", "FileRegistration", "uuid7"]

_CHUNK = 1024 * 1024

_uuid7_lock = threading.Lock()
_uuid7_last = [0, 0]  # the last millisecond used, and the counter within it


def uuid7() -> str:
    """A UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then a counter and random bits.

    Ids made by one process are strictly increasing: within one millisecond the 12-bit counter (rand_a)
    counts up from a random start, and when it runs out the timestamp is advanced by one.
    """
    with _uuid7_lock:
        ms = time.time_ns() // 1_000_000
        last_ms, counter = _uuid7_last
        if ms <= last_ms:
            ms, counter = last_ms, counter + 1
            if counter > 0xFFF:
                ms, counter = ms + 1, 0
        else:
            counter = int.from_bytes(os.urandom(2), "big") & 0x3FF
        _uuid7_last[0], _uuid7_last[1] = ms, counter
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = ((ms & ((1 << 48) - 1)) << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | rand_b
    return str(uuid.UUID(int=value))


class CcatApiError(Exception):
    """The API refused a request: its HTTP status and its messages (one per problem, naming the field)."""

    def __init__(self, status: int, messages: List[str], method: str, path: str):
        self.status = status
        self.messages = messages
        super().__init__(f"{method} {path}: {status}: " + "; ".join(messages))


@dataclass
class FileRegistration:
    """One file as the API registers it: where it is, its size and SHA-256 as written, and whose it is."""

    path: str
    size: int
    sha256: str
    instrument_module: str
    site: str = "ccat"
    location: str = "telescope_computer"
    id: str = field(default_factory=uuid7)
    file_type: Optional[str] = None
    file_created_at: Optional[str] = None
    metadata: Optional[Dict[str, Any]] = None

    def body(self, executed_obs_unit_id: str) -> Dict[str, Any]:
        out: Dict[str, Any] = {
            "id": self.id,
            "site": self.site,
            "location": self.location,
            "path": self.path,
            "size": self.size,
            "sha256": self.sha256,
            "executedObsUnitId": executed_obs_unit_id,
            "instrumentModule": self.instrument_module,
        }
        if self.file_type is not None:
            out["fileType"] = self.file_type
        if self.file_created_at is not None:
            out["fileCreatedAt"] = self.file_created_at
        if self.metadata is not None:
            out["metadata"] = self.metadata
        return out


class CcatClient:
    """The ingest API at ``base_url``, with a token of the ``ingest`` scope."""

    def __init__(self, base_url: str, token: str, timeout: float = 60.0):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def start_obs_unit(
        self,
        instrument: str,
        obs_unit: str,
        started_at: Optional[str] = None,
        unit_id: Optional[str] = None,
        metadata: Optional[Dict[str, Any]] = None,
        priority: Optional[str] = None,
    ) -> str:
        """Starts an executed observation unit and returns its id (made here, so a resend is safe).

        ``priority="high"`` marks it urgent: its data goes ahead of the backlog to the archives.
        """
        unit = unit_id or uuid7()
        body: Dict[str, Any] = {
            "id": unit,
            "instrument": instrument,
            "obsUnit": obs_unit,
            "startedAt": started_at or _now(),
        }
        if metadata is not None:
            body["metadata"] = metadata
        if priority is not None:
            body["priority"] = priority
        self._call("POST", "/executed-obs-units/start", body)
        return unit

    def finish_obs_unit(self, unit_id: str, outcome: str = "success", finished_at: Optional[str] = None) -> None:
        self._call(
            "PUT",
            f"/executed-obs-units/{unit_id}/finish",
            {"outcome": outcome, "finishedAt": finished_at or _now()},
        )

    @staticmethod
    def describe_file(root: str, path: str, module: str, **fields: Any) -> FileRegistration:
        """Size and SHA-256 of ``root/path``, read once in chunks, as a registration of ``path``."""
        digest = hashlib.sha256()
        size = 0
        with open(os.path.join(root, path), "rb") as f:
            for chunk in iter(lambda: f.read(_CHUNK), b""):
                digest.update(chunk)
                size += len(chunk)
        return FileRegistration(path=path, size=size, sha256=digest.hexdigest(), instrument_module=module, **fields)

    def register_file(self, unit_id: str, registration: FileRegistration) -> bool:
        """Registers one file; True if new, False if it was already registered identically."""
        status, _ = self._call("POST", "/raw-data-files", registration.body(unit_id))
        return status == 201

    def register_files(self, unit_id: str, registrations: Sequence[FileRegistration]) -> Dict[str, int]:
        """Registers files in one request: ``{"created": n, "alreadyRegistered": m}``."""
        _, body = self._call(
            "POST", "/raw-data-files/bulk", {"files": [r.body(unit_id) for r in registrations]}
        )
        return {"created": body["created"], "alreadyRegistered": body["alreadyRegistered"]}

    def _call(self, method: str, path: str, body: Any):
        request = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(body).encode("utf-8"),
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as err:
            raise CcatApiError(err.code, _messages(err.read()), method, path) from None


def _messages(raw: bytes) -> List[str]:
    try:
        message = json.loads(raw).get("message")
    except (ValueError, AttributeError):
        return [raw.decode("utf-8", "replace")[:500]]
    if isinstance(message, list):
        return [str(m) for m in message]
    return [str(message)]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
