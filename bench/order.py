"""`scripts/bench --order`: writes functions/cold-start.order, the functions each function's cold
start and first request run, which functions/link.rs has lld lay out together.

Each function built with its symbols (COLD_START_SYMBOLS=1: the same build, symbols kept) runs
once under Valgrind's callgrind, in the bench's production configuration with its first event;
the functions of the binary that ran are listed, every function's after the ones before it.
"""

import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import bench  # noqa: E402
import emulator  # noqa: E402
import events  # noqa: E402

ORDER = os.path.join(bench.ROOT, "functions", "cold-start.order")


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


def main():
    moto = os.environ["AWS_ENDPOINT_URL"]
    targets = [t for t in bench.RUST if os.path.exists(os.path.join(bench.BIN, t))]
    _, _, config = bench.start(targets)
    order, seen = [], set()
    with tempfile.TemporaryDirectory() as out:
        for t in targets:
            argv, env = bench.command(t, config, moto)
            binary = os.path.realpath(argv[0])
            profile = os.path.join(out, f"{t}.callgrind")
            # Valgrind behind a shell: the emulator kills the shell once the first response is
            # in and closes the next poll; the function then exits and callgrind writes.
            shell = ["sh", "-c", 'valgrind --tool=callgrind --demangle=no '
                     f'--callgrind-out-file="{profile}" "$0" 2>/dev/null & wait', binary]
            res = emulator.run_once(shell, env, [events.fresh(bench.ROOT, t)], timeout=120,
                                    linger=False)
            wait_for(profile)
            names = executed(profile, binary)
            if not names:
                raise SystemExit(f"{binary}: no function names in its record; it was built "
                                 "stripped (build it with COLD_START_SYMBOLS=1)")
            fresh = [n for n in names if n not in seen]
            seen.update(fresh)
            order.extend(fresh)
            print(f"{t}: first answer {bench.answer(res)}, {len(names)} functions ran, "
                  f"{len(fresh)} not listed before", file=sys.stderr)
    with open(ORDER, "w") as f:
        f.write("\n".join(order) + "\n")
    print(f"{ORDER}: {len(order)} functions", file=sys.stderr)


if __name__ == "__main__":
    main()
