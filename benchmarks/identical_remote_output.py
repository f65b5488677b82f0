"""Same inputs, two outputs: is a build to object storage the local build, byte for byte?

``PYTHONPATH=src python benchmarks/identical_remote_output.py [-n 2000] [--workers 1]
[--engine local|ray]``

Generates ``-n`` raw reports (benchmarks/generate.py), starts moto's S3 server
(from the test extra) on a free local port, and runs ``python -m lawrpt_corpus
build`` twice: to a local folder, and to ``s3://…`` (configured through ``FSSPEC_S3_*``, as a
user would), with the same engine and worker count. Then compares every file of the local
folder with its object (README.md, LICENSE.md and every parquet shard byte for byte;
build.json without its timings; report.html is skipped: it shows the timings), checks that
``_COMPLETE.json`` lists exactly those files with their sizes and sha256, and that
``check_complete(verify=True)`` accepts the prefix. Exit status 1 when anything differs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=2000, help="generated reports")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--engine", default="local", choices=["local", "ray"])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    import fsspec.config
    from generate import generate  # this folder is sys.path[0]
    from moto.server import ThreadedMotoServer

    from lawrpt_corpus.publish.remote import MARKER, check_complete

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    conf = {"endpoint_url": endpoint, "key": "bench", "secret": "bench"}
    fsspec.config.conf["s3"] = conf
    fs = fsspec.filesystem("s3")
    fs.mkdir("bench")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.update({f"FSSPEC_S3_{k.upper()}": v for k, v in conf.items()})
    try:
        with tempfile.TemporaryDirectory(prefix="lawrpt-remote-") as tmp:
            generate(args.n, Path(tmp), seed=args.seed)
            raw, local, url = Path(tmp) / "raw", Path(tmp) / "local", "s3://bench/out"
            common = ["-q", "--workers", str(args.workers), "--engine", args.engine]
            for out in (str(local), url):
                cmd = [sys.executable, "-m", "lawrpt_corpus", "build", str(raw), "--out", out]
                subprocess.run(cmd + common, env=env, check=True)
            here = {
                p.relative_to(local).as_posix(): p.read_bytes()
                for p in local.rglob("*")
                if p.is_file()
            }
            marker = json.loads(fs.cat_file(f"bench/out/{MARKER}"))
            listed = {f["path"]: f for f in marker["files"]}
            bad = sorted(set(here) ^ set(listed))
            for name, body in sorted(here.items()):
                if name not in listed:
                    continue
                there = fs.cat_file(f"bench/out/{name}")
                f = listed[name]
                if f["size"] != len(there) or f["sha256"] != hashlib.sha256(there).hexdigest():
                    bad.append(f"{name}: marker")
                if name == "build.json":
                    a, b = json.loads(body), json.loads(there)
                    a.pop("timings"), b.pop("timings")
                    same = a == b
                else:
                    same = name == "report.html" or body == there
                if not same:
                    bad.append(name)
            check_complete(url, verify=True)
            shards = sum(n.endswith(".parquet") for n in here)
            print(
                f"{args.n} reports, engine {args.engine}: {len(here)} files ({shards} parquet "
                f"shards) — {'DIFFER: ' + ', '.join(bad) if bad else 'identical'}"
            )
            return 1 if bad else 0
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
