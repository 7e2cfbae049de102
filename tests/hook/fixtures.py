"""Host paths a corpus case needs (sockets, directories, device nodes, files), created for a run when
missing and removed afterwards, and nothing else touched."""

import os
import socket
import stat


class Temporary:
    def __init__(self):
        self.created = []
        self.sockets = []

    def dir(self, path):
        missing = []
        p = path
        while not os.path.lexists(p):
            missing.append(p)
            p = os.path.dirname(p)
        for d in reversed(missing):
            os.mkdir(d)
            self.created.append(d)

    def socket(self, path):
        if os.path.lexists(path):
            return
        self.dir(os.path.dirname(path))
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        self.sockets.append(s)
        self.created.append(path)

    def node(self, path, major, minor, kind="c"):
        if not os.path.lexists(path):
            self.dir(os.path.dirname(path))
            os.mknod(path, 0o666 | (stat.S_IFCHR if kind == "c" else stat.S_IFBLK), os.makedev(major, minor))
            os.chmod(path, 0o666)
            self.created.append(path)

    def file(self, path, text="stub driver file\n", mode=0o755):
        if not os.path.lexists(path):
            self.dir(os.path.dirname(path))
            with open(path, "w") as f:
                f.write(text)
            os.chmod(path, mode)
            self.created.append(path)

    def cleanup(self):
        for s in self.sockets:
            s.close()
        for p in reversed(self.created):
            try:
                if os.path.isdir(p) and not os.path.islink(p):
                    os.rmdir(p)
                elif os.path.lexists(p):
                    os.unlink(p)
            except OSError:
                pass
        self.created, self.sockets = [], []


def standard(tmp):
    """The host paths the corpus cases name (see cases.txt): made when this host lacks them."""
    tmp.dir("/dev/dri")
    tmp.dir("/nix/store")
    tmp.socket("/run/podman/podman.sock")
    tmp.socket("/run/docker.sock")
    tmp.socket("/run/containerd/containerd.sock")
    tmp.dir("/run/cdi")


LOCK = "/tmp/gpucdi-engines.lock"


def engines_lock():
    """Hold the lock every podman/runc user of this host takes, unless a caller (`flock LOCK cmd`)
    already holds it for us: then its descriptor is among ours, and locking again would deadlock."""
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == LOCK:
                return None
        except OSError:
            pass
    import fcntl
    f = open(LOCK, "a")
    fcntl.flock(f, fcntl.LOCK_EX)
    return f
