#!/usr/bin/python3
"""Every config.json of the corpus (captured from real podman, see make-corpus.py) through
gpucdi-hook as runc runs it, and through `gpucdi check --json` when the gpucdi binary is given:
the verdict and the exact set of rules must be those of corpus/expected.txt.

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
            cfg = hooktest.load_config(name, host, hook)
            bundle = hooktest.write_bundle(f"{tmp}/bundles/{name}", cfg)
            results = hooktest.run_like_runc(hook, cfg, bundle)
            t.ok(len(results) > 0, f"{name}: has gpucdi hook entries")
            if not results:
                continue
            args, rc, err = results[0]
            want_rc = 1 if verdict == "refuse" else 0
            got = hooktest.rules_in(err)
            t.ok(rc == want_rc and got == rules, f"{name}: {verdict} {','.join(sorted(rules)) or '-'}",
                 f"exit {rc}, rules {sorted(got)}\nargs {args}\n{err}")
            if verdict == "refuse":
                container = f"container {hooktest.FIXED_ID[:12]}"
                t.ok(all(line.startswith(f"gpucdi: refused {container}: [") and "; fix: " in line
                         for line in err.splitlines()),
                     f"{name}: one 'refused <id>: [rule] found; why; fix' line per rule", err)
            # The other entries of the same container defer to the first one without a word.
            others = hooktest.gpucdi_entries(cfg)[1:]
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
                t.ok(p.returncode == want_rc and got_json == rules and fields,
                     f"{name}: gpucdi check --json agrees", f"exit {p.returncode}\n{p.stdout}\n{p.stderr}")

        # After a driver reload nvidia-uvm has another major: a spec that names the old one is stale.
        reloaded = fakehost.build(f"{tmp}/reloaded", hook, uvm_major=511)
        cfg = hooktest.load_config("gpu0-default", reloaded, hook)
        for d in cfg["linux"]["devices"]:
            if d["path"].startswith("/dev/nvidia-uvm"):
                d["major"] = 238  # what podman saw when the container was created
        bundle = hooktest.write_bundle(f"{tmp}/bundles/uvm-reloaded", cfg)
        (args, rc, err), = hooktest.run_like_runc(hook, cfg, bundle)[:1]
        t.ok(rc == 1 and hooktest.rules_in(err) == {"spec-stale"} and "238:0 in the container but c 511:0" in err,
             "nvidia-uvm major changed since the container was created: spec-stale", err)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
