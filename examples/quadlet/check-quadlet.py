#!/usr/bin/python3
"""Check Quadlet unit files (podman-systemd.unit(5)) without podman:

- every section and key is one podman's Quadlet generator (or systemd, for [Unit], [Service],
  [Install]) accepts, from the table in quadlet-keys.txt;
- the file's first-line comment "# podman >= X.Y" states the real minimum podman version, computed
  from its file type and keys;
- .container files have an Image; AddDevice values are CDI device names (vendor/class=name) or
  absolute paths; references to other Quadlet files (Volume=x.volume, Network=x.network,
  Pod=x.pod) and to their services in [Unit] dependencies resolve to files in the same directory;
  such a reference also needs a podman that knows the referenced file type.

    check-quadlet.py [--tap] [--expect-fail] --keys quadlet-keys.txt DIR|FILE...

Prints FILE:LINE: PROBLEM per problem and exits 1 if there are any (with --expect-fail: every file
must have a problem, for the checker's own negative tests).
"""
import argparse
import os
import re
import sys

# CDI-NOTES: kind vendor/class, then a device name.
CDI_NAME = re.compile(r"^[A-Za-z]([A-Za-z0-9_.-]*[A-Za-z0-9])?/[A-Za-z]([A-Za-z0-9_-]*[A-Za-z0-9])?"
                      r"=[A-Za-z0-9]([A-Za-z0-9_.:-]*[A-Za-z0-9])?$")
# Units outside the directory that examples may depend on.
EXTERNAL_UNITS = {"gpucdi-generate.service", "network-online.target", "multi-user.target",
                  "default.target", "podman.socket", "local-fs.target"}
HEADER = re.compile(r"^# podman >= (\d+)\.(\d+)\b")


def parse_version(s):
    if s == "?":
        return None
    major, minor = s.split(".")
    return (int(major), int(minor))


def load_keys(path):
    filetypes, keys = {}, {}
    for lineno, line in enumerate(open(path), 1):
        line = line.split("#", 1)[0].split()
        if not line:
            continue
        if line[0] == "filetype":
            _, ext, since, section = line
            filetypes[ext] = (parse_version(since), section)
        elif len(line) == 3:
            section, key, since = line
            keys.setdefault(section, {})[key] = parse_version(since)
        else:
            raise SystemExit(f"{path}:{lineno}: cannot parse '{' '.join(line)}'")
    return filetypes, keys


def read_unit(path):
    """[(section, key, value, lineno)], problems"""
    entries, problems, section = [], [], None
    text = open(path).read().replace("\\\n", " ")
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            if not line.endswith("]"):
                problems.append(f"{path}:{lineno}: malformed section header '{line}'")
            section = line[1:-1]
            continue
        if "=" not in line:
            problems.append(f"{path}:{lineno}: not KEY=VALUE: '{line}'")
            continue
        if section is None:
            problems.append(f"{path}:{lineno}: '{line}' is outside any section")
            continue
        key, value = line.split("=", 1)
        entries.append((section, key.strip(), value.strip(), lineno))
    return entries, problems


def service_of(name):
    """The systemd unit a Quadlet file becomes: x.container -> x.service, x.volume -> x-volume.service."""
    base, ext = os.path.splitext(name)
    return base + ".service" if ext in (".container", ".kube") else f"{base}-{ext[1:]}.service"


def check_file(path, filetypes, keys):
    name = os.path.basename(path)
    ext = os.path.splitext(name)[1]
    if ext not in filetypes:
        return [f"{path}: not a Quadlet file type ({', '.join(sorted(filetypes))})"]
    since, own_section = filetypes[ext]
    entries, problems = read_unit(path)
    needed, unknown_since = since, []
    directory = os.path.dirname(path) or "."
    siblings = set(os.listdir(directory))
    services = {service_of(f): f for f in siblings if os.path.splitext(f)[1] in filetypes}
    allowed_sections = {own_section, "Unit", "Service", "Install", "Quadlet"}

    for section, key, value, lineno in entries:
        where = f"{path}:{lineno}"
        if section not in allowed_sections:
            problems.append(f"{where}: section [{section}] is not valid in a {ext} file")
            continue
        table = keys.get(section, {})
        if key not in table:
            problems.append(f"{where}: unknown key {key}= in [{section}]")
            continue
        v = table[key]
        if v is None:
            unknown_since.append(f"{section}.{key}")
        elif v > needed:
            needed = v
        # References to other Quadlet files must resolve in this directory.
        ref = None
        if section == own_section and key == "Volume":
            src = value.split(":", 1)[0]
            ref = src if src.endswith(".volume") else None
        elif section == own_section and key in ("Network", "Pod"):
            ref = value if value.endswith((".network", ".pod")) else None
        if ref and ref not in siblings:
            problems.append(f"{where}: {key}={value} names {ref}, which is not in {directory}")
        if ref:
            # Referring to a .network or .pod file needs a podman that knows that file type.
            ref_since = filetypes[os.path.splitext(ref)[1]][0]
            if ref_since and ref_since > needed:
                needed = ref_since
        if section == "Unit" and key in ("Wants", "Requires", "After", "Before", "BindsTo", "PartOf"):
            for unit in value.split():
                if unit not in services and unit not in EXTERNAL_UNITS:
                    problems.append(f"{where}: {key}= names {unit}: no Quadlet file here becomes that unit")
        if section == "Container" and key == "AddDevice":
            dev = value.lstrip("-")
            if not (CDI_NAME.match(dev) or dev.startswith("/dev/")):
                problems.append(f"{where}: AddDevice={value} is neither a CDI device name (vendor.com/class=name) nor a /dev path")

    if own_section in ("Container",) and not any(s == "Container" and k in ("Image", "Rootfs") for s, k, _, _ in entries):
        problems.append(f"{path}: [Container] has no Image=")
    if not any(s == own_section for s, _, _, _ in entries) and not problems:
        problems.append(f"{path}: no [{own_section}] section")

    first = open(path).readline()
    m = HEADER.match(first)
    if unknown_since:
        problems.append(f"{path}: uses keys whose first podman release is not recorded ({', '.join(unknown_since)}): "
                        "record it in quadlet-keys.txt")
    elif not m:
        problems.append(f"{path}:1: first line must state the minimum podman version: '# podman >= {needed[0]}.{needed[1]}'")
    elif (int(m.group(1)), int(m.group(2))) != needed:
        problems.append(f"{path}:1: says podman >= {m.group(1)}.{m.group(2)}, but its file type and keys need "
                        f"podman >= {needed[0]}.{needed[1]}")
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", required=True)
    ap.add_argument("--tap", action="store_true")
    ap.add_argument("--expect-fail", action="store_true")
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args()
    filetypes, keys = load_keys(args.keys)

    files = []
    for p in args.paths:
        if os.path.isdir(p):
            for root, _, names in sorted(os.walk(p)):
                if "testdata" in os.path.relpath(root, p).split(os.sep):
                    continue
                files += [os.path.join(root, n) for n in sorted(names) if os.path.splitext(n)[1] in filetypes]
        else:
            files.append(p)
    if not files:
        print(f"no Quadlet files in {' '.join(args.paths)}")
        return 1

    failed = False
    for i, f in enumerate(files, 1):
        problems = check_file(f, filetypes, keys)
        good = bool(problems) if args.expect_fail else not problems
        failed |= not good
        if args.tap:
            verdict = "rejected" if args.expect_fail else "valid"
            print(f"{'ok' if good else 'not ok'} {i} - {os.path.relpath(f)} {verdict}")
            for p in problems:
                print(f"# {p}")
        else:
            for p in problems:
                print(p)
    if args.tap:
        print(f"1..{len(files)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
