"""Shared parts of the fault tests: TAP output, fake hosts from mkhost.py, running gpucdi."""

import glob
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from taplib import Tap  # noqa: E402,F401  (re-exported to the tests here)

PY = sys.executable  # the interpreter meson found (find_program), not a fixed path
# The fake hosts hold empty files where device nodes would be (no mknod): accept them as nodes.
os.environ["GPUCDI_ACCEPT_PLAIN_NODES"] = "1"
SPEC = "gpucdi-nvidia.json"


class Host:
    """A fake host built by mkhost.py in a fresh temporary directory (removed by cleanup())."""

    def __init__(self, gpucdi, mkhost, name, world_readable=False):
        self.gpucdi_path = gpucdi
        self.tmp = tempfile.mkdtemp(prefix=f"gpucdi-faults-{name}-")
        if world_readable:
            os.chmod(self.tmp, 0o755)
        self.dir = os.path.join(self.tmp, "host")
        r = subprocess.run([PY, mkhost, name, self.dir], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"mkhost.py {name}: {r.stderr}")

    def roots(self):
        d = self.dir
        return ["--sysfs-root", f"{d}/sys", "--proc-root", f"{d}/proc", "--dev-root", f"{d}/dev",
                "--host-root", f"{d}/root"]

    def generate_cmd(self, outdir, *extra):
        return [self.gpucdi_path, "generate", *self.roots(), "--no-hook", "--output-dir", outdir, *extra]

    def generate(self, outdir, *extra, **kw):
        return subprocess.run(self.generate_cmd(outdir, *extra), capture_output=True, text=True, **kw)

    def expected(self, *extra, name=SPEC):
        """The bytes generate writes with these options."""
        d = tempfile.mkdtemp(dir=self.tmp)
        r = self.generate(d, *extra)
        if r.returncode != 0:
            raise RuntimeError(f"generate {extra} failed: {r.stderr}")
        with open(os.path.join(d, name), "rb") as f:
            data = f.read()
        shutil.rmtree(d)
        return data

    def validate(self, path):
        return subprocess.run([self.gpucdi_path, "validate", path], capture_output=True, text=True)

    def cleanup(self):
        # Tests make directories read-only; without root, they must be writable again to go.
        for root, dirs, files in os.walk(self.tmp):
            for d in dirs:
                p = os.path.join(root, d)
                if not os.path.islink(p):
                    os.chmod(p, 0o755)
        shutil.rmtree(self.tmp, ignore_errors=True)


def temp_files(d):
    """Leftover temporary files of a spec write (the lock file is not one)."""
    return sorted(os.path.basename(p) for p in glob.glob(os.path.join(d, ".gpucdi-*")))


def read_or_none(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None
