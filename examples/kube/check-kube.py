#!/usr/bin/python3
"""Check a `podman kube play` YAML example: well-formed documents of the kinds kube play supports,
every container with an image, GPUs requested as CDI device names in resources.limits, volume
mounts that name declared volumes, claims that name declared PersistentVolumeClaims, and nothing
that breaks isolation (privileged, host namespaces, added capabilities). TAP output."""
import re
import sys

CDI_NAME = re.compile(r"^[A-Za-z]([A-Za-z0-9_.-]*[A-Za-z0-9])?/[A-Za-z]([A-Za-z0-9_-]*[A-Za-z0-9])?"
                      r"=[A-Za-z0-9]([A-Za-z0-9_.:-]*[A-Za-z0-9])?$")
KINDS = {"Pod", "Deployment", "PersistentVolumeClaim", "ConfigMap", "Secret", "DaemonSet", "Job"}
GPU_VENDORS = ("nvidia.com/", "amd.com/", "intel.com/")

n = 0
failed = False


def result(good, desc, detail=""):
    global n, failed
    n += 1
    failed |= not good
    print(f"{'ok' if good else 'not ok'} {n} - {desc}")
    if detail and not good:
        print(f"# {detail}")


def main(path):
    try:
        import yaml
    except ImportError:
        print("1..0 # SKIP python3-yaml is not installed")
        return 0
    try:
        docs = [d for d in yaml.safe_load_all(open(path)) if d is not None]
    except yaml.YAMLError as e:
        result(False, f"{path} parses as YAML", str(e).replace("\n", " "))
        print(f"1..{n}")
        return 1
    result(bool(docs), f"{path} parses as YAML ({len(docs)} documents)")
    kinds = [d.get("kind") for d in docs]
    result(all(k in KINDS for k in kinds), "every document is a kind kube play supports", str(kinds))
    claims = {d["metadata"]["name"] for d in docs if d.get("kind") == "PersistentVolumeClaim"}
    pods = [d for d in docs if d.get("kind") == "Pod"]
    result(bool(pods), "there is a Pod")
    gpus = []
    for pod in pods:
        name = pod["metadata"]["name"]
        spec = pod["spec"]
        host_ns = [k for k in ("hostNetwork", "hostPID", "hostIPC") if spec.get(k)]
        result(not host_ns, f"pod {name}: no host namespaces", str(host_ns))
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for v in volumes.values():
            claim = v.get("persistentVolumeClaim", {}).get("claimName")
            if claim is not None:
                result(claim in claims, f"pod {name}: volume {v['name']} claims a declared PersistentVolumeClaim", claim)
        for c in spec.get("containers", []):
            cname = f"pod {name}, container {c.get('name')}"
            result(bool(c.get("image")), f"{cname}: has an image")
            for m in c.get("volumeMounts", []):
                result(m["name"] in volumes, f"{cname}: mount {m['mountPath']} names a declared volume", m["name"])
            sc = c.get("securityContext", {})
            risky = [k for k in ("privileged",) if sc.get(k)] + sc.get("capabilities", {}).get("add", [])
            result(not risky, f"{cname}: not privileged, no added capabilities", str(risky))
            limits = (c.get("resources") or {}).get("limits") or {}
            for key, value in limits.items():
                if key.startswith(GPU_VENDORS):
                    gpus.append(key)
                    result(bool(CDI_NAME.match(key)) and value == 1,
                           f"{cname}: GPU limit '{key}' is a CDI device name with count 1", f"{key}: {value}")
    result(bool(gpus), "a GPU is requested through a CDI device name", "no nvidia.com/amd.com/intel.com limit")
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
