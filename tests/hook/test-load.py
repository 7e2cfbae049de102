#!/usr/bin/python3
"""The hook under load (TAP):
 - 200 GPU containers started one after another with real podman 4.3 + runc, the hook installed
   both through the CDI spec's entries and a hooks.d file: every one starts, every tenth risky one
   is refused, and the decisions stay the same from the first to the last;
 - 2000 direct invocations, 8 at a time, on a GPU and a non-GPU config.json: no failure, and the
   peak RSS of the last hundred is that of the first hundred (no growth with load).

    test-load.py GPUCDI-HOOK SPAWN-BENCH [--sanitized] [CONTAINERS]

--sanitized (a sanitizer build, several times slower): 500 invocations instead of 2000, and no
RSS ceiling.

SPAWN-BENCH (tests/bench/spawn-bench.c) measures RSS from a tiny static parent: a child forked
from python would report python's own peak."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakehost  # noqa: E402
import hooktest  # noqa: E402

NV = "hookload.gpucdi.example/gpu"
AMD = "hookload-amd.gpucdi.example/gpu"
t = hooktest.Tap()


def podman_run(hooks_dir, rootfs, args):
    cmd = ["podman", "--hooks-dir", hooks_dir, "run", "--rm", "--runtime", "runc", "--ulimit", "nofile=1024:1024",
           "--ulimit", "nproc=1024:1024", "--network", "none", *args, "--rootfs", rootfs, "/bin/true"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stderr


def containers(hook, tmp, n):
    specs = []
    try:
        rootfs = f"{tmp}/rootfs"
        hooktest.make_rootfs(rootfs)
        host = fakehost.build(f"{tmp}/host", hook, nvidia_kind=NV, amd_kind=AMD, spec_dir=f"{tmp}/specs",
                              spec_arg=False)
        os.makedirs("/etc/cdi", exist_ok=True)
        for f in sorted(os.listdir(f"{tmp}/specs")):
            shutil.copy(f"{tmp}/specs/{f}", f"/etc/cdi/{f}")
            specs.append(f"/etc/cdi/{f}")
        hooks_d = f"{tmp}/hooks.d"
        os.makedirs(hooks_d)
        with open(f"{hooks_d}/gpucdi-hook.json", "w") as f:
            json.dump(fakehost.hooks_d_entry(host, hook, None), f)

        started = refused = wrong = 0
        detail = []
        for i in range(n):
            risky = i % 10 == 9
            args = ["--device", f"{NV}={i % 2}"] + (["--cap-add", "SYS_ADMIN"] if risky else [])
            rc, err = podman_run(hooks_d, rootfs, args)
            if risky and rc == 126 and "[cap-sys-admin]" in err:
                refused += 1
            elif not risky and rc == 0:
                started += 1
            else:
                wrong += 1
                if len(detail) < 3:
                    detail.append(f"container {i} ({'risky' if risky else 'benign'}): exit {rc}\n{err}")
        want_refused = n // 10
        t.ok(wrong == 0 and started == n - want_refused and refused == want_refused,
             f"{n} GPU containers in a row: {started} started, {refused} refused for [cap-sys-admin], {wrong} wrong",
             "\n".join(detail))
    finally:
        for s in specs:
            os.unlink(s)
        subprocess.run(["podman", "rm", "-f", "-a", "--filter", "status=created"], capture_output=True)


def peak_rss(spawn_bench, hook, args, state_file, runs):
    """Peak RSS (KiB) and last exit status of runs sequential hook runs."""
    out = subprocess.run([spawn_bench, str(runs), state_file, hook, *args], capture_output=True, text=True,
                         check=True).stdout
    words = out.split()
    return int(words[words.index("RSS") + 1]), int(words[words.index("exit") + 1])


def invocations(hook, spawn_bench, tmp, n, sanitized):
    host = fakehost.build(f"{tmp}/direct-host", hook)
    cases = []
    for name in ("gpu0-default", "nongpu-default"):
        cfg = hooktest.load_config(name, host, hook)
        bundle = hooktest.write_bundle(f"{tmp}/bundles/{name}", cfg)
        entries = hooktest.gpucdi_entries(cfg)
        args = entries[0]["args"] if entries else fakehost.hook_args(host, None, None)
        cases.append((name, args, hooktest.state_for(bundle)))

    gpu_name, gpu_args, gpu_state = cases[0]
    state_file = f"{tmp}/gpu-state.json"
    with open(state_file, "w") as f:
        f.write(gpu_state)
    before, rc_before = peak_rss(spawn_bench, hook, gpu_args, state_file, 100)

    def one(i):
        name, args, state = cases[i % len(cases)]
        rc, err = hooktest.run_hook(hook, args, state)
        return i, name, rc, err

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one, range(n)))
    failures = [(i, name, rc, err) for i, name, rc, err in results if rc != 0]
    t.ok(not failures, f"{n} hook invocations, 8 at a time, GPU and non-GPU configs: all allowed (exit 0)",
         "\n".join(f"{i} {name}: exit {rc}: {err}" for i, name, rc, err in failures[:5]))

    after, rc_after = peak_rss(spawn_bench, hook, gpu_args, state_file, 100)
    t.ok(rc_before == 0 and rc_after == 0 and after <= before + 64,
         f"peak RSS of 100 GPU runs after the load ({after} KiB) is that before it ({before} KiB)")
    if sanitized:
        t.skip("the hook stays under 2 MiB of RSS on a GPU container", "sanitizer build: shadow memory")
    else:
        t.ok(after < 2048, f"the hook stays under 2 MiB of RSS on a GPU container ({after} KiB)")


def main():
    hook = os.path.abspath(sys.argv[1])
    spawn_bench = os.path.abspath(sys.argv[2])
    rest = sys.argv[3:]
    sanitized = "--sanitized" in rest
    rest = [a for a in rest if a != "--sanitized"]
    n = int(rest[0]) if rest else 200
    if os.geteuid() != 0:
        print("1..0 # SKIP the fake host's device nodes and podman need root")
        return 0
    tmp = tempfile.mkdtemp(prefix="gpucdi-hook-load-")
    os.chmod(tmp, 0o755)
    try:
        invocations(hook, spawn_bench, tmp, 500 if sanitized else 2000, sanitized)
        if shutil.which("podman") and shutil.which("runc"):
            containers(hook, tmp, n)
        else:
            t.skip(f"{n} GPU containers in a row", "podman or runc not installed")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
