#!/usr/bin/python3
"""The gpucdi binary under valgrind memcheck against every fake host: probe, probe --json, generate
into a directory (twice: written, then unchanged), list, validate, and the error paths of the
broken hosts. Any memcheck error or definitely lost block fails the test; so does an exit status
other than the one the host's description expects.

    test-memcheck.py GPUCDI MKHOST [ARCH]

ARCH is the CPU family gpucdi is built for (meson's host_machine): a host of another architecture
is only probed, since its driver libraries are rightly not this gpucdi's.
"""

import json
import os
import shutil
import subprocess
import tempfile
import sys

from faultlib import PY, Host, Tap

MEMCHECK_ERROR = 99
VALGRIND = ["valgrind", "--quiet", f"--error-exitcode={MEMCHECK_ERROR}", "--leak-check=full",
            "--errors-for-leak-kinds=definite", "--track-fds=no"]


def main():
    gpucdi, mkhost = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    arch = sys.argv[3] if len(sys.argv) > 3 else "x86_64"
    tap = Tap()
    if not shutil.which("valgrind"):
        tap.skip("gpucdi under valgrind", "valgrind is not installed (apt-get install valgrind)")
        return tap.done()
    names = subprocess.run([PY, mkhost, "--list"], capture_output=True, text=True, check=True).stdout.split()
    for name in names:
        desc = json.loads(subprocess.run([PY, mkhost, "--describe", name], capture_output=True, text=True,
                                         check=True).stdout)
        expect = desc.get("expect", {})
        host = Host(gpucdi, mkhost, name)
        try:
            outdir = os.path.join(host.tmp, "cdi")
            # Rewritten loader files (the nixos host) go to a private state directory, not /var/lib.
            state = ["--state-dir", os.path.join(host.tmp, "state")]
            runs = [
                ("probe", ["probe", *host.roots()]),
                ("probe --json", ["probe", "--json", *host.roots()]),
                ("generate", ["generate", *host.roots(), "--no-hook", "--output-dir", outdir, *state]),
                ("generate again", ["generate", *host.roots(), "--no-hook", "--output-dir", outdir, *state]),
                ("list", ["list", "--spec-dir", outdir]),
            ]
            if desc.get("arch", "x86_64") != arch:
                tap.skip(f"{name}: generate, list and validate under memcheck",
                         f"an {desc['arch']} host; this gpucdi is built for {arch}")
                runs = runs[:2]
            for what, args in runs:
                verb = what.split()[0]
                want = expect.get(verb, {}).get("exit", 0)
                if verb == "list":
                    want = 0
                    # A --spec-dir that does not exist is a usage error: a host generate refused has none.
                    os.makedirs(outdir, exist_ok=True)
                r = subprocess.run(VALGRIND + [gpucdi] + args, capture_output=True, text=True)
                tap.ok(r.returncode == want, f"{name}: {what} under memcheck exits {want}",
                       f"exit {r.returncode}\n{r.stderr}")
            specs = sorted(os.listdir(outdir)) if os.path.isdir(outdir) else []
            specs = [os.path.join(outdir, s) for s in specs if s.endswith(".json")]
            if specs:
                r = subprocess.run(VALGRIND + [gpucdi, "validate", *specs], capture_output=True, text=True)
                tap.ok(r.returncode == 0, f"{name}: validate under memcheck accepts its specs",
                       f"exit {r.returncode}\n{r.stdout}{r.stderr}")
        finally:
            host.cleanup()

    # validate's own error paths: syntax errors, wrong types, unreadable files.
    bad = {"syntax.json": "{\"cdiVersion\": \"0.3.0\",", "types.json": "{\"cdiVersion\": 3, \"kind\": [], \"devices\": {}}",
           "empty.json": ""}
    d = tempfile.mkdtemp(prefix="gpucdi-memcheck-")
    try:
        paths = []
        for n, text in bad.items():
            paths.append(os.path.join(d, n))
            with open(paths[-1], "w") as f:
                f.write(text)
        paths.append(os.path.join(d, "missing.json"))
        r = subprocess.run(VALGRIND + [gpucdi, "validate", *paths], capture_output=True, text=True)
        tap.ok(r.returncode == 1, "validate under memcheck reports broken files with exit 1",
               f"exit {r.returncode}\n{r.stdout}{r.stderr}")
    finally:
        shutil.rmtree(d)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
