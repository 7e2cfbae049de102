#!/usr/bin/env python3
"""Start systemd services the way systemd would, for a machine without systemd as PID 1 (a CI
chroot): the services Quadlet generated from examples/quadlet, in the order given. For each one:
its Environment=, then ExecStartPre= and ExecStart= with systemd's specifiers expanded (%t %n %N
%%) and "-" prefixes honoured, then its Type=: notify waits for READY=1 on a NOTIFY_SOCKET of
its own (podman --sdnotify=conmon sends it once the container runs), oneshot and forking wait for
the command. Like systemd, it runs each service's commands in a cgroup of their own
(system.slice/UNIT in the cgroup2 hierarchy) when the caller sits in the root one: podman's
--cgroups=split, which Quadlet asks for, refuses a process in the root cgroup ("could not find
cgroup mount in /proc/self/cgroup"). `stop` runs ExecStop= and ExecStopPost= in reverse order.

    run-units.py start|stop UNIT-DIR SERVICE...
"""

import os
import shlex
import socket
import subprocess
import sys
import tempfile

RUNTIME_DIR = "/run"


def load(path):
    """[Service] keys of a unit file; repeated keys (ExecStartPre=, Environment=) kept in order."""
    keys = []
    section = None
    for line in open(path):
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line.strip("[]")
        elif section == "Service" and "=" in line:
            k, v = line.split("=", 1)
            keys.append((k.strip(), v.strip()))
    return keys


def expand(s, unit):
    name = unit.rsplit(".", 1)[0]
    out, i = [], 0
    while i < len(s):
        if s[i] == "%" and i + 1 < len(s):
            c = s[i + 1]
            out.append({"t": RUNTIME_DIR, "n": unit, "N": name, "%": "%"}.get(c, "%" + c))
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def cgroup2_mount():
    """Where the cgroup2 hierarchy is mounted (/sys/fs/cgroup, or .../unified on a hybrid host)."""
    for line in open("/proc/self/mountinfo"):
        fields = line.split(" - ", 1)
        if len(fields) == 2 and fields[1].split()[0] == "cgroup2":
            return fields[0].split()[4]
    return None


def service_cgroup(unit):
    """cgroup.procs of system.slice/UNIT when this process is in the root cgroup2 (no systemd
    placed it), made on first use; None when it already has a cgroup of its own."""
    own = [l[3:].strip() for l in open("/proc/self/cgroup") if l.startswith("0::")]
    mnt = cgroup2_mount()
    if own != ["/"] or not mnt:
        return None
    d = os.path.join(mnt, "system.slice", unit)
    os.makedirs(d, exist_ok=True)
    return os.path.join(d, "cgroup.procs")


def run(cmdline, unit, env):
    ignore = cmdline.startswith("-")
    argv = shlex.split(expand(cmdline.lstrip("-@:+!"), unit))
    print(f"# {unit}: {' '.join(argv)}", flush=True)
    procs = service_cgroup(unit)

    def enter():
        with open(procs, "w") as f:
            f.write("0")

    r = subprocess.run(argv, env=env, preexec_fn=enter if procs else None)
    if r.returncode != 0 and not ignore:
        raise RuntimeError(f"{unit}: {argv[0]} exited {r.returncode}")


def start(unitdir, unit):
    keys = load(os.path.join(unitdir, unit))
    env = dict(os.environ)
    for k, v in keys:
        if k == "Environment":
            for kv in shlex.split(v):
                a, b = kv.split("=", 1)
                env[a] = b
    kind = dict(keys).get("Type", "simple")
    for k, v in keys:
        if k == "ExecStartPre":
            run(v, unit, env)
    sock = None
    if kind == "notify":
        d = tempfile.mkdtemp(prefix="notify.")
        path = os.path.join(d, "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        sock.settimeout(120)
        env["NOTIFY_SOCKET"] = path
    for k, v in keys:
        if k == "ExecStart":
            run(v, unit, env)
    if sock:
        while True:
            msg = sock.recv(4096).decode()
            if "READY=1" in msg.split("\n"):
                print(f"# {unit}: READY=1", flush=True)
                break
        sock.close()


def stop(unitdir, unit):
    keys = load(os.path.join(unitdir, unit))
    env = dict(os.environ)
    for k, v in keys:
        if k in ("ExecStop", "ExecStopPost"):
            try:
                run(v, unit, env)
            except RuntimeError as e:
                print(f"# {e}", flush=True)
    mnt = cgroup2_mount()
    top = os.path.join(mnt, "system.slice", unit) if mnt else None
    # Children first: podman's --cgroups=split made one for conmon ("runtime").
    for d, _, _ in os.walk(top, topdown=False) if top and os.path.isdir(top) else ():
        try:
            os.rmdir(d)
        except OSError:
            pass  # still holds a process


def main(argv):
    verb, unitdir, units = argv[1], argv[2], argv[3:]
    try:
        for u in units if verb == "start" else reversed(units):
            (start if verb == "start" else stop)(unitdir, u)
    except (RuntimeError, OSError) as e:
        print(f"run-units: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
