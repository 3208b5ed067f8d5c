"""Static HTTPS server for the e2e harness: serves DIR on HOST:PORT (loopback only) with CERT/KEY.

usage: python3 https_server.py DIR HOST PORT CERT KEY
"""
import functools
import http.server
import ssl
import sys

directory, host, port, cert, key = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
if not host.startswith("127.") and host not in ("localhost", "::1"):
    sys.exit("https_server.py: refusing to listen on a non-loopback address")
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
server = http.server.ThreadingHTTPServer((host, port), handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
print(f"serving {directory} on https://{host}:{port}", flush=True)
server.serve_forever()
