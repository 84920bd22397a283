#!/usr/bin/env python3
"""Check that each bootstrap `sam build` made is the function it claims to be.

Usage: check_bootstraps.py [BUILD_DIR]   (default .aws-sam/build)

For every function of the built template, its `bootstrap` is started under a minimal emulator of
the Lambda Runtime API and given the event of events/expected.json marked "build_check" for that
function (the template's BuildProperties.Binary names it). The answer must be the one recorded
there: an HTTP function's status and error code (a binary of another function answers
`404 no_route`, or something else), a scheduled function's invocation error. The environment is
the template's own, with placeholder values (the secrets' ARNs too: no check event gets as far as
reading a secret), and every AWS and Twilio endpoint pointed at a closed loopback port: nothing
leaves the machine, and no check needs a network.
"""

import json
import os
import re
import struct
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml

CLOSED = "http://127.0.0.1:9"
PLACEHOLDERS = {
    "PublicBaseUrl": "https://video.example.com",
    "VerifyServiceSid": "VA0123456789abcdef0123456789abcdef",
    "MessagingServiceSid": "MG0123456789abcdef0123456789abcdef",
    "Table": "bootstrap-check",
    "TwilioApiKeySecret": "arn:aws:secretsmanager:us-east-1:123456789012:secret:check-api-key",
    "TwilioAuthTokenSecret": "arn:aws:secretsmanager:us-east-1:123456789012:secret:check-auth",
}


class Tagged(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (!Ref X becomes {"Ref": "X"})."""


def _tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}


Tagged.add_multi_constructor("!", _tag)


class Runtime(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    event = b"{}"
    answer = None
    done = None

    def log_message(self, *args):
        pass

    def do_GET(self):
        if Runtime.answer is not None or self.server.served:
            time.sleep(30)
            return
        self.server.served = True
        body = Runtime.event
        self.send_response(200)
        for name, value in [
            ("Content-Type", "application/json"),
            ("Lambda-Runtime-Aws-Request-Id", "build-check-1"),
            ("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 10_000)),
            ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:check"),
            ("Content-Length", str(len(body))),
        ]:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(length) if length else b""
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()
        kind = "response" if self.path.endswith("/response") else "error"
        Runtime.answer = (kind, body)
        Runtime.done.set()


def value_of(v, params):
    """A template environment value, with placeholders for what only a deploy knows."""
    if isinstance(v, dict) and "Ref" in v:
        name = v["Ref"]
        if name in PLACEHOLDERS:
            return PLACEHOLDERS[name]
        if name in params and "Default" in params[name]:
            return str(params[name]["Default"])
        return None
    return None if isinstance(v, dict) else str(v)


def environment(template, resource):
    params = template.get("Parameters", {})
    merged = dict(template["Globals"]["Function"].get("Environment", {}).get("Variables", {}))
    merged.update(resource["Properties"].get("Environment", {}).get("Variables", {}))
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_LAMBDA_FUNCTION_NAME": "check",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_STREAM_NAME": "check",
        "AWS_LAMBDA_LOG_GROUP_NAME": "check",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "check",
        "AWS_SECRET_ACCESS_KEY": "check",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL": CLOSED,
        "TWILIO_VIDEO_BASE_URL": CLOSED,
        "TWILIO_VERIFY_BASE_URL": CLOSED,
        "TWILIO_API_BASE_URL": CLOSED,
    }
    for name, v in merged.items():
        value = value_of(v, params)
        if value is not None:
            env[name] = value
    return env


def run(binary, event, env):
    Runtime.event, Runtime.answer, Runtime.done = event, None, threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Runtime)
    server.daemon_threads, server.served = True, False
    server.handle_error = lambda *a: None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(env, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{server.server_address[1]}")
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    answered = Runtime.done.wait(30)
    proc.kill()
    output = proc.communicate()[0].decode(errors="replace")
    server.shutdown()
    server.server_close()
    if not answered:
        return None, output
    return Runtime.answer, output


def verdict(expected, answer):
    kind, body = answer
    if "status" in expected:
        if kind != "response":
            return f"invocation error {body[:300]!r}"
        response = json.loads(body)
        status = response.get("statusCode")
        try:
            code = json.loads(response.get("body") or "null")["error"]["code"]
        except (TypeError, KeyError, ValueError):
            code = None
        if status != expected["status"] or ("code" in expected and code != expected["code"]):
            return f"answered {status} {code}, expected {expected['status']} {expected.get('code')}"
        return None
    if expected.get("ok") is False:
        message = json.loads(body or b"{}").get("errorMessage", "") if kind == "error" else ""
        if kind != "error" or expected["error"] not in message:
            return f"answered {kind} {body[:300]!r}, expected an error with {expected['error']!r}"
        return None
    return "no expectation to check"


# The newest glibc a bootstrap may need: provided.al2023's (glibc 2.34). cargo-lambda links with
# the build machine's own linker and glibc (Cargo.toml, `functions/link.rs`), so a newer machine
# could bring in newer symbol versions that Lambda's runtime lacks.
NEWEST_GLIBC = (2, 34)


def linkage(bootstrap):
    """What is wrong with how `bootstrap` was linked, or None: it must be stripped (no symbol
    table: functions/link.rs strips at the link), keep the hardening a position-dependent binary
    keeps (below), and need no glibc newer than NEWEST_GLIBC."""
    with open(bootstrap, "rb") as f:
        data = f.read()
    if b"\0.symtab\0" in data:
        return "not stripped (it has a .symtab section)"
    weaker = hardening(data)
    if weaker:
        return weaker
    versions = {tuple(int(p) for p in m.groups()) for m in re.finditer(rb"GLIBC_(\d+)\.(\d+)", data)}
    newest = max(versions, default=(0, 0))
    if newest > NEWEST_GLIBC:
        return (f"needs glibc {newest[0]}.{newest[1]}, newer than provided.al2023's "
                f"{NEWEST_GLIBC[0]}.{NEWEST_GLIBC[1]}")
    return None


PT_DYNAMIC, PT_GNU_STACK, PT_GNU_RELRO = 2, 0x6474E551, 0x6474E552
DT_FLAGS, DT_FLAGS_1, DT_BIND_NOW, DF_BIND_NOW, DF_1_NOW = 30, 0x6FFFFFFB, 24, 0x8, 0x1


def hardening(data):
    """What a 64-bit ELF lacks of the hardening the functions keep, or None. The functions are
    linked position-dependent (functions/link.rs: no run-time relocation of 12,700 pointers,
    0.4 MB less resident), so their own code is not randomized; what stays is checked here: the
    stack not executable, and the relocated data read-only before `main` (full RELRO:
    GNU_RELRO and BIND_NOW)."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return "not a 64-bit little-endian ELF file"
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    segments = [struct.unpack_from("<IIQ", data, phoff + i * phentsize) + struct.unpack_from(
        "<Q", data, phoff + i * phentsize + 32) for i in range(phnum)]
    kinds = {kind: (flags, offset, size) for kind, flags, offset, size in segments}
    if PT_GNU_STACK not in kinds or kinds[PT_GNU_STACK][0] & 1:
        return "its stack is executable (no GNU_STACK, or GNU_STACK with X)"
    if PT_GNU_RELRO not in kinds:
        return "no RELRO segment"
    _, offset, size = kinds.get(PT_DYNAMIC, (0, 0, 0))
    entries = [struct.unpack_from("<qQ", data, offset + i) for i in range(0, size, 16)]
    if not any(tag == DT_BIND_NOW or (tag == DT_FLAGS and value & DF_BIND_NOW)
               or (tag == DT_FLAGS_1 and value & DF_1_NOW) for tag, value in entries):
        return "symbols bound lazily (no BIND_NOW): the RELRO is partial"
    return None


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else ".aws-sam/build"
    with open("template.yaml") as f:
        template = yaml.load(f, Loader=Tagged)
    with open(os.path.join(build, "template.yaml")) as f:
        built = yaml.load(f, Loader=Tagged)
    with open("events/expected.json") as f:
        expected = json.load(f)["events"]
    checks = {e["function"]: (name, e) for name, e in expected.items() if e.get("build_check")}
    failures = 0
    functions = [k for k, r in built["Resources"].items() if r["Type"] == "AWS::Serverless::Function"]
    if not functions:
        sys.exit(f"{build}/template.yaml has no function")
    for logical in sorted(functions):
        resource = template["Resources"][logical]
        binary_name = resource["Metadata"]["BuildProperties"]["Binary"]
        bootstrap = os.path.join(build, logical, "bootstrap")
        if binary_name not in checks:
            print(f"FAIL {logical}: no build_check event for {binary_name} in events/expected.json")
            failures += 1
            continue
        event_name, exp = checks[binary_name]
        if not os.access(bootstrap, os.X_OK):
            print(f"FAIL {logical}: {bootstrap} missing or not executable")
            failures += 1
            continue
        with open(os.path.join("events", event_name), "rb") as f:
            event = f.read()
        answer, output = run(bootstrap, event, environment(template, resource))
        problem = linkage(bootstrap) or (
            "no answer within 30 s: " + output[-1500:] if answer is None else verdict(exp, answer))
        size = os.path.getsize(bootstrap) / 1e6
        if problem:
            print(f"FAIL {logical} ({binary_name}, {size:.1f} MB) on {event_name}: {problem}")
            failures += 1
        else:
            print(f"ok   {logical:22} {binary_name:13} {size:5.1f} MB  {event_name}")
    if failures:
        sys.exit(f"{failures} bootstrap(s) are not the function they claim to be")


if __name__ == "__main__":
    main()
