"""containerd configuration for the CRI test: the documented CDI snippet
(examples/kubernetes/containerd/config-1.7.toml) with this test's private directories, socket,
native snapshotter, runc and a local pause image merged in."""

import os
import re
import tomllib

CRI = "io.containerd.grpc.v1.cri"
RESOURCE_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")


def plugin_resources(kind, names):
    """The resources generic-cdi-plugin (examples/kubernetes/generic-cdi-plugin.yaml) offers for a
    spec: <vendor>/<class>-<device name>, each allocated as the CDI device <kind>=<device name>.
    Names that make no valid resource name (PCI addresses: ':') are not offered."""
    vendor, cls = kind.split("/")
    return {f"{vendor}/{cls}-{n}": f"{kind}={n}" for n in names if RESOURCE_NAME.match(f"{cls}-{n}")}


def cri_config(example, work):
    """Returns (config dict, state dir, socket path)."""
    with open(example, "rb") as f:
        conf = tomllib.load(f)
    if conf.get("version") != 2 or conf.get("plugins", {}).get(CRI, {}).get("enable_cdi") is not True:
        raise ValueError(f"{example}: expected version = 2 and plugins.\"{CRI}\".enable_cdi = true")
    root, state = os.path.join(work, "root"), os.path.join(work, "state")
    sock = os.path.join(work, "containerd.sock")
    conf.update({"root": root, "state": state,
                 "grpc": {"address": sock},
                 "ttrpc": {"address": sock + ".ttrpc"},
                 # Snapshotters and services this node does not use: fewer warnings, faster start.
                 "disabled_plugins": ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
                                      "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs",
                                      "io.containerd.snapshotter.v1.overlayfs", "io.containerd.tracing.processor.v1.otlp",
                                      "io.containerd.internal.v1.tracing"]})
    plugins = conf.setdefault("plugins", {})
    cri = plugins[CRI]
    cri.update({"sandbox_image": "gpucdi.test/pause:1",
                "stream_server_address": "127.0.0.1", "stream_server_port": "0",
                # The pause container asks for oom_score_adj -998; lowering it needs
                # CAP_SYS_RESOURCE, which test machines running in containers lack.
                "restrict_oom_score_adj": True,
                "cni": {"bin_dir": os.path.join(work, "cni", "bin"), "conf_dir": os.path.join(work, "cni", "conf")},
                "containerd": {"snapshotter": "native", "default_runtime_name": "runc",
                               "runtimes": {"runc": {"runtime_type": "io.containerd.runc.v2"}}}})
    plugins["io.containerd.internal.v1.opt"] = {"path": os.path.join(work, "opt")}
    return conf, state, sock


def _value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


def _key(k):
    return k if k.replace("_", "").replace("-", "").isalnum() else _value(k)


def toml_dumps(conf, prefix=()):
    """The subset of TOML containerd's config needs: tables, strings, booleans, integers, lists."""
    lines, tables = [], []
    for k, v in conf.items():
        (tables if isinstance(v, dict) else lines).append((k, v))
    out = ""
    if prefix and lines:
        out += "[" + ".".join(_key(p) for p in prefix) + "]\n"
    out += "".join(f"{_key(k)} = {_value(v)}\n" for k, v in lines)
    for k, v in tables:
        out += toml_dumps(v, prefix + (k,))
    return out
