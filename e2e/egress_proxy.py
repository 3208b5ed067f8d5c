"""The e2e's egress stand-in: an HTTP proxy on a loopback port that the Argo CD processes are given as
HTTPS_PROXY, so that nothing they send leaves the machine (Go never proxies loopback addresses, so
the API server, the repositories and the Slack stand-in are reached directly).

- CONNECT events.pagerduty.com:443 is answered here: TLS is terminated with a certificate for that
  name from the run's own CA (which the processes trust through SSL_CERT_FILE), and each request is
  answered as PagerDuty's Events API v2 answers an accepted event (202). Argo CD's pagerdutyv2
  service has no setting for its URL, so this is the only way to see what it sends. Each event is
  appended as one JSON line to LOG, without its routing key (a secret): only whether it matched
  the expected key's SHA-256.
- Any other destination is refused (403) and logged: no connection is ever opened onward.

usage: python3 egress_proxy.py PORT CERT KEY LOG ROUTING_KEY_SHA256
"""
import hashlib
import http.server
import json
import ssl
import sys
import threading

port, cert, key, log, key_sha = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
PAGERDUTY = "events.pagerduty.com:443"
lock = threading.Lock()


def append(record):
    with lock, open(log, "a") as f:
        f.write(json.dumps(record, sort_keys=True) + "\n")


class PagerDuty(http.server.BaseHTTPRequestHandler):
    """The Events API v2 behind the terminated TLS."""

    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            event = json.loads(body or b"{}")
        except ValueError:
            event = {}
        routing_key = str(event.pop("routing_key", ""))
        append({
            "path": self.path,
            "routing_key_matches": hashlib.sha256(routing_key.encode()).hexdigest() == key_sha,
            "event": event,
        })
        answer = json.dumps({"status": "success", "message": "Event processed", "dedup_key": event.get("dedup_key", "e2e")}).encode()
        self.send_response(202)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, fmt, *args):
        sys.stderr.write("pagerduty %s\n" % (fmt % args))


context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)


class Proxy(http.server.BaseHTTPRequestHandler):
    def do_CONNECT(self):
        if self.path != PAGERDUTY:
            append({"refused": self.path})
            self.send_error(403, "the e2e sends nothing off this machine")
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        conn = context.wrap_socket(self.connection, server_side=True)
        PagerDuty(conn, self.client_address, self.server)
        self.close_connection = True

    def refuse(self):
        append({"refused": self.command + " " + self.path})
        self.send_error(403, "the e2e sends nothing off this machine")

    do_GET = do_POST = do_PUT = do_HEAD = refuse

    def log_message(self, fmt, *args):
        sys.stderr.write("proxy %s\n" % (fmt % args))


server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Proxy)
print(f"egress stand-in on http://127.0.0.1:{port}", flush=True)
server.serve_forever()
