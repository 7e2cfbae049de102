"""Helpers of the hook's tests: TAP output, corpus loading, and running gpucdi-hook the way runc
does (each prestart entry in order, argv and environment from the entry, the bundle as working
directory, the container state on stdin)."""

import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from taplib import Tap  # noqa: E402,F401  (re-exported to the tests here)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rawjson  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
FIXED_ID = "0123456789abcdef" * 4


def expected():
    out = []
    with open(os.path.join(CORPUS, "expected.txt")) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            name, verdict, rules = line.split()
            out.append((name, verdict, set() if rules == "-" else set(rules.split(","))))
    return out


def corpus_bytes(name, fakehost_dir, hook, hostdisk="/dev/vda"):
    """The corpus entry's bytes as they are (key spellings, duplicate keys, invalid UTF-8), only the
    placeholders replaced: the fake host, the hook, the host's disk, podman's seccomp profiles."""
    with open(os.path.join(CORPUS, f"{name}.json"), "rb") as f:
        data = f.read()
    data = data.replace(b"@FAKEHOST@", fakehost_dir.encode()).replace(b"@HOOK@", hook.encode())
    data = data.replace(b"@HOSTDISK@", hostdisk.encode())
    for ref, file in ((b'"@PODMAN_SECCOMP@"', "podman-seccomp.json"), (b'"@PODMAN5_SECCOMP@"', "podman5-seccomp.json")):
        if ref in data:
            with open(os.path.join(CORPUS, file), "rb") as f:
                data = data.replace(ref, f.read().strip())
    return data


def load_raw(name, fakehost_dir, hook, hostdisk="/dev/vda"):
    """corpus_bytes() and their parse as runc reads them (rawjson: folded keys, the last duplicate)."""
    data = corpus_bytes(name, fakehost_dir, hook, hostdisk)
    return data, rawjson.parse(data)


def load_config(name, fakehost_dir, hook):
    """The corpus entry as plain Python data (json)."""
    return json.loads(corpus_bytes(name, fakehost_dir, hook))


def write_bundle(directory, cfg, raw=None):
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "config.json")
    if os.path.lexists(path):
        os.unlink(path)
    if isinstance(raw, bytes):
        with open(path, "wb") as f:
            f.write(raw)
        return directory
    with open(path, "w") as f:
        f.write(raw if raw is not None else json.dumps(cfg))
    return directory


def state_for(bundle, cid=FIXED_ID):
    return json.dumps({"ociVersion": "1.0.2-dev", "id": cid, "status": "creating", "pid": os.getpid(),
                       "bundle": bundle, "annotations": {"io.container.manager": "libpod"}})


def run_hook(hook, args, stdin, cwd="/", env=None):
    """One hook invocation as runc makes it: argv from the entry (argv[0] included)."""
    p = subprocess.run(args, executable=hook, input=stdin, capture_output=True, text=True, cwd=cwd,
                       env=env if env is not None else {"GPUCDI_HOOK": "1"}, timeout=30)
    return p.returncode, p.stderr


def gpucdi_entries(cfg):
    out = []
    for h in cfg.get("hooks", {}).get("prestart", []):
        args = h.get("args", [])
        if args and (os.path.basename(args[0]) == "gpucdi-hook" or os.path.basename(h["path"]) == "gpucdi-hook"):
            out.append(h)
    return out


def raw_entries(cfg):
    """The gpucdi-hook entries of a config parsed with rawjson, in the order runc runs them:
    prestart then createRuntime, both in the runtime's namespaces (podman 5 moves hooks.d
    "prestart" entries to createRuntime)."""
    out = []
    for hooks in rawjson.get(cfg, "hooks"):
        for stage in rawjson.get(hooks, "prestart") + rawjson.get(hooks, "createruntime"):
            for h in stage or []:
                args = rawjson.first(h, "args") or []
                if args and os.path.basename(str(args[0])) == "gpucdi-hook":
                    out.append(h)
    return out


def run_like_runc(hook, cfg, bundle, cid=FIXED_ID):
    """Every gpucdi prestart entry in order; runc stops at the first failure."""
    results = []
    for h in gpucdi_entries(cfg):
        env = dict(e.split("=", 1) for e in h.get("env", []))
        rc, err = run_hook(hook, h["args"], state_for(bundle, cid), cwd=bundle, env=env)
        results.append((h["args"], rc, err))
        if rc != 0:
            break
    return results


RULE_RE = re.compile(r"^gpucdi: (?:refused|audit mode, not refusing) [^\n]*?: \[([a-z0-9-]+)\] ", re.M)


def rules_in(text):
    return set(RULE_RE.findall(text))


def list_rules(hook):
    out = subprocess.run([hook, "--list-rules"], capture_output=True, text=True, check=True).stdout
    return [line.split("\t") for line in out.splitlines()]


def make_rootfs(root):
    """A busybox rootfs for podman --rootfs: sh, ls, true, cat, and a root user."""
    os.makedirs(f"{root}/bin")
    shutil.copy("/bin/busybox", f"{root}/bin/busybox")
    for applet in ("sh", "ls", "true", "cat"):
        os.symlink("busybox", f"{root}/bin/{applet}")
    for d in ("etc", "proc", "sys", "dev", "tmp", "run", "var/tmp"):
        os.makedirs(f"{root}/{d}", exist_ok=True)
    with open(f"{root}/etc/passwd", "w") as f:
        f.write("root:x:0:0::/:/bin/sh\n")
    with open(f"{root}/etc/group", "w") as f:
        f.write("root:x:0:\n")
