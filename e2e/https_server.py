"""HTTPS server for the e2e harness, on a loopback address only (see e2e/NOTES.md):

- /git/<name>.git/...  git's smart HTTP protocol, through `git http-backend` (go-git, which Argo CD
                       uses, does not speak the dumb protocol);
- /archive/<name>/<ref>.zip  the tree of <ref> of git/<name>.git as a zip with one top-level folder,
                       as GitHub serves /<owner>/<name>/archive/<ref>.zip (a Ray runtime_env working_dir);
- /slack/api/<method>  a stand-in of Slack's Web API: each call is appended, as one JSON line
                       (method, form fields, the Authorization header's scheme), to
                       DIR/slack-calls.jsonl and answered as Slack answers a success;
- anything else        a static file under DIR (the helm repository: index.yaml and the charts).

usage: python3 https_server.py DIR HOST PORT CERT KEY
"""
import functools
import http.server
import json
import os
import ssl
import subprocess
import sys
import threading
import urllib.parse

directory, host, port, cert, key = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
if not host.startswith("127.") and host not in ("localhost", "::1"):
    sys.exit("https_server.py: refusing to listen on a non-loopback address")

SLACK_LOG = os.path.join(directory, "slack-calls.jsonl")
slack_lock = threading.Lock()
slack_count = 0


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path.startswith("/git/"):
            return self.git()
        if self.path.startswith("/archive/"):
            return self.archive()
        return super().do_GET()

    def do_HEAD(self):
        if self.path.startswith("/git/"):
            return self.git()
        return super().do_HEAD()

    def do_POST(self):
        if self.path.startswith("/git/"):
            return self.git()
        if self.path.startswith("/slack/api/"):
            return self.slack()
        self.send_error(404)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def archive(self):
        parts = urllib.parse.unquote(self.path.partition("?")[0]).split("/")
        if len(parts) != 4 or not parts[3].endswith(".zip") or any(p in ("", ".", "..") or p.startswith("-") for p in parts[2:]):
            return self.send_error(404)
        name, ref = parts[2], parts[3][: -len(".zip")]
        git_dir = os.path.join(directory, "git", name + ".git")
        r = subprocess.run(["git", "--git-dir", git_dir, "archive", "--format=zip", f"--prefix={name}-{ref}/", ref, "--"], capture_output=True)
        if r.returncode != 0:
            return self.send_error(404, r.stderr.decode(errors="replace").strip()[:200])
        self.send_response(200)
        self.send_header("Content-Type", "application/zip")
        self.send_header("Content-Length", str(len(r.stdout)))
        self.end_headers()
        self.wfile.write(r.stdout)

    def git(self):
        path, _, query = self.path.partition("?")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": os.path.join(directory, "git"),
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": urllib.parse.unquote(path[len("/git"):]),
            "QUERY_STRING": query,
            "REQUEST_METHOD": self.command,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "REMOTE_ADDR": self.client_address[0],
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
        }
        if self.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
        if self.headers.get("Git-Protocol"):
            env["HTTP_GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        data = self.body() if self.command == "POST" else b""
        env["CONTENT_LENGTH"] = str(len(data))
        out = subprocess.run(["git", "http-backend"], input=data, env=env, capture_output=True).stdout
        head, _, payload = out.partition(b"\r\n\r\n")
        if not _:
            head, _, payload = out.partition(b"\n\n")
        status, headers = 200, []
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def slack(self):
        global slack_count
        method = self.path[len("/slack/api/"):].split("?")[0]
        raw = self.body()
        ctype = self.headers.get("Content-Type", "")
        if ctype.startswith("application/json"):
            fields = json.loads(raw or b"{}")
        else:
            fields = {k: v[0] if len(v) == 1 else v for k, v in urllib.parse.parse_qs(raw.decode()).items()}
        auth = self.headers.get("Authorization", "")
        with slack_lock:
            slack_count += 1
            ts = "1700000000.%06d" % slack_count
            # the token itself is never written: only whether one came, and how
            record = {"method": method, "auth": auth.split(" ")[0] if auth else "", "token_in_form": "token" in fields}
            fields.pop("token", None)
            record["fields"] = fields
            with open(SLACK_LOG, "a") as f:
                f.write(json.dumps(record, sort_keys=True) + "\n")
        answer = json.dumps({"ok": True, "channel": fields.get("channel", ""), "ts": ts, "message": {"ts": ts}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))


handler = functools.partial(Handler, directory=directory)
server = http.server.ThreadingHTTPServer((host, port), handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
print(f"serving {directory} on https://{host}:{port}", flush=True)
server.serve_forever()
