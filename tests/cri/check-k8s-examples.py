"""Checks examples/kubernetes against what gpucdi writes and what the tools read (TAP).

    check-k8s-examples.py EXAMPLES_DIR --cdidir DIR --hooksdir DIR --unit-dir cdi/systemd [--self-test]

Every file there is parsed (YAML, TOML, systemd unit syntax) and its fields checked: the spec
directory and file the device plugin reads are the ones gpucdi generate writes and the runtimes
read, the hooks directory CRI-O reads holds gpucdi's hooks.d file, every volume mount has its
volume, the pod asks for a resource the plugin offers and has what gpucdi-hook requires.
--self-test breaks each file in memory and expects the check to catch it. The containerd 1.7
file is also what the CRI test (test-cri.py) starts containerd with."""

import argparse
import configparser
import copy
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import Tap  # noqa: E402

try:
    import tomllib
    import yaml
    from crinode import plugin_resources
except ImportError as e:  # Python < 3.11 or no python3-yaml
    print(f"1..0 # SKIP {e}")
    sys.exit(0)


class Bad(Exception):
    pass


def need(cond, what):
    if not cond:
        raise Bad(what)


# Every file of examples/kubernetes is checked here or used by test-cri.py (USED), and named in the
# documentation: a new file needs a check.
USED = {"containerd/config-1.7.toml": "test-cri.py starts containerd with it",
        "gpu-pod.yaml": "test-cri.py requests its resources", "gpucdi-policy.conf": "test-cri.py installs it"}


def check_inventory(ex, doc, loaded):
    with open(doc) as f:
        text = f.read()
    for dirpath, _, names in os.walk(ex):
        for n in names:
            rel = os.path.relpath(os.path.join(dirpath, n), ex)
            need(rel in loaded or rel in USED, f"{rel} is checked by no test")
            need(rel in text, f"{rel} is not described in {doc}")


def load(ex):
    files = {}
    for rel in ("containerd/config-1.7.toml", "containerd/config-2.x.toml", "crio/99-gpucdi.conf"):
        with open(os.path.join(ex, rel), "rb") as f:
            files[rel] = tomllib.load(f)
    for rel in ("generic-cdi-plugin.yaml", "gpu-pod.yaml", "kubelet/seccomp-default.yaml"):
        with open(os.path.join(ex, rel)) as f:
            files[rel] = [d for d in yaml.safe_load_all(f) if d is not None]
    unit = configparser.ConfigParser(strict=True, interpolation=None)
    unit.optionxform = str
    unit.read(os.path.join(ex, "systemd/gpucdi-generate.service.d/10-kubernetes.conf"))
    files["systemd/gpucdi-generate.service.d/10-kubernetes.conf"] = unit
    return files


def check_containerd(f, o):
    c17 = f["containerd/config-1.7.toml"]
    need(c17.get("version") == 2, "containerd 1.7 config must be version = 2")
    cri = c17.get("plugins", {}).get("io.containerd.grpc.v1.cri", {})
    need(cri.get("enable_cdi") is True, "containerd 1.7: enable_cdi = true in plugins.\"io.containerd.grpc.v1.cri\"")
    need(o.cdidir in cri.get("cdi_spec_dirs", []) and "/var/run/cdi" in cri.get("cdi_spec_dirs", []),
         f"containerd 1.7: cdi_spec_dirs must hold {o.cdidir} (gpucdi generate's default) and /var/run/cdi")
    c2 = f["containerd/config-2.x.toml"]
    need(c2.get("version") == 3, "containerd 2.x config must be version = 3")
    rt = c2.get("plugins", {}).get("io.containerd.cri.v1.runtime", {})
    need(rt.get("enable_cdi") is True and o.cdidir in rt.get("cdi_spec_dirs", []),
         f"containerd 2.x: enable_cdi and cdi_spec_dirs with {o.cdidir} in plugins.\"io.containerd.cri.v1.runtime\"")


def check_crio(f, o):
    rt = f["crio/99-gpucdi.conf"].get("crio", {}).get("runtime", {})
    need(set(rt) <= {"cdi_spec_dirs", "hooks_dir"}, f"crio: unexpected keys {sorted(set(rt))}")
    need(o.cdidir in rt.get("cdi_spec_dirs", []), f"crio: cdi_spec_dirs must hold {o.cdidir}")
    need(o.hooksdir in rt.get("hooks_dir", []), f"crio: hooks_dir must hold {o.hooksdir}, where gpucdi-hook.json is installed")


def check_unit(f, o):
    u = f["systemd/gpucdi-generate.service.d/10-kubernetes.conf"]
    need(u.sections() == ["Unit"], "systemd drop-in: one [Unit] section")
    before = u["Unit"].get("Before", "").split()
    for want in ("containerd.service", "crio.service", "kubelet.service"):
        need(want in before, f"systemd drop-in: Before= must name {want}")
    need(os.path.exists(os.path.join(o.unit_dir, "gpucdi-generate.service.in")),
         "systemd drop-in: gpucdi-generate.service is not a unit gpucdi installs")


def check_kubelet(f, o):
    docs = f["kubelet/seccomp-default.yaml"]
    need(len(docs) == 1, "kubelet: one document")
    d = docs[0]
    need(d.get("apiVersion") == "kubelet.config.k8s.io/v1beta1" and d.get("kind") == "KubeletConfiguration",
         "kubelet: apiVersion kubelet.config.k8s.io/v1beta1, kind KubeletConfiguration")
    need(d.get("seccompDefault") is True, "kubelet: seccompDefault: true")


def plugin_daemonset(f):
    docs = f["generic-cdi-plugin.yaml"]
    kinds = [d.get("kind") for d in docs]
    need(kinds == ["Namespace", "DaemonSet"], f"plugin: expected a Namespace and a DaemonSet, got {kinds}")
    ns, ds = docs
    need(ds.get("apiVersion") == "apps/v1", "plugin: DaemonSet apiVersion apps/v1")
    need(ds["metadata"].get("namespace") == ns["metadata"]["name"], "plugin: DaemonSet in the Namespace defined")
    return ds


def check_plugin(f, o):
    ds = plugin_daemonset(f)
    spec = ds["spec"]
    labels = spec["template"]["metadata"].get("labels", {})
    need(spec["selector"]["matchLabels"].items() <= labels.items(), "plugin: selector does not match the template")
    pod = spec["template"]["spec"]
    vols = {v["name"]: v for v in pod.get("volumes", [])}
    (c,) = pod["containers"]
    mounts = {}
    for m in c.get("volumeMounts", []):
        need(m["name"] in vols, f"plugin: mount {m['name']} has no volume")
        host = vols[m["name"]].get("hostPath", {}).get("path")
        need(host == m["mountPath"], f"plugin: {m['name']} must mount the host path at the same path")
        mounts[m["mountPath"]] = m
    for d in ("/var/lib/kubelet/device-plugins", "/var/lib/kubelet/pod-resources"):
        need(d in mounts, f"plugin: needs the kubelet's {d}")
    (spec_file,) = c.get("args", [None])
    need(spec_file == os.path.join(o.cdidir, "gpucdi-nvidia.json"),
         f"plugin: must read {o.cdidir}/gpucdi-nvidia.json, the file gpucdi generate writes")
    need(mounts.get(os.path.dirname(spec_file), {}).get("readOnly") is True,
         "plugin: the spec directory must be mounted (read-only; the file is replaced on regeneration)")


def check_pod(f, o):
    docs = f["gpu-pod.yaml"]
    need(len(docs) == 1 and docs[0].get("kind") == "Pod" and docs[0].get("apiVersion") == "v1", "pod: one v1 Pod")
    spec = docs[0]["spec"]
    need(not spec.get("hostNetwork") and not spec.get("hostPID") and not spec.get("hostIPC"),
         "pod: host namespaces are refused by gpucdi-hook")
    need(spec.get("securityContext", {}).get("seccompProfile", {}).get("type") == "RuntimeDefault",
         "pod: seccompProfile RuntimeDefault (gpucdi-hook refuses GPU containers without seccomp)")
    offered = plugin_resources("nvidia.com/gpu", ["0", "1", "all", "GPU-ad534904-764e-e9f8-c1cb-0fa2ae372e33",
                                                   "0000:00:06.0"])
    for c in spec["containers"]:
        need(not c.get("securityContext", {}).get("privileged"), "pod: privileged GPU containers are refused")
        limits = c.get("resources", {}).get("limits", {})
        gpus = [r for r in limits if r.startswith("nvidia.com/")]
        need(gpus, "pod: no nvidia.com resource requested")
        for r in gpus:
            need(r in offered, f"pod: {r} is not a resource the plugin offers for gpucdi's spec")


CHECKS = [("containerd 1.7 and 2.x configs: CDI on, gpucdi's spec directories", check_containerd),
          ("CRI-O drop-in: gpucdi's spec and hooks.d directories", check_crio),
          ("systemd drop-in orders gpucdi-generate before the runtimes and the kubelet", check_unit),
          ("kubelet config: seccompDefault", check_kubelet),
          ("device plugin DaemonSet: kubelet sockets, gpucdi's spec file, same-path host mounts", check_plugin),
          ("GPU pod: a resource the plugin offers, settings gpucdi-hook accepts", check_pod)]

# One way to break each file, for --self-test.
BREAKS = [
    ("containerd 1.7 without enable_cdi",
     lambda f: f["containerd/config-1.7.toml"]["plugins"]["io.containerd.grpc.v1.cri"].pop("enable_cdi")),
    ("containerd 2.x without /etc/cdi",
     lambda f: f["containerd/config-2.x.toml"]["plugins"]["io.containerd.cri.v1.runtime"].update(cdi_spec_dirs=["/x"])),
    ("CRI-O without gpucdi's hooks.d", lambda f: f["crio/99-gpucdi.conf"]["crio"]["runtime"].update(hooks_dir=["/x"])),
    ("drop-in without kubelet.service",
     lambda f: f["systemd/gpucdi-generate.service.d/10-kubernetes.conf"].set("Unit", "Before", "containerd.service")),
    ("kubelet without seccompDefault", lambda f: f["kubelet/seccomp-default.yaml"][0].update(seccompDefault=False)),
    ("plugin reading another spec file",
     lambda f: f["generic-cdi-plugin.yaml"][1]["spec"]["template"]["spec"]["containers"][0].update(args=["/etc/cdi/x.json"])),
    ("plugin without the pod-resources socket",
     lambda f: f["generic-cdi-plugin.yaml"][1]["spec"]["template"]["spec"]["containers"][0]["volumeMounts"].pop(1)),
    ("pod asking for a PCI-address resource",
     lambda f: f["gpu-pod.yaml"][0]["spec"]["containers"][0]["resources"].update(limits={"nvidia.com/gpu-0000:00:06.0": 1})),
    ("pod without seccomp", lambda f: f["gpu-pod.yaml"][0]["spec"].pop("securityContext")),
]


def run_checks(files, o):
    failures = []
    for desc, fn in CHECKS:
        try:
            fn(files, o)
        except (Bad, KeyError, TypeError, ValueError) as e:
            failures.append((desc, f"{type(e).__name__}: {e}"))
    return failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("examples")
    ap.add_argument("--cdidir", required=True)
    ap.add_argument("--hooksdir", required=True)
    ap.add_argument("--unit-dir", required=True)
    ap.add_argument("--doc", required=True)
    ap.add_argument("--self-test", action="store_true")
    o = ap.parse_args()
    t = Tap()
    files = load(o.examples)
    if not o.self_test:
        try:
            check_inventory(o.examples, o.doc, files)
            t.ok(True, f"every file in {o.examples} is checked and described in {os.path.basename(o.doc)}")
        except Bad as e:
            t.ok(False, f"every file in {o.examples} is checked and described in {os.path.basename(o.doc)}", e)
        for desc, fn in CHECKS:
            try:
                fn(files, o)
                t.ok(True, desc)
            except (Bad, KeyError, TypeError, ValueError) as e:
                t.ok(False, desc, f"{type(e).__name__}: {e}")
        return t.done()
    for desc, brk in BREAKS:
        broken = copy.deepcopy(files)
        brk(broken)
        failures = run_checks(broken, o)
        t.ok(len(failures) == 1, f"caught: {desc}", f"failures: {failures}")
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
