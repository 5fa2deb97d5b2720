#!/usr/bin/env python3
"""A local Hugging Face Hub for hf_cache_check.sh, and huggingface_hub's own downloader.

  hf_cache.py serve DIR REPO PORTFILE   serve DIR's files as REPO's resolve endpoints on 127.0.0.1
                                        (the port is written to PORTFILE), headers as huggingface.co
                                        sends them: X-Repo-Commit; small files 200 + ETag "<git sha1>";
                                        *.safetensors 302 to localhost/cdn/<sha256> with X-Linked-Etag and
                                        X-Linked-Size; Range on the CDN
  hf_cache.py populate REPO CACHE FILE...  hf_hub_download each FILE into CACHE (HF_ENDPOINT must
                                        point at the server), then print huggingface_hub's
                                        scan_cache_dir view of it

The cache is written by huggingface_hub itself, not by hand.
"""
import hashlib
import http.server
import os
import sys
import threading

COMMIT = "5a6f3c0e2d1b4a7f8e9c0d1b2a3f4e5d6c7b8a90"


def git_sha1(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def serve(root, repo, port_file):
    files = {}
    for name in sorted(os.listdir(root)):
        path = os.path.join(root, name)
        if os.path.isfile(path):
            files[name] = path
    etags = {}
    for name, path in files.items():
        h = hashlib.sha256() if name.endswith(".safetensors") else None
        if h:
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 22), b""):
                    h.update(chunk)
            etags[name] = h.hexdigest()
        else:
            with open(path, "rb") as f:
                etags[name] = git_sha1(f.read())
    by_sha = {etags[n]: n for n in files if n.endswith(".safetensors")}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, headers, body=b""):
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def content(self, name, extra):
            size = os.path.getsize(files[name])
            start, status = 0, 200
            rng = self.headers.get("Range")
            if rng and rng.startswith("bytes=") and rng.endswith("-"):
                start, status = int(rng[6:-1]), 206
                extra["Content-Range"] = "bytes %d-%d/%d" % (start, size - 1, size)
            self.send_response(status)
            for k, v in extra.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(size - start))
            self.end_headers()
            if self.command == "HEAD":
                return
            with open(files[name], "rb") as f:
                f.seek(start)
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    self.wfile.write(chunk)

        def do_GET(self):
            path = self.path.split("?")[0]
            if path.startswith("/cdn/"):
                name = by_sha.get(path[5:])
                return self.content(name, {}) if name else self.reply(404, {})
            prefix = "/%s/resolve/" % repo
            if not path.startswith(prefix):
                return self.reply(404, {"X-Error-Code": "RepoNotFound"})
            revision, _, name = path[len(prefix):].partition("/")
            if revision not in ("main", COMMIT):
                return self.reply(404, {"X-Error-Code": "RevisionNotFound"})
            if name not in files:
                return self.reply(404, {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": COMMIT})
            if name.endswith(".safetensors"):
                # Another host name, as the Hub's CDN is: huggingface_hub stops at this response.
                host = "http://localhost:%d" % self.server.server_address[1]
                return self.reply(302, {"Location": host + "/cdn/" + etags[name], "X-Repo-Commit": COMMIT,
                                        "X-Linked-Etag": '"%s"' % etags[name],
                                        "X-Linked-Size": str(os.path.getsize(files[name])), "ETag": '"pointer"'})
            self.content(name, {"X-Repo-Commit": COMMIT, "ETag": '"%s"' % etags[name]})

        do_HEAD = do_GET

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(port_file + ".tmp", port_file)
    server.serve_forever()


def populate(repo, cache, names):
    from huggingface_hub import hf_hub_download, scan_cache_dir
    from huggingface_hub.errors import EntryNotFoundError

    for name in names:
        try:
            hf_hub_download(repo, name, cache_dir=cache)
        except EntryNotFoundError:
            print("populate: %s has no %s" % (repo, name), file=sys.stderr)
    for info in scan_cache_dir(cache).repos:
        for revision in info.revisions:
            print("huggingface_hub sees %s @ %s refs=%s: %s" % (info.repo_id, revision.commit_hash,
                  sorted(revision.refs), " ".join(sorted(f.file_name for f in revision.files))))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "serve":
        serve(*sys.argv[2:])
    elif len(sys.argv) >= 4 and sys.argv[1] == "populate":
        populate(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        sys.exit(__doc__)
