#!/usr/bin/python3
"""Write the hand-made entries of tests/hook/corpus/ (hand-*.json): configs no engine writes but runc
accepts, made from the podman-made gpu0-default.json (a GPU container through CDI) and
nongpu-default.json (no GPU, the hooks.d entry only) by editing the JSON text, so that key spellings,
duplicate keys, numbers and bytes stay exactly as written here.

    python3 tests/hook/make-hand-corpus.py        (rewrites corpus/hand-*.json; no root needed)

Expected verdicts are in corpus/expected.txt like the others."""

import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def template(name):
    with open(f"{CORPUS}/{name}.json") as f:
        return json.load(f)


def bind(src, dst, opts=("rbind", "ro")):
    return {"destination": dst, "type": "bind", "source": src, "options": list(opts)}


def text(cfg):
    return json.dumps(cfg, separators=(",", ":"), ensure_ascii=False)


def rename_key(t, old, new, count=1):
    """Rename a key token ("old": -> "new":) in JSON text; fails loudly when absent."""
    assert f'"{old}":' in t, old
    return t.replace(f'"{old}":', f'"{new}":', count)


def add_key(t, obj_key, new_key, value):
    """Insert "new_key": value as the first member of the object under "obj_key"."""
    tok = f'"{obj_key}":{{'
    assert tok in t, obj_key
    return t.replace(tok, tok + json.dumps(new_key, ensure_ascii=False) + ":" + value + ",", 1)


def cases():
    out = {}
    for base, prefix in (("gpu0-default", "hand-"), ("nongpu-default", "hand-nongpu-")):
        b = template(base)

        def with_(f, b=b):
            c = json.loads(json.dumps(b))
            f(c)
            return c

        # Key spellings runc (Go encoding/json) folds onto the real ones.
        t = text(with_(lambda c: c["mounts"].append(bind("/", "/host"))))
        out[prefix + "key-Mounts"] = rename_key(t, "mounts", "Mounts")
        out[prefix + "key-MOUNTS"] = rename_key(t, "mounts", "MOUNTS")
        out[prefix + "key-mount-long-s"] = rename_key(t, "mounts", "mount\u017f")
        t = text(with_(lambda c: c["process"]["capabilities"]["bounding"].append("CAP_SYS_ADMIN") or
                       c["process"]["capabilities"]["effective"].append("CAP_SYS_ADMIN") or
                       c["process"]["capabilities"]["permitted"].append("CAP_SYS_ADMIN")))
        out[prefix + "key-Capabilities"] = rename_key(t, "capabilities", "Capabilities")
        t = text(with_(lambda c: c["linux"].__setitem__(
            "namespaces", [n for n in c["linux"]["namespaces"] if n["type"] != "pid"])))
        out[prefix + "key-Namespaces"] = rename_key(t, "namespaces", "Namespaces")
        # maſkedPaths / masKedPaths (Kelvin sign): an empty list that runc applies instead.
        t = text(b)
        out[prefix + "key-kelvin-masked"] = add_key(t, "linux", "mas\u212aedPaths", "[]") \
            .replace('"maskedPaths":', '"x-maskedPaths":', 1)
        # Two keys that fold together: Go takes the last one; a hook reading the first is fooled.
        t = text(b)
        out[prefix + "dup-mounts-folded"] = t[:-1] + ',"Mounts":' + json.dumps(b["mounts"] + [bind("/", "/host")]) + "}"
        out[prefix + "dup-mounts-exact"] = t[:-1] + ',"mounts":' + json.dumps(b["mounts"] + [bind("/", "/host")]) + "}"
        # Kernel file systems only a hand-written bundle mounts.
        out[prefix + "proc-second"] = text(with_(lambda c: c["mounts"].append(
            {"destination": "/host-proc2", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]})))
        out[prefix + "binfmt-misc"] = text(with_(lambda c: c["mounts"].append(
            {"destination": "/binfmt", "type": "binfmt_misc", "source": "binfmt_misc", "options": []})))
        out[prefix + "devtmpfs"] = text(with_(lambda c: c["mounts"].append(
            {"destination": "/hostdev", "type": "devtmpfs", "source": "devtmpfs", "options": ["nosuid"]})))
        out[prefix + "ext4-host-disk"] = text(with_(lambda c: c["mounts"].append(
            {"destination": "/disk", "type": "ext4", "source": "@HOSTDISK@", "options": ["nosuid", "nodev"]})))
        # A namespace given by path that is the host's own (runc itself runs in the host's).
        out[prefix + "nsfs-host-net"] = text(with_(lambda c: c["linux"].__setitem__(
            "namespaces", [n for n in c["linux"]["namespaces"] if n["type"] != "network"] +
            [{"type": "network", "path": "/proc/self/ns/net"}]) or c["linux"].pop("sysctl", None)))
        # root.path relative to the bundle: benign inside it, the host's / when it climbs out.
        out[prefix + "root-relative"] = text(with_(lambda c: c["root"].__setitem__("path", "rootfs")))
        out[prefix + "root-relative-escape"] = text(with_(lambda c: c["root"].__setitem__(
            "path", "../../../../../../../../../../") or c.__setitem__(
            "mounts", [m for m in c["mounts"] if m.get("type") != "cgroup"])))
        # The host's / as the container's own root (podman --rootfs /; podman 4.3 cannot start it on
        # a cgroup v1 host, so written by hand).
        out[prefix + "root-host"] = text(with_(lambda c: c["root"].__setitem__("path", "/")))
        # Numbers and bytes runc accepts: must never make the hook fail.
        t = text(with_(lambda c: c["process"]["rlimits"].append(
            {"type": "RLIMIT_MEMLOCK", "hard": 1, "soft": 1})))
        t = t.replace('"type":"RLIMIT_MEMLOCK","hard":1,"soft":1',
                      '"type":"RLIMIT_MEMLOCK","hard":18446744073709551615,"soft":18446744073709551615')
        t = t[:-1] + ',"x-unknown":{"big":1e400,"real":1.0,"neg":-0,"exp":1E+2,"tiny":5e-324,' \
                     '"long":123456789012345678901234567890}}'
        out[prefix + "numbers"] = t
        t = text(with_(lambda c: c.setdefault("annotations", {}).__setitem__("x.example/bytes", "@BAD@")))
        out[prefix + "annotation-invalid-utf8"] = t.replace('"@BAD@"', '"caf\xe9\udcff\udcfe"')
        out[prefix + "unusual-json"] = " \n\t" + json.dumps(
            with_(lambda c: c.setdefault("annotations", {}).update(
                {"x.example/escapes": "\"\\/\b\f\n\r\t\u0001\u00e9\U0001f600", "x.example/empty": ""})),
            indent="\t", ensure_ascii=True) + "\n\n"
        out[prefix + "null-fields"] = text(with_(lambda c: c.update(
            {"annotations": None, "hostname": None}) or c["linux"].update({"sysctl": None, "maskedPaths": c["linux"]["maskedPaths"]})))
    return out


def main():
    for f in os.listdir(CORPUS):
        if f.startswith("hand-") and f.endswith(".json"):
            os.unlink(f"{CORPUS}/{f}")
    for name, t in sorted(cases().items()):
        with open(f"{CORPUS}/{name}.json", "wb") as f:
            f.write(t.encode("utf-8", "surrogateescape") + b"\n")
        print(name)


if __name__ == "__main__":
    main()
