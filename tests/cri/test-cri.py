"""gpucdi's specs and hook under containerd's CRI, end to end (TAP).

    test-cri.py --gpucdi G --hook H --mkhost MKHOST --e2e-dir tests/e2e --proto-dir DIR
                --containerd-config examples/kubernetes/containerd/config-1.7.toml
                --pod examples/kubernetes/gpu-pod.yaml

Talks to containerd over the CRI socket as the kubelet does (gRPC, stubs generated from the vendored
CRI API excerpt into a temporary directory), with containerd started from the documented CDI
config plus this test's private root, state and socket. A fake two-GPU NVIDIA host (mkhost.py
--mknod, a compiled stub libcuda) gets its specs from `gpucdi generate` in /var/run/cdi, where the
documented DaemonSet writes them, with the hook built here. Images (FHS and Nix-like, built from
the build machine's glibc and busybox, plus a pause image) are imported as OCI archives: no
registry. The node policy is examples/kubernetes/gpucdi-policy.conf; the pod shares the node's
network namespace (no CNI), so the policy also allows ns-host-net. The pod spec's GPU request is
allocated as the documented device plugin does (resource nvidia.com/gpu-0: CDI nvidia.com/gpu=0).

Needs root, containerd, ctr, runc, a C compiler, static busybox and python3-grpcio/-grpc-tools;
skips visibly otherwise. Takes /tmp/gpucdi-engines.lock while containerd runs."""

import argparse
import contextlib
import fcntl
import glob
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from taplib import Tap, run  # noqa: E402

from crinode import cri_config, plugin_resources, toml_dumps  # noqa: E402

STUB = "cuda-stub: driver version 580159"
SPEC_DIR = "/var/run/cdi"
POLICY = "/etc/gpucdi/policy.conf"  # the hook's, from --policy-file
LOCK = "/tmp/gpucdi-engines.lock"
# What the kubelet sends for every container with the default procMount (Kubernetes'
# pkg/securitycontext: DefaultProcMount); containerd applies them as they are.
KUBELET_MASKED = ["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                  "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
                  "/sys/devices/virtual/powercap"]
KUBELET_READONLY = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
DEV_LIST = 'cd /dev && for f in nvidia*; do test -c "$f" && printf "%s " "$f"; done; echo'


def skip_all(why):
    print(f"1..0 # SKIP {why}", flush=True)
    sys.exit(0)


def missing_tools():
    for tool in ("containerd", "ctr", "runc", "patchelf", "readelf", "ldd", "ldconfig"):
        if not shutil.which(tool):
            return f"{tool} is not installed"
    if not shutil.which(os.environ.get("CC", "cc")):
        return "no C compiler"
    if not os.access("/bin/busybox", os.X_OK) or run(["ldd", "/bin/busybox"]).returncode == 0:
        return "/bin/busybox is missing or not static (busybox-static)"
    r = run(["containerd", "--version"])
    ver = r.stdout.split()[2].lstrip("v") if r.returncode == 0 and len(r.stdout.split()) > 2 else "?"
    try:
        if tuple(int(x) for x in ver.split("~")[0].split("-")[0].split(".")[:2]) < (1, 7):
            return f"containerd {ver}: CDI in the CRI plugin needs 1.7 or later"
    except ValueError:
        return f"cannot read containerd's version from {r.stdout.strip()!r}"
    try:
        import grpc  # noqa: F401
        import grpc_tools.protoc  # noqa: F401
    except ImportError:
        return "python3-grpcio and python3-grpc-tools are not installed"
    return None


# ---- images: OCI archives built from directories, imported with ctr

def layer_tar(root):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name in sorted(os.listdir(root)):
            t.add(os.path.join(root, name), arcname=name)
    return buf.getvalue()


def blob(out, data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(out, "blobs", "sha256", digest), "wb") as f:
        f.write(data)
    return f"sha256:{digest}", len(data)


def oci_archive(root, name, entrypoint, path):
    """An OCI image layout tarball of ROOT (one layer), named NAME for containerd."""
    with tempfile.TemporaryDirectory() as out:
        os.makedirs(os.path.join(out, "blobs", "sha256"))
        layer, lsize = blob(out, layer_tar(root))
        config = {"architecture": "amd64", "os": "linux",
                  "config": {"Entrypoint": entrypoint, "Env": ["PATH=/usr/bin:/bin"]},
                  "rootfs": {"type": "layers", "diff_ids": [layer]}}
        cdigest, csize = blob(out, json.dumps(config).encode())
        manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                               "digest": cdigest, "size": csize},
                    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                                "digest": layer, "size": lsize}]}
        mdigest, msize = blob(out, json.dumps(manifest).encode())
        index = {"schemaVersion": 2, "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": mdigest, "size": msize,
             "annotations": {"io.containerd.image.name": name,
                             "org.opencontainers.image.ref.name": name.rsplit(":", 1)[1]}}]}
        with open(os.path.join(out, "index.json"), "w") as f:
            json.dump(index, f)
        with open(os.path.join(out, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)
        with tarfile.open(path, "w") as t:
            for n in ("oci-layout", "index.json", "blobs"):
                t.add(os.path.join(out, n), arcname=n)


def build_rootfs(work, e2e_dir):
    """FHS and Nix-like root file systems as tests/e2e/podman-e2e.sh builds them; returns the
    (fhs, nix, pause) directories and the Nix image's probe and shell paths."""
    cc = os.environ.get("CC", "cc")
    b = os.path.join(work, "build")
    os.makedirs(b)
    for cmd in ([cc, "-O2", "-Wall", "-Werror", "-shared", "-fPIC", "-Wl,-soname,libcuda.so.1",
                 "-o", f"{b}/libcuda.so.1", f"{e2e_dir}/cudastub.c"],
                [cc, "-O2", "-Wall", "-Werror", "-o", f"{b}/cudaprobe", f"{e2e_dir}/cudaprobe.c",
                 f"-L{b}", "-l:libcuda.so.1"]):
        r = run(cmd)
        if r.returncode:
            raise RuntimeError(f"{' '.join(cmd)}: {r.stderr}")
    interp = None
    for line in run(["readelf", "-l", f"{b}/cudaprobe"]).stdout.splitlines():
        if "Requesting program interpreter:" in line:
            interp = line.split(":", 1)[1].strip().rstrip("]").strip()
    libs = []
    for line in run(["ldd", f"{b}/cudaprobe"], env={"LD_LIBRARY_PATH": b, "PATH": os.environ["PATH"]}).stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[2].startswith("/") and parts[0] != "libcuda.so.1":
            libs.append(parts[2])
    if not interp or not libs:
        raise RuntimeError("cannot find cudaprobe's interpreter and libraries")

    def busybox(bindir, applets):
        os.makedirs(bindir, exist_ok=True)
        shutil.copy("/bin/busybox", f"{bindir}/busybox")
        for a in applets:
            os.symlink("busybox", f"{bindir}/{a}")

    fhs = f"{work}/rootfs-fhs"
    for d in ("usr/bin", "lib/x86_64-linux-gnu", "lib64", "etc", "dev", "proc", "sys", "tmp", "run"):
        os.makedirs(f"{fhs}/{d}")
    applets = [a for a in run(["/bin/busybox", "--list"]).stdout.split() if a != "busybox"]
    busybox(f"{fhs}/bin", applets)
    shutil.copy(f"{b}/cudaprobe", f"{fhs}/usr/bin/cudaprobe")
    for lib in libs + [interp]:
        shutil.copy(lib, f"{fhs}/lib/x86_64-linux-gnu/")
    os.symlink(f"../lib/x86_64-linux-gnu/{os.path.basename(interp)}", f"{fhs}/lib64/{os.path.basename(interp)}")
    run(["ldconfig", "-r", fhs])

    nix = f"{work}/rootfs-nix"
    glibc = "/nix/store/8jbl4m1qkrsmzqz0q3x2l2yd7hsb3x8a-glibc-2.36"
    bbox = "/nix/store/0r4gcv5k3z1q9dw2s6n8ffm2ylqj7ghx-busybox-1.35.0"
    probe = "/nix/store/5w8n3pylkxs0m2rjq4r7c6b1hz9d0vfa-cudaprobe-1.0"
    for d in (f"{glibc}/lib", f"{probe}/bin", "/dev", "/proc", "/sys", "/tmp", "/etc"):
        os.makedirs(f"{nix}{d}")
    for lib in libs + [interp]:
        shutil.copy(lib, f"{nix}{glibc}/lib/")
    busybox(f"{nix}{bbox}/bin", ["sh", "ls", "cat", "test", "printf", "echo"])
    shutil.copy(f"{b}/cudaprobe", f"{nix}{probe}/bin/cudaprobe")
    r = run(["patchelf", "--set-interpreter", f"{glibc}/lib/{os.path.basename(interp)}",
             "--set-rpath", f"{glibc}/lib:/run/opengl-driver/lib", f"{nix}{probe}/bin/cudaprobe"])
    if r.returncode:
        raise RuntimeError(f"patchelf: {r.stderr}")

    pause = f"{work}/rootfs-pause"
    busybox(f"{pause}/bin", ["sleep"])
    for d in ("dev", "proc", "sys", "etc"):
        os.makedirs(f"{pause}/{d}")
    return fhs, nix, pause, f"{probe}/bin/cudaprobe", f"{bbox}/bin/sh", f"{b}/libcuda.so.1"


# ---- the CRI client

class Node:
    def __init__(self, pb, stubs, channel, work, state):
        self.pb = pb
        self.rt = stubs.RuntimeServiceStub(channel)
        self.img = stubs.ImageServiceStub(channel)
        self.work = work
        self.state = state
        self.containers = []
        self.sandboxes = []
        self.n = 0

    def sandbox(self, name):
        pb = self.pb
        logdir = os.path.join(self.work, "logs", name)
        os.makedirs(logdir)
        cfg = pb.PodSandboxConfig(
            metadata=pb.PodSandboxMetadata(name=name, uid=f"uid-{name}", namespace="gpucdi-test"),
            log_directory=logdir,  # no hostname: the node's UTS namespace
            linux=pb.LinuxPodSandboxConfig(security_context=pb.LinuxSandboxSecurityContext(
                # The node's network: no CNI plugin needed. Privileged, so that the test may
                # ask for privileged containers in it (the kubelet sets it the same way).
                namespace_options=pb.NamespaceOption(network=pb.NODE, pid=pb.CONTAINER, ipc=pb.POD),
                privileged=True)))
        sid = self.rt.RunPodSandbox(pb.RunPodSandboxRequest(config=cfg), timeout=60).pod_sandbox_id
        self.sandboxes.append(sid)
        return sid, cfg

    def create(self, sandbox, image, cmd, cdi=(), annotations=None, privileged=False, seccomp=True,
               mounts=()):
        pb = self.pb
        sid, scfg = sandbox
        self.n += 1
        name = f"c{self.n}"
        sc = pb.LinuxContainerSecurityContext(privileged=privileged, masked_paths=KUBELET_MASKED,
                                              readonly_paths=KUBELET_READONLY)
        if seccomp:
            # What a pod with securityContext.seccompProfile.type RuntimeDefault gets; the
            # kubelet sends no profile (Unconfined) unless asked to.
            sc.seccomp.CopyFrom(pb.SecurityProfile(profile_type=pb.SecurityProfile.RuntimeDefault))
        cfg = pb.ContainerConfig(
            metadata=pb.ContainerMetadata(name=name), image=pb.ImageSpec(image=image),
            command=cmd, log_path=f"{name}.log", annotations=annotations or {},
            CDI_devices=[pb.CDIDevice(name=d) for d in cdi],
            mounts=[pb.Mount(host_path=h, container_path=c, readonly=True) for h, c in mounts],
            linux=pb.LinuxContainerConfig(security_context=sc))
        cid = self.rt.CreateContainer(pb.CreateContainerRequest(
            pod_sandbox_id=sid, config=cfg, sandbox_config=scfg), timeout=60).container_id
        self.containers.append(cid)
        return cid, os.path.join(scfg.log_directory, f"{name}.log")

    def run(self, sandbox, image, cmd, **kw):
        """Create and start a container and wait for it to exit: (started, exit code, output);
        output is the container's log, or the runtime's error when it did not start."""
        import grpc
        try:
            cid, log = self.create(sandbox, image, cmd, **kw)
            self.rt.StartContainer(self.pb.StartContainerRequest(container_id=cid), timeout=60)
        except grpc.RpcError as e:
            return False, None, e.details()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            st = self.rt.ContainerStatus(self.pb.ContainerStatusRequest(container_id=cid), timeout=30).status
            if st.state == self.pb.CONTAINER_EXITED:
                return True, st.exit_code, read_log(log)
            time.sleep(0.05)
        return True, None, "container did not exit within 60 s\n" + read_log(log)

    def config_json(self, cid):
        return os.path.join(self.state, "io.containerd.runtime.v2.task", "k8s.io", cid, "config.json")

    def cleanup(self):
        pb = self.pb
        for cid in self.containers:
            with contextlib.suppress(Exception):
                self.rt.StopContainer(pb.StopContainerRequest(container_id=cid, timeout=0), timeout=30)
            with contextlib.suppress(Exception):
                self.rt.RemoveContainer(pb.RemoveContainerRequest(container_id=cid), timeout=30)
        for sid in self.sandboxes:
            with contextlib.suppress(Exception):
                self.rt.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=sid), timeout=30)
            with contextlib.suppress(Exception):
                self.rt.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=sid), timeout=30)


def read_log(path):
    """The container's output from its CRI log file ("TIME STREAM TAG TEXT" lines)."""
    try:
        with open(path) as f:
            return "".join(line.split(" ", 3)[3] if line.count(" ") >= 3 else line for line in f)
    except OSError as e:
        return f"(no log: {e})"


def gen_stubs(proto_dir, out):
    from grpc_tools import protoc
    import importlib
    os.makedirs(out)
    r = protoc.main(["protoc", f"-I{proto_dir}", f"--python_out={out}", f"--grpc_python_out={out}",
                     os.path.join(proto_dir, "api.proto")])
    if r != 0:
        raise RuntimeError(f"protoc failed on {proto_dir}/api.proto ({r})")
    sys.path.insert(0, out)
    return importlib.import_module("api_pb2"), importlib.import_module("api_pb2_grpc")


# ---- the node: containerd, specs, policy; everything it changes is put back

class Saved:
    """Moves files aside and puts them back (or removes what was made)."""

    def __init__(self, work):
        self.dir = os.path.join(work, "saved")
        os.makedirs(self.dir)
        self.items = []

    def take(self, path):
        keep = None
        if os.path.lexists(path):
            keep = os.path.join(self.dir, str(len(self.items)))
            shutil.move(path, keep)
        self.items.append((path, keep))

    def restore(self):
        for path, keep in reversed(self.items):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            if keep:
                shutil.move(keep, path)


def write_policy(text):
    os.makedirs(os.path.dirname(POLICY), mode=0o755, exist_ok=True)
    with open(POLICY, "w") as f:
        f.write(text)
    os.chmod(POLICY, 0o644)


def mounts_under(path):
    with open("/proc/self/mountinfo") as f:
        points = [line.split()[4] for line in f]
    return sorted((p for p in points if p == path or p.startswith(path + "/")), key=len, reverse=True)


def stop_process(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def stop_shims(work):
    """containerd's shims outlive it: end those of this run (their command line names our socket)."""
    for d in glob.glob("/proc/[0-9]*"):
        with contextlib.suppress(OSError):
            with open(f"{d}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
            if args and b"containerd-shim" in args[0] and any(work.encode() in a for a in args):
                os.kill(int(os.path.basename(d)), signal.SIGKILL)


def main():
    global POLICY
    ap = argparse.ArgumentParser()
    for o in ("--gpucdi", "--hook", "--mkhost", "--e2e-dir", "--proto-dir", "--containerd-config", "--pod"):
        ap.add_argument(o, required=True)
    ap.add_argument("--policy-file", default=POLICY, help="the policy file the hook was built to read")
    a = ap.parse_args()
    POLICY = a.policy_file
    if os.geteuid() != 0:
        skip_all("needs root: mknod of fixture nodes, specs in /var/run/cdi, containerd")
    why = missing_tools()
    if why:
        skip_all(why)

    lock = open(LOCK, "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    t = Tap()
    work = tempfile.mkdtemp(prefix="gpucdi-cri.", dir="/tmp")
    saved = Saved(work)
    made = [d for d in (SPEC_DIR, os.path.dirname(POLICY)) if not os.path.isdir(d)]
    proc = node = None
    try:
        # Only .ci's chroot or a test machine: the spec and policy files are put back afterwards.
        for v in ("nvidia", "amd", "intel"):
            saved.take(f"{SPEC_DIR}/gpucdi-{v}.json")
            saved.take(f"/etc/cdi/gpucdi-{v}.json")
        saved.take(POLICY)
        os.makedirs(SPEC_DIR, exist_ok=True)

        fhs, nix, pause, nix_probe, nix_sh, stub = build_rootfs(work, os.path.abspath(a.e2e_dir))
        host = os.path.join(work, "host")
        r = run([sys.executable, a.mkhost, "nvidia2", host, "--mknod", "--stub-libcuda", stub])
        if r.returncode:
            raise RuntimeError(f"mkhost: {r.stderr}")
        r = run([a.gpucdi, "generate", "--sysfs-root", f"{host}/sys", "--proc-root", f"{host}/proc",
                 "--dev-root", f"{host}/dev", "--host-root", f"{host}/root", "--hook-path", a.hook,
                 "--output-dir", SPEC_DIR])
        t.ok(r.returncode == 0, f"gpucdi generate --output-dir {SPEC_DIR} (fake two-GPU host)", r.stderr)
        with open(f"{SPEC_DIR}/gpucdi-nvidia.json") as f:
            spec = json.load(f)
        t.ok(spec.get("cdiVersion") == "0.5.0",
             "the spec declares the lowest cdiVersion its content needs (0.5.0: hostPath, names starting with a digit)",
             f"cdiVersion {spec.get('cdiVersion')}")
        # The documented policy for Kubernetes nodes (comments only: the defaults fit), plus
        # ns-host-net: this pod uses the node's network.
        with open(os.path.join(os.path.dirname(a.pod), "gpucdi-policy.conf")) as f:
            k8s_policy = f.read()
        policy_text = k8s_policy + "allow = ns-host-net\n"
        write_policy(policy_text)

        conf, state, sock = cri_config(a.containerd_config, work)
        t.ok(SPEC_DIR in conf["plugins"]["io.containerd.grpc.v1.cri"]["cdi_spec_dirs"],
             f"the documented containerd config reads {SPEC_DIR}")
        with open(f"{work}/containerd.toml", "w") as f:
            f.write(toml_dumps(conf))
        clog = open(f"{work}/containerd.log", "w")
        proc = subprocess.Popen(["containerd", "--config", f"{work}/containerd.toml"],
                                stdout=clog, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while not os.path.exists(sock) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        if not os.path.exists(sock):
            raise RuntimeError("containerd did not start:\n" + open(f"{work}/containerd.log").read()[-3000:])

        for root, name, entry in ((fhs, "gpucdi.test/fhs:1", ["/bin/sh"]), (nix, "gpucdi.test/nix:1", [nix_sh]),
                                  (pause, "gpucdi.test/pause:1", ["/bin/sleep", "2147483647"])):
            tar = f"{work}/{name.split('/')[1].replace(':', '-')}.tar"
            oci_archive(root, name, entry, tar)
            r = run(["ctr", "--address", sock, "-n", "k8s.io", "images", "import", "--snapshotter", "native", tar])
            if r.returncode:
                raise RuntimeError(f"ctr images import {name}: {r.stderr}")

        import grpc
        pb, stubs = gen_stubs(a.proto_dir, os.path.join(work, "stubs"))
        channel = grpc.insecure_channel(f"unix://{sock}")
        node = Node(pb, stubs, channel, work, state)
        v = node.rt.Version(pb.VersionRequest(), timeout=30)
        print(f"# {v.runtime_name} {v.runtime_version}, CRI {v.runtime_api_version}", flush=True)
        pod = node.sandbox("gpu-pod")
        fhs_img, nix_img = "gpucdi.test/fhs:1", "gpucdi.test/nix:1"
        started = time.monotonic()

        def expect(desc, want_started, pattern, *args, **kw):
            ok, code, out = node.run(pod, *args, **kw)
            good = ok == want_started and (code == 0 if want_started else True) and pattern in (out or "")
            t.ok(good, desc, f"started={ok} exit={code} expected {pattern!r} in:\n{out}")
            return out

        # -- the kubelet's way since 1.28: the CRI CDIDevices field
        expect("CDIDevices nvidia.com/gpu=0: the FHS image loads the driver's libcuda",
               True, f"{STUB}, 1 device", fhs_img, ["/usr/bin/cudaprobe"], cdi=["nvidia.com/gpu=0"])
        expect("CDIDevices nvidia.com/gpu=0: /dev/nvidia0 and the control nodes, not /dev/nvidia1",
               True, "nvidia-uvm nvidia-uvm-tools nvidia0 nvidiactl \n", fhs_img, ["/bin/sh", "-c", DEV_LIST],
               cdi=["nvidia.com/gpu=0"])
        expect("CDIDevices nvidia.com/gpu=1: the Nix image finds libcuda through RUNPATH /run/opengl-driver/lib",
               True, f"{STUB}, 1 device", nix_img, [nix_probe], cdi=["nvidia.com/gpu=1"])
        expect("CDIDevices nvidia.com/gpu=1: /dev/nvidia1 and not /dev/nvidia0",
               True, "nvidia-uvm nvidia-uvm-tools nvidia1 nvidiactl \n", nix_img, [nix_sh, "-c", DEV_LIST],
               cdi=["nvidia.com/gpu=1"])
        expect("CDIDevices nvidia.com/gpu=all: CUDA sees both GPUs",
               True, f"{STUB}, 2 device", nix_img, [nix_probe], cdi=["nvidia.com/gpu=all"])
        expect("driver files are mounted read-only", True, "read-only", fhs_img,
               ["/bin/sh", "-c", "if echo x >> /run/opengl-driver/lib/libcuda.so.1; then echo writable;"
                " else echo read-only; fi 2>/dev/null"], cdi=["nvidia.com/gpu=0"])
        # -- the documented pod, allocated as the documented device plugin does
        import yaml
        with open(a.pod) as f:
            podspec = yaml.safe_load(f)["spec"]
        offered = plugin_resources(spec["kind"], [d["name"] for d in spec["devices"]])
        wanted = [r for c in podspec["containers"] for r in c["resources"]["limits"]]
        t.ok(all(r in offered for r in wanted), f"the device plugin offers {wanted} for gpucdi's spec",
             f"offered: {sorted(offered)}")
        expect(f"{os.path.basename(a.pod)}: {wanted} as the plugin allocates it, with the pod's seccomp profile",
               True, f"{STUB}, 1 device", fhs_img, ["/usr/bin/cudaprobe"], cdi=[offered.get(r, r) for r in wanted],
               seccomp=podspec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault")
        # -- device plugins before 1.28 and containerd's older path: cdi.k8s.io/ annotations
        expect("annotation cdi.k8s.io/gpucdi=nvidia.com/gpu=1: the FHS image loads libcuda",
               True, f"{STUB}, 1 device", fhs_img, ["/usr/bin/cudaprobe"],
               annotations={"cdi.k8s.io/gpucdi": "nvidia.com/gpu=1"})
        expect("annotation cdi.k8s.io/gpucdi=nvidia.com/gpu=1: /dev/nvidia1 and not /dev/nvidia0",
               True, "nvidia-uvm nvidia-uvm-tools nvidia1 nvidiactl \n", fhs_img, ["/bin/sh", "-c", DEV_LIST],
               annotations={"cdi.k8s.io/gpucdi": "nvidia.com/gpu=1"})
        # -- no request: nothing of the GPU's
        expect("no CDI request: no GPU node in /dev", True, "\n", fhs_img, ["/bin/sh", "-c", DEV_LIST])
        ok, code, out = node.run(pod, nix_img, [nix_probe])
        t.ok(ok and code != 0 and "libcuda.so.1" in out, "no CDI request: the Nix image finds no libcuda.so.1",
             f"started={ok} exit={code}:\n{out}")
        ok, code, out = node.run(pod, fhs_img, ["/bin/true"], cdi=["nvidia.com/gpu=7"])
        t.ok(not ok and "nvidia.com/gpu=7" in out, "an unknown device name is refused by containerd",
             f"started={ok}:\n{out}")

        # -- the CDI-injected hook runs under containerd and refuses broken GPU containers
        out = expect("a privileged GPU container is refused by gpucdi-hook (rule privileged)",
                     False, "gpucdi", fhs_img, ["/bin/true"], cdi=["nvidia.com/gpu=0"], privileged=True)
        t.ok("privileged" in out, "the refusal names the rule", out)
        out = expect("a GPU container without a seccomp profile (the kubelet's default: Unconfined) is refused",
                     False, "seccomp-disabled", fhs_img, ["/bin/true"], cdi=["nvidia.com/gpu=0"], seccomp=False)
        out = expect("a GPU container with the host's /dev mounted is refused (mount-host-dev)",
                     False, "mount-host-dev", fhs_img, ["/bin/true"], cdi=["nvidia.com/gpu=0"],
                     mounts=[("/dev", "/host/dev")])
        write_policy(k8s_policy)
        expect("a GPU container in a hostNetwork pod is refused (ns-host-net, on by default)",
               False, "ns-host-net", fhs_img, ["/bin/true"], cdi=["nvidia.com/gpu=0"])
        write_policy("allow = ns-host-net\n")
        ok, code, out = node.run(pod, fhs_img, ["/bin/true"], cdi=["nvidia.com/gpu=0"])
        # The kubelet masks /proc/asound (podman makes it read-only) and leaves /sys/fs/selinux and
        # /sys/dev/block unmasked: the hook judges what each path gives, so its defaults pass.
        t.ok(ok and code == 0, "a GPU container with the kubelet's default masked and read-only paths starts "
             "under the default policy", out)
        write_policy(policy_text)

        # -- what the hook does not see under containerd: containers without a gpucdi device.
        # gpucdi check is told the fake host's /proc (a GPU driver is loaded) and /dev.
        for desc, privileged, src, rule in (
                ("a pod that mounts the node's /dev", False, "/dev", "mount-host-dev"),
                ("a privileged pod that mounts the GPU nodes", True, f"{host}/dev", "privileged")):
            cid, _ = node.create(pod, fhs_img, ["/bin/sleep", "60"], privileged=privileged,
                                 mounts=[(src, "/host/dev")])
            node.rt.StartContainer(pb.StartContainerRequest(container_id=cid), timeout=60)
            cfgpath = node.config_json(cid)
            with open(cfgpath) as f:
                cfg = json.load(f)
            prestart = [h["path"] for h in cfg.get("hooks", {}).get("prestart", [])]
            t.ok(a.hook not in prestart, f"gap: {desc} without a GPU request starts; the hook is not run",
                 f"prestart hooks: {prestart}")
            r = run([a.gpucdi, "check", cfgpath, "--proc-root", f"{host}/proc", "--dev-root", f"{host}/dev"])
            t.ok(r.returncode != 0 and rule in r.stdout + r.stderr,
                 f"gap: gpucdi check on its config.json says the hook would have refused it ({rule})",
                 f"exit {r.returncode}\n{r.stdout}{r.stderr}")
            node.rt.StopContainer(pb.StopContainerRequest(container_id=cid, timeout=0), timeout=30)
        print(f"# {len(node.containers)} containers through the CRI in {time.monotonic() - started:.1f} s", flush=True)

        with open(f"{work}/containerd.log") as f:
            cdi_lines = [line.strip() for line in f if "CDI devices from" in line]
        t.ok(any("CDIDevices" in line for line in cdi_lines) and any("annotations" in line for line in cdi_lines),
             "containerd logs CDI devices taken from both the CDIDevices field and the annotations",
             "\n".join(cdi_lines[:6]) or "no such lines")
    except Exception as e:  # everything below still runs: report what broke as a failure
        tail = ""
        with contextlib.suppress(OSError):
            with open(f"{work}/containerd.log") as f:
                tail = "".join(f.readlines()[-15:])
        t.ok(False, "the CRI test ran to its end", f"{type(e).__name__}: {e}\ncontainerd's log ends:\n{tail}")
    finally:
        if node:
            node.cleanup()
        if proc:
            stop_process(proc)
        stop_shims(work)
        saved.restore()
        for d in made:
            with contextlib.suppress(OSError):
                os.rmdir(d)
        for m in mounts_under(work):
            run(["umount", "-l", m])
        if mounts_under(work):
            print(f"# left {work} in place: mounts remain under it", flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)
        lock.close()
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
