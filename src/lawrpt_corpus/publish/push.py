"""Upload a built dataset folder to the Hugging Face Hub.

The token comes from ``token=``, ``HF_TOKEN`` or the login cache (huggingface_hub's own
lookup) and is never printed or written anywhere. The endpoint follows ``HF_ENDPOINT``.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
#: HTTP statuses worth another try: the Hub (or a proxy) was busy or restarting.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})

_REQUIRED = ("README.md", "build.json", "data", "manifest")


class PushError(Exception):
    """A push that cannot be done; the message is for the user and contains no secret."""


def push(
    folder: str | os.PathLike[str],
    repo_id: str,
    *,
    private: bool = False,
    revision: str | None = None,
    message: str | None = None,
    token: str | None = None,
    retries: int = 5,
    backoff: float = 1.0,
) -> str:
    """Upload ``folder`` (a finished build) to the dataset repo ``repo_id``; return the commit URL.

    Creates the repository if needed (``exist_ok``), and the branch ``revision`` if given.
    Server errors (5xx, 429) and dropped connections are retried ``retries`` times with
    exponential backoff starting at ``backoff`` seconds; LFS files already received are not
    sent again. Wrong credentials fail at once with :class:`PushError`.
    """
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    path = Path(folder)
    missing = [name for name in _REQUIRED if not (path / name).exists()]
    if missing:
        raise PushError(f"{path} is not a finished build (missing: {', '.join(missing)})")
    if "/" not in repo_id or repo_id.count("/") != 1:
        raise PushError(f"--repo-id must look like OWNER/NAME, got {repo_id!r}")
    api = HfApi(token=token)

    def attempt(fn: Callable[[], T]) -> T:
        return _with_retries(fn, retries, backoff, token)

    try:
        attempt(
            lambda: api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        )
        if revision:
            attempt(
                lambda: api.create_branch(
                    repo_id, repo_type="dataset", branch=revision, exist_ok=True
                )
            )
        info = attempt(
            lambda: api.upload_folder(
                repo_id=repo_id,
                repo_type="dataset",
                folder_path=str(path),
                revision=revision,
                commit_message=message or "Upload lawrpt_corpus build",
                allow_patterns=["README.md", "build.json", "report.html", "data/*", "manifest/*"],
            )
        )
    except HfHubHTTPError as exc:
        status = getattr(exc.response, "status_code", None)
        if status in (401, 403):
            raise PushError(
                f"the Hub refused the credentials (HTTP {status}); check HF_TOKEN or "
                "`hf auth login`"
            ) from None
        raise PushError(f"push failed: HTTP {status}: {_safe(str(exc), token)}") from None
    return str(getattr(info, "commit_url", info))


def _with_retries(fn: Callable[[], T], retries: int, backoff: float, token: str | None) -> T:
    from huggingface_hub.errors import HfHubHTTPError

    for i in range(retries + 1):
        try:
            return fn()
        except HfHubHTTPError as exc:
            status = getattr(exc.response, "status_code", None)
            if status not in RETRY_STATUSES or i == retries:
                raise
            reason = f"HTTP {status}"
        except _transport_errors() as exc:
            if i == retries:
                raise PushError(
                    f"push failed: connection error: {_safe(str(exc), token)}"
                ) from None
            reason = type(exc).__name__
        delay = backoff * 2**i
        log.warning("push: %s, retrying in %.1f s (%d/%d)", reason, delay, i + 1, retries)
        time.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def _transport_errors() -> tuple[type[BaseException], ...]:
    """Connection-level errors of whichever HTTP client this huggingface_hub uses."""
    errors: list[type[BaseException]] = [ConnectionError, OSError]
    for module, name in (("httpx2", "TransportError"), ("httpx", "TransportError")):
        try:
            errors.append(getattr(__import__(module), name))
        except (ImportError, AttributeError):
            pass
    try:
        import requests

        errors.append(requests.exceptions.ConnectionError)
    except ImportError:
        pass
    return tuple(errors)


def _safe(text: str, token: str | None) -> str:
    secret = token or os.environ.get("HF_TOKEN")
    first = text.splitlines()[0] if text else ""
    return first.replace(secret, "***") if secret else first
