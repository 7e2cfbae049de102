"""What the tests of gpucdi on fixture hosts share (test-nodes.py, test-options.py,
test-otherspecs.py): their arguments and the skip on a build for another architecture, fixture
hosts built by mkhost.py, and the options that point gpucdi at one."""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from taplib import Tap, host_exe, run  # noqa: E402,F401  (re-exported for the tests)

PY = sys.executable  # the interpreter meson found (find_program), not a fixed path
ROOT = os.geteuid() == 0


def parse_args(what):
    """--gpucdi BIN --mkhost MKHOST [--arch CPU_FAMILY]. The sample hosts are x86-64 machines: on a
    build for another architecture the whole test is skipped ("1..0 # SKIP"), saying what it is."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--gpucdi", required=True)
    ap.add_argument("--mkhost", required=True)
    ap.add_argument("--arch", default="x86_64", help="the CPU family gpucdi is built for (meson's host_machine)")
    a = ap.parse_args()
    if a.arch != "x86_64":
        # An arm64 gpucdi rightly ignores the x86-64 libraries of these hosts' ld.so.cache.
        print(f"1..0 # SKIP {what} use x86_64 sample hosts; this gpucdi is built for {a.arch}", flush=True)
        raise SystemExit(0)
    return a


def make_host(mkhost, name, path, mknod=False):
    """The fixture host NAME under PATH (real device nodes with mknod); a TAP bail-out if mkhost.py
    fails: without its host a test has nothing to check."""
    r = run([PY, mkhost, name, path] + (["--mknod"] if mknod else []))
    if r.returncode != 0:
        raise SystemExit(f"Bail out! mkhost {name}: {r.stderr}")
    return path


def host_roots(path, state=True):
    """gpucdi's options for the host under PATH: its sysfs, proc, dev and host roots (in this
    order), and the state directory generate keeps rewritten driver files in."""
    roots = ["--sysfs-root", f"{path}/sys", "--proc-root", f"{path}/proc", "--dev-root", f"{path}/dev",
             "--host-root", f"{path}/root"]
    return roots + (["--state-dir", f"{path}/state"] if state else [])
