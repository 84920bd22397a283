"""`scripts/bench --order`: writes functions/cold-start.order, the functions each function's cold
start, first request and next few requests run, which functions/link.rs has lld lay out together.
`scripts/bench --check-order` (CI): whether the list still names all that token's and
webhook's cold starts run.

Each function built with its symbols (COLD_START_SYMBOLS=1: the same build, symbols kept) runs
once under Valgrind's callgrind, in the bench's production configuration with its first event and
the bench's warm invocations;
the functions of the binary that ran are listed, every function's after the ones before it.
"""

import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import bench  # noqa: E402
import emulator  # noqa: E402
import events  # noqa: E402

ORDER = os.path.join(bench.ROOT, "functions", "cold-start.order")

# Code the deployed CPU runs where Valgrind's runs another: Valgrind offers no SHA extensions, so
# under it `sha1` and `sha2` take their portable code (which it records), and on a CPU with them
# (this machine's, recent Intel and AMD server CPUs') these: the request signing's SHA-256, the
# Twilio signature's SHA-1. Found by the page faults of token's native cold start (`perf record
# -e page-faults -d`): its one code fault outside the list, besides `_init`, was in sha2. Each
# is listed after the binary's own record when its crate (group 1) ran at all.
HARDWARE_TWINS = re.compile(r"^(_ZN4sha[12]).*?(?:3x86|7x86_sha)\d")


def executed(profile, binary):
    """The symbols of `binary` that ran, as callgrind's record (`--demangle=no`) names them."""
    objects, functions, names, seen, current = {}, {}, [], set(), None
    with open(profile) as f:
        for line in f:
            line = line.rstrip("\n")
            m = re.match(r"(c?)(ob|fn)=\((\d+)\)(?: (.+))?$", line)
            if not m:
                continue
            called, kind, key, name = m.groups()
            table = objects if kind == "ob" else functions
            if name:
                table[key] = name
            if called:
                continue
            if kind == "ob":
                current = objects.get(key)
            elif current == binary:
                # A recursive cycle's members carry a "'2" suffix; addresses have no symbol.
                symbol = re.sub(r"'\d+$", "", functions.get(key, ""))
                if symbol and not symbol.startswith("0x") and symbol not in seen:
                    seen.add(symbol)
                    names.append(symbol)
    return names


def hardware_twins(binary, ran):
    """The functions of `binary` (its symbol table) that HARDWARE_TWINS names, of the crates
    that ran, and did not run themselves."""
    out = subprocess.run(["nm", "--defined-only", binary], capture_output=True, text=True,
                         check=True).stdout
    twins = set()
    for p in (line.split() for line in out.splitlines()):
        m = HARDWARE_TWINS.match(p[-1]) if len(p) == 3 and p[1] in "tT" else None
        if m and p[2] not in ran and any(n.startswith(m.group(1)) for n in ran):
            twins.add(p[2])
    return sorted(twins)


def wait_for(profile, seconds=90):
    """Callgrind writes its record when the process ends; its last line is `totals:`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if os.path.exists(profile):
            with open(profile) as f:
                if any(line.startswith("totals:") for line in f):
                    return
        time.sleep(0.5)
    raise SystemExit(f"no callgrind record in {profile} after {seconds} s")


def read_list():
    """The names in functions/cold-start.order, a line each (callgrind's `(below main)` has a
    space in it)."""
    if not os.path.exists(ORDER):
        return []
    with open(ORDER) as f:
        return [line for line in f.read().splitlines() if line]


def profile_cold_start(t, config, moto, out):
    """The names of the functions `t`'s binary ran in one cold start, its first request and the
    bench's warm invocations, under callgrind, then their HARDWARE_TWINS; and the first answer."""
    argv, env = bench.command(t, config, moto)
    binary = os.path.realpath(argv[0])
    profile = os.path.join(out, f"{t}.callgrind")
    # Valgrind behind a shell: the emulator kills the shell once the last response is in and
    # closes the next poll; the function then exits and callgrind writes.
    shell = ["sh", "-c", 'valgrind --tool=callgrind --demangle=no '
             f'--callgrind-out-file="{profile}" "$0" 2>/dev/null & wait', binary]
    # The first event, then the warm invocations the bench measures peak RSS after (the same event
    # again: for a callback, a duplicate, whose path differs from the first's).
    first = events.fresh(bench.ROOT, t)
    res = emulator.run_once(shell, env, [first] * (1 + bench.WARM), timeout=120, linger=False)
    wait_for(profile)
    names = executed(profile, binary)
    if not names:
        raise SystemExit(f"{binary}: no function names in its record; it was built stripped "
                         "(build it with COLD_START_SYMBOLS=1)")
    return names + hardware_twins(binary, set(names)), bench.answer(res)


def main():
    """`order.py` writes the list from every built function; `order.py --check NAME…` only
    says whether the list still names every function those functions' cold starts run."""
    check = sys.argv[1:2] == ["--check"]
    moto = os.environ["AWS_ENDPOINT_URL"]
    if check:
        targets = sys.argv[2:]
    else:
        targets = [t for t in bench.RUST if os.path.exists(os.path.join(bench.BIN, t))]
    _, _, config = bench.start(targets)
    # The list the binaries were linked with. A function that ran and is not in it lies outside
    # the cold-start code, and the 64 KB around it becomes resident: LLVM numbers some names
    # (`.587`) and the numbers move with any change to the code, and new code has new names.
    previous = set(read_list())
    order, seen, stale = [], set(), 0
    with tempfile.TemporaryDirectory() as out:
        for t in targets:
            names, answer = profile_cold_start(t, config, moto, out)
            fresh = [n for n in names if n not in seen]
            seen.update(fresh)
            order.extend(fresh)
            missed = [n for n in names if n not in previous]
            stale += len(missed)
            print(f"{t}: first answer {answer}, {len(names)} functions ran, {len(fresh)} not "
                  f"listed before, {len(missed)} not in the list it was linked with",
                  file=sys.stderr)
            if check:
                for n in missed[:10]:
                    print(f"  not listed: {n}", file=sys.stderr)
    if check:
        if stale:
            raise SystemExit(f"{ORDER} is stale: {stale} functions the cold starts above run "
                             "are not in it, and each can cost up to 64 KB more resident code. "
                             "Run scripts/bench --order (it needs valgrind) and commit the list.")
        print(f"{ORDER}: every function the cold starts above run is listed", file=sys.stderr)
        return
    with open(ORDER, "w") as f:
        f.write("\n".join(order) + "\n")
    print(f"{ORDER}: {len(order)} functions", file=sys.stderr)


if __name__ == "__main__":
    main()
