"""A small fake of the Hugging Face Hub's HTTP API, on 127.0.0.1, for push tests.

It speaks just enough of the real protocol for ``huggingface_hub``'s ``create_repo``,
``create_branch`` and ``upload_folder`` (preupload → LFS batch + PUT → NDJSON commit) and for
``datasets.load_dataset`` reading the pushed repository back (repo info, tree listing,
paths-info, ``resolve`` with HEAD and Range). Every file is stored as received, so a test can
compare the repository with the local folder byte for byte.

Fault injection for reliability tests: ``hub.fail_next[(method, path_prefix)] = [503, ...]``
answers the next matching requests with those statuses; ``hub.drop_next`` closes the
connection without an answer.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

_REPO = r"(?P<type>datasets|models|spaces)/(?P<repo>[^/]+/[^/]+?)"


@dataclass
class Repo:
    private: bool = False
    branches: dict[str, dict[str, bytes]] = field(default_factory=lambda: {"main": {}})
    commits: dict[str, list[str]] = field(default_factory=lambda: {"main": ["0" * 40]})


class FakeHub:
    """The server state plus the thread that serves it. Use as a context manager."""

    def __init__(self, token: str = "hf_fake_token_for_tests_0123456789") -> None:
        self.token = token
        self.repos: dict[str, Repo] = {}
        self.lfs: dict[str, bytes] = {}
        self.requests: list[tuple[str, str]] = []
        self.auth_headers: list[str] = []
        self.fail_next: dict[tuple[str, str], list[int]] = {}
        self.drop_next: dict[tuple[str, str], int] = {}
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeHub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def files(self, repo_id: str, branch: str = "main") -> dict[str, bytes]:
        return dict(self.repos[repo_id].branches[branch])


def _make_handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # quiet
            pass

        # -- plumbing --------------------------------------------------------------------
        def _body(self) -> bytes:
            n = int(self.headers.get("Content-Length") or 0)
            if n:
                return self.rfile.read(n)
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while True:
                    size = int(self.rfile.readline().strip() or b"0", 16)
                    if size == 0:
                        self.rfile.readline()
                        break
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                return b"".join(chunks)
            return b""

        def _send(
            self,
            status: int,
            body: bytes | dict[str, Any] | list[Any] = b"",
            headers: dict[str, str] | None = None,
            head: bool = False,
        ) -> None:
            if isinstance(body, dict | list):
                data = json.dumps(body).encode()
                ctype = "application/json"
            else:
                data = body
                ctype = "application/octet-stream"
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if not head:
                self.wfile.write(data)

        def _error(self, status: int, message: str) -> None:
            self._send(status, {"error": message}, {"X-Error-Message": message})

        def _authorized(self) -> bool:
            auth = self.headers.get("Authorization", "")
            hub.auth_headers.append(auth)
            return auth in ("", f"Bearer {hub.token}")

        def _faults(self, method: str, path: str) -> bool:
            with hub.lock:
                for (m, prefix), statuses in hub.fail_next.items():
                    if m == method and path.startswith(prefix) and statuses:
                        status = statuses.pop(0)
                        self._body()
                        self._error(status, "injected failure")
                        return True
                for (m, prefix), n in hub.drop_next.items():
                    if m == method and path.startswith(prefix) and n > 0:
                        hub.drop_next[(m, prefix)] = n - 1
                        self._body()
                        self.close_connection = True
                        self.connection.shutdown(2)
                        return True
            return False

        def _dispatch(self, method: str) -> None:
            url = urlparse(self.path)
            path = unquote(url.path)
            query = parse_qs(url.query)
            hub.requests.append((method, path))
            if self._faults(method, path):
                return
            if not self._authorized():
                self._body()
                self._error(401, "Invalid credentials in Authorization header")
                return
            for pattern, name in _ROUTES:
                m = re.fullmatch(pattern, path)
                if m and name.split(":")[0] == method:
                    getattr(self, "h_" + name.split(":")[1])(m, query, method)
                    return
            self._body()
            self._error(404, f"fake hub: no route for {method} {path}")

        def do_GET(self) -> None:
            self._dispatch("GET")

        def do_HEAD(self) -> None:
            self._dispatch("HEAD")

        def do_POST(self) -> None:
            self._dispatch("POST")

        def do_PUT(self) -> None:
            self._dispatch("PUT")

        # -- handlers --------------------------------------------------------------------
        def _files(self, repo: Repo, rev: str) -> tuple[str, dict[str, bytes]] | None:
            """A branch name or a commit sha → (branch, files at its head)."""
            rev = unquote(rev)
            if rev in repo.branches:
                return rev, repo.branches[rev]
            for name, shas in repo.commits.items():
                if rev in shas:
                    return name, repo.branches[name]
            self._error(404, "Revision not found")
            return None

        def _repo(self, m: re.Match[str]) -> Repo | None:
            repo = hub.repos.get(m["repo"])
            if repo is None:
                self._error(404, "Repository not found")
            return repo

        def h_create(self, m: re.Match[str], q: Any, method: str) -> None:
            body = json.loads(self._body() or b"{}")
            repo_id = f"{body.get('organization') or 'user'}/{body['name']}"
            if "/" in body["name"]:
                repo_id = body["name"]
            if repo_id in hub.repos:
                self._error(409, "You already created this dataset repo")
                return
            private = body.get("private") or body.get("visibility") == "private"
            hub.repos[repo_id] = Repo(private=bool(private))
            kind = body.get("type", "model")
            prefix = "" if kind == "model" else f"{kind}s/"
            self._send(200, {"url": f"{hub.url}/{prefix}{repo_id}", "name": repo_id})

        def h_info(self, m: re.Match[str], q: Any, method: str) -> None:
            repo = self._repo(m)
            if repo is None:
                return
            found = self._files(repo, m["rev"] or "main")
            if found is None:
                return
            rev, files = found
            self._send(
                200,
                {
                    "id": m["repo"],
                    "_id": hashlib.sha1(m["repo"].encode()).hexdigest()[:24],
                    "sha": repo.commits[rev][-1],
                    "private": repo.private,
                    "siblings": [{"rfilename": p} for p in sorted(files)],
                    "tags": [],
                    "downloads": 0,
                    "likes": 0,
                    "lastModified": "2026-01-01T00:00:00.000Z",
                    "createdAt": "2026-01-01T00:00:00.000Z",
                    "cardData": {},
                    "disabled": False,
                    "gated": False,
                },
            )

        def h_branch(self, m: re.Match[str], q: Any, method: str) -> None:
            self._body()
            repo = self._repo(m)
            if repo is None:
                return
            branch = unquote(m["branch"])
            if branch in repo.branches:
                self._error(409, "Reference already exists")
                return
            repo.branches[branch] = dict(repo.branches["main"])
            repo.commits[branch] = list(repo.commits["main"])
            self._send(200, {})

        def h_preupload(self, m: re.Match[str], q: Any, method: str) -> None:
            body = json.loads(self._body())
            if self._repo(m) is None:
                return
            files = [
                {"path": f["path"], "uploadMode": "lfs", "shouldIgnore": False}
                for f in body.get("files", [])
            ]
            self._send(200, {"files": files, "commitOid": "0" * 40})

        def h_lfs_batch(self, m: re.Match[str], q: Any, method: str) -> None:
            body = json.loads(self._body())
            objects = []
            for obj in body.get("objects", []):
                entry: dict[str, Any] = {"oid": obj["oid"], "size": obj["size"]}
                if obj["oid"] not in hub.lfs:
                    entry["actions"] = {
                        "upload": {"href": f"{hub.url}/lfs-upload/{obj['oid']}", "header": {}}
                    }
                objects.append(entry)
            self._send(200, {"transfer": "basic", "objects": objects})

        def h_lfs_put(self, m: re.Match[str], q: Any, method: str) -> None:
            data = self._body()
            oid = m["oid"]
            if hashlib.sha256(data).hexdigest() != oid:
                self._error(400, "sha256 mismatch")
                return
            hub.lfs[oid] = data
            self._send(200, {})

        def h_validate_yaml(self, m: re.Match[str], q: Any, method: str) -> None:
            self._body()
            self._send(200, {"errors": [], "warnings": []})

        def h_commit(self, m: re.Match[str], q: Any, method: str) -> None:
            raw = self._body()
            repo = self._repo(m)
            if repo is None:
                return
            rev = unquote(m["rev"])
            if rev not in repo.branches:
                self._error(404, "Revision not found")
                return
            staged = dict(repo.branches[rev])
            for line in raw.decode().splitlines():
                if not line.strip():
                    continue
                item = json.loads(line)
                key, value = item["key"], item["value"]
                if key == "file":
                    staged[value["path"]] = base64.b64decode(value["content"])
                elif key == "lfsFile":
                    if value["oid"] not in hub.lfs:
                        self._error(422, f"LFS object {value['oid']} was never uploaded")
                        return
                    staged[value["path"]] = hub.lfs[value["oid"]]
                elif key == "deletedFile":
                    staged.pop(value["path"], None)
            repo.branches[rev] = staged
            sha = hashlib.sha1(raw + repo.commits[rev][-1].encode()).hexdigest()
            repo.commits[rev].append(sha)
            self._send(
                200,
                {
                    "success": True,
                    "commitOid": sha,
                    "commitUrl": f"{hub.url}/datasets/{m['repo']}/commit/{sha}",
                    "pullRequestUrl": None,
                },
            )

        def _entries(self, files: dict[str, bytes], prefix: str, recursive: bool) -> list[Any]:
            prefix = prefix.strip("/")
            out: dict[str, dict[str, Any]] = {}
            for path, data in sorted(files.items()):
                if prefix and not path.startswith(prefix + "/"):
                    continue
                rest = path[len(prefix) + 1 :] if prefix else path
                if not recursive and "/" in rest:
                    d = (prefix + "/" if prefix else "") + rest.split("/")[0]
                    out[d] = {"type": "directory", "path": d, "oid": "0" * 40, "size": 0}
                    continue
                out[path] = _file_entry(path, data)
                if recursive:
                    parts = rest.split("/")[:-1]
                    for i in range(1, len(parts) + 1):
                        d = "/".join(([prefix] if prefix else []) + parts[:i])
                        out.setdefault(
                            d, {"type": "directory", "path": d, "oid": "0" * 40, "size": 0}
                        )
            return [out[k] for k in sorted(out)]

        def h_tree(self, m: re.Match[str], q: dict[str, list[str]], method: str) -> None:
            repo = self._repo(m)
            if repo is None:
                return
            found = self._files(repo, m["rev"])
            if found is None:
                return
            files = found[1]
            recursive = q.get("recursive", ["false"])[0].lower() in ("true", "1")
            self._send(200, self._entries(files, m["path"] or "", recursive))

        def h_paths_info(self, m: re.Match[str], q: Any, method: str) -> None:
            raw = self._body()
            repo = self._repo(m)
            if repo is None:
                return
            found = self._files(repo, m["rev"])
            if found is None:
                return
            files = found[1]
            try:
                paths = json.loads(raw).get("paths", [])
            except ValueError:
                paths = parse_qs(raw.decode()).get("paths", [])
            out = []
            for p in paths:
                if p in files:
                    out.append(_file_entry(p, files[p]))
                elif any(f.startswith(p.rstrip("/") + "/") for f in files):
                    out.append({"type": "directory", "path": p, "oid": "0" * 40, "size": 0})
            self._send(200, out)

        def h_resolve(self, m: re.Match[str], q: Any, method: str) -> None:
            repo = self._repo(m)
            if repo is None:
                return
            found = self._files(repo, m["rev"])
            if found is None:
                return
            branch, files = found
            path = m["path"]
            if path not in files:
                self._send(
                    404,
                    {"error": "Entry not found"},
                    {"X-Error-Code": "EntryNotFound", "X-Error-Message": "Entry not found"},
                    head=method == "HEAD",
                )
                return
            data = files[path]
            etag = '"' + hashlib.sha256(data).hexdigest() + '"'
            headers = {
                "ETag": etag,
                "X-Repo-Commit": repo.commits[branch][-1],
                "Accept-Ranges": "bytes",
            }
            rng = self.headers.get("Range")
            status = 200
            if rng and method == "GET":
                mm = re.fullmatch(r"bytes=(\d+)-(\d*)", rng.strip())
                if mm:
                    start = int(mm[1])
                    end = int(mm[2]) if mm[2] else len(data) - 1
                    headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
                    data = data[start : end + 1]
                    status = 206
            self._send(status, data, headers, head=method == "HEAD")

        def h_whoami(self, m: re.Match[str], q: Any, method: str) -> None:
            self._send(200, {"type": "user", "name": "user", "orgs": []})

    return Handler


def _file_entry(path: str, data: bytes) -> dict[str, Any]:
    sha = hashlib.sha256(data).hexdigest()
    return {
        "type": "file",
        "path": path,
        "size": len(data),
        "oid": hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest(),
        "lfs": {"oid": sha, "size": len(data), "pointerSize": 130},
    }


_REV = r"(?P<rev>[^/]+)"
_ROUTES: list[tuple[str, str]] = [
    (r"/api/repos/create", "POST:create"),
    (r"/api/whoami-v2", "GET:whoami"),
    (r"/api/validate-yaml", "POST:validate_yaml"),
    (rf"/api/{_REPO}(?:/revision/{_REV})?", "GET:info"),
    (rf"/api/{_REPO}/branch/(?P<branch>.+)", "POST:branch"),
    (rf"/api/{_REPO}/preupload/{_REV}", "POST:preupload"),
    (rf"/api/{_REPO}/commit/{_REV}", "POST:commit"),
    (rf"/api/{_REPO}/tree/{_REV}(?:/(?P<path>.*))?", "GET:tree"),
    (rf"/api/{_REPO}/paths-info/{_REV}", "POST:paths_info"),
    (rf"/{_REPO}\.git/info/lfs/objects/batch", "POST:lfs_batch"),
    (r"/lfs-upload/(?P<oid>[0-9a-f]{64})", "PUT:lfs_put"),
    (rf"/{_REPO}/resolve/{_REV}/(?P<path>.+)", "GET:resolve"),
    (rf"/{_REPO}/resolve/{_REV}/(?P<path>.+)", "HEAD:resolve"),
]
