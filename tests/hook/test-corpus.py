#!/usr/bin/python3
"""Every config.json of the corpus (captured from real podman 4.3 and 5.4, see make-corpus.py, or
written by hand, see make-hand-corpus.py) through gpucdi-hook as runc runs it, and through
`gpucdi check --json` when the gpucdi binary is given: the verdict and the exact set of rules must be
those of corpus/expected.txt. Bundles get the entry's bytes as they are (key spellings, duplicate
keys, numbers, invalid UTF-8), only the placeholders replaced. Verdict "malformed": exit 3 and a
message, for a GPU container whose config cannot be read as runc reads it.

    test-corpus.py GPUCDI-HOOK [GPUCDI]"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakehost  # noqa: E402
import hooktest  # noqa: E402
from rawjson import dump, first, get, put  # noqa: E402


def run_like_runc(hook, cfg, bundle):
    results = []
    for h in hooktest.raw_entries(cfg):
        env = dict(str(e).split("=", 1) for e in first(h, "env") or [])
        args = [str(a) for a in first(h, "args")]
        rc, err = hooktest.run_hook(hook, args, hooktest.state_for(bundle), cwd=bundle, env=env)
        results.append((args, rc, err))
        if rc != 0:
            break
    return results


def main():
    hook = os.path.abspath(sys.argv[1])
    gpucdi = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else None
    t = hooktest.Tap()
    if os.geteuid() != 0:
        print("1..0 # SKIP the fake host needs root (mknod)")
        return 0
    tmp = tempfile.mkdtemp(prefix="gpucdi-hook-corpus-")
    try:
        host = fakehost.build(f"{tmp}/host", hook)
        for name, verdict, rules in hooktest.expected():
            data, cfg = hooktest.load_raw(name, host, hook)
            bundle = f"{tmp}/bundles/{name}"
            os.makedirs(bundle)
            with open(f"{bundle}/config.json", "wb") as f:
                f.write(data)
            results = run_like_runc(hook, cfg, bundle)
            t.ok(len(results) > 0, f"{name}: has gpucdi hook entries")
            if not results:
                continue
            args, rc, err = results[0]
            want_rc = {"refuse": 1, "malformed": 3}.get(verdict, 0)
            got = hooktest.rules_in(err)
            t.ok(rc == want_rc and got == rules and (verdict != "malformed" or "config.json" in err),
                 f"{name}: {verdict} {','.join(sorted(rules)) or '-'}",
                 f"exit {rc}, rules {sorted(got)}\nargs {args}\n{err}")
            if verdict == "refuse":
                container = f"container {hooktest.FIXED_ID[:12]}"
                t.ok(err and all(line.startswith(f"gpucdi: refused {container}: [") and "; fix: " in line
                         for line in err.splitlines()),
                     f"{name}: one 'refused <id>: [rule] found; why; fix' line per rule", err)
            # The other entries of the same container defer to the first one without a word.
            others = hooktest.raw_entries(cfg)[1:]
            if verdict == "allow" and others:
                rest = results[1:]
                t.ok(len(rest) == len(others) and all(rc == 0 and e == "" for _, rc, e in rest),
                     f"{name}: the {len(others)} later gpucdi entries exit 0 silently", rest)
            if gpucdi:
                p = subprocess.run([gpucdi, "check", "--json", "--proc-root", f"{host}/proc", "--dev-root",
                                    f"{host}/dev", "--spec-dir", f"{host}/cdi", "--policy", f"{host}/policy.conf",
                                    f"{bundle}/config.json"], capture_output=True, text=True)
                try:
                    got_json = {o["rule"] for o in json.loads(p.stdout)}
                    fields = all(set(o) == {"rule", "found", "why", "fix"} for o in json.loads(p.stdout))
                except (ValueError, TypeError, KeyError):
                    got_json, fields = None, False
                if verdict == "malformed":
                    t.ok(p.returncode != 0 and "config.json" in p.stdout + p.stderr, f"{name}: gpucdi check reports it malformed",
                         f"exit {p.returncode}\n{p.stdout}\n{p.stderr}")
                    continue
                t.ok(p.returncode == want_rc and got_json == rules and fields,
                     f"{name}: gpucdi check --json agrees", f"exit {p.returncode}\n{p.stdout}\n{p.stderr}")

        # After a driver reload nvidia-uvm has another major: a spec that names the old one is stale.
        reloaded = fakehost.build(f"{tmp}/reloaded", hook, uvm_major=511)
        _, cfg = hooktest.load_raw("gpu0-default", reloaded, hook)
        for d in first(cfg, "linux", "devices"):
            if first(d, "path").startswith("/dev/nvidia-uvm"):
                put(d, "major", 238)  # what podman saw when the container was created
        bundle = f"{tmp}/bundles/uvm-reloaded"
        os.makedirs(bundle)
        with open(f"{bundle}/config.json", "w") as f:
            f.write(dump(cfg))
        (args, rc, err), = run_like_runc(hook, cfg, bundle)[:1]
        t.ok(rc == 1 and hooktest.rules_in(err) == {"spec-stale"} and "238:0 in the container but c 511:0" in err,
             "nvidia-uvm major changed since the container was created: spec-stale", err)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
