#!/usr/bin/python3
"""Crash safety of `gpucdi generate`: SIGKILL it at random points, 1000 times, on the 16-GPU host,
while a reader keeps reading the spec. The reader must only ever see the old or the new complete
spec (byte for byte), never a missing, empty or partial one; the run after the last kill must
leave no temporary file behind and write a spec that validates.

Each round alternates between two layouts, so that every run really replaces the spec. The kill
delay is uniform between 0 and about the time a complete run takes on this machine (measured
first, then adjusted so that roughly a quarter of the runs complete), so that every point of the
run is hit: probe, serialisation, temp file, fsync, rename.

    test-kill.py GPUCDI MKHOST [ROUNDS]
"""

import os
import random
import statistics
import subprocess
import sys
import threading
import time

from faultlib import SPEC, Host, Tap, read_or_none, temp_files


def main():
    gpucdi, mkhost = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    tap = Tap()
    host = Host(gpucdi, mkhost, "nvidia16")
    try:
        variants = [["--layout", "both"], ["--layout", "nix"]]
        versions = [host.expected(*v) for v in variants]
        tap.ok(versions[0] != versions[1], "the two layouts give different specs")

        outdir = os.path.join(host.tmp, "cdi")
        spec = os.path.join(outdir, SPEC)
        durations = []
        for i in range(5):
            t = time.monotonic()
            r = host.generate(outdir, *variants[i % 2])
            durations.append(time.monotonic() - t)
            if r.returncode != 0:
                tap.ok(False, "generate runs", r.stderr)
                return tap.done()
        window = 1.2 * statistics.median(durations)

        seen = {"reads": 0, "bad": [], "versions": set()}
        stop = threading.Event()

        def reader():
            while not stop.is_set():
                data = read_or_none(spec)
                seen["reads"] += 1
                if data in versions:
                    seen["versions"].add(versions.index(data))
                elif len(seen["bad"]) < 5:
                    seen["bad"].append("missing" if data is None else f"{len(data)} bytes: {data[:80]!r}")

        t = threading.Thread(target=reader)
        t.start()
        rng = random.Random(int.from_bytes(os.urandom(4), "little"))
        killed = completed = 0
        crashed = []
        try:
            for i in range(rounds):
                p = subprocess.Popen(host.generate_cmd(outdir, *variants[i % 2]),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(rng.uniform(0, window))
                p.kill()
                rc = p.wait()
                if rc == -9:
                    killed += 1
                elif rc == 0:
                    completed += 1
                else:
                    crashed.append(rc)
                # Keep about a quarter of the runs complete whatever the load on the machine.
                if i % 50 == 49:
                    done_share = completed / (i + 1)
                    window *= 0.8 if done_share > 0.4 else 1.25 if done_share < 0.1 else 1
        finally:
            stop.set()
            t.join()

        tap.ok(not crashed, f"{rounds} runs: {killed} killed mid-run, {completed} completed "
               f"(last window {window * 1000:.1f} ms)", f"exit statuses other than 0 and SIGKILL: {crashed}")
        tap.ok(killed >= rounds // 4, "most runs were killed before they finished", f"killed {killed}")
        tap.ok(seen["reads"] > 0 and not seen["bad"], f"the reader saw only complete old or new specs ({seen['reads']} reads)",
               "\n".join(seen["bad"]))
        leftover_before = temp_files(outdir)
        print(f"# temporary files left by the kills: {len(leftover_before)}", flush=True)
        # What a kill between linking the temp file and renaming it leaves, whether or not the
        # kills above hit that moment; and files that only look similar, which must stay.
        planted = os.path.join(outdir, ".gpucdi-Ab3xY9")
        with open(planted, "wb") as f:
            f.write(versions[1][:100])
        others = {".gpucdi-notes": b"user file\n", "other-vendor.json": versions[1]}
        for name, data in others.items():
            with open(os.path.join(outdir, name), "wb") as f:
                f.write(data)
        r = host.generate(outdir, *variants[0])
        tap.ok(r.returncode == 0, "the next run succeeds", r.stderr)
        tap.ok(not temp_files(outdir) or temp_files(outdir) == [".gpucdi-notes"],
               "no temporary files are left after the next run",
               f"left: {temp_files(outdir)} (before it: {leftover_before} and the planted one)")
        tap.ok(all(read_or_none(os.path.join(outdir, n)) == d for n, d in others.items()),
               "files of other tools and users are untouched")
        tap.ok(read_or_none(spec) == versions[0], "the spec is the next run's")
        v = host.validate(spec)
        tap.ok(v.returncode == 0, "gpucdi validate accepts it", v.stdout + v.stderr)
    finally:
        host.cleanup()
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
