#!/usr/bin/python3
"""Build a fake GPU host for gpucdi's tests.

    mkhost.py HOST OUTDIR [--mknod] [--stub-libcuda PATH]
    mkhost.py --list
    mkhost.py --describe HOST

writes, under OUTDIR:
    sys.umockdev  the host's sysfs devices in umockdev-record format (umockdev-run --device)
    sys/          the same sysfs as a plain tree (--sysfs-root; libpci: sysfs.path=OUTDIR/sys/bus/pci)
    proc/         /proc/devices and /proc/driver/nvidia (--proc-root)
    dev/          device nodes (--dev-root): character devices with the host's major:minor when
                  --mknod is given and we are root, else empty regular files
    root/         the host's file system (--host-root): driver install, ICD files, etc/ld.so.cache

Hosts are data (HOSTS below); the H100 host reproduces a real machine (driver 580.159.04 under
/usr/local/nvidia, no /dev/dri). Library files are minimal ELF shared objects carrying their
DT_SONAME, so ldconfig and ELF readers see what they would see on the real host; --stub-libcuda
replaces libcuda.so.<version> with a compiled library.
"""

import argparse
import hashlib
import json
import os
import shutil
import stat
import struct
import sys

# ---------------------------------------------------------------------------------------------
# Facts of the real H100 host (driver 580.159.04).

NV_VERSION = "580.159.04"

NV_VERSION_FILE = (
    "NVRM version: NVIDIA UNIX Open Kernel Module for {arch}  {version}  Release Build  (nixbld@)  \n"
    "GCC version:  gcc version 15.3.0 (GCC) \n")

# /proc/driver/nvidia/gpus/<pci>/information; the whitespace is the driver's.
NV_INFORMATION = (
    "Model: \t\t {model}\n"
    "IRQ:   \t\t {irq}\n"
    "GPU UUID: \t {uuid}\n"
    "Video BIOS: \t {vbios}\n"
    "Bus Type: \t PCIe\n"
    "DMA Size: \t 52 bits\n"
    "DMA Mask: \t 0xfffffffffffff\n"
    "Bus Location: \t {addr}\n"
    "Device Minor: \t {minor}\n"
    "GPU Firmware: \t {firmware}\n"
    "GPU Excluded:\t {excluded}\n")

NV_PARAMS = """ResmanDebugLevel: 4294967295
RmLogonRC: 1
ModifyDeviceFiles: 1
DeviceFileUID: 0
DeviceFileGID: 0
DeviceFileMode: 438
InitializeSystemMemoryAllocations: 1
UsePageAttributeTable: 4294967295
EnableMSI: 1
EnablePCIeGen3: 0
MemoryPoolSize: 0
KMallocHeapMaxSize: 0
VMallocHeapMaxSize: 0
IgnoreMMIOCheck: 0
EnableStreamMemOPs: 0
EnableUserNUMAManagement: 1
NvLinkDisable: 1
RmProfilingAdminOnly: 0
PreserveVideoMemoryAllocations: 0
EnableS0ixPowerManagement: 0
S0ixPowerManagementVideoMemoryThreshold: 256
DynamicPowerManagement: 3
DynamicPowerManagementVideoMemoryThreshold: 200
RegisterPCIDriver: 1
EnablePCIERelaxedOrderingMode: 0
EnableResizableBar: 0
EnableGpuFirmware: 18
EnableGpuFirmwareLogs: 2
RmNvlinkBandwidthLinkCount: 0
EnableDbgBreakpoint: 0
OpenRmEnableUnsupportedGpus: 1
DmaRemapPeerMmio: 1
ImexChannelCount: 2048
CreateImexChannel0: 0
GrdmaPciTopoCheckOverride: 0
CoherentGPUMemoryMode: ""
RegistryDwords: ""
RegistryDwordsPerDevice: ""
RmMsg: ""
GpuBlacklist: ""
TemporaryFilePath: ""
ExcludedGpus: ""
"""

# /proc/driver/nvidia/capabilities/...: (path, minor, mode); minors are of the nvidia-caps major.
NV_CAPS = [
    ("mig/config", 1, 256),
    ("mig/monitor", 2, 292),
    ("fabric-imex-mgmt", 4323, 256),
]
# Nodes the H100 host had for them (driver-tree.txt): /dev/nvidia-caps/nvidia-cap<minor>.
NV_CAP_NODES = [(1, 0o400), (2, 0o444)]

# MIG access files (NVIDIA MIG user guide, "Device Nodes and Capabilities"): the driver numbers
# the capability minors as /proc/driver/nvidia-caps/mig-minors lists them, 3 onwards after config
# and monitor: per GPU 15 GPU instances, each its own access minor followed by 8 compute instances.
NV_MIG_GIS_PER_GPU = 15
NV_MIG_CIS_PER_GI = 8
NV_MIG_ACCESS_MODE = 0o444


def mig_minor(gpu_minor, gi, ci=None):
    base = 3 + gpu_minor * NV_MIG_GIS_PER_GPU * (NV_MIG_CIS_PER_GI + 1) + gi * (NV_MIG_CIS_PER_GI + 1)
    return base if ci is None else base + 1 + ci


def mig_caps(g):
    """[(procfs path under capabilities/, minor)] of a GPU's MIG instances (g["nvidia"]["mig"]:
    {gi: [ci, ...]})."""
    out = []
    m = g["nvidia"]["minor"]
    for gi, cis in sorted(g["nvidia"].get("mig", {}).items()):
        out.append((f"gpu{m}/mig/gi{gi}/access", mig_minor(m, gi)))
        out += [(f"gpu{m}/mig/gi{gi}/ci{ci}/access", mig_minor(m, gi, ci)) for ci in cis]
    return out

# /proc/devices character majors of the H100 host, without the GPU drivers' own entries.
BASE_CHAR_DEVICES = [
    (1, "mem"), (4, "/dev/vc/0"), (4, "tty"), (4, "ttyS"), (5, "/dev/tty"), (5, "/dev/console"),
    (5, "/dev/ptmx"), (7, "vcs"), (10, "misc"), (13, "input"), (128, "ptm"), (136, "pts"),
    (203, "cpu/cpuid"), (231, "infiniband_mad"), (231, "infiniband_verbs"), (243, "hidraw"),
    (244, "infiniband_verbs"), (245, "infiniband_mad"), (246, "macvtap"), (247, "mei"),
    (248, "bsg"), (249, "watchdog"), (250, "ptp"), (251, "pps"), (252, "dax"), (253, "dimmctl"),
    (254, "ndctl"),
]
BLOCK_DEVICES = [(7, "loop"), (253, "zram"), (254, "virtblk"), (259, "blkext")]

# The NVIDIA driver's libraries as installed on the H100 host (driver-tree.txt, ldconfig-p.txt):
# (name, soname suffix or None when the soname is the fully versioned name). Each also has
# absolute links from /lib, and ld.so.cache lists both /usr/local/nvidia/lib64 and /lib.
NV_LIBS = [
    ("libEGL_nvidia", "0"),
    ("libGLESv1_CM_nvidia", "1"),
    ("libGLESv2_nvidia", "2"),
    ("libGLX_nvidia", "0"),
    ("libcuda", "1"),
    ("libcudadebugger", "1"),
    ("libnvcuvid", "1"),
    ("libnvidia-allocator", "1"),
    ("libnvidia-cfg", "1"),
    ("libnvidia-eglcore", None),
    ("libnvidia-encode", "1"),
    ("libnvidia-fbc", "1"),
    ("libnvidia-glcore", None),
    ("libnvidia-glsi", None),
    ("libnvidia-glvkspirv", None),
    ("libnvidia-gpucomp", None),
    ("libnvidia-ml", "1"),
    ("libnvidia-nvvm", "4"),
    ("libnvidia-opencl", "1"),
    ("libnvidia-opticalflow", "1"),
    ("libnvidia-pkcs11-openssl3", None),
    ("libnvidia-ptxjitcompiler", "1"),
    ("libnvidia-rtcore", None),
    ("libnvidia-tls", None),
    ("libnvoptix", "1"),
    ("libvdpau_nvidia", "1"),
]
NV_BINARIES = ["nvidia-cuda-mps-control", "nvidia-cuda-mps-server", "nvidia-debugdump",
               "nvidia-persistenced", "nvidia-smi"]

VULKAN_API = "1.4.312"

NV_ICD_JSON = """{{
    "file_format_version" : "1.0.1",
    "ICD": {{
        "library_path": "{lib}libGLX_nvidia.so.0",
        "api_version" : "{api}"
    }}
}}
"""

NV_LAYERS_JSON = """{{
    "file_format_version" : "1.0.1",
    "layers": [{{
        "name": "VK_LAYER_NV_optimus",
        "type": "INSTANCE",
        "library_path": "{lib}libGLX_nvidia.so.0",
        "api_version" : "{api}",
        "implementation_version" : "1",
        "description" : "NVIDIA Optimus layer",
        "functions": {{
            "vkGetInstanceProcAddr": "vk_optimusGetInstanceProcAddr",
            "vkGetDeviceProcAddr": "vk_optimusGetDeviceProcAddr"
        }},
        "enable_environment": {{
            "__NV_PRIME_RENDER_OFFLOAD": "1"
        }},
        "disable_environment": {{
            "DISABLE_LAYER_NV_OPTIMUS_1": ""
        }}
    }}]
}}
"""

NV_EGL_VENDOR_JSON = """{{
    "file_format_version" : "1.0.0",
    "ICD" : {{
        "library_path" : "{lib}libEGL_nvidia.so.0"
    }}
}}
"""

MESA_ICD_JSON = """{{
    "ICD": {{
        "api_version": "1.3.255",
        "library_path": "/usr/lib/{triplet}/{lib}"
    }},
    "file_format_version": "1.0.0"
}}
"""

# A few libraries every host has, so ld.so.cache is not only the GPU driver.
SYSTEM_LIBS = [
    ("ld-linux-x86-64.so.2", None), ("libc.so.6", None), ("libm.so.6", None),
    ("libz.so.1", "libz.so.1.2.13"), ("libstdc++.so.6", "libstdc++.so.6.0.30"),
    ("libgcc_s.so.1", None), ("libudev.so.1", "libudev.so.1.7.5"),
]
MESA_LIBS = [
    ("libEGL_mesa.so.0", "libEGL_mesa.so.0.0.0"), ("libGLX_mesa.so.0", "libGLX_mesa.so.0.0.0"),
    ("libvulkan_radeon.so", None), ("libvulkan_intel.so", None), ("libdrm.so.2", "libdrm.so.2.4.0"),
    ("libdrm_amdgpu.so.1", "libdrm_amdgpu.so.1.0.0"), ("libdrm_intel.so.1", "libdrm_intel.so.1.0.0"),
]
# What differs between the architectures a host can have (its "arch", default x86_64): Debian's
# multiarch triplet, the ELF machine of its libraries (EM_X86_64, EM_AARCH64), glibc's ld.so.cache
# flags (FLAG_ELF_LIBC6 | FLAG_X8664_LIB64 or FLAG_AARCH64_LIB64, sysdeps/generic/ldconfig.h), the
# dynamic loader and the name the NVIDIA kernel module gives the architecture in
# /proc/driver/nvidia/version.
ARCHES = {
    "x86_64": {"triplet": "x86_64-linux-gnu", "elf_machine": 62, "ldcache_flags": 0x0303,
               "ld_so": "ld-linux-x86-64.so.2", "ld_so_link": "usr/lib64", "nvrm": "x86_64"},
    "aarch64": {"triplet": "aarch64-linux-gnu", "elf_machine": 183, "ldcache_flags": 0x0a03,
                "ld_so": "ld-linux-aarch64.so.1", "ld_so_link": "usr/lib", "nvrm": "aarch64"},
}


def arch_of(host):
    return ARCHES[host.get("arch", "x86_64")]


def multiarch(host):
    return f"usr/lib/{arch_of(host)['triplet']}"
LDCONFIG_GENERATOR = "ldconfig (Debian GLIBC 2.36-9+deb12u14) stable release version 2.36"

# ---------------------------------------------------------------------------------------------
# The hosts.

H100_UUID = "GPU-ad534904-764e-e9f8-c1cb-0fa2ae372e33"


def nv_uuid(host, addr):
    """A stable made-up GPU UUID for synthetic NVIDIA GPUs."""
    h = hashlib.sha256(f"{host}/{addr}".encode()).hexdigest()
    return f"GPU-{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def h100(host, addr, minor, numa=-1, irq=41, uuid=None, **nvidia):
    """nvidia: mig={gi: [ci...]} (MIG instances), excluded=True ("GPU Excluded: Yes")."""
    return {
        "addr": addr, "vendor": 0x10de, "device": 0x2330, "class": 0x030200,
        "subsys": (0x10de, 0x16c1), "revision": 0xa1, "driver": "nvidia", "numa": numa, "irq": irq,
        "link": ("32.0 GT/s PCIe", 16), "local_cpulist": "0-15" if numa < 0 else f"{numa * 56}-{numa * 56 + 55}",
        "nvidia": {"minor": minor, "uuid": uuid or nv_uuid(host, addr),
                   "model": "NVIDIA H100 80GB HBM3", "vbios": "96.00.da.00.0c", **nvidia},
    }


def many_h100(host, buses, minors=None):
    gpus = []
    for i, bus in enumerate(buses):
        numa = 0 if i < len(buses) // 2 else 1
        gpus.append(h100(host, f"0000:{bus:02x}:00.0", (minors or {}).get(i, i), numa=numa, irq=100 + i))
    return gpus


RTX4090 = {
    "addr": "0000:01:00.0", "vendor": 0x10de, "device": 0x2684, "class": 0x030000,
    "subsys": (0x1043, 0x889c), "revision": 0xa1, "driver": "nvidia", "numa": -1, "irq": 156,
    "link": ("16.0 GT/s PCIe", 16), "boot_vga": 0, "drm": (1, 129), "by_path": True,
    "nvidia": {"minor": 0, "uuid": "GPU-3f9b2c1e-7a44-5d60-8e21-9c0d4b7a1f52",
               "model": "NVIDIA GeForce RTX 4090", "vbios": "95.02.18.80.5f"},
}
RX7900XTX = {
    "addr": "0000:03:00.0", "vendor": 0x1002, "device": 0x744c, "class": 0x030000,
    "subsys": (0x1da2, 0x471e), "revision": 0xc8, "driver": "amdgpu", "numa": -1, "irq": 162,
    "link": ("16.0 GT/s PCIe", 16), "boot_vga": 0,
}
INTEL_IGPU = {
    "addr": "0000:00:02.0", "vendor": 0x8086, "device": 0xa7a0, "class": 0x030000,
    "subsys": (0x17aa, 0x22e8), "revision": 0x04, "driver": "i915", "numa": -1, "irq": 190,
    "boot_vga": 1, "drm": (0, 128), "by_path": True,
}

# arm64 GPUs. GH200: the Hopper GPU of a Grace Hopper superchip, a PCI function in its own domain
# ("0009:01:00.0 3D controller [0302]: NVIDIA Corporation GH100 [GH200 480GB] [10de:2342]", the
# lspci line of a GH200 node; pci.ids: 10de:2342 "GH100 [GH200 120GB / 480GB]"), model string
# "NVIDIA GH200 480GB" as the driver reports it (clinfo on a GH200, driver 555.42.06). The
# subsystem id, IRQ, UUID and VBIOS are made up in the same format.
GH200 = {
    "addr": "0009:01:00.0", "vendor": 0x10de, "device": 0x2342, "class": 0x030200,
    "subsys": (0x10de, 0x16eb), "revision": 0xa1, "driver": "nvidia", "numa": 0, "irq": 118,
    "link": ("32.0 GT/s PCIe", 16), "local_cpulist": "0-71",
    "nvidia": {"minor": 0, "uuid": "GPU-6c1b5e0a-2f3d-4c79-9a8e-51d0b7e4c3a2",
               "model": "NVIDIA GH200 480GB", "vbios": "96.00.74.00.11"},
}

# Per host: gpus (PCI devices; "drm": (card, render) minors; "by_path": udev's by-path links),
# nvidia (kernel module version, driver files: version, layout local|ubuntu|nixos, modeset, caps,
# uvm/caps majors), kfd (its dynamic major), simpledrm (a non-PCI card0), breaks (applied last),
# expect (what gpucdi must say about a broken host: verb -> exit code and stderr substrings).
HOSTS = {
    "h100": {
        "gpus": [h100("h100", "0000:00:06.0", 0, uuid=H100_UUID)],
        "nvidia": {"module": NV_VERSION, "libs": NV_VERSION, "layout": "local", "modeset": False,
                   "caps": True, "uvm_major": 238, "caps_major": 241},
    },
    "amd": {
        "gpus": [dict(RX7900XTX, drm=(1, 128), by_path=False)],
        "kfd": 235, "simpledrm": True,
    },
    "intel": {
        "gpus": [INTEL_IGPU],
    },
    "mixed": {
        "gpus": [INTEL_IGPU, RTX4090, dict(RX7900XTX, drm=(2, 130), by_path=True)],
        "nvidia": {"module": NV_VERSION, "libs": NV_VERSION, "layout": "ubuntu", "modeset": True,
                   "caps": False, "uvm_major": 509, "caps_major": 508},
        "kfd": 510,
    },
    "nvidia2": {
        "gpus": many_h100("nvidia2", [0x17, 0x65]),
        "nvidia": {"module": NV_VERSION, "libs": NV_VERSION, "layout": "ubuntu", "modeset": True,
                   "caps": True, "uvm_major": 511, "caps_major": 510},
    },
    # The driver's minor numbers follow its probe order, not always PCI order: GPUs 2 and 3 swap.
    "nvidia8": {
        "gpus": many_h100("nvidia8", [0x18, 0x2a, 0x3a, 0x5d, 0x9a, 0xab, 0xba, 0xdb], minors={2: 3, 3: 2}),
        "nvidia": {"module": NV_VERSION, "libs": NV_VERSION, "layout": "local", "modeset": False,
                   "caps": True, "uvm_major": 238, "caps_major": 241},
    },
    # MIG on: two GPU instances with one compute instance each (nvidia-smi mig -cgi 9,9 -C), and an
    # IMEX channel (NVreg_CreateImexChannel0=1).
    "h100-mig": {
        "gpus": [h100("h100-mig", "0000:00:06.0", 0, uuid=H100_UUID, mig={1: [0], 2: [0]})],
        "nvidia": {"module": NV_VERSION, "libs": NV_VERSION, "layout": "local", "modeset": False,
                   "caps": True, "uvm_major": 238, "caps_major": 241, "imex_channels": [0]},
    },
    # NVreg_ExcludedGpus names the second GPU: the driver reports it but makes no node for it.
    "nvidia2-excluded": {
        "gpus": [h100("nvidia2-excluded", "0000:17:00.0", 0),
                 h100("nvidia2-excluded", "0000:65:00.0", 1, excluded=True)],
        "nvidia": {"module": NV_VERSION, "libs": NV_VERSION, "layout": "ubuntu", "modeset": True,
                   "caps": True, "uvm_major": 511, "caps_major": 510},
    },
    "nvidia16": {
        "gpus": many_h100("nvidia16", [0x0f, 0x18, 0x1f, 0x2a, 0x34, 0x3a, 0x4c, 0x5d,
                                       0x8b, 0x9a, 0xa1, 0xab, 0xb3, 0xba, 0xc5, 0xdb]),
        "nvidia": {"module": NV_VERSION, "libs": NV_VERSION, "layout": "local", "modeset": False,
                   "caps": True, "uvm_major": 238, "caps_major": 241},
    },
    # NixOS: the driver is in the Nix store, reached through /run/opengl-driver; no ld.so.cache.
    "nixos": {
        "gpus": [dict(RTX4090, addr="0000:01:00.0", drm=(0, 128))],
        "nvidia": {"module": NV_VERSION, "libs": NV_VERSION, "layout": "nixos", "modeset": True,
                   "caps": False, "uvm_major": 237, "caps_major": 236},
    },
    # arm64 (arch aarch64): a GH200 server with the driver from Ubuntu's arm64 (sbsa) packages,
    # libraries under /usr/lib/aarch64-linux-gnu, no Tegra (no nvgpu, no /etc/nv_tegra_release);
    # and an Ampere Altra server with a Radeon RX 7900 XTX under amdgpu (Altra's root ports are
    # PCI domains of their own), Mesa's radeon_icd.aarch64.json naming the multiarch library.
    "gh200": {
        "arch": "aarch64",
        "gpus": [GH200],
        "nvidia": {"module": NV_VERSION, "libs": NV_VERSION, "layout": "ubuntu", "modeset": True,
                   "caps": True, "uvm_major": 508, "caps_major": 507},
    },
    "ampere-amd": {
        "arch": "aarch64",
        "gpus": [dict(RX7900XTX, addr="0004:03:00.0", drm=(1, 128), by_path=True)],
        "kfd": 509,
    },
    # Render-node GPUs of other drivers (gpucdi.io/render). "render": [(parent sysfs path, its bus,
    # its driver, virtio child or None, DRM driver, card minor or None, render minor, by-path name)].
    # A QEMU/KVM x86_64 VM with virtio-vga-gl: virtio-pci on 0000:00:02.0 (1af4:1050, "Virtio 1.0
    # GPU" in pci.ids), virtio_gpu bound to virtio0 below it, card0 and renderD128.
    "virtio-vm": {
        "gpus": [],
        "render": [("/devices/pci0000:00/0000:00:02.0", "pci", "virtio-pci", "virtio0", "virtio_gpu", 0, 128,
                    "pci-0000:00:02.0")],
        "virtio_pci": {"addr": "0000:00:02.0", "vendor": 0x1af4, "device": 0x1050, "class": 0x030000,
                       "subsys": (0x1af4, 0x1100), "revision": 0x01, "irq": 11},
    },
    # podman machine with the libkrun provider on Apple Silicon (krunkit): an aarch64 guest whose
    # virtio-gpu (Venus enabled: containers/krunkit#2) sits on virtio-mmio, as libkrun's devices do;
    # containers get its renderD128 (ericcurtin/podman-ollama#37). The MMIO address is made up.
    "libkrun-vm": {
        "arch": "aarch64", "gpus": [],
        "render": [("/devices/platform/a003e00.virtio_mmio", "platform", "virtio-mmio", "virtio1", "virtio_gpu",
                    0, 128, "platform-a003e00.virtio_mmio")],
    },
    # Asahi Linux on an M1: the AGX GPU is the platform device 206400000.gpu (the device tree's
    # gpu@206400000) under the render-only driver "asahi"; the display controller's card0 belongs
    # to another driver and is not the GPU.
    "asahi-m1": {
        "arch": "aarch64", "gpus": [],
        "render": [("/devices/platform/soc@200000000/206400000.gpu", "platform", "asahi", None, "asahi",
                    None, 128, "platform-206400000.gpu")],
    },
    # User space of 575.57.08 left installed after the 580.159.04 module was loaded.
    "nvidia-mismatch": {
        "base": "h100",
        "nvidia": {"module": NV_VERSION, "libs": "575.57.08", "layout": "local", "modeset": False,
                   "caps": True, "uvm_major": 238, "caps_major": 241},
        "expect": {"generate": {"exit": 3, "stderr": ["575.57.08", "580.159.04"]}},
    },
    "broken-information": {
        "base": "h100", "breaks": ["truncate-information"],
        "expect": {"probe": {"exit": 3, "stderr": ["/proc/driver/nvidia/gpus/0000:00:06.0/information"]},
                   "generate": {"exit": 3, "stderr": ["/proc/driver/nvidia/gpus/0000:00:06.0/information"]}},
    },
    "broken-information-fields": {
        "base": "h100", "breaks": ["information-without-minor"],
        "expect": {"probe": {"exit": 3, "stderr": ["/proc/driver/nvidia/gpus/0000:00:06.0/information"]},
                   "generate": {"exit": 3, "stderr": ["/proc/driver/nvidia/gpus/0000:00:06.0/information"]}},
    },
    "broken-version": {
        "base": "h100", "breaks": ["garble-version"],
        "expect": {"probe": {"exit": 3, "stderr": ["/proc/driver/nvidia/version"]},
                   "generate": {"exit": 3, "stderr": ["/proc/driver/nvidia/version"]}},
    },
    "broken-ldcache": {
        "base": "h100", "breaks": ["corrupt-ldcache"],
        "expect": {"generate": {"exit": 3, "stderr": ["/etc/ld.so.cache"]}},
    },
    "broken-libcuda": {
        "base": "h100", "breaks": ["dangling-libcuda"],
        "expect": {"generate": {"exit": 3, "stderr": ["libcuda.so.1"]}},
    },
}


def host_definition(name):
    h = dict(HOSTS[name])
    if "base" in h:
        base = dict(HOSTS[h["base"]])
        base.update({k: v for k, v in h.items() if k != "base"})
        h = base
    h.setdefault("breaks", [])
    h.setdefault("expect", {})
    return h


VENDORS = {0x10de: "nvidia", 0x1002: "amd", 0x8086: "intel"}

# ---------------------------------------------------------------------------------------------
# Writers.


def write(path, data, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
    os.chmod(path, mode)


def symlink(target, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    os.symlink(target, path)


def elf_shared_object(soname, needed=("libc.so.6",), machine=62):
    """A minimal 64-bit little-endian ELF shared object (EM_X86_64 unless machine says otherwise):
    one PT_LOAD, a PT_DYNAMIC with DT_NEEDED, DT_SONAME,
    DT_STRTAB and DT_STRSZ. Enough for ldconfig and readelf; not loadable code."""
    strtab = b"\0"
    offs = {}
    for s in list(needed) + [soname]:
        offs[s] = len(strtab)
        strtab += s.encode() + b"\0"
    ehdr_size, phdr_size = 64, 56
    strtab_off = ehdr_size + 2 * phdr_size
    dyn_off = (strtab_off + len(strtab) + 7) & ~7
    dyn = b""
    for s in needed:
        dyn += struct.pack("<qQ", 1, offs[s])          # DT_NEEDED
    dyn += struct.pack("<qQ", 14, offs[soname])        # DT_SONAME
    dyn += struct.pack("<qQ", 5, strtab_off)           # DT_STRTAB (vaddr == offset)
    dyn += struct.pack("<qQ", 10, len(strtab))         # DT_STRSZ
    dyn += struct.pack("<qQ", 0, 0)                    # DT_NULL
    size = dyn_off + len(dyn)
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    ehdr = ident + struct.pack("<HHIQQQIHHHHHH", 3, machine, 1, 0, ehdr_size, 0, 0,
                               ehdr_size, phdr_size, 2, 64, 0, 0)
    pt_load = struct.pack("<IIQQQQQQ", 1, 4, 0, 0, 0, size, size, 0x1000)
    pt_dynamic = struct.pack("<IIQQQQQQ", 2, 6, dyn_off, dyn_off, dyn_off, len(dyn), len(dyn), 8)
    data = ehdr + pt_load + pt_dynamic + strtab
    data += bytes(dyn_off - len(data)) + dyn
    assert len(data) == size
    return data


def ldcache_libcmp(a, b):
    """glibc's _dl_cache_libcmp: digit runs compare numerically."""
    i = j = 0
    while i < len(a):
        if a[i].isdigit():
            if j < len(b) and b[j].isdigit():
                v1 = v2 = 0
                while i < len(a) and a[i].isdigit():
                    v1 = v1 * 10 + int(a[i])
                    i += 1
                while j < len(b) and b[j].isdigit():
                    v2 = v2 * 10 + int(b[j])
                    j += 1
                if v1 != v2:
                    return v1 - v2
            else:
                return 1
        elif j < len(b) and b[j].isdigit():
            return -1
        elif j >= len(b) or a[i] != b[j]:
            return ord(a[i]) - (ord(b[j]) if j < len(b) else 0)
        else:
            i += 1
            j += 1
    return 0 - (ord(b[j]) if j < len(b) else 0)


FLAG_ELF_LIBC6_X8664 = 0x0303
CACHE_MAGIC = b"glibc-ld.so.cache1.1"
CACHE_EXTENSION_MAGIC = 0xEAA42174


def ldcache_bytes(entries, generator=LDCONFIG_GENERATOR, flags=FLAG_ELF_LIBC6_X8664):
    """glibc's ld.so.cache, new format only ("glibc-ld.so.cache1.1"), little endian.
    entries: [(key, path)] in priority order for equal keys; sorted here the way ldconfig sorts
    them (descending _dl_cache_libcmp, stable), since ld.so searches the table by bisection."""
    import functools
    ordered = sorted(entries, key=functools.cmp_to_key(lambda x, y: ldcache_libcmp(y[0], x[0])))
    header_size, entry_size = 48, 24
    strings = bytearray()
    offsets = {}
    strings_start = header_size + entry_size * len(ordered)

    def intern(s):
        if s not in offsets:
            offsets[s] = strings_start + len(strings)
            strings.extend(s.encode() + b"\0")
        return offsets[s]

    table = b""
    for key, path in ordered:
        table += struct.pack("<iIIIQ", flags, intern(key), intern(path), 0, 0)
    end = strings_start + len(strings)
    ext_offset = (end + 3) & ~3
    gen = generator.encode()
    ext = struct.pack("<II", CACHE_EXTENSION_MAGIC, 1)
    ext += struct.pack("<IIII", 0, 0, ext_offset + len(ext) + 16, len(gen)) + gen
    header = CACHE_MAGIC + struct.pack("<IIB3xI12x", len(ordered), len(strings), 2, ext_offset)
    assert len(header) == header_size
    return header + table + bytes(strings) + bytes(ext_offset - end) + ext


def pci_config(g):
    """The 256-byte standard configuration header libpci reads from sysfs 'config'."""
    c = bytearray(256)
    struct.pack_into("<HHHH", c, 0, g["vendor"], g["device"], 0x0406, 0x0000)
    c[8] = g["revision"]
    c[9], c[10], c[11] = g["class"] & 0xff, (g["class"] >> 8) & 0xff, (g["class"] >> 16) & 0xff
    struct.pack_into("<HH", c, 0x2c, g["subsys"][0], g["subsys"][1])
    c[0x3c], c[0x3d] = g["irq"] & 0xff, 1
    return bytes(c)


class SysDevice:
    """One sysfs device: its attributes, links (to absolute sysfs paths) and udev properties,
    written both as umockdev-record text and as a plain tree."""

    def __init__(self, path, subsystem, props, attrs, links=None, binattrs=None, extra=None, node=None):
        self.path = path            # "/devices/pci0000:00/0000:00:06.0"
        self.subsystem = subsystem
        self.props = props          # [(key, value)], udev properties
        self.attrs = attrs          # [(name, text)]
        self.links = links or []    # [(name, absolute sysfs target)]
        self.binattrs = binattrs or []
        self.extra = extra or []    # [(absolute sysfs path, text)] files outside the device dir
        self.node = node            # "dri/card1" for devices with a /dev node

    def rel(self, target):
        r = os.path.relpath(target, self.path)
        if self.path.startswith(target + "/"):
            # The kernel names a parent through its own entry: "../../../0000:03:00.0", not "../..".
            r = os.path.join(os.path.relpath(os.path.dirname(target), self.path), os.path.basename(target))
        return r

    def umockdev(self):
        out = [f"P: {self.path}"]
        if self.node:
            out.append(f"N: {self.node}")
        out += [f"E: {k}={v}" for k, v in self.props]
        out.append(f"E: SUBSYSTEM={self.subsystem}")
        out += [f"A: {n}={escape(v)}" for n, v in self.attrs]
        out += [f"H: {n}={v.hex().upper()}" for n, v in self.binattrs]
        out += [f"L: {n}={self.rel(t)}" for n, t in self.links]
        # umockdev creates a link's target only if something is written there.
        out += [f"A: {self.rel(p)}={escape(v)}" for p, v in self.extra]
        return "\n".join(out) + "\n"

    def plain(self, sysroot):
        d = sysroot + self.path
        os.makedirs(d, exist_ok=True)
        for n, v in self.attrs:
            write(os.path.join(d, n), v)
        for n, v in self.binattrs:
            write(os.path.join(d, n), v)
        kernel_props = [(k, v) for k, v in self.props if k not in ("DEVNAME",)]
        if self.node:
            kernel_props.append(("DEVNAME", self.node))
        write(os.path.join(d, "uevent"), "".join(f"{k}={v}\n" for k, v in kernel_props))
        subsys_dir = {"pci": "/bus/pci", "drm": "/class/drm", "platform": "/bus/platform",
                      "virtio": "/bus/virtio"}[self.subsystem]
        os.makedirs(sysroot + subsys_dir, exist_ok=True)
        symlink(self.rel(subsys_dir), os.path.join(d, "subsystem"))
        for n, t in self.links:
            os.makedirs(sysroot + t, exist_ok=True)
            symlink(self.rel(t), os.path.join(d, n))
        for p, v in self.extra:
            if not os.path.exists(sysroot + p):
                write(sysroot + p, v)
        name = os.path.basename(self.path)
        if self.subsystem in ("pci", "platform", "virtio"):
            symlink(os.path.relpath(self.path, f"{subsys_dir}/devices"),
                    f"{sysroot}{subsys_dir}/devices/{name}")
        else:
            symlink(os.path.relpath(self.path, subsys_dir), f"{sysroot}{subsys_dir}/{name}")
        dev = dict(self.attrs).get("dev")
        if dev:
            symlink(os.path.relpath(self.path, "/dev/char"), f"{sysroot}/dev/char/{dev.strip()}")


def escape(v):
    return v.replace("\\", "\\\\").replace("\n", "\\n")


def pci_sysdevices(host):
    devs = []
    for g in host["gpus"]:
        pci_path = f"/devices/pci{g['addr'][:4]}:00/{g['addr']}"
        cls = g["class"]
        modalias = (f"pci:v{g['vendor']:08X}d{g['device']:08X}sv{g['subsys'][0]:08X}"
                    f"sd{g['subsys'][1]:08X}bc{cls >> 16:02X}sc{(cls >> 8) & 0xff:02X}i{cls & 0xff:02X}")
        props = [("DRIVER", g["driver"]), ("PCI_CLASS", f"{cls:X}"),
                 ("PCI_ID", f"{g['vendor']:04X}:{g['device']:04X}"),
                 ("PCI_SUBSYS_ID", f"{g['subsys'][0]:04X}:{g['subsys'][1]:04X}"),
                 ("PCI_SLOT_NAME", g["addr"]), ("MODALIAS", modalias)]
        attrs = [("vendor", f"0x{g['vendor']:04x}\n"), ("device", f"0x{g['device']:04x}\n"),
                 ("class", f"0x{cls:06x}\n"), ("subsystem_vendor", f"0x{g['subsys'][0]:04x}\n"),
                 ("subsystem_device", f"0x{g['subsys'][1]:04x}\n"), ("revision", f"0x{g['revision']:02x}\n"),
                 ("numa_node", f"{g['numa']}\n"), ("irq", f"{g['irq']}\n"),
                 ("local_cpulist", f"{g.get('local_cpulist', '0-15')}\n"), ("enable", "1\n"),
                 ("modalias", modalias + "\n"), ("driver_override", "(null)\n"),
                 ("resource", "0x0000000000000000 0x0000000000000000 0x0000000000000000\n" * 13)]
        if "link" in g:
            attrs += [("current_link_speed", g["link"][0] + "\n"), ("current_link_width", f"{g['link'][1]}\n"),
                      ("max_link_speed", g["link"][0] + "\n"), ("max_link_width", f"{g['link'][1]}\n")]
        if "boot_vga" in g:
            attrs.append(("boot_vga", f"{g['boot_vga']}\n"))
        drv = f"/bus/pci/drivers/{g['driver']}"
        extra = [(drv + "/uevent", "")]
        if g["driver"] == "nvidia" and host.get("nvidia"):
            extra.append(("/module/nvidia/version", host["nvidia"]["module"] + "\n"))
        children = []
        if g.get("drm"):
            for kind, minor in (("card", g["drm"][0]), ("renderD", g["drm"][1])):
                name = f"{kind}{minor}"
                children.append(SysDevice(
                    f"{pci_path}/drm/{name}", "drm",
                    [("DEVNAME", f"/dev/dri/{name}"), ("DEVTYPE", "drm_minor"),
                     ("MAJOR", "226"), ("MINOR", str(minor))],
                    [("dev", f"226:{minor}\n")], links=[("device", pci_path)], node=f"dri/{name}"))
        devs += children
        devs.append(SysDevice(pci_path, "pci", props, attrs, links=[("driver", drv)],
                              binattrs=[("config", pci_config(g))], extra=extra))
    if host.get("simpledrm"):
        p = "/devices/platform/simple-framebuffer.0"
        devs.append(SysDevice(f"{p}/drm/card0", "drm",
                              [("DEVNAME", "/dev/dri/card0"), ("DEVTYPE", "drm_minor"),
                               ("MAJOR", "226"), ("MINOR", "0")],
                              [("dev", "226:0\n")], links=[("device", p)], node="dri/card0"))
        devs.append(SysDevice(p, "platform", [("DRIVER", "simple-framebuffer"),
                                              ("MODALIAS", "platform:simple-framebuffer")],
                              [("modalias", "platform:simple-framebuffer\n"), ("driver_override", "(null)\n")],
                              links=[("driver", "/bus/platform/drivers/simple-framebuffer")],
                              extra=[("/bus/platform/drivers/simple-framebuffer/uevent", "")]))
    return devs


def render_sysdevices(host):
    """The devices of host["render"]: parent (PCI or platform), virtio child, DRM nodes."""
    devs = []
    for parent, bus, pdriver, virtio, driver, card, render, _ in host.get("render", []):
        drm_parent = f"{parent}/{virtio}" if virtio else parent
        for kind, minor in (("card", card), ("renderD", render)):
            if minor is None:
                continue
            name = f"{kind}{minor}"
            devs.append(SysDevice(f"{drm_parent}/drm/{name}", "drm",
                                  [("DEVNAME", f"/dev/dri/{name}"), ("DEVTYPE", "drm_minor"),
                                   ("MAJOR", "226"), ("MINOR", str(minor))],
                                  [("dev", f"226:{minor}\n")], links=[("device", drm_parent)], node=f"dri/{name}"))
        if virtio:
            devs.append(SysDevice(drm_parent, "virtio", [("DRIVER", driver), ("MODALIAS", "virtio:d00000010v00001AF4")],
                                  [("device", "0x0010\n"), ("vendor", "0x1af4\n")],
                                  links=[("driver", f"/bus/virtio/drivers/{driver}")],
                                  extra=[(f"/bus/virtio/drivers/{driver}/uevent", "")]))
        if bus == "pci":
            g = host["virtio_pci"]
            cls = g["class"]
            attrs = [("vendor", f"0x{g['vendor']:04x}\n"), ("device", f"0x{g['device']:04x}\n"),
                     ("class", f"0x{cls:06x}\n"), ("subsystem_vendor", f"0x{g['subsys'][0]:04x}\n"),
                     ("subsystem_device", f"0x{g['subsys'][1]:04x}\n"), ("revision", f"0x{g['revision']:02x}\n"),
                     ("irq", f"{g['irq']}\n"), ("numa_node", "-1\n")]
            devs.append(SysDevice(parent, "pci", [("DRIVER", pdriver), ("PCI_SLOT_NAME", g["addr"])], attrs,
                                  links=[("driver", f"/bus/pci/drivers/{pdriver}")],
                                  binattrs=[("config", pci_config(g))],
                                  extra=[(f"/bus/pci/drivers/{pdriver}/uevent", "")]))
        else:
            devs.append(SysDevice(parent, "platform", [("DRIVER", pdriver)], [("driver_override", "(null)\n")],
                                  links=[("driver", f"/bus/platform/drivers/{pdriver}")],
                                  extra=[(f"/bus/platform/drivers/{pdriver}/uevent", "")]))
    return devs


def nvidia_gpus(host):
    return [g for g in host["gpus"] if "nvidia" in g]


def char_devices(host):
    majors = list(BASE_CHAR_DEVICES)
    nv = host.get("nvidia")
    if nv:
        majors += [(195, "nvidia"), (195, "nvidiactl"), (nv["uvm_major"], "nvidia-uvm"),
                   (239, "nvidia-nvswitch"), (240, "nvidia-nvlink")]
        if nv["caps"]:
            majors += [(nv["caps_major"], "nvidia-caps"), (nv["caps_major"] + 1, "nvidia-caps-imex-channels")]
        if nv["modeset"]:
            majors.append((195, "nvidia-modeset"))
    if any(g.get("drm") for g in host["gpus"]) or host.get("simpledrm") or host.get("render"):
        majors.append((226, "drm"))
    if host.get("kfd"):
        majors.append((host["kfd"], "kfd"))
    # Stable by major; several names may share one.
    majors.sort(key=lambda m: m[0])
    text = "Character devices:\n" + "".join(f"{m:3d} {n}\n" for m, n in majors)
    text += "\nBlock devices:\n" + "".join(f"{m:3d} {n}\n" for m, n in BLOCK_DEVICES)
    return text


def device_nodes(host):
    """[(path under dev/, major, minor, mode)] and [(link path, target)]."""
    nodes, links = [], []
    nv = host.get("nvidia")
    if nv:
        # An excluded GPU keeps its node (nvidia-modprobe makes /dev/nvidiaN per minor): only the
        # information file says not to use it.
        for g in nvidia_gpus(host):
            nodes.append((f"nvidia{g['nvidia']['minor']}", 195, g["nvidia"]["minor"], 0o666))
            nodes += [(f"nvidia-caps/nvidia-cap{minor}", nv["caps_major"], minor, NV_MIG_ACCESS_MODE)
                      for _, minor in mig_caps(g)]
        nodes += [(f"nvidia-caps-imex-channels/channel{c}", nv["caps_major"] + 1, c, 0o666)
                  for c in nv.get("imex_channels", [])]
        nodes += [("nvidiactl", 195, 255, 0o666), ("nvidia-uvm", nv["uvm_major"], 0, 0o666),
                  ("nvidia-uvm-tools", nv["uvm_major"], 1, 0o666)]
        if nv["modeset"]:
            nodes.append(("nvidia-modeset", 195, 254, 0o666))
        if nv["caps"]:
            nodes += [(f"nvidia-caps/nvidia-cap{m}", nv["caps_major"], m, mode) for m, mode in NV_CAP_NODES]
    if host.get("simpledrm"):
        nodes.append(("dri/card0", 226, 0, 0o660))
    for g in host["gpus"]:
        if not g.get("drm"):
            continue
        card, render = g["drm"]
        nodes += [(f"dri/card{card}", 226, card, 0o660), (f"dri/renderD{render}", 226, render, 0o666)]
        if g.get("by_path"):
            links += [(f"dri/by-path/pci-{g['addr']}-card", f"../card{card}"),
                      (f"dri/by-path/pci-{g['addr']}-render", f"../renderD{render}")]
    if host.get("kfd"):
        nodes.append(("kfd", host["kfd"], 0, 0o666))
    for _, _, _, _, _, card, render, by_path in host.get("render", []):
        if card is not None:
            nodes.append((f"dri/card{card}", 226, card, 0o660))
        nodes.append((f"dri/renderD{render}", 226, render, 0o666))
        links.append((f"dri/by-path/{by_path}-render", f"../renderD{render}"))
    return nodes, links


class DriverInstall:
    """Where a layout puts the NVIDIA driver's files, and the ld.so.cache entries it implies."""

    def __init__(self, host):
        self.nv = host["nvidia"]
        self.version = self.nv["libs"]
        layout = self.nv["layout"]
        if layout == "local":
            self.libdir = "usr/local/nvidia/lib64"
            self.bindir = "usr/local/nvidia/bin"
            self.sharedir = "usr/local/nvidia/share"
            self.icd_lib_prefix = ""
        elif layout == "ubuntu":
            self.libdir = multiarch(host)
            self.bindir = "usr/bin"
            self.sharedir = "usr/share"
            self.icd_lib_prefix = ""
        elif layout == "nixos":
            store = "nix/store/" + hashlib.sha256(f"nvidia-x11-{self.version}".encode()).hexdigest()[:32]
            self.store = f"{store}-nvidia-x11-{self.version}-6.12.41"
            self.libdir = f"{self.store}/lib"
            self.bindir = f"{self.store}/bin"
            self.sharedir = f"{self.store}/share"
            self.icd_lib_prefix = f"/{self.libdir}/"
        self.layout = layout

    def lib_files(self):
        """[(file name, soname, dev link name)] of the driver's libraries."""
        out = []
        for name, sover in NV_LIBS:
            fname = f"{name}.so.{self.version}"
            soname = f"{name}.so.{sover}" if sover else fname
            out.append((fname, soname, f"{name}.so"))
        return out


def build_root(host, out, stub_libcuda):
    """The host's file system; returns the ld.so.cache entries written (none on NixOS, which has
    no ld.so.cache and no /usr/lib)."""
    root = os.path.join(out, "root")
    os.makedirs(f"{root}/etc", exist_ok=True)
    nixos = bool(host.get("nvidia")) and host["nvidia"]["layout"] == "nixos"
    cache = []
    if not nixos:
        cache += build_fhs_root(host, root)
    if host.get("nvidia"):
        cache += build_nvidia_root(host, root, stub_libcuda)
    if not nixos:
        write(f"{root}/etc/ld.so.cache", ldcache_bytes(cache, flags=arch_of(host)["ldcache_flags"]))
    return cache


def build_fhs_root(host, root):
    # Merged /usr, as on current Debian and Ubuntu.
    for d in ("usr/lib", "usr/bin", "usr/lib64"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    for link, target in (("lib", "usr/lib"), ("bin", "usr/bin"), ("lib64", "usr/lib64")):
        symlink(target, os.path.join(root, link))
    cache = []
    arch = arch_of(host)
    tri, libdir = arch["triplet"], multiarch(host)
    system_libs = [(arch["ld_so"], None) if s.startswith("ld-") else (s, f) for s, f in SYSTEM_LIBS]
    # Intel's Vulkan driver and libdrm_intel are built for x86 only (Debian: [amd64 i386 x32]).
    mesa = [(s, f) for s, f in MESA_LIBS if tri.startswith("x86_64") or "intel" not in s]
    for soname, fname in system_libs + (mesa if has_mesa(host) else []):
        fname = fname or soname
        needed = () if soname.startswith("ld-") else ("libc.so.6",)
        write(f"{root}/{libdir}/{fname}", elf_shared_object(soname, needed, arch["elf_machine"]), 0o755)
        if fname != soname:
            symlink(fname, f"{root}/{libdir}/{soname}")
        # ldconfig finds them through /lib/<triplet> first (ld.so.conf.d order).
        cache.append((soname, f"/lib/{tri}/{soname}"))
    # /usr/lib64/ld-linux-x86-64.so.2 -> ../lib/x86_64-linux-gnu/...; /usr/lib/ld-linux-aarch64.so.1 -> aarch64-linux-gnu/...
    symlink(os.path.relpath(f"/{libdir}/{arch['ld_so']}", f"/{arch['ld_so_link']}"),
            f"{root}/{arch['ld_so_link']}/{arch['ld_so']}")
    write(f"{root}/etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n\n")
    write(f"{root}/etc/ld.so.conf.d/{tri}.conf",
          f"# Multiarch support\n/usr/local/lib/{tri}\n/lib/{tri}\n/usr/lib/{tri}\n")
    for g in host["gpus"]:
        vendor = VENDORS[g["vendor"]]
        if vendor == "amd":
            write(f"{root}/usr/share/vulkan/icd.d/radeon_icd.{host.get('arch', 'x86_64')}.json",
                  MESA_ICD_JSON.format(lib="libvulkan_radeon.so", triplet=tri))
        elif vendor == "intel":
            write(f"{root}/usr/share/vulkan/icd.d/intel_icd.{host.get('arch', 'x86_64')}.json",
                  MESA_ICD_JSON.format(lib="libvulkan_intel.so", triplet=tri))
    if has_mesa(host):
        write(f"{root}/usr/share/glvnd/egl_vendor.d/50_mesa.json",
              '{\n    "file_format_version" : "1.0.0",\n    "ICD" : {\n        "library_path" : "libEGL_mesa.so.0"\n    }\n}\n')
    return cache


def has_mesa(host):
    return any(VENDORS[g["vendor"]] in ("amd", "intel") for g in host["gpus"])


def build_nvidia_root(host, root, stub_libcuda):
    inst = DriverInstall(host)
    cache_first, cache_lib = [], []
    libdir = f"{root}/{inst.libdir}"
    for fname, soname, devlink in inst.lib_files():
        if fname.startswith("libcuda.so.") and stub_libcuda:
            os.makedirs(libdir, exist_ok=True)
            shutil.copyfile(stub_libcuda, f"{libdir}/{fname}")
            os.chmod(f"{libdir}/{fname}", 0o755)
        else:
            write(f"{libdir}/{fname}", elf_shared_object(soname, machine=arch_of(host)["elf_machine"]), 0o755)
        if soname != fname:
            symlink(fname, f"{libdir}/{soname}")
        if inst.layout != "ubuntu":
            symlink(soname, f"{libdir}/{devlink}")
    for b in NV_BINARIES:
        write(f"{root}/{inst.bindir}/{b}", f"#!/bin/false\n# {b} {inst.version}\n", 0o755)
    icd = dict(lib=inst.icd_lib_prefix, api=VULKAN_API, version=inst.version)
    write(f"{root}/{inst.sharedir}/vulkan/icd.d/nvidia_icd.json", NV_ICD_JSON.format(**icd))
    write(f"{root}/{inst.sharedir}/vulkan/implicit_layer.d/nvidia_layers.json", NV_LAYERS_JSON.format(**icd))
    write(f"{root}/{inst.sharedir}/glvnd/egl_vendor.d/10_nvidia.json", NV_EGL_VENDOR_JSON.format(**icd))

    if inst.layout == "local":
        base = f"{root}/usr/local/nvidia"
        symlink("lib64", f"{base}/lib")
        write(f"{base}/version", inst.version + "\n")
        write(f"{base}/kernel.release", "6.8.0-1036-gcp\n")
        # Absolute links, as on the real host: they resolve only inside the host root.
        for sub in ("vulkan/icd.d/nvidia_icd.json", "glvnd/egl_vendor.d/10_nvidia.json"):
            symlink(f"/usr/local/nvidia/share/{sub}", f"{root}/usr/share/{sub}")
        write(f"{root}/etc/ld.so.conf.d/000_nvidia.conf", "/usr/local/nvidia/lib64\n")
        for (name, sover), (fname, soname, devlink) in zip(NV_LIBS, inst.lib_files()):
            cache_first.append((soname, f"/usr/local/nvidia/lib64/{soname}"))
            cache_first.append((devlink, f"/usr/local/nvidia/lib64/{devlink}"))
            for n in [devlink] + ([soname] if sover else []):
                symlink(f"/usr/local/nvidia/lib64/{n}", f"{root}/usr/lib/{n}")
                cache_lib.append((n, f"/lib/{n}"))
    elif inst.layout == "ubuntu":
        for fname, soname, devlink in inst.lib_files():
            cache_first.append((soname, f"/lib/{arch_of(host)['triplet']}/{soname}"))
    elif inst.layout == "nixos":
        gd = "nix/store/" + hashlib.sha256(b"graphics-drivers").hexdigest()[:32] + "-graphics-drivers"
        for fname, soname, devlink in inst.lib_files():
            for n in {fname, soname, devlink}:
                symlink(f"/{inst.libdir}/{n}", f"{root}/{gd}/lib/{n}")
        for sub in ("vulkan/icd.d/nvidia_icd.json", "vulkan/implicit_layer.d/nvidia_layers.json",
                    "glvnd/egl_vendor.d/10_nvidia.json"):
            symlink(f"/{inst.sharedir}/{sub}", f"{root}/{gd}/share/{sub}")
        symlink(f"/{gd}", f"{root}/run/opengl-driver")
        os.makedirs(f"{root}/run/current-system/sw/bin", exist_ok=True)
        symlink(f"/{inst.bindir}/nvidia-smi", f"{root}/run/current-system/sw/bin/nvidia-smi")
    return cache_first + cache_lib


def build_proc(host, out):
    proc = os.path.join(out, "proc")
    write(f"{proc}/devices", char_devices(host), 0o444)
    nv = host.get("nvidia")
    if not nv:
        return
    d = f"{proc}/driver/nvidia"
    write(f"{d}/version", NV_VERSION_FILE.format(version=nv["module"], arch=arch_of(host)["nvrm"]), 0o444)
    write(f"{d}/params", NV_PARAMS, 0o444)
    if nv["caps"]:
        for path, minor, mode in NV_CAPS:
            write(f"{d}/capabilities/{path}",
                  f"DeviceFileMinor: {minor}\nDeviceFileMode: {mode}\nDeviceFileModify: 1\n", 0o444)
    for g in nvidia_gpus(host):
        info = dict(g["nvidia"], irq=g["irq"], addr=g["addr"], firmware=nv["module"],
                    excluded="Yes" if g["nvidia"].get("excluded") else "No")
        write(f"{d}/gpus/{g['addr']}/information", NV_INFORMATION.format(**info), 0o444)
        for path, minor in mig_caps(g):
            write(f"{d}/capabilities/{path}",
                  f"DeviceFileMinor: {minor}\nDeviceFileMode: {NV_MIG_ACCESS_MODE}\nDeviceFileModify: 1\n", 0o444)


def build_dev(host, out, mknod):
    dev = os.path.join(out, "dev")
    os.makedirs(dev, exist_ok=True)
    nodes, links = device_nodes(host)
    for path, major, minor, mode in nodes:
        p = os.path.join(dev, path)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        if mknod:
            os.mknod(p, stat.S_IFCHR | mode, os.makedev(major, minor))
            os.chmod(p, mode)
        else:
            write(p, b"", mode)
    for path, target in links:
        symlink(target, os.path.join(dev, path))


def build_sys(host, out):
    devs = pci_sysdevices(host) + render_sysdevices(host)
    with open(os.path.join(out, "sys.umockdev"), "w") as f:
        f.write("\n".join(d.umockdev() for d in devs))
    sysroot = os.path.join(out, "sys")
    for d in ("bus/pci/devices", "class/drm", "dev/char", "devices"):
        os.makedirs(os.path.join(sysroot, d), exist_ok=True)
    for d in devs:
        d.plain(sysroot)


def apply_breaks(host, out):
    for b in host["breaks"]:
        if b == "truncate-information":
            g = nvidia_gpus(host)[0]
            p = f"{out}/proc/driver/nvidia/gpus/{g['addr']}/information"
            data = open(p).read()
            os.chmod(p, 0o644)
            write(p, data[:data.index("GPU UUID") + 20], 0o444)
        elif b == "information-without-minor":
            # Whole lines, but no "GPU UUID" and "Device Minor".
            g = nvidia_gpus(host)[0]
            p = f"{out}/proc/driver/nvidia/gpus/{g['addr']}/information"
            lines = [l for l in open(p).read().splitlines(True) if not l.startswith(("GPU UUID", "Device Minor"))]
            os.chmod(p, 0o644)
            write(p, "".join(lines), 0o444)
        elif b == "garble-version":
            p = f"{out}/proc/driver/nvidia/version"
            os.chmod(p, 0o644)
            write(p, "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  \n", 0o444)
        elif b == "corrupt-ldcache":
            # A header claiming more entries than the file holds.
            p = f"{out}/root/etc/ld.so.cache"
            data = bytearray(open(p, "rb").read())
            struct.pack_into("<I", data, 20, 0x10000)
            write(p, bytes(data))
        elif b == "dangling-libcuda":
            inst = DriverInstall(host)
            os.unlink(f"{out}/root/{inst.libdir}/libcuda.so.{inst.version}")
        else:
            raise ValueError(f"unknown break {b}")


def build(name, out, mknod=False, stub_libcuda=None):
    host = host_definition(name)
    if os.path.exists(out) and os.listdir(out):
        raise SystemExit(f"mkhost: {out} is not empty; give a new or empty directory")
    os.makedirs(out, exist_ok=True)
    if mknod and os.geteuid() != 0:
        print("mkhost: not root, writing device nodes as regular files", file=sys.stderr)
        mknod = False
    build_sys(host, out)
    build_proc(host, out)
    build_dev(host, out, mknod)
    build_root(host, out, stub_libcuda)
    apply_breaks(host, out)


def describe(name):
    """What a test needs to know about a host, as JSON."""
    host = host_definition(name)
    gpus = [{"addr": g["addr"], "vendor": VENDORS[g["vendor"]], "id": f"{g['vendor']:04x}:{g['device']:04x}",
             "class": f"{g['class'] >> 8:04x}", "driver": g["driver"],
             "nvidia_minor": g["nvidia"]["minor"] if "nvidia" in g else None,
             "nvidia_uuid": g["nvidia"]["uuid"] if "nvidia" in g else None,
             "excluded": bool(g.get("nvidia", {}).get("excluded")),
             "mig": [[gi, ci] for gi, cis in sorted(g.get("nvidia", {}).get("mig", {}).items()) for ci in cis],
             "drm": list(g["drm"]) if g.get("drm") else None}
            for g in host["gpus"]]
    d = {"name": name, "arch": host.get("arch", "x86_64"), "multiarch": "/" + multiarch(host), "gpus": gpus,
         "vendors": sorted({g["vendor"] for g in gpus}) + (["render"] if host.get("render") else []),
         "render": [{"node": f"/dev/dri/renderD{r[6]}", "id": r[7], "driver": r[4]} for r in host.get("render", [])],
         # every PCI function of the host (GPUs and a virtio GPU's), as lspci -n -D lists them
         "pci_devices": sorted([[g["addr"], f"{g['class'] >> 8:04x}", f"{g['vendor']:04x}:{g['device']:04x}", g["driver"]]
                                for g in host["gpus"]] +
                               [[host["virtio_pci"]["addr"], f"{host['virtio_pci']['class'] >> 8:04x}",
                                 f"{host['virtio_pci']['vendor']:04x}:{host['virtio_pci']['device']:04x}", r[2]]
                                for r in host.get("render", []) if r[1] == "pci"]),
         "nvidia_module": host["nvidia"]["module"] if host.get("nvidia") else None,
         "nvidia_libs": host["nvidia"]["libs"] if host.get("nvidia") else None,
         "nvidia_layout": host["nvidia"]["layout"] if host.get("nvidia") else None,
         "nvidia_imex_channels": (host.get("nvidia") or {}).get("imex_channels", []),
         "broken": bool(host["breaks"]) or bool(host["expect"]),
         "expect": host["expect"]}
    if not (host.get("nvidia") and host["nvidia"]["layout"] == "nixos"):
        d["ldcache"] = [list(e) for e in ldcache_entries(host)]
    d["nodes"] = [[p, ma, mi] for p, ma, mi, _ in device_nodes(host)[0]]
    return d


def ldcache_entries(host):
    """The (key, path) pairs build_root writes to ld.so.cache, computed in a scratch tree."""
    import tempfile
    with tempfile.TemporaryDirectory() as t:
        return build_root(dict(host, breaks=[]), t, None)


def main():
    ap = argparse.ArgumentParser(description="Build a fake GPU host for gpucdi's tests.")
    ap.add_argument("host", nargs="?")
    ap.add_argument("outdir", nargs="?")
    ap.add_argument("--mknod", action="store_true", help="create real character devices (root only)")
    ap.add_argument("--stub-libcuda", metavar="PATH", help="install PATH as libcuda.so.<version>")
    ap.add_argument("--list", action="store_true", help="print the host names")
    ap.add_argument("--describe", metavar="HOST", help="print a host's facts as JSON")
    a = ap.parse_args()
    if a.list:
        print("\n".join(HOSTS))
        return 0
    if a.describe:
        if a.describe not in HOSTS:
            ap.error(f"unknown host {a.describe!r} (known: {', '.join(HOSTS)})")
        print(json.dumps(describe(a.describe), indent=2))
        return 0
    if not a.host or not a.outdir:
        ap.error("need HOST and OUTDIR")
    if a.host not in HOSTS:
        ap.error(f"unknown host {a.host!r} (known: {', '.join(HOSTS)})")
    build(a.host, os.path.abspath(a.outdir), a.mknod, a.stub_libcuda)
    return 0


if __name__ == "__main__":
    sys.exit(main())
