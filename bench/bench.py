"""scripts/bench's runner: every function's cold start in the production configuration, beside
the floor (an empty lambda_runtime function) and the Node.js and Python anchors, in interleaved
rounds, then the backend round trips of each first request, and one table.

Usage: bench.py ROUNDS   (scripts/bench sets the environment: see there)
"""

import io
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import zipfile

import boto3
import yaml

sys.path.insert(0, os.path.dirname(__file__))
import emulator  # noqa: E402
import events  # noqa: E402
import stubs  # noqa: E402

ROOT = os.environ["BENCH_ROOT"]
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from create_table import CfnLoader  # noqa: E402
BIN = os.environ["BENCH_BIN_DIR"]
RUST = ["floor", "health", "token", "verify", "rooms", "presence", "webhook", "composition",
        "reconciler", "key-rotation"]
ANCHORS = ["node-token", "python-token"]
WARM = int(os.environ.get("BENCH_WARM", "5"))
TRIP_RUNS = 5


def lambda_env(extra):
    """The variables Lambda gives a function, and the production configuration's."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "en_US.UTF-8", "TZ": ":UTC",
        "AWS_LAMBDA_FUNCTION_NAME": "bench", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        "AWS_LAMBDA_LOG_GROUP_NAME": "bench", "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_SESSION_TOKEN": "bench", "AWS_LAMBDA_LOG_LEVEL": "warn",
        **extra,
    }


def setup(endpoint, twilio):
    """Creates the two secrets; returns the production configuration."""
    sm = boto3.client("secretsmanager", endpoint_url=endpoint, region_name="us-east-1")
    ids = {}
    for name, value in [
        ("bench/twilio", {"account_sid": events.ACCOUNT_SID, "api_key_sid": events.API_KEY_SID,
                          "api_key_secret": events.API_KEY_SECRET}),
        ("bench/twilio-auth", {"account_sid": events.ACCOUNT_SID, "auth_token": events.AUTH_TOKEN}),
    ]:
        ids[name] = sm.create_secret(Name=name, SecretString=json.dumps(value))["ARN"]
    return {
        "TABLE_NAME": os.environ["TABLE_NAME"], "TWILIO_SECRET_ID": ids["bench/twilio"],
        "TWILIO_AUTH_SECRET_ID": ids["bench/twilio-auth"], "PUBLIC_BASE_URL": events.PUBLIC_BASE_URL,
        "TWILIO_VERIFY_SERVICE_SID": "VA0123456789abcdef0123456789abcdef",
        "TWILIO_MESSAGING_SERVICE_SID": "MG0123456789abcdef0123456789abcdef",
        "TWILIO_VIDEO_BASE_URL": twilio, "TWILIO_VERIFY_BASE_URL": twilio,
        "TWILIO_API_BASE_URL": twilio,
        # The bench sends more than a user's 5 verifications in 10 minutes.
        "VERIFY_SENDS_PER_USER": "1000", "VERIFY_SENDS_PER_DESTINATION": "1000",
    }


def seed_presence(config, endpoint):
    """The room presence reads: in progress, two participants in it, as the webhook function
    records them from Twilio's signed callbacks (the table's layout stays the functions' own)."""
    argv, env = command("webhook", config, endpoint)
    if not os.path.exists(argv[0]):
        raise SystemExit("presence needs the webhook binary to record its room")
    callbacks = events.presence_room_callbacks(ROOT)
    res = emulator.run_once(argv, env, callbacks)
    answers = [answer({"first": r}) for r in res["all"]]
    if len(answers) != len(callbacks) or any(a != "200" for a in answers):
        raise SystemExit(f"recording presence's room failed: {answers}")


SECRET_IDS = ("TWILIO_SECRET_ID", "TWILIO_AUTH_SECRET_ID")


def template_secret_ids():
    """Which of the secret ids template.yaml gives each function, by its binary's name: a
    function without one builds no Secrets Manager client, in Lambda as here."""
    with open(os.path.join(ROOT, "template.yaml")) as f:
        resources = yaml.load(f, Loader=CfnLoader)["Resources"]
    given = {}
    for resource in resources.values():
        binary = ((resource.get("Metadata") or {}).get("BuildProperties") or {}).get("Binary")
        if binary:
            variables = (resource["Properties"].get("Environment") or {}).get("Variables") or {}
            given[binary] = {name for name in SECRET_IDS if name in variables}
    return given


GIVEN_SECRET_IDS = template_secret_ids()


def start(targets):
    """The Twilio stub and the counting proxy in front of moto (one recorder), the secrets, and
    presence's room when presence is among `targets`: (recorder, proxy URL, configuration)."""
    recorder = stubs.Recorder()
    twilio = stubs.serve(stubs.TwilioStub, recorder)
    moto = os.environ["AWS_ENDPOINT_URL"]
    proxy = stubs.serve(stubs.AwsProxy, recorder, upstream=moto.split("//", 1)[1])
    config = setup(moto, twilio)
    if "presence" in targets:
        seed_presence(config, moto)
    return recorder, proxy, config


def command(target, config, endpoint):
    """(argv, env) of `target` as Lambda runs it; `before:NAME` is NAME's binary in
    BENCH_BEFORE_DIR. A function gets the secret ids template.yaml gives it."""
    name = target.removeprefix("before:")
    if name in GIVEN_SECRET_IDS:
        config = {k: v for k, v in config.items()
                  if k not in SECRET_IDS or k in GIVEN_SECRET_IDS[name]}
    env = lambda_env(dict(config, AWS_ENDPOINT_URL=endpoint))
    if target.startswith("before:"):
        return [os.path.join(os.environ["BENCH_BEFORE_DIR"], target[7:])], env
    if target == "node-token":
        root = os.path.join(ROOT, "bench/node-token")
        env.update(LAMBDA_TASK_ROOT=root, NODE_PATH=os.path.join(root, "runtime/node_modules"))
        return [os.environ["BENCH_NODE"], os.path.join(root, "runtime/bootstrap.js")], env
    if target == "python-token":
        root = os.path.join(ROOT, "bench/python-token")
        env.update(LAMBDA_TASK_ROOT=root, PYTHONPATH=os.environ["BENCH_PYTHON_PACKAGE"])
        return [os.environ["BENCH_PYTHON"], os.path.join(root, "runtime/bootstrap.py")], env
    return [os.path.join(BIN, target)], env


def package_size(target):
    """Bytes of the deployment zip: the binary as `bootstrap`, or the handler and its packages
    (not what the managed runtime provides: the AWS SDK, boto3)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        if target == "node-token":
            base = os.path.join(ROOT, "bench/node-token")
            files = ["index.js", "package.json"] + walk(base, "node_modules")
        elif target == "python-token":
            base = os.environ["BENCH_PYTHON_PACKAGE"]
            z.write(os.path.join(ROOT, "bench/python-token/handler.py"), "handler.py")
            files = walk(base, ".")
        else:
            binary = command(target, {}, "")[0][0]
            z.write(binary, "bootstrap")
            files, base = [], ""
        for f in files:
            z.write(os.path.join(base, f), f)
    return buf.tell()


def walk(base, sub):
    out = []
    for d, _, names in os.walk(os.path.join(base, sub)):
        out += [os.path.relpath(os.path.join(d, n), base) for n in names if "__pycache__" not in d]
    return out


def answer(result):
    kind, body = result["first"]
    if kind != "response":
        return f"error: {body[:200]!r}"
    try:
        value = json.loads(body)
    except ValueError:
        return "?"
    return str(value.get("statusCode", "ok")) if isinstance(value, dict) else "ok"


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 11
    only = [t for t in os.environ.get("BENCH_ONLY", "").split(",") if t]
    targets = [t for t in RUST + ANCHORS if not only or t in only or t == "floor"]
    before = os.environ.get("BENCH_BEFORE_DIR")
    if before:
        # The same functions from another build, interleaved in the same rounds.
        targets += ["before:" + t for t in targets if t in RUST and t != "floor" and os.path.exists(os.path.join(before, t))]
    missing = [t for t in targets if t in RUST and not os.path.exists(os.path.join(BIN, t))]
    if missing:
        print(f"not built, left out: {', '.join(missing)}", file=sys.stderr)
        targets = [t for t in targets if t not in missing]
    moto = os.environ["AWS_ENDPOINT_URL"]
    recorder, proxy, config = start(targets)
    results = {t: [] for t in targets}
    started = load()
    print(f"load before: {started}; {rounds} rounds of {len(targets)} targets, {WARM} warm each",
          file=sys.stderr)
    for r in range(rounds):
        order = targets[r % len(targets):] + targets[:r % len(targets)]
        for t in order:
            argv, env = command(t, config, moto)
            first = events.fresh(ROOT, t.removeprefix("before:"))
            res = emulator.run_once(argv, env, [first] * (1 + WARM))
            results[t].append(res)
        print(f"round {r + 1}/{rounds} done (load {load()})", file=sys.stderr)
    ended = load()
    runs = {t: [] for t in targets}
    for _ in range(TRIP_RUNS):
        for t in targets:
            argv, env = command(t, config, proxy)
            recorder.start()
            res = emulator.run_once(argv, env, [events.fresh(ROOT, t.removeprefix("before:"))])
            calls = recorder.stop()
            runs[t].append((calls, res["cold"] - res["init"], sum(ms for _, ms in calls)))
    # The calls of the first run; the median run's times.
    trips = {t: (rs[0][0],) + sorted(rs, key=lambda r: r[1] - r[2])[len(rs) // 2][1:]
             for t, rs in runs.items()}
    table(targets, results, trips, rounds, started, ended)


def median_of(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt_ratio(v, base):
    if not base:
        return "–"
    x = v / base
    return f"{x:.1f}×" if x >= 0.095 else f"1/{base / v:.0f}"


def table(targets, results, trips, rounds, started, ended):
    med = {}
    for t in targets:
        rs = results[t]
        med[t] = {
            "init": statistics.median(r["init"] for r in rs),
            "cold": statistics.median(r["cold"] for r in rs),
            "warm": statistics.median(w for r in rs for w in r["warm"]) if any(r["warm"] for r in rs) else 0,
            "rss": statistics.median(r["rss_kb"] for r in rs) / 1024,
            "anon": statistics.median(r["anon_kb"] for r in rs) / 1024,
            "file": statistics.median(r["file_kb"] for r in rs) / 1024,
            "zip": package_size(t) / 1e6,
            "cpu_init": median_of(r["cpu_init"] for r in rs),
            "cpu_first": median_of(r["cpu_first"] for r in rs),
        }
    floor, node = med.get("floor"), med.get("node-token")
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    print(f"\n{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}); commit {commit}"
          f"{' + local changes' if dirty else ''}; {time.strftime('%Y-%m-%d %H:%M')}; load average "
          f"{started} before, {ended} after; medians of {rounds} interleaved rounds, "
          f"warm = median of {WARM} invocations after each cold one.")
    print("Each cell: value (× the floor, × Node).\n")
    print("| function | first answer | init (spawn → /next) | cold (spawn → response) | warm | "
          "peak RSS | package (zip) |")
    print("|---|---|---|---|---|---|---|")
    for t in targets:
        m = med[t]
        cells = [t, answer(results[t][0])]
        for key, unit, digits in [("init", "ms", 1), ("cold", "ms", 1), ("warm", "ms", 2),
                                  ("rss", "MB", 1), ("zip", "MB", 2)]:
            ratios = ", ".join(fmt_ratio(m[key], b[key]) for b in (floor, node) if b)
            cells.append(f"{m[key]:.{digits}f} {unit} ({ratios})")
        print("| " + " | ".join(cells) + " |")
    best = {t: {k: min(r[k] for r in results[t]) for k in ("init", "cold")} for t in targets}
    print(f"\nBest of the {rounds} rounds (what the load of a shared machine did not inflate; "
          "× the floor's best):\n")
    print("| function | init, best | cold, best |")
    print("|---|---|---|")
    for t in targets:
        cells = [f"{best[t][k]:.1f} ms ({fmt_ratio(best[t][k], best['floor'][k]) if 'floor' in best else '–'})"
                 for k in ("init", "cold")]
        print(f"| {t} | " + " | ".join(cells) + " |")
    if floor:
        print("\nPeak RSS to the kilobyte (median kB, × the floor to two places; the goal of issue "
              "14 is 2×): " + "; ".join(
                  f"{t} {med[t]['rss'] * 1024:.0f} ({med[t]['rss'] / floor['rss']:.2f}×)"
                  for t in targets))
    print("\nWhere the resident set is, after the last warm invocation (median MB): "
          + "; ".join(f"{t} {med[t]['anon']:.1f} anonymous + {med[t]['file']:.1f} file-backed"
                      for t in targets))
    print("\nThe process's own CPU time (all its threads, from /proc schedstat; median ms): "
          "before its first /next, then in its first request (what it worked, apart from "
          "waiting on the backends): "
          + "; ".join(f"{t} {med[t]['cpu_init']:.1f} + {med[t]['cpu_first']:.1f}" for t in targets
                      if None not in (med[t]["cpu_init"], med[t]["cpu_first"])))
    print("\nBackend round trips from spawn to the first response (counted at a proxy in front of "
          "moto and at the Twilio stub, 5 more runs each, the median run's times; the time in the backends as the proxy and "
          "the stub see it):\n")
    floor_own = trips["floor"][1] if "floor" in trips else 0
    for t in targets:
        calls, first, backend = trips[t]
        summary = {}
        for c, _ in calls:
            summary[c] = summary.get(c, 0) + 1
        listed = ", ".join(f"{c}" + (f" ×{n}" if n > 1 else "") for c, n in summary.items())
        print(f"- {t}: {len(calls)}" + (f" ({listed})" if listed else "")
              + f"; first request {first:.1f} ms, of which {backend:.1f} ms in the backends, "
              f"{first - backend:.1f} ms the function's own (the floor's: {floor_own:.1f} ms)")


if __name__ == "__main__":
    main()
