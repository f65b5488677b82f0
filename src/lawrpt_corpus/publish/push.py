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
    path = Path(folder)
    missing = [name for name in _REQUIRED if not (path / name).exists()]
    if missing:
        raise PushError(f"{path} is not a finished build (missing: {', '.join(missing)})")
    check_repo_id(repo_id)
    if _offline():
        raise PushError("HF_HUB_OFFLINE is set: pushing needs the network; unset it to push")
    from huggingface_hub import HfApi, get_token
    from huggingface_hub.utils import HfHubHTTPError

    if token is None and not get_token():
        raise PushError(
            "no Hugging Face token: set HF_TOKEN or run `hf auth login` "
            "(a token with write access: https://huggingface.co/settings/tokens)"
        )
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
                allow_patterns=[
                    "README.md",
                    "LICENSE.md",
                    "build.json",
                    "report.html",
                    "data/*",
                    "manifest/*",
                ],
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
    except _transport_errors() as exc:
        raise PushError(f"push failed: connection error: {_safe(str(exc), token)}") from None
    except OSError as exc:  # a local file (vanished, unreadable) — not worth a retry
        where = f" {exc.filename}" if exc.filename else ""
        raise PushError(f"push failed: cannot read{where}: {exc.strerror or exc}") from None
    return str(getattr(info, "commit_url", info))


def check_repo_id(repo_id: str) -> None:
    """Raise :class:`PushError` (one line) unless ``repo_id`` is a valid ``OWNER/NAME``."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    owner, slash, name = repo_id.partition("/")
    problem = None
    if not slash or not owner or not name or "/" in name:
        problem = "it must look like OWNER/NAME"
    else:
        try:
            validate_repo_id(repo_id)
        except HFValidationError:
            problem = (
                "OWNER and NAME may hold letters, digits, '-', '_' and '.' (not at either "
                "end, no '--' or '..'), 96 characters at most"
            )
    if problem:
        raise PushError(f"invalid --repo-id {repo_id!r}: {problem}")


def _offline() -> bool:
    """HF_HUB_OFFLINE as huggingface_hub reads it (1/ON/YES/TRUE, any case)."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in {"1", "ON", "YES", "TRUE"}


def _with_retries(fn: Callable[[], T], retries: int, backoff: float, token: str | None) -> T:
    from huggingface_hub.utils import HfHubHTTPError

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
    """Connection-level errors of whichever HTTP client this huggingface_hub uses.

    Not ``OSError`` as a whole: a local file that vanished or cannot be read fails the same
    way on every try. (Offline mode is refused before any request.)
    """
    errors: list[type[BaseException]] = [ConnectionError, TimeoutError]
    for module, name in (("httpx2", "TransportError"), ("httpx", "TransportError")):
        try:
            errors.append(getattr(__import__(module), name))
        except (ImportError, AttributeError):
            pass
    try:
        import requests

        errors += [requests.exceptions.ConnectionError, requests.exceptions.Timeout]
    except ImportError:
        pass
    return tuple(errors)


def _safe(text: str, token: str | None) -> str:
    secret = token or os.environ.get("HF_TOKEN")
    first = text.splitlines()[0] if text else ""
    return first.replace(secret, "***") if secret else first
