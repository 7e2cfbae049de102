"""TAP output and subprocess helpers shared by the python tests (tests/*/)."""

import subprocess
import sys


class Tap:
    """Numbered "ok"/"not ok" lines, diagnostics as "# " lines, the plan at the end."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, desc, diag=None):
        self.n += 1
        print(f"{'ok' if cond else 'not ok'} {self.n} - {desc}")
        if not cond:
            self.failed += 1
            for line in str(diag or "").splitlines():
                print(f"# {line}")
        sys.stdout.flush()
        return bool(cond)

    def skip(self, desc, why):
        self.n += 1
        print(f"ok {self.n} - {desc} # SKIP {why}", flush=True)

    def done(self):
        print(f"1..{self.n}", flush=True)
        return 1 if self.failed else 0


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def host_exe(path):
    """The command that runs a program built for the host machine: in a cross build meson's
    exe_wrapper (it sets MESON_EXE_WRAPPER for every test, e.g. qemu-aarch64-static) runs it."""
    import os
    import shlex
    return shlex.split(os.environ.get("MESON_EXE_WRAPPER", "")) + [path]
