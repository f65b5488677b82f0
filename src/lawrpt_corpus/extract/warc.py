"""WARC files (``.warc``, ``.warc.gz``) → one input per record (read with warcio).

Every record becomes exactly one :class:`WarcRecord`, in file order:

* a ``response``/``resource`` record with an HTML payload (by HTTP Content-Type, else by
  sniffing) → an input: ``source`` = its ``WARC-Target-URI``, ``payload`` = the HTTP body
  (de-chunked and decompressed by warcio), ``charset`` from the Content-Type;
* a ``response``/``resource`` record of a document the extract step reads (PDF, DOCX, OFD)
  → an input as well (the sniffer decides);
* any other record → a row with a reason and no payload: ``skipped:warc-request`` (or
  ``-warcinfo``, ``-metadata``, ``-revisit``), ``unsupported_format:<kind>`` for an image
  or other payload, ``broken_record`` for a record whose digest does not match or after
  which the file cannot be parsed (its Content-Length was wrong, or the file is cut).

After a broken record the reader resynchronises at the next ``WARC/1.`` line (plain) or
gzip member (``.warc.gz``) and goes on, so one bad record never hides the rest. Memory: one
record at a time (a record larger than ``max_bytes`` is ``too_large``, not read whole).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from .sniff import EXTRACTED, sniff

_RESYNC_CHUNK = 1 << 20


@dataclass(slots=True)
class WarcRecord:
    """One record: an input (``payload`` set) or a row with ``reason``."""

    source: str
    offset: int
    payload: bytes | None = None
    reason: str | None = None
    charset: str | None = None
    url: str | None = None
    n_bytes: int = 0
    verified: bool = False  # its WARC digest was present and matched
    payload_format: str | None = None  # "html" when only the Content-Type says so


def _charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def _kind(content_type: str | None) -> str:
    """``image/png`` → ``png``; ``application/octet-stream`` → ``octet-stream``."""
    if not content_type:
        return "unknown"
    mime = content_type.split(";", 1)[0].strip().lower()
    sub = mime.rsplit("/", 1)[-1].removeprefix("x-").removeprefix("vnd.")
    ok = 0 < len(sub) <= 40 and sub.isascii() and all(c.isalnum() or c in ".+-_" for c in sub)
    return sub if ok else "unknown"


def iter_warc(fh: BinaryIO, name: str, max_bytes: int, start: int = 0) -> Iterator[WarcRecord]:
    """Yield every record of the WARC file ``fh`` (see the module docstring); from the
    record at byte ``start`` (a record's ``offset``) when given — the records a read from
    the beginning yields from there on, offsets and sources absolute."""
    from warcio.archiveiterator import ArchiveIterator

    class _Quiet(ArchiveIterator):  # type: ignore[misc]
        INC_RECORD = ""  # warcio prints a warning per overrun record; we count them instead

    pos = start
    gz = fh.read(2) == b"\x1f\x8b"
    while True:
        fh.seek(pos)
        it = _Quiet(fh, check_digests=True)
        pending: WarcRecord | None = None
        last_offset = pos
        errors = 0
        try:
            for rec in it:
                if pending is not None:
                    if it.err_count > errors and pending.reason is None:
                        pending = _broken(pending)  # it overran its Content-Length
                    errors = it.err_count
                    yield pending
                pending = _record(rec, max_bytes)
                last_offset = pending.offset = it.get_record_offset()  # absolute; after reading
                if not pending.source:
                    pending.source = f"{name}@{last_offset}"
            if pending is not None:
                yield pending
            return
        except Exception:  # warcio raises several types for damaged input
            if pending is not None:
                if pending.reason is None and not pending.verified:
                    # the record read before the failure overran its end: blame it
                    pending = _broken(pending)
                yield pending
                if pending.verified:  # the damage is in the next record's header
                    yield WarcRecord(f"{name}@{last_offset}+", last_offset, reason="broken_record")
                restart = last_offset + 1
            else:
                yield WarcRecord(f"{name}@{pos}", pos, reason="broken_record")
                restart = pos + 1
            nxt = _resync(fh, restart, gz)
            if nxt is None:
                return
            pos = nxt


def _broken(rec: WarcRecord) -> WarcRecord:
    return WarcRecord(rec.source, rec.offset, reason="broken_record", n_bytes=rec.n_bytes)


def _record(rec: object, max_bytes: int) -> WarcRecord:
    """One record read to its end (offset and, without a target URI, source: by the caller)."""
    offset = -1
    rec_type = getattr(rec, "rec_type", None) or "unknown"
    headers = rec.rec_headers  # type: ignore[attr-defined]
    uri = headers.get_header("WARC-Target-URI") or ""
    if rec_type not in ("response", "resource"):
        return WarcRecord(uri, offset, reason=f"skipped:warc-{rec_type}", url=uri)
    http = rec.http_headers  # type: ignore[attr-defined]
    content_type = http.get_header("Content-Type") if http else headers.get_header("Content-Type")
    if http is not None:
        status = http.get_statuscode()
        if status and not str(status).startswith("2"):
            return WarcRecord(uri, offset, reason=f"skipped:http-{status}", url=uri)
    stream = rec.content_stream()  # type: ignore[attr-defined]
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        return WarcRecord(uri, offset, reason="too_large", n_bytes=len(data), url=uri)
    # warcio checks the digests once the record is read to its end
    while stream.read(1 << 16):
        pass
    passed = getattr(getattr(rec, "digest_checker", None), "passed", None)
    short = getattr(getattr(rec, "raw_stream", None), "limit", 0) or 0
    if passed is False or short > 0:  # digest mismatch, or the file ends inside the record
        return WarcRecord(uri, offset, reason="broken_record", n_bytes=len(data), url=uri)
    kind = sniff(data, uri)
    mime = _kind(content_type)
    payload_format = None
    if kind == "txt" and mime in ("html", "xhtml+xml"):
        kind = payload_format = "html"
    if kind not in EXTRACTED and not (kind == "txt" and mime == "plain"):
        reason = f"unsupported_format:{mime if kind == 'txt' else kind}"
        return WarcRecord(uri, offset, reason=reason, n_bytes=len(data), url=uri)
    return WarcRecord(
        uri,
        offset,
        payload=data,
        charset=_charset(content_type),
        url=uri,
        n_bytes=len(data),
        verified=passed is True,
        payload_format=payload_format,
    )


def _resync(fh: BinaryIO, start: int, gz: bool) -> int | None:
    """Offset of the next record start at or after ``start`` (None: end of file)."""
    marker = b"\x1f\x8b\x08" if gz else b"\nWARC/1."
    skip = 0 if gz else 1
    pos = start
    tail = b""
    while True:
        fh.seek(pos)
        chunk = fh.read(_RESYNC_CHUNK)
        if not chunk:
            return None
        buf = tail + chunk
        i = buf.find(marker)
        if i >= 0:
            return pos - len(tail) + i + skip
        tail = buf[-(len(marker) - 1) :]
        pos += len(chunk)
