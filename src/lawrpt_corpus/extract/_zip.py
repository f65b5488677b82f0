"""Reading members of an untrusted zip (DOCX, OFD) without inflating a bomb, and parsing
their XML without entity expansion or network access.

A member whose *declared* size exceeds the limit is refused before a byte is inflated; a
member that lies about its size is read in chunks and refused as soon as it passes the limit,
so memory never exceeds ``limit`` per member. Both raise ``ExtractFailed("too_large")``.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from .base import ExtractFailed

_CHUNK = 1 << 20


def open_zip(raw: bytes, fmt: str) -> zipfile.ZipFile:
    """The zip in ``raw`` (``broken_<fmt>`` when it is not one)."""
    try:
        return zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ExtractFailed(f"broken_{fmt}", str(exc)) from None


def find_member(zf: zipfile.ZipFile, name: str) -> str | None:
    """The member called ``name``, ignoring case and a leading ``/`` (None: absent)."""
    want = name.lstrip("/").lower()
    for info in zf.infolist():
        if info.filename.lstrip("/").lower() == want:
            return info.filename
    return None


def read_member(zf: zipfile.ZipFile, name: str, limit: int, fmt: str) -> bytes:
    """The inflated bytes of member ``name``, at most ``limit`` (see the module docstring)."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise ExtractFailed(f"broken_{fmt}", f"no member {name}") from None
    if info.file_size > limit:
        raise ExtractFailed("too_large", f"{name} declares {info.file_size} bytes > {limit}")
    out = bytearray()
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(_CHUNK)
                if not chunk:
                    break
                out += chunk
                if len(out) > limit:
                    raise ExtractFailed("too_large", f"{name} inflates past {limit} bytes")
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        # also zlib.error (a subclass of Exception only): caught by the step as broken_<fmt>
        raise ExtractFailed(f"broken_{fmt}", f"{name}: {exc}") from None
    return bytes(out)


def parse_xml(data: bytes, fmt: str) -> Any:
    """An lxml element for ``data``: no DTD loading, no entities, no network."""
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise ExtractFailed(f"broken_{fmt}", str(exc)) from None
    if root is None:
        raise ExtractFailed(f"broken_{fmt}", "empty XML")
    return root


def local(tag: object) -> str:
    """``{namespace}name`` → ``name`` (comments and processing instructions → ``""``)."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]
