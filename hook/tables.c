/* The hook's data. Each table says what a thing gives a container; nothing here is a default of
 * one engine version to compare against. */
#include "tables.h"

#include <linux/capability.h>
#include <string.h>

#include "config.h"
#include "util.h"

#define ANY 0xfffff

/* First match wins: exceptions come before the ranges that contain them. */
const struct dev_range dev_ranges[] = {
        /* GPUs */
        { 'c', 195, 195, 0, ANY, NULL, DEV_GPU, "NVIDIA GPU nodes" },
        { 'c', 226, 226, 0, ANY, NULL, DEV_GPU, "DRM nodes" },
        { 'c', 0, 0, 0, ANY, "nvidia-uvm", DEV_GPU, "NVIDIA UVM" },
        { 'c', 0, 0, 0, ANY, "nvidia-caps", DEV_GPU, "NVIDIA capabilities" },
        { 'c', 0, 0, 0, ANY, "nvidia-caps-imex-channels", DEV_GPU, "NVIDIA IMEX channels" },
        { 'c', 0, 0, 0, ANY, "nvidia-nvlink", DEV_GPU, "NVLink" },
        { 'c', 0, 0, 0, ANY, "nvidia-nvswitch", DEV_GPU, "NVSwitch" },
        { 'c', 0, 0, 0, ANY, "nvidia-frontend", DEV_GPU, "NVIDIA GPU nodes" },
        { 'c', 0, 0, 0, ANY, "nvidia", DEV_GPU, "NVIDIA GPU nodes" },
        { 'c', 0, 0, 0, ANY, "nvidiactl", DEV_GPU, "NVIDIA GPU nodes" },
        { 'c', 0, 0, 0, ANY, "kfd", DEV_GPU, "the AMD KFD node" },
        { 'c', 0, 0, 0, ANY, "drm", DEV_GPU, "DRM nodes" },
        /* memory and the kernel (1: mem) */
        { 'c', 1, 1, 1, 1, NULL, DEV_SENSITIVE, "physical memory" },
        { 'c', 1, 1, 2, 2, NULL, DEV_SENSITIVE, "kernel memory" },
        { 'c', 1, 1, 4, 4, NULL, DEV_SENSITIVE, "I/O ports" },
        { 'c', 1, 1, 11, 11, NULL, DEV_SENSITIVE, "the kernel log" },
        { 'c', 1, 1, 12, 12, NULL, DEV_SENSITIVE, "the crashed kernel's memory" },
        /* terminals: 5:0 (/dev/tty, the caller's own) and 5:2 (ptmx) are harmless; host ptys
         * (136-143) are reached only through the host's devpts, judged by path */
        { 'c', 4, 4, 0, ANY, NULL, DEV_SENSITIVE, "a virtual console or serial port" },
        { 'c', 5, 5, 1, 1, NULL, DEV_SENSITIVE, "the system console" },
        { 'c', 5, 5, 64, ANY, NULL, DEV_SENSITIVE, "a serial port" },
        { 'c', 7, 7, 0, ANY, NULL, DEV_SENSITIVE, "virtual console contents" },
        { 'c', 166, 166, 0, ANY, NULL, DEV_SENSITIVE, "a USB modem (ttyACM)" },
        { 'c', 188, 188, 0, ANY, NULL, DEV_SENSITIVE, "a USB serial port" },
        { 'c', 204, 204, 0, ANY, NULL, DEV_SENSITIVE, "a serial port (ttyAMA ...)" },
        { 'c', 0, 0, 0, ANY, "ttyS", DEV_SENSITIVE, "a serial port" },
        { 'c', 0, 0, 0, ANY, "ttyAMA", DEV_SENSITIVE, "a serial port" },
        /* misc (10): listed minors only; fuse (229), tun (200), kvm (232), vhost-net (238),
         * hwrng (183), cpu_dma_latency (62) are harmless */
        { 'c', 10, 10, 1, 1, NULL, DEV_SENSITIVE, "the PS/2 mouse" },
        { 'c', 10, 10, 126, 126, NULL, DEV_SENSITIVE, "userfaultfd: a kernel exploit primitive" },
        { 'c', 10, 10, 130, 130, NULL, DEV_SENSITIVE, "the watchdog: closing it reboots the host" },
        { 'c', 10, 10, 144, 144, NULL, DEV_SENSITIVE, "firmware NVRAM" },
        { 'c', 10, 10, 196, 196, NULL, DEV_SENSITIVE, "VFIO: PCI device passthrough with DMA" },
        { 'c', 10, 10, 223, 223, NULL, DEV_SENSITIVE, "uinput: keystroke injection" },
        { 'c', 10, 10, 224, 224, NULL, DEV_SENSITIVE, "the TPM" },
        { 'c', 10, 10, 227, 227, NULL, DEV_SENSITIVE, "machine check log" },
        { 'c', 10, 10, 231, 231, NULL, DEV_SENSITIVE, "the hibernation image" },
        { 'c', 10, 10, 234, 234, NULL, DEV_SENSITIVE, "btrfs control" },
        { 'c', 10, 10, 235, 235, NULL, DEV_SENSITIVE, "autofs control" },
        { 'c', 10, 10, 236, 236, NULL, DEV_SENSITIVE, "device-mapper control" },
        { 'c', 10, 10, 237, 237, NULL, DEV_SENSITIVE, "loop device control" },
        { 'c', 10, 10, 242, 242, NULL, DEV_SENSITIVE, "rfkill: the host's radios" },
        /* hardware reached around the kernel */
        { 'c', 9, 9, 0, ANY, NULL, DEV_SENSITIVE, "SCSI tape" },
        { 'c', 13, 13, 0, ANY, NULL, DEV_SENSITIVE, "input devices (keyboards, mice)" },
        { 'c', 21, 21, 0, ANY, NULL, DEV_SENSITIVE, "SCSI generic: raw disk commands" },
        { 'c', 29, 29, 0, ANY, NULL, DEV_SENSITIVE, "a framebuffer: the host's screen" },
        { 'c', 89, 89, 0, ANY, NULL, DEV_SENSITIVE, "I2C buses" },
        { 'c', 90, 90, 0, ANY, NULL, DEV_SENSITIVE, "MTD flash" },
        { 'c', 180, 180, 0, ANY, NULL, DEV_SENSITIVE, "raw USB devices" },
        { 'c', 189, 189, 0, ANY, NULL, DEV_SENSITIVE, "raw USB devices" },
        { 'c', 202, 202, 0, ANY, NULL, DEV_SENSITIVE, "CPU model-specific registers" },
        { 'c', 203, 203, 0, ANY, NULL, DEV_SENSITIVE, "CPUID of host CPUs" },
        { 'c', 0, 0, 0, ANY, "watchdog", DEV_SENSITIVE, "the watchdog: closing it reboots the host" },
        { 'c', 0, 0, 0, ANY, "vfio", DEV_SENSITIVE, "VFIO: PCI device passthrough with DMA" },
        { 'c', 0, 0, 0, ANY, "uio", DEV_SENSITIVE, "userspace I/O: device registers and DMA" },
        { 'c', 0, 0, 0, ANY, "bsg", DEV_SENSITIVE, "SCSI generic: raw disk commands" },
        { 'c', 0, 0, 0, ANY, "nvme", DEV_SENSITIVE, "NVMe admin commands" },
        { 'c', 0, 0, 0, ANY, "nvme-generic", DEV_SENSITIVE, "NVMe admin commands" },
        { 'c', 0, 0, 0, ANY, "mei", DEV_SENSITIVE, "the Intel management engine" },
        { 'c', 0, 0, 0, ANY, "tpm", DEV_SENSITIVE, "the TPM" },
        { 'c', 0, 0, 0, ANY, "tpmrm", DEV_SENSITIVE, "the TPM" },
        { 'c', 0, 0, 0, ANY, "ipmidev", DEV_SENSITIVE, "the BMC (IPMI)" },
        { 'c', 0, 0, 0, ANY, "hidraw", DEV_SENSITIVE, "raw HID devices" },
        { 'c', 0, 0, 0, ANY, "dax", DEV_SENSITIVE, "persistent memory" },
        { 'c', 0, 0, 0, ANY, "mtd", DEV_SENSITIVE, "MTD flash" },
        { 'c', 0, 0, 0, ANY, "gpiochip", DEV_SENSITIVE, "GPIO lines" },
        { 'c', 0, 0, 0, ANY, "drm_dp_aux", DEV_SENSITIVE, "DisplayPort AUX channels" },
        { 'c', 0, 0, 0, ANY, "ndctl", DEV_SENSITIVE, "NVDIMM control" },
        { 'c', 0, 0, 0, ANY, "dimmctl", DEV_SENSITIVE, "NVDIMM control" },
        { 'c', 0, 0, 0, ANY, "cxl", DEV_SENSITIVE, "CXL memory devices" },
        /* every block device is a host disk, partition, loop or mapper volume */
        { 'b', 0, 0xfff, 0, ANY, NULL, DEV_SENSITIVE, "a block device: raw access to host disks" },
};
const size_t dev_ranges_count = ELEMENTSOF(dev_ranges);

bool dev_major_dynamic(int64_t major) {
        return (major >= 234 && major <= 254) || (major >= 384 && major <= 511);
}

/* fuse, tun, kvm, vhost-net, vsock, hw_random, cpu_dma_latency: harmless, not listed */
const struct misc_device misc_devices[] = {
        { "psaux", "the PS/2 mouse" },
        { "userfaultfd", "userfaultfd: a kernel exploit primitive" },
        { "watchdog", "the watchdog: closing it reboots the host" },
        { "nvram", "firmware NVRAM" },
        { "vfio", "VFIO: PCI device passthrough with DMA" },
        { "uinput", "uinput: keystroke injection" },
        { "tpm", "the TPM" },
        { "mcelog", "machine check log" },
        { "snapshot", "the hibernation image" },
        { "btrfs-control", "btrfs control" },
        { "autofs", "autofs control" },
        { "device-mapper", "device-mapper control" },
        { "loop-control", "loop device control" },
        { "rfkill", "rfkill: the host's radios" },
        { "hpet", "the HPET: hardware timer registers" },
};
const size_t misc_devices_count = ELEMENTSOF(misc_devices);

const struct node_major node_majors[] = {
        { "/dev/nvidia-uvm", "nvidia-uvm" },
        { "/dev/nvidia-uvm-tools", "nvidia-uvm" },
        { "/dev/nvidia-modeset", "nvidia-modeset" },
        { "/dev/nvidia-caps/nvidia-cap*", "nvidia-caps" },
        { "/dev/nvidia-caps-imex-channels/channel*", "nvidia-caps-imex-channels" },
        { "/dev/kfd", "kfd" },
};
const size_t node_majors_count = ELEMENTSOF(node_majors);

const char *const gpu_paths[] = { "/dev/nvidia*", "/dev/dri", "/dev/kfd" };
const size_t gpu_paths_count = ELEMENTSOF(gpu_paths);

/* Where the host's sysfs holds GPUs' writable attributes: the PCI and platform device trees
 * (remove, reset, BAR resource files), the buses' driver bind/unbind and rescan, and the GPU
 * drivers' module parameters. A writable bind of one of these, or of a directory above them, lets
 * a container that asked for no GPU reach every GPU. */
const char *const gpu_sysfs_paths[] = {
        "/sys/devices/pci*", "/sys/devices/platform", "/sys/bus/pci", "/sys/bus/platform",
        "/sys/module/nvidia*", "/sys/module/amdgpu", "/sys/module/i915", "/sys/module/xe",
        "/sys/module/nouveau", "/sys/module/radeon", "/sys/module/drm*",
};
const size_t gpu_sysfs_paths_count = ELEMENTSOF(gpu_sysfs_paths);

/* Hooks that hand out GPUs themselves, outside CDI and after gpucdi's check: NVIDIA's legacy
 * runtime hook (hooks.d oci-nvidia-hook.json), by the container's NVIDIA_VISIBLE_DEVICES. */
const char *const gpu_injecting_hooks[] = { "nvidia-container-runtime-hook", "nvidia-container-toolkit" };
const size_t gpu_injecting_hooks_count = ELEMENTSOF(gpu_injecting_hooks);

#define RO_BELOW(p, what) { p, M_PARENT_RO, false, "mount-kernel-fs", what ", writable below a read-only recursive bind" }

const struct path_rule path_rules[] = {
        { "/", M_EXACT, false, "mount-host-root", "the host's root filesystem" },
        { "/dev", M_EXACT, false, "mount-host-dev", "the host's /dev" },
        { "/dev/shm", M_UNDER, false, "ns-host-ipc", "the host's shared memory" },
        { "/dev/mqueue", M_UNDER, false, "ns-host-ipc", "the host's message queues" },
        { "/dev/nvidia*", M_UNDER, false, "gpu-not-requested", "host NVIDIA nodes" },
        { "/dev/dri", M_UNDER, false, "gpu-not-requested", "host DRM nodes" },
        { "/dev/kfd", M_UNDER, false, "gpu-not-requested", "the host's AMD KFD node" },
        { "/dev/pts", M_UNDER, false, "host-device-sensitive", "the host's terminals" },
        { "/dev/console", M_EXACT, false, "host-device-sensitive", "the system console" },
        { "/dev/tty[0-9]*", M_EXACT, false, "host-device-sensitive", "a virtual console" },
        { "/dev/vcs*", M_EXACT, false, "host-device-sensitive", "virtual console contents" },
        { "/dev/ttyS*", M_EXACT, false, "host-device-sensitive", "a serial port" },
        { "/dev/ttyUSB*", M_EXACT, false, "host-device-sensitive", "a serial port" },
        { "/dev/ttyACM*", M_EXACT, false, "host-device-sensitive", "a serial port" },
        { "/dev/fb*", M_EXACT, false, "host-device-sensitive", "a framebuffer" },
        { "/dev/userfaultfd", M_EXACT, false, "host-device-sensitive", "userfaultfd" },
        { "/dev/disk", M_UNDER, false, "host-device-sensitive", "host disks" },
        { "/dev/mapper", M_UNDER, false, "host-device-sensitive", "host device-mapper volumes" },
        { "/dev/input", M_UNDER, false, "host-device-sensitive", "host input devices" },
        { "/dev/bus", M_UNDER, false, "host-device-sensitive", "host USB devices" },
        { "/dev/vfio", M_UNDER, false, "host-device-sensitive", "VFIO" },
        { "/dev/cpu", M_UNDER, false, "host-device-sensitive", "CPU registers" },
        { "/dev/mem", M_EXACT, false, "host-device-sensitive", "physical memory" },
        { "/dev/kmem", M_EXACT, false, "host-device-sensitive", "kernel memory" },
        { "/dev/port", M_EXACT, false, "host-device-sensitive", "I/O ports" },
        { "/dev/kmsg", M_EXACT, false, "host-device-sensitive", "the kernel log" },
        { "/dev/sd*", M_EXACT, false, "host-device-sensitive", "a host disk" },
        { "/dev/nvme*", M_EXACT, false, "host-device-sensitive", "a host disk" },
        { "/dev/vd*", M_EXACT, false, "host-device-sensitive", "a host disk" },
        { "/dev/loop*", M_EXACT, false, "host-device-sensitive", "a loop device" },
        { "/dev/dm-*", M_EXACT, false, "host-device-sensitive", "a device-mapper volume" },
        { "/dev/watchdog*", M_EXACT, false, "host-device-sensitive", "the watchdog" },
        { "/proc", M_UNDER, false, "mount-host-proc", "the host's /proc" },
        { "/sys/kernel/debug", M_UNDER, false, "mount-kernel-fs", "debugfs" },
        { "/sys/kernel/tracing", M_UNDER, false, "mount-kernel-fs", "tracefs" },
        { "/sys/kernel/security", M_UNDER, false, "mount-kernel-fs", "securityfs" },
        { "/sys/kernel/config", M_UNDER, false, "mount-kernel-fs", "configfs" },
        { "/sys/fs/bpf", M_UNDER, false, "mount-kernel-fs", "pinned BPF objects" },
        { "/sys/firmware/efi/efivars", M_UNDER, false, "mount-kernel-fs", "EFI variables" },
        { "/sys/fs/pstore", M_UNDER, false, "mount-kernel-fs", "pstore" },
        RO_BELOW("/sys/kernel/debug", "debugfs"),
        RO_BELOW("/sys/kernel/tracing", "tracefs"),
        RO_BELOW("/sys/kernel/security", "securityfs"),
        RO_BELOW("/sys/kernel/config", "configfs"),
        RO_BELOW("/sys/fs/bpf", "bpffs"),
        RO_BELOW("/sys/fs/cgroup", "the host's cgroup tree"),
        RO_BELOW("/sys/fs/pstore", "pstore"),
        RO_BELOW("/sys/firmware/efi/efivars", "EFI variables"),
        { "/sys", M_UNDER, true, "mount-sys-writable", "the host's /sys" },
        /* gpucdi's own trust anchors: the specs podman reads, the hooks it runs, the policy */
        { "/etc/cdi", M_COVERS, true, "mount-gpucdi-writable", "CDI specs" },
        { "/run/cdi", M_COVERS, true, "mount-gpucdi-writable", "CDI specs" },
        { GPUCDI_CDI_DIR, M_COVERS, true, "mount-gpucdi-writable", "CDI specs" },
        { GPUCDI_STATE_DIR, M_COVERS, true, "mount-gpucdi-writable", "gpucdi's state" },
        { GPUCDI_POLICY_FILE, M_COVERS, true, "mount-gpucdi-writable", "the hook's policy" },
        { GPUCDI_HOOK_PATH, M_COVERS, true, "mount-gpucdi-writable", "the gpucdi hook" },
        { "/usr/share/containers/oci/hooks.d", M_COVERS, true, "mount-gpucdi-writable", "OCI hooks" },
        { "/etc/containers/oci/hooks.d", M_COVERS, true, "mount-gpucdi-writable", "OCI hooks" },
        { "/etc", M_EXACT, false, "mount-host-etc", "the host's /etc" },
        { "/etc", M_UNDER, true, "mount-host-etc", "a host configuration file" },
        { "/etc/shadow", M_EXACT, false, "mount-host-etc", "host password hashes" },
        { "/etc/shadow-", M_EXACT, false, "mount-host-etc", "host password hashes" },
        { "/etc/gshadow", M_EXACT, false, "mount-host-etc", "host password hashes" },
        { "/etc/gshadow-", M_EXACT, false, "mount-host-etc", "host password hashes" },
        { "/etc/sudoers", M_EXACT, false, "mount-host-etc", "sudo rules" },
        { "/etc/sudoers.d", M_UNDER, false, "mount-host-etc", "sudo rules" },
        { "/etc/ssh", M_UNDER, false, "mount-host-etc", "SSH host keys" },
        { "/etc/ssl/private", M_UNDER, false, "mount-host-etc", "TLS private keys" },
        { "/etc/krb5.keytab", M_EXACT, false, "mount-host-etc", "Kerberos keys" },
        { "/etc/kubernetes", M_UNDER, false, "mount-host-etc", "Kubernetes credentials" },
        { "/etc/rancher", M_UNDER, false, "mount-host-etc", "k3s/rke2 credentials" },
        { "/etc/NetworkManager/system-connections", M_UNDER, false, "mount-host-etc", "network secrets" },
        { "/etc/wireguard", M_UNDER, false, "mount-host-etc", "WireGuard keys" },
        /* engines and daemons that start privileged work on request */
        { "/run/podman", M_COVERS, false, "mount-engine-socket", "the podman API socket" },
        { "/run/user/*/podman", M_COVERS, false, "mount-engine-socket", "a rootless podman API socket" },
        /* root's own session: its systemd --user and session bus take the container's uid 0 as their owner */
        { "/run/user/0", M_COVERS, false, "mount-engine-socket", "root's session (systemd --user, D-Bus)" },
        { "/run/docker.sock", M_COVERS, false, "mount-engine-socket", "the docker socket" },
        { "/run/user/*/docker.sock", M_COVERS, false, "mount-engine-socket", "a rootless docker socket" },
        { "/run/docker", M_COVERS, false, "mount-engine-socket", "docker's runtime directory" },
        { "/run/containerd", M_COVERS, false, "mount-engine-socket", "the containerd socket" },
        { "/run/user/*/containerd-rootless", M_COVERS, false, "mount-engine-socket", "rootless containerd" },
        { "/run/k3s", M_COVERS, false, "mount-engine-socket", "k3s/rke2's containerd socket" },
        { "/run/crio", M_COVERS, false, "mount-engine-socket", "the CRI-O socket" },
        { "/run/buildkit", M_COVERS, false, "mount-engine-socket", "the buildkit socket" },
        { "/run/user/*/buildkit", M_COVERS, false, "mount-engine-socket", "a rootless buildkit socket" },
        { "/run/libvirt", M_COVERS, false, "mount-engine-socket", "the libvirt sockets" },
        { "/run/snapd.socket", M_COVERS, false, "mount-engine-socket", "the snapd socket" },
        { "/run/snapd-snap.socket", M_COVERS, false, "mount-engine-socket", "the snapd socket" },
        { "/run/incus", M_COVERS, false, "mount-engine-socket", "incus" },
        { "/var/lib/incus", M_COVERS, false, "mount-engine-socket", "incus's socket and storage" },
        { "/var/lib/lxd", M_COVERS, false, "mount-engine-socket", "lxd's socket and storage" },
        { "/var/snap/lxd/common/lxd", M_COVERS, false, "mount-engine-socket", "lxd's socket and storage" },
        { "/var/lib/docker", M_COVERS, false, "mount-engine-socket", "docker's storage" },
        { "/var/lib/containerd", M_COVERS, false, "mount-engine-socket", "containerd's storage" },
        { "/var/lib/rancher", M_COVERS, false, "mount-engine-socket", "k3s/rke2's storage and credentials" },
        { "/var/lib/crio", M_COVERS, false, "mount-engine-socket", "CRI-O's storage" },
        { "/var/lib/kubelet", M_COVERS, false, "mount-engine-socket", "the kubelet's device-plugin socket, credentials and pods" },
        { "/var/lib/containers/storage", M_ABOVE, false, "mount-engine-socket", "podman's storage" },
        { "/var/lib/containers/storage/overlay", M_UNDER, false, "mount-engine-socket", "other containers' layers", true },
        { "/var/lib/containers/storage/overlay-images", M_UNDER, false, "mount-engine-socket", "podman's images" },
        { "/var/lib/containers/storage/overlay-layers", M_UNDER, false, "mount-engine-socket", "podman's layers" },
        { "/var/lib/containers/storage/vfs", M_UNDER, false, "mount-engine-socket", "other containers' layers (vfs)" },
        { "/var/lib/containers/storage/btrfs", M_UNDER, false, "mount-engine-socket", "other containers' layers (btrfs)" },
        { "/var/lib/containers/storage/zfs", M_UNDER, false, "mount-engine-socket", "other containers' layers (zfs)" },
        { "/var/lib/containers/storage/volumes", M_ABOVE, false, "mount-engine-socket", "every named volume" },
        { "/var/lib/containers/storage/libpod", M_UNDER, false, "mount-engine-socket", "podman's database" },
        { "/run/containers/storage", M_ABOVE, false, "mount-engine-socket", "podman's run directory" },
        { "/run/dbus/system_bus_socket", M_COVERS, false, "mount-engine-socket", "the system D-Bus (systemd as root)" },
        { "/run/systemd/private", M_COVERS, false, "mount-engine-socket", "systemd's private socket" },
        { "/nix/var/nix/daemon-socket", M_COVERS, false, "mount-engine-socket", "the Nix daemon socket" },
        { "/nix/store", M_COVERS, true, "mount-nix-store-writable", "the Nix store" },
        { "/nix/var/nix/db", M_COVERS, true, "mount-nix-store-writable", "the Nix database" },
        { "/usr", M_UNDER, true, "mount-host-system-writable", "host programs and libraries" },
        { "/bin", M_UNDER, true, "mount-host-system-writable", "host programs" },
        { "/sbin", M_UNDER, true, "mount-host-system-writable", "host programs" },
        { "/lib", M_UNDER, true, "mount-host-system-writable", "host libraries" },
        { "/lib32", M_UNDER, true, "mount-host-system-writable", "host libraries" },
        { "/lib64", M_UNDER, true, "mount-host-system-writable", "host libraries" },
        { "/libx32", M_UNDER, true, "mount-host-system-writable", "host libraries" },
        { "/boot", M_UNDER, true, "mount-host-system-writable", "the host's kernels" },
        { "/opt", M_UNDER, true, "mount-host-system-writable", "host programs" },
        { "/root", M_UNDER, true, "mount-host-system-writable", "root's home" },
        { "/var", M_EXACT, true, "mount-host-system-writable", "the host's /var" },
        { "/var/lib", M_EXACT, true, "mount-host-system-writable", "the host's /var/lib" },
        { "/home", M_EXACT, true, "mount-host-system-writable", "every home directory" },
        /* what the host runs as root later: crontabs and at jobs, package maintainer scripts */
        { "/var/spool/cron", M_COVERS, true, "mount-host-system-writable", "cron and at jobs" },
        { "/var/spool/at", M_COVERS, true, "mount-host-system-writable", "at jobs" },
        { "/var/lib/dpkg", M_COVERS, true, "mount-host-system-writable", "dpkg's maintainer scripts" },
        { "/var/lib/rpm", M_COVERS, true, "mount-host-system-writable", "rpm's database and scriptlets" },
};
const size_t path_rules_count = ELEMENTSOF(path_rules);

const char *const engine_rootfs_patterns[] = {
        "*/containers/storage/overlay/*/merged",      /* podman, rootful and rootless */
        "*/containers/storage/vfs/dir/*",
        "*/containers/storage/btrfs/subvolumes/*",
        "*/containers/storage/zfs/graph/*",
        "/var/lib/docker/overlay2/*/merged",
        "*/io.containerd.runtime.v2.task/*/*/rootfs", /* containerd, k3s, rke2 */
        "/run/crio/*",
};
const size_t engine_rootfs_patterns_count = ELEMENTSOF(engine_rootfs_patterns);

const struct image_store image_stores[] = {
        { "overlay", "merged", "overlay-images/images.json" },
};
const size_t image_stores_count = ELEMENTSOF(image_stores);

const char *const harmless_sockets[] = {
        "/run/systemd/journal/socket", "/run/systemd/journal/stdout", "/run/systemd/journal/dev-log",
        "/run/systemd/notify", "/run/nscd/socket", "/run/avahi-daemon/socket",
        /* the container's own directory: podman --sdnotify=container (Quadlet Notify=container)
         * binds userdata/notify/notify.sock from here */
        "/run/containers/storage/*-containers/*/userdata",
};
const size_t harmless_sockets_count = ELEMENTSOF(harmless_sockets);

const struct fstype_rule fstype_rules[] = {
        { "tmpfs", FS_OK, NULL, NULL },
        { "ramfs", FS_OK, NULL, NULL },
        { "mqueue", FS_OK, NULL, NULL },
        { "devpts", FS_OK, NULL, NULL },          /* a new instance (kernel >= 4.7) */
        { "hugetlbfs", FS_OK, NULL, NULL },
        { "proc", FS_PROC, "mount-proc-extra", "a proc filesystem outside /proc, where no path is masked" },
        { "sysfs", FS_RO, "mount-sys-writable", "sysfs mounted read-write" },
        /* runc mounts cgroup2 for "cgroup" on a unified host (podman --systemd on cgroup v2) */
        { "cgroup", FS_RO, "mount-sys-writable", "cgroup v1 mounted read-write (release_agent escape)", "cgroup2" },
        { "cgroup2", FS_RO_OWN_NS, "mount-sys-writable", "the host's cgroup tree mounted read-write" },
        { "devtmpfs", FS_REFUSED, "mount-host-dev", "devtmpfs (every host device node)" },
        { "debugfs", FS_REFUSED, "mount-kernel-fs", "debugfs" },
        { "tracefs", FS_REFUSED, "mount-kernel-fs", "tracefs" },
        { "securityfs", FS_REFUSED, "mount-kernel-fs", "securityfs" },
        { "configfs", FS_REFUSED, "mount-kernel-fs", "configfs" },
        { "bpf", FS_REFUSED, "mount-kernel-fs", "bpffs" },
        { "efivarfs", FS_REFUSED, "mount-kernel-fs", "EFI variables" },
        { "pstore", FS_REFUSED, "mount-kernel-fs", "pstore" },
};
const size_t fstype_rules_count = ELEMENTSOF(fstype_rules);

/* Allowed: podman's default set, then extras that act only inside the container's own
 * namespaces or on its own resources. */
const struct cap_class cap_classes[] = {
        { CAP_CHOWN, NULL, "podman default" },
        { CAP_DAC_OVERRIDE, NULL, "podman default" },
        { CAP_FOWNER, NULL, "podman default" },
        { CAP_FSETID, NULL, "podman default" },
        { CAP_KILL, NULL, "podman default" },
        { CAP_NET_BIND_SERVICE, NULL, "podman default" },
        { CAP_SETFCAP, NULL, "podman default" },
        { CAP_SETGID, NULL, "podman default" },
        { CAP_SETPCAP, NULL, "podman default" },
        { CAP_SETUID, NULL, "podman default" },
        { CAP_SYS_CHROOT, NULL, "podman default" },
        { CAP_AUDIT_WRITE, NULL, "docker default: writes audit records, reads nothing" },
        { CAP_MKNOD, NULL, "docker default: the device cgroup still decides what opens" },
        { CAP_NET_RAW, NULL, "docker default: raw sockets in the container's network namespace" },
        { CAP_IPC_LOCK, NULL, "mlock for RDMA/NCCL pinned memory; bounded by the memory cgroup" },
        { CAP_IPC_OWNER, NULL, "IPC permission checks inside the container's IPC namespace" },
        { CAP_SYS_NICE, NULL, "scheduling priority of the container's own processes" },
        { CAP_SYS_RESOURCE, NULL, "raises its own rlimits; cgroups still bound it" },
        { CAP_LEASE, NULL, "file leases on files it can open" },
        { CAP_WAKE_ALARM, NULL, "timers that wake the system" },
        { CAP_BLOCK_SUSPEND, NULL, "keeps the system awake" },
        { CAP_NET_BROADCAST, NULL, "unused by the kernel" },
        { CAP_SYS_TTY_CONFIG, NULL, "vhangup and tty ioctls on terminals it can already open" },
        { CAP_SYS_ADMIN, "cap-sys-admin", NULL },
        { CAP_SYS_MODULE, "cap-sys-module", NULL },
        { CAP_SYS_RAWIO, "cap-sys-rawio", NULL },
        { CAP_SYS_PTRACE, "cap-sys-ptrace", NULL },
        { CAP_DAC_READ_SEARCH, "cap-dac-read-search", NULL },
        { CAP_BPF, "cap-bpf", NULL },
        { CAP_PERFMON, "cap-perfmon", NULL },
        { CAP_SYS_BOOT, "cap-sys-boot", NULL },
        { CAP_NET_ADMIN, "cap-net-admin", NULL },
        { CAP_SYS_TIME, "cap-sys-time", NULL },
        { CAP_SYSLOG, "cap-syslog", NULL },
        { CAP_MAC_ADMIN, "cap-mac-admin", NULL },
        { CAP_MAC_OVERRIDE, "cap-mac-override", NULL },
        /* CAP_LINUX_IMMUTABLE, CAP_SYS_PACCT, CAP_AUDIT_CONTROL, CAP_AUDIT_READ,
         * CAP_CHECKPOINT_RESTORE and unknown names: CAP_OTHER_RULE */
};
const size_t cap_classes_count = ELEMENTSOF(cap_classes);

/* The capability with which the default profiles allow it too (measured: podman 4.3's profile as
 * written for --cap-add X): then the capability's own rule speaks, not this one. */
#define NOCAP -1
const struct denied_syscall denied_syscalls[] = {
        { "bpf", CAP_SYS_ADMIN, CAP_BPF },
        { "perf_event_open", CAP_SYS_ADMIN, CAP_PERFMON },
        { "fanotify_init", CAP_SYS_ADMIN, NOCAP },
        { "lookup_dcookie", CAP_SYS_ADMIN, NOCAP },
        { "quotactl", CAP_SYS_ADMIN, NOCAP },
        { "init_module", CAP_SYS_MODULE, NOCAP },
        { "finit_module", CAP_SYS_MODULE, NOCAP },
        { "delete_module", CAP_SYS_MODULE, NOCAP },
        { "query_module", CAP_SYS_MODULE, NOCAP },
        { "create_module", CAP_SYS_MODULE, NOCAP },
        { "get_kernel_syms", CAP_SYS_MODULE, NOCAP },
        { "kexec_load", CAP_SYS_BOOT, NOCAP },
        { "kexec_file_load", CAP_SYS_BOOT, NOCAP },
        { "open_by_handle_at", CAP_DAC_READ_SEARCH, NOCAP },
        { "iopl", CAP_SYS_RAWIO, NOCAP },
        { "ioperm", CAP_SYS_RAWIO, NOCAP },
        { "pciconfig_iobase", CAP_SYS_RAWIO, NOCAP },
        { "pciconfig_read", CAP_SYS_RAWIO, NOCAP },
        { "pciconfig_write", CAP_SYS_RAWIO, NOCAP },
        { "kcmp", CAP_SYS_PTRACE, NOCAP },
        { "settimeofday", CAP_SYS_TIME, NOCAP },
        { "clock_settime", CAP_SYS_TIME, NOCAP },
        { "clock_settime64", CAP_SYS_TIME, NOCAP },
        { "stime", CAP_SYS_TIME, NOCAP },
        { "acct", CAP_SYS_PACCT, NOCAP },
        { "move_pages", CAP_SYS_NICE, NOCAP },
        { "migrate_pages", CAP_SYS_NICE, NOCAP },
        { "add_key", NOCAP, NOCAP },
        { "request_key", NOCAP, NOCAP },
        { "userfaultfd", NOCAP, NOCAP },
        /* Not io_uring: containerd 1.7's RuntimeDefault profile allows it (measured, 1.7.24). */
        { "swapon", NOCAP, NOCAP },
        { "swapoff", NOCAP, NOCAP },
        { "uselib", NOCAP, NOCAP },
        { "vm86", NOCAP, NOCAP },
        { "vm86old", NOCAP, NOCAP },
        { "nfsservctl", NOCAP, NOCAP },
        { "_sysctl", NOCAP, NOCAP },
        { "sysfs", NOCAP, NOCAP },
        { "ustat", NOCAP, NOCAP },
        { "bdflush", NOCAP, NOCAP },
};
const size_t denied_syscalls_count = ELEMENTSOF(denied_syscalls);

const char *const conditional_syscalls[] = { "clone", "clone3", "personality", "socket" };
const size_t conditional_syscalls_count = ELEMENTSOF(conditional_syscalls);

bool seccomp_action_allows(const char *action) {
        /* TRACE and NOTIFY hand the decision to another process: not a denial. */
        static const char *const allow[] = { "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_NOTIFY" };
        for (size_t i = 0; action && i < ELEMENTSOF(allow); i++)
                if (streq(action, allow[i]))
                        return true;
        return false;
}

/* Files each of podman 4.3, podman 5 and containerd's CRI masks or makes read-only. */
const struct kernel_file kernel_files[] = {
        { "/proc/kcore", true, "kernel memory" },
        { "/proc/keys", true, "the host's keyrings" },
        { "/proc/timer_list", true, "kernel timers and addresses" },
        { "/proc/timer_stats", true, "kernel timers" },
        { "/proc/latency_stats", true, "kernel latency data" },
        { "/proc/sched_debug", true, "every host task's scheduling data" },
        { "/proc/acpi", true, "ACPI interfaces" },
        { "/proc/scsi", true, "the SCSI subsystem" },
        { "/sys/firmware", true, "firmware tables and memory maps" },
        { "/proc/sys", false, "the host kernel's settings" },
        { "/proc/sysrq-trigger", false, "the SysRq trigger (crash or reboot the host)" },
        { "/proc/irq", false, "interrupt affinity" },
        { "/proc/bus", false, "PCI configuration space" },
        { "/proc/fs", false, "filesystem settings" },
        { "/proc/asound", false, "sound card controls" },
};
const size_t kernel_files_count = ELEMENTSOF(kernel_files);
