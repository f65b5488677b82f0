"""`push` against a fake Hub speaking HTTP on 127.0.0.1 (no mock of the upload call).

The push and the read-back run in subprocesses because huggingface_hub reads HF_ENDPOINT
at import time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import datasets
import pytest

from lawrpt_corpus import build

from ..helpers.fakehub import FakeHub

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory, seeds_dir) -> Path:
    out = tmp_path_factory.mktemp("push") / "out"
    build([seeds_dir, seeds_dir / "000_42b881255f21474b.txt"], out, workers=1)
    return out


def _env(hub: FakeHub, tmp_path: Path, token: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HF_ENDPOINT=hub.url,
        HF_HUB_DISABLE_XET="1",
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        HF_HOME=str(tmp_path / "hf-home"),
        HF_TOKEN=token or hub.token,
        LAWRPT_PUSH_BACKOFF="0.05",
    )
    return env


def _push(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lawrpt_corpus", "push", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _local_files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_push_round_trip_matches_local_folder(built: Path, tmp_path: Path) -> None:
    with FakeHub() as hub:
        env = _env(hub, tmp_path)
        r = _push(env, str(built), "--repo-id", "me/lawrpt", "--message", "first build")
        assert r.returncode == 0, r.stderr
        assert "me/lawrpt" in r.stdout
        assert hub.files("me/lawrpt") == _local_files(built)
        code = (
            "import json, datasets\n"
            "d = datasets.load_dataset('me/lawrpt', split='train')\n"
            "m = datasets.load_dataset('me/lawrpt', 'manifest', split='train')\n"
            "print(json.dumps({'data': d.to_list(), 'manifest': m.to_list(),"
            " 'features': str(d.features)}, ensure_ascii=False))\n"
        )
        r = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
        )
        assert r.returncode == 0, r.stderr
        remote = json.loads(r.stdout.strip().splitlines()[-1])
    local = datasets.load_dataset(str(built), split="train")
    local_manifest = datasets.load_dataset(str(built), "manifest", split="train")
    assert remote["data"] == local.to_list()
    assert remote["manifest"] == local_manifest.to_list()
    assert remote["features"] == str(local.features)
    assert [r["status"] for r in remote["manifest"]].count("duplicate") == 1


def test_push_to_a_branch_creates_it(built: Path, tmp_path: Path) -> None:
    with FakeHub() as hub:
        r = _push(
            _env(hub, tmp_path), str(built), "--repo-id", "me/x", "--revision", "v1", "--private"
        )
        assert r.returncode == 0, r.stderr
        assert hub.files("me/x", "v1") == _local_files(built)
        assert hub.files("me/x", "main") == {}
        assert hub.repos["me/x"].private


def test_wrong_token_fails_clearly_and_never_shows_the_token(built: Path, tmp_path) -> None:
    secret = "hf_WRONGtokenRECOGNISABLE42"
    with FakeHub() as hub:
        r = _push(_env(hub, tmp_path, token=secret), str(built), "--repo-id", "me/lawrpt")
    assert r.returncode == 1
    assert "credentials" in r.stderr
    assert secret not in r.stdout + r.stderr


def test_server_errors_and_dropped_connections_are_retried(built: Path, tmp_path) -> None:
    with FakeHub() as hub:
        hub.fail_next[("POST", "/api/datasets/me/lawrpt/commit")] = [503, 500]
        hub.fail_next[("POST", "/api/datasets/me/lawrpt/preupload")] = [502]
        hub.drop_next[("POST", "/api/repos/create")] = 1
        r = _push(_env(hub, tmp_path), str(built), "--repo-id", "me/lawrpt")
        assert r.returncode == 0, r.stderr
        assert hub.files("me/lawrpt") == _local_files(built)
        assert all(not left for left in hub.fail_next.values())  # every fault was hit
        assert all(n == 0 for n in hub.drop_next.values())
        assert hub.token not in r.stdout + r.stderr


def test_push_refuses_a_folder_that_is_not_a_build(tmp_path: Path) -> None:
    from lawrpt_corpus import PushError, push

    (tmp_path / "README.md").write_text("x")
    with pytest.raises(PushError, match="not a finished build"):
        push(tmp_path, "me/x")


@pytest.mark.skipif(
    not (os.environ.get("LAWRPT_LIVE_HF_REPO") and os.environ.get("HF_TOKEN")),
    reason="live Hub test: set LAWRPT_LIVE_HF_REPO=owner/name and HF_TOKEN to run it",
)
def test_live_push_to_the_real_hub(built: Path) -> None:
    from lawrpt_corpus import push

    url = push(built, os.environ["LAWRPT_LIVE_HF_REPO"], private=True, revision="lawrpt-test")
    assert url.startswith("http")


def test_token_never_appears_in_output_logs_or_dataset(built: Path, tmp_path: Path) -> None:
    secret = "hf_RECOGNISABLEfakeTOKEN_5150"
    with FakeHub(token=secret) as hub:
        env = _env(hub, tmp_path, token=secret)
        env["HF_HUB_VERBOSITY"] = "debug"
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "lawrpt_corpus",
                "--log-level",
                "DEBUG",
                "push",
                str(built),
                "--repo-id",
                "me/t",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert r.returncode == 0, r.stderr
        stored = hub.files("me/t")
        assert any(h == f"Bearer {secret}" for h in hub.auth_headers)  # it was used
    assert secret not in r.stdout + r.stderr
    for name, data in stored.items():
        assert secret.encode() not in data, name
