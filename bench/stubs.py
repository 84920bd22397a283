"""The bench's stand-ins: a Twilio that answers every call the functions make with a plausible
success, and a counting proxy in front of moto's server, so each backend round trip of a
function's first request can be named.
"""

import json
import secrets
import threading
import time
import urllib.parse
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def sid(prefix):
    return prefix + secrets.token_hex(16)


class Recorder:
    """Remembers the calls seen, when counting is on."""

    def __init__(self):
        self.calls = None
        self.lock = threading.Lock()

    def start(self):
        with self.lock:
            self.calls = []

    def stop(self):
        with self.lock:
            calls, self.calls = self.calls or [], None
        return calls

    def note(self, call, ms=0.0):
        """`call` took `ms` at this end (moto's time, through the proxy)."""
        with self.lock:
            if self.calls is not None:
                self.calls.append((call, ms))


def twilio_answer(method, path, form):
    """A success shaped as Twilio's for the call (only the fields the functions read)."""
    now = "2026-11-26T01:00:00Z"
    if path.endswith("/Verifications"):
        return 201, {"sid": sid("VE"), "status": "pending", "channel": form.get("Channel", "sms")}
    if path.endswith("/VerificationCheck"):
        return 200, {"sid": sid("VE"), "status": "approved"}
    if path.startswith("/v1/Rooms") and "/Participants" in path:
        return 200, {"sid": sid("PA"), "status": "disconnected", "identity": "x"}
    if path.startswith("/v1/Rooms"):
        name = form.get("UniqueName") or urllib.parse.unquote(path.rsplit("/", 1)[-1])
        status = form.get("Status", "in-progress")
        return (201 if method == "POST" and path == "/v1/Rooms" else 200), {
            "sid": sid("RM"), "unique_name": name, "status": status, "type": "group",
            "max_participants": int(form.get("MaxParticipants", 10)),
            "record_participants_on_connect": form.get("RecordParticipantsOnConnect") == "true",
            "date_created": now, "date_updated": now, "end_time": None, "duration": None,
        }
    if path == "/v1/Compositions" and method == "GET":
        return 200, {"compositions": [], "meta": {"next_page_url": None}}
    if path.startswith("/v1/Compositions"):
        c = sid("CJ")
        return (201 if method == "POST" else 200), {
            "sid": c, "status": "enqueued", "room_sid": form.get("RoomSid"),
            "links": {"media": f"https://video.twilio.com/v1/Compositions/{c}/Media"},
        }
    if path.endswith("/Messages.json"):
        return 201, {"sid": sid("SM"), "status": "queued"}
    if path.endswith("/Keys.json") and method == "POST":
        return 201, {"sid": sid("SK"), "friendly_name": form.get("FriendlyName"),
                     "secret": secrets.token_urlsafe(24), "date_created": now}
    if path.endswith("/Keys.json"):
        return 200, {"keys": [], "next_page_uri": None}
    if "/Keys/" in path and method == "DELETE":
        return 204, None
    if "/Keys/" in path:
        return 200, {"sid": path.rsplit("/", 1)[-1][:-5], "friendly_name": None}
    return 404, {"code": 20404, "message": "not found", "status": 404}


class TwilioStub(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without TCP_NODELAY, Nagle holds the body
    # until the client's delayed ACK (40 ms).
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def answer(self):
        started = time.perf_counter()
        length = int(self.headers.get("Content-Length", "0") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        form = dict(urllib.parse.parse_qsl(raw))
        path = urllib.parse.urlsplit(self.path).path
        status, body = twilio_answer(self.command, path, form)
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Twilio-Request-Id", sid("RQ"))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.server.recorder.note(f"Twilio {self.command} {path}", (time.perf_counter() - started) * 1000)

    do_GET = do_POST = do_DELETE = answer


class AwsProxy(BaseHTTPRequestHandler):
    """Forwards to moto, noting each call's service and operation."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without TCP_NODELAY, Nagle holds the body
    # until the client's delayed ACK (40 ms).
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def forward(self):
        started = time.perf_counter()
        length = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(length) if length else b""
        target = self.headers.get("X-Amz-Target", "")
        service, _, operation = target.partition(".")
        service = {"DynamoDB_20120810": "DynamoDB", "secretsmanager": "SecretsManager"}.get(
            service, service or "AWS")
        call = f"{service} {operation or self.command + ' ' + self.path}"
        conn = HTTPConnection(self.server.upstream, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        conn.request(self.command, self.path, body, headers)
        res = conn.getresponse()
        data = res.read()
        self.send_response(res.status)
        for k, v in res.getheaders():
            if k.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        conn.close()
        self.server.recorder.note(call, (time.perf_counter() - started) * 1000)

    do_GET = do_POST = do_PUT = do_DELETE = forward


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass


def serve(handler, recorder, **attrs):
    """Starts `handler` on a free loopback port; returns its base URL."""
    server = Server(("127.0.0.1", 0), handler)
    server.recorder = recorder
    for k, v in attrs.items():
        setattr(server, k, v)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"
