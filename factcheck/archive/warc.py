"""One WARC file per capture (warcinfo, request, response, metadata), so archives replay in
standard tools; written to a temporary file and renamed into place like every blob."""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from factcheck.archive.fetch import FetchResult

# The stored body is already decoded, so the headers that described the wire encoding would lie.
_WIRE_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}
SOFTWARE = "Factcheck Workbench"


def warc_name(snapshot_id: int) -> str:
    """The path of a snapshot's WARC file, relative to the WARC folder."""
    return f"{snapshot_id // 1000:04d}/{snapshot_id}.warc.gz"


def write_warc(folder: Path, snapshot_id: int, result: FetchResult, extra: dict[str, Any] | None = None) -> str:
    """Write the capture's WARC file atomically; return its name relative to ``folder``."""
    name = warc_name(snapshot_id)
    final = folder / name
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=".tmp-", suffix=".warc.gz", dir=final.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            _write_records(WARCWriter(handle, gzip=True), result, extra or {})
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, final)
    except BaseException:
        try:
            os.unlink(temp_name)
        except FileNotFoundError:
            pass
        raise
    return name


def remove_warc(folder: Path, snapshot_id: int) -> None:
    """Delete a snapshot's WARC file (a run that died before committing may have left one)."""
    try:
        (folder / warc_name(snapshot_id)).unlink()
    except FileNotFoundError:
        pass


def _write_records(writer: WARCWriter, result: FetchResult, extra: dict[str, Any]) -> None:
    url = result.final_url
    date = result.fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    info = writer.create_warcinfo_record(
        f"{date}.warc.gz", {"software": SOFTWARE, "format": "WARC File Format 1.1", "http-header-user-agent": next(
            (v for k, v in result.request_headers if k.lower() == "user-agent"), "")},
    )
    writer.write_record(info)

    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request_headers = StatusAndHeaders(f"GET {target} {result.http_version}", list(result.request_headers),
                                       protocol=result.http_version, is_http_request=True)
    # Every record gets its length: without one warcio buffers it in a temporary file it never closes.
    request = writer.create_warc_record(url, "request", payload=io.BytesIO(b""), length=0,
                                        http_headers=request_headers, warc_headers_dict={"WARC-Date": date})

    headers = [(k, v) for k, v in result.response_headers if k.lower() not in _WIRE_HEADERS]
    headers.append(("Content-Length", str(len(result.body))))
    response_headers = StatusAndHeaders(f"{result.status} {result.reason}".strip(), headers,
                                        protocol=result.http_version)
    peer_ip = result.peer.rsplit(":", 1)[0].strip("[]") if result.peer else ""
    response = writer.create_warc_record(
        url, "response", payload=io.BytesIO(result.body), length=len(result.body), http_headers=response_headers,
        warc_headers_dict={"WARC-Date": date, **({"WARC-IP-Address": peer_ip} if peer_ip else {})},
    )
    request.rec_headers.add_header("WARC-Concurrent-To", response.rec_headers.get_header("WARC-Record-ID"))
    writer.write_record(request)
    writer.write_record(response)

    metadata = {
        "requested_url": result.requested_url,
        "redirects": [{"url": hop.url, "status": hop.status, "location": hop.location} for hop in result.redirects],
        **extra,
    }
    encoded = json.dumps(metadata, ensure_ascii=False).encode()
    record = writer.create_warc_record(
        url, "metadata", payload=io.BytesIO(encoded), length=len(encoded), warc_content_type="application/json",
        warc_headers_dict={"WARC-Date": date,
                           "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID")},
    )
    writer.write_record(record)
