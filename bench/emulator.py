"""A Lambda Runtime API emulator that times one cold start of a function.

It speaks the real protocol (GET /2018-06-01/runtime/invocation/next, POST
.../invocation/{id}/response or /error) to a process it spawns afresh, and measures:

- init: spawn -> the first GET /next (what the function builds before it can take an event);
- cold: spawn -> the first POST /response (init plus the first request);
- warm: each later invocation, from handing out the event to its response;
- CPU: the process's own CPU time before its first GET /next and in its first request, read
  from /proc (schedstat) as each arrives: its work, apart from the time it waited on the
  backends or on the emulator (on loopback the kernel's work for both ends of a connection is
  charged to the sender, so it includes some of the backends' side);
- peak RSS: the process's VmHWM just before it is killed (after its last invocation), and how
  its resident set splits between anonymous memory and mapped files. Not wait4's ru_maxrss:
  Linux carries that across exec, so it would report the forking Python's own 60 MB.
"""

import os
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime/invocation/"


class Run:
    """One process's invocations: the events to hand out and what was seen."""

    def __init__(self, events, linger=True):
        self.events = list(events)
        self.linger = linger
        self.served = 0
        self.handed = {}  # request id -> when its event was handed out
        self.first_next = None
        self.pid = None
        self.cpu_at_next = None  # the process's CPU time (ms) at its first GET /next
        self.cpu_at_response = None  # … and when its first response arrives
        self.responses = []  # (request id, status "response"/"error", body, when)
        self.done = threading.Event()
        self.lock = threading.Lock()


class Api(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without TCP_NODELAY, Nagle holds the body
    # until the client's delayed ACK (40 ms).
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def do_GET(self):
        run = self.server.run
        now = time.perf_counter()
        if not self.path.startswith(PREFIX + "next"):
            self.send_error(404)
            return
        with run.lock:
            if run.first_next is None:
                run.first_next = now
                run.cpu_at_next = cpu_ms(run.pid)
            index = run.served
            run.served += 1
        if index >= len(run.events):
            # Every event is answered: hold this poll until the process is killed, or close it
            # (the runtime then ends the process itself, as a profiler needs).
            run.done.set()
            if run.linger:
                time.sleep(60)
            else:
                self.close_connection = True
            return
        body = run.events[index]
        request_id = f"bench-{index}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Lambda-Runtime-Aws-Request-Id", request_id)
        self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 10_000))
        self.send_header(
            "Lambda-Runtime-Invoked-Function-Arn",
            "arn:aws:lambda:us-east-1:123456789012:function:bench",
        )
        self.send_header("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        run.handed[request_id] = time.perf_counter()
        self.wfile.write(body)

    def do_POST(self):
        run = self.server.run
        now = time.perf_counter()
        length = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(length) if length else b""
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()
        tail = self.path[len(PREFIX):] if self.path.startswith(PREFIX) else self.path
        request_id, _, kind = tail.partition("/")
        with run.lock:
            if not run.responses:
                run.cpu_at_response = cpu_ms(run.pid)
            run.responses.append((request_id, kind, body, now))
        if kind != "response":
            run.done.set()


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # The killed process's held poll ends in a reset: expected.
        pass


def run_once(argv, env, events, cwd=None, timeout=30, linger=True):
    """Spawns `argv` under a fresh Runtime API, hands it `events` one by one, then kills it
    (with `linger=False` its next poll is closed first, so that what it runs ends by itself).

    Returns a dict: init, cold (ms), warm (list of ms), rss_kb, first (status, body), stderr tail.
    """
    run = Run(events, linger)
    server = Server(("127.0.0.1", 0), Api)
    server.run = run
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(env, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{server.server_address[1]}")
    errors = open(os.devnull, "wb") if not os.environ.get("BENCH_DEBUG") else None
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors)
    run.pid = proc.pid
    finished = run.done.wait(timeout)
    split = resident_split(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    server.shutdown()
    server.server_close()
    if errors:
        errors.close()
    if not finished or not run.responses:
        raise RuntimeError(f"{argv[0]}: no answer within {timeout} s")
    first_id, kind, body, at = run.responses[0]
    warm = [
        (when - run.handed[rid]) * 1000
        for rid, k, _, when in run.responses[1:]
        if k == "response" and rid in run.handed
    ]
    return {
        "init": (run.first_next - start) * 1000,
        "cold": (at - start) * 1000,
        "warm": warm,
        "cpu_init": run.cpu_at_next,
        "cpu_first": (run.cpu_at_response - run.cpu_at_next
                      if None not in (run.cpu_at_response, run.cpu_at_next) else None),
        "rss_kb": split.get("VmHWM", 0),
        "anon_kb": split.get("RssAnon", 0),
        "file_kb": split.get("RssFile", 0),
        "first": (kind, body),
        "all": [(k, b) for _, k, b, _ in run.responses],
    }


def cpu_ms(pid):
    """The CPU time (ms) a live process has used so far, all its threads (the first field of
    each thread's /proc schedstat, nanoseconds on a CPU): what the process itself worked, apart
    from the time it waited on the network or on the emulator. None if it cannot be read."""
    if pid is None:
        return None
    try:
        total = 0
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        return total / 1e6
    except (OSError, ValueError, IndexError):
        return None


def resident_split(pid):
    """VmHWM (peak resident set), RssAnon and RssFile (kB) of a live process: its peak, and
    heap and stacks vs. mapped file pages (the binary's own code and data, the libraries)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            rows = [line.split() for line in f if line.startswith(("VmHWM", "RssAnon", "RssFile"))]
        return {row[0].rstrip(":"): int(row[1]) for row in rows}
    except OSError:
        return {}


def main():
    """`emulator.py BINARY EVENT.json [RUNS] [NAME=VALUE ...]`: one binary's cold start alone
    (scripts/coldstart-tls uses it), with a region, dummy credentials and the NAME=VALUE
    pairs as its environment."""
    import statistics
    import sys

    binary, event_path = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    with open(event_path, "rb") as f:
        event = f.read()
    env = {
        "PATH": os.environ.get("PATH", ""), "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_LAMBDA_LOG_LEVEL": "warn",
        **dict(arg.split("=", 1) for arg in sys.argv[4:]),
    }
    results = [run_once([binary], env, [event]) for _ in range(runs)]
    line = []
    for key in ("init", "cold"):
        xs = sorted(r[key] for r in results)
        line.append(f"{key} median {statistics.median(xs):.1f} ms, p90 {xs[int(len(xs) * 0.9) - 1]:.1f}")
    rss = statistics.median(r["rss_kb"] for r in results) / 1024
    print(f"{os.path.basename(binary)} over {runs} runs: {'; '.join(line)}; peak RSS {rss:.1f} MB")


if __name__ == "__main__":
    main()
