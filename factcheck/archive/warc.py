"""One WARC file per capture (warcinfo, request, response, metadata), so archives replay in
standard tools; written to a temporary file and renamed into place like every blob."""

from __future__ import annotations

import io
import json
import zlib
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from factcheck.archive.fetch import FetchResult
from factcheck.storage import atomic_file

# The stored body is already decoded, so the headers that described the wire encoding would lie.
_WIRE_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}
SOFTWARE = "Factcheck Workbench"
GZIP_LEVEL = 6


def warc_name(snapshot_id: int) -> str:
    """The path of a snapshot's WARC file, relative to the WARC folder."""
    return f"{snapshot_id // 1000:04d}/{snapshot_id}.warc.gz"


def write_warc(folder: Path, snapshot_id: int, result: FetchResult, extra: dict[str, Any] | None = None) -> str:
    """Write the capture's WARC file atomically; return its name relative to ``folder``."""
    name = warc_name(snapshot_id)
    with atomic_file(folder / name) as handle:
        _write_records(_MemberWriter(handle), result, extra or {})
    return name


def remove_warc(folder: Path, snapshot_id: int) -> None:
    """Delete a snapshot's WARC file (a run that died before committing may have left one)."""
    try:
        (folder / warc_name(snapshot_id)).unlink()
    except FileNotFoundError:
        pass


class _GzipMember:
    """One gzip member around one record, as ``.warc.gz`` requires; finished by ``flush``."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)

    def write(self, data: bytes) -> None:
        self.out.write(self.compressor.compress(data))

    def flush(self) -> None:
        self.out.write(self.compressor.flush())


class _MemberWriter(WARCWriter):
    """warcio's writer, compressing at level 6 rather than its fixed 9: twice as fast, a few
    per cent larger, and the same standard ``.warc.gz``."""

    def __init__(self, out: BinaryIO) -> None:
        super().__init__(out, gzip=False)

    def write_record(self, record: Any, params: Any = None) -> None:
        self._write_warc_record(_GzipMember(self.out), record)  # warcio flushes once, at the end


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
