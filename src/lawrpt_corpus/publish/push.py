"""Upload a built dataset folder to the Hugging Face Hub.

The token comes from ``token=``, ``HF_TOKEN`` or the login cache (huggingface_hub's own
lookup) and is never printed or written anywhere. The endpoint follows ``HF_ENDPOINT``.
"""

from __future__ import annotations

import os
from pathlib import Path

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
) -> str:
    """Upload ``folder`` (a finished build) to the dataset repo ``repo_id``; return the commit URL.

    Creates the repository if needed (``exist_ok``), and the branch ``revision`` if given.
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
    try:
        api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        if revision:
            api.create_branch(repo_id, repo_type="dataset", branch=revision, exist_ok=True)
        info = api.upload_folder(
            repo_id=repo_id,
            repo_type="dataset",
            folder_path=str(path),
            revision=revision,
            commit_message=message or "Upload lawrpt_corpus build",
            allow_patterns=["README.md", "build.json", "report.html", "data/*", "manifest/*"],
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


def _safe(text: str, token: str | None) -> str:
    secret = token or os.environ.get("HF_TOKEN")
    first = text.splitlines()[0] if text else ""
    return first.replace(secret, "***") if secret else first
