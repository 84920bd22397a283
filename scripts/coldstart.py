#!/usr/bin/env python3
"""Measure a Lambda function binary's cold start on this machine: from spawning the process to
the first response it posts, under a minimal emulator of the Lambda Runtime API.

Usage: coldstart.py BINARY EVENT.json [RUNS] [NAME=VALUE ...]

Each run starts the binary afresh (a cold start), serves it EVENT.json as its first invocation,
times spawn -> POST .../response, then kills it. Prints min, median, p90 and max in ms.
"""

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

state = {"event": b"{}", "done": threading.Event(), "served": False, "status": None, "body": b""}


class RuntimeApi(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        if os.environ.get("COLDSTART_DEBUG"):
            super().log_message(*args)

    def do_GET(self):
        if not self.path.endswith("/runtime/invocation/next"):
            self.send_error(404)
            return
        if state["served"]:
            # Second poll: the function is warm now; hold it until it is killed.
            time.sleep(30)
            return
        state["served"] = True
        body = state["event"]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Lambda-Runtime-Aws-Request-Id", "cold-start-1")
        self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 10_000))
        self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:bench")
        self.send_header("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(length) if length else b""
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()
        state["status"] = "response" if self.path.endswith("/response") else "error"
        state["body"] = body
        state["done"].set()


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # The killed process's held poll ends in a reset: expected, not worth a traceback.
        pass


def main():
    binary, event_path = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    extra = dict(arg.split("=", 1) for arg in sys.argv[4:])
    with open(event_path, "rb") as f:
        state["event"] = f.read()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        "AWS_LAMBDA_LOG_GROUP_NAME": "bench",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_LAMBDA_LOG_LEVEL": "warn",
        **extra,
    }
    times = []
    for _ in range(runs):
        state.update(done=threading.Event(), served=False, status=None, body=b"")
        # A fresh Runtime API per run, so a killed process's last poll cannot meet the next run.
        server = Server(("127.0.0.1", 0), RuntimeApi)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        env["AWS_LAMBDA_RUNTIME_API"] = f"127.0.0.1:{server.server_address[1]}"
        start = time.perf_counter()
        proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if not state["done"].wait(20):
            proc.kill()
            sys.exit(f"{binary}: no response within 20 s: {proc.stderr.read()[-2000:]!r}")
        times.append((time.perf_counter() - start) * 1000)
        proc.kill()
        proc.wait()
        server.shutdown()
        server.server_close()
        if state["status"] != "response":
            sys.exit(f"{binary}: invocation error: {state['body'][:300]!r}")
    times.sort()
    p90 = times[min(len(times) - 1, int(len(times) * 0.9))]
    print(
        f"{os.path.basename(binary)}: cold start over {runs} runs: min {times[0]:.1f} ms, "
        f"median {statistics.median(times):.1f} ms, p90 {p90:.1f} ms, max {times[-1]:.1f} ms; "
        f"first response {json.loads(state['body'] or b'{}').get('statusCode', '?')}"
    )


if __name__ == "__main__":
    main()
