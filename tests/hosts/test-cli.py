#!/usr/bin/python3
"""gpucdi's command line: each verb's own --help and --version, conflicting options, paths named on
the command line that do not exist, validate on a large spec, probe --json on a model name that is
not UTF-8 (TAP).

usage: test-cli.py --gpucdi BIN --hook BIN --mkhost MKHOST
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from taplib import Tap, host_exe, run  # noqa: E402

PY = sys.executable
VERBS = ("probe", "generate", "list", "validate", "check", "hook")
# A spec this large took minutes when validate compared every pair of device names.
BIG_DEVICES = 80000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gpucdi", required=True)
    ap.add_argument("--hook", required=True)
    ap.add_argument("--mkhost", required=True)
    a = ap.parse_args()
    t = Tap()
    gpucdi = host_exe(a.gpucdi)
    tmp = tempfile.mkdtemp(prefix="gpucdi-cli-")
    try:
        top = run([*gpucdi, "--help"])
        version = run([*gpucdi, "--version"])
        t.ok(version.returncode == 0 and re.fullmatch(r"gpucdi \S+\n", version.stdout),
             "gpucdi --version prints one line", version.stdout)

        # Each verb: its own --help (its usage, options and exit codes), and --version.
        for v in VERBS:
            r = run([*gpucdi, v, "--help"])
            usage = "Usage: gpucdi-hook " if v == "hook" else f"Usage: gpucdi {v}"
            t.ok(r.returncode == 0 and r.stdout.startswith(usage) and r.stdout != top.stdout
                 and "\nExit status:\n" in r.stdout and r.stderr == "",
                 f"gpucdi {v} --help: the verb's own usage and exit codes, not the global one",
                 f"exit {r.returncode}\n{r.stdout}{r.stderr}")
            r = run([*gpucdi, v, "--version"])
            t.ok(r.returncode == 0 and r.stdout == version.stdout,
                 f"gpucdi {v} --version prints the version line", f"exit {r.returncode}\n{r.stdout}{r.stderr}")
        r = run([*host_exe(a.hook), "--help"])
        t.ok(r.returncode == 0 and r.stdout == run([*gpucdi, "hook", "--help"]).stdout,
             "gpucdi-hook --help is gpucdi hook --help", r.stdout + r.stderr)
        r = run([*gpucdi, "generate", "--bogus"])
        t.ok(r.returncode == 2 and "gpucdi generate --help" in r.stderr,
             "an unknown option points at the verb's own --help", r.stderr)

        # Conflicting options: usage errors naming both, before anything is probed or written.
        out = os.path.join(tmp, "out")
        os.mkdir(out)
        r = run([*gpucdi, "generate", "--hook-path", PY, "--no-hook", "--output-dir", out])
        t.ok(r.returncode == 2 and "--hook-path" in r.stderr and "--no-hook" in r.stderr and not os.listdir(out),
             "generate --hook-path with --no-hook: usage error naming both", f"exit {r.returncode}\n{r.stderr}")
        r = run([*gpucdi, "generate", "--no-hook", "--output", "-", "--output-dir", out])
        t.ok(r.returncode == 2 and "--output" in r.stderr and "--output-dir" in r.stderr and r.stdout == ""
             and not os.listdir(out),
             "generate --output - with --output-dir: usage error naming both", f"exit {r.returncode}\n{r.stderr}")
        r = run([*gpucdi, "generate", "--no-hook", "--layout", "nix", "--fhs-libdir", "/usr/lib64", "--output-dir", out])
        t.ok(r.returncode == 2 and "--fhs-libdir" in r.stderr and "--layout nix" in r.stderr and not os.listdir(out),
             "generate --fhs-libdir with --layout nix: usage error naming both", f"exit {r.returncode}\n{r.stderr}")
        r = run([*gpucdi, "list", "--json", "--names", "--spec-dir", out])
        t.ok(r.returncode == 2 and "--json" in r.stderr and "--names" in r.stderr,
             "list --json with --names: usage error naming both", f"exit {r.returncode}\n{r.stderr}")

        # Paths named on the command line that do not exist: errors naming them, not silence.
        typo = os.path.join(tmp, "typo")
        r = run([*gpucdi, "list", "--spec-dir", typo])
        t.ok(r.returncode == 2 and typo in r.stderr and "--spec-dir" in r.stderr and r.stdout == "",
             "list --spec-dir that does not exist: usage error naming the path", f"exit {r.returncode}\n{r.stderr}")
        r = run([*gpucdi, "list", "--spec-dir", out])
        t.ok(r.returncode == 0 and r.stderr == "", "list --spec-dir of an empty directory: exit 0, no error",
             f"exit {r.returncode}\n{r.stderr}")
        config = os.path.join(tmp, "config.json")
        with open(config, "w") as f:
            json.dump({"ociVersion": "1.0.2", "process": {"args": ["sh"]}, "root": {"path": "rootfs"}}, f)
        for opt in ("--policy", "--spec-dir"):
            r = run([*gpucdi, "check", config, opt, typo])
            t.ok(r.returncode == 2 and typo in r.stderr and opt in r.stderr and r.stdout == "",
                 f"check {opt} that does not exist: usage error naming the path", f"exit {r.returncode}\n{r.stderr}")
        policy = os.path.join(tmp, "policy.conf")
        with open(policy, "w") as f:
            f.write("# empty\n")
        r = run([*gpucdi, "check", config, "--policy", policy])
        t.ok(r.returncode == 0 and "no GPU device" in r.stdout, "check --policy of an existing file: checked",
             f"exit {r.returncode}\n{r.stdout}{r.stderr}")

        # validate on a large spec (quadratic before): duplicates still found, with the first index.
        big = os.path.join(tmp, "big.json")
        devices = [{"name": str(i), "containerEdits": {"deviceNodes": [{"path": f"/dev/nvidia{i}"}]}}
                   for i in range(BIG_DEVICES)]
        devices[BIG_DEVICES - 1]["name"] = "7"
        with open(big, "w") as f:
            json.dump({"cdiVersion": "0.5.0", "kind": "nvidia.com/gpu", "devices": devices}, f)
        # No time limit (timings are the benchmarks' business): the run's time is only reported.
        start = time.monotonic()
        r = run([*gpucdi, "validate", big])
        took = time.monotonic() - start
        want = f'{big}: devices[{BIG_DEVICES - 1}].name: duplicate device name "7" (also devices[7]): ' \
               'names must be unique\n'
        t.ok(r.returncode == 1 and r.stdout == want,
             f"validate of {BIG_DEVICES} devices ({took:.1f} s): the one duplicate, with the first index",
             f"exit {r.returncode}\n{r.stdout[:2000]}{r.stderr}")

        # probe --json: a GPU model name that is not UTF-8 is printed with U+FFFD, not refused.
        d = os.path.join(tmp, "h100")
        r = run([PY, a.mkhost, "h100", d])
        if r.returncode != 0:
            raise SystemExit(f"Bail out! mkhost h100: {r.stderr}")
        info = [os.path.join(dp, "information") for dp, _, fs in os.walk(f"{d}/proc/driver/nvidia/gpus")
                if "information" in fs][0]
        with open(info, "rb") as f:
            text = f.read()
        os.chmod(info, 0o644)  # procfs files are read-only in the fixture; root would not notice
        with open(info, "wb") as f:
            f.write(re.sub(rb"Model:[^\n]*", b"Model: \t\t NVIDIA H100 \xff\xfe caf\xc3\xa9", text))
        roots = ["--sysfs-root", f"{d}/sys", "--proc-root", f"{d}/proc", "--dev-root", f"{d}/dev",
                 "--host-root", f"{d}/root"]
        r = subprocess.run([*gpucdi, "probe", "--json", *roots], capture_output=True)
        try:
            model = json.loads(r.stdout)["gpus"][0]["nvidia"]["model"]
        except (ValueError, KeyError, IndexError, TypeError):
            model = None
        t.ok(r.returncode == 0 and model == "NVIDIA H100 \ufffd\ufffd caf\u00e9",
             "probe --json: invalid UTF-8 in a model name becomes U+FFFD, valid bytes stay",
             f"exit {r.returncode}\n{r.stdout[:500]!r}\n{r.stderr!r}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
