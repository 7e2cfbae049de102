/* What GPUs, device nodes and driver files a host has: read from sysfs (libpci, libudev), procfs,
 * /dev and driver roots, never through vendor libraries or ioctls. Every root is injectable. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

enum gpu_vendor {
        GPU_VENDOR_NVIDIA,
        GPU_VENDOR_AMD,
        GPU_VENDOR_INTEL,
        _GPU_VENDOR_MAX,
};

/* "nvidia", "amd", "intel"; and the CDI vendor domain: "nvidia.com", ... */
const char *gpu_vendor_name(enum gpu_vendor v);
const char *gpu_vendor_domain(enum gpu_vendor v);
/* The CDI kind of render-node GPUs no vendor spec serves (struct render_gpu): device N is the
 * host's N-th such render node. */
#define GPUCDI_RENDER_KIND "gpucdi.io/render"
int gpu_vendor_from_name(const char *name, enum gpu_vendor *ret);
/* 0x10de, 0x1002, 0x8086 -> vendor; -ENOENT for any other PCI vendor id */
int gpu_vendor_from_pci_id(uint16_t pci_vendor_id, enum gpu_vendor *ret);

struct probe_roots {
        const char *sysfs;  /* default "/sys" */
        const char *proc;   /* default "/proc" */
        const char *dev;    /* default "/dev" */
        const char *root;   /* host filesystem root for /etc/ld.so.cache, /usr/share/...; default "/" */
        const char *const *driver_roots; /* extra driver library dirs or driver install roots */
        size_t n_driver_roots;
};

#define PCI_ADDR_MAX 32
#define NODE_PATH_MAX 256

/* How a node under the dev root compares with what the kernel says it must be. */
enum devnode_state {
        DEVNODE_MISSING,
        DEVNODE_OK,             /* a character device with the expected major:minor */
        DEVNODE_NOT_CHAR,       /* something else stands at its path */
        DEVNODE_WRONG_NUMBER,   /* a character device with another major:minor (stale) */
        DEVNODE_NO_DRIVER,      /* present, but no driver registered the numbers it should have */
        _DEVNODE_STATE_MAX,
};
const char *devnode_state_name(enum devnode_state s);

/* A device node (under the dev root), with its container path. */
struct devnode {
        char path[NODE_PATH_MAX];        /* container path, "/dev/nvidiactl" */
        unsigned major, minor;           /* from stat; 0:0 if not a char device */
        bool is_char;
        int want_major, want_minor;      /* what the kernel says; -1 if it does not know the device */
        enum devnode_state state;
};

/* A character-device major from /proc/devices. */
struct chrdev {
        unsigned major;
        char name[64];
};

/* A MIG compute instance (from /proc/driver/nvidia/capabilities/gpu<minor>/mig/gi<G>/ci<C>/access). */
struct mig_instance {
        unsigned gi, ci;
        struct devnode gi_cap, ci_cap;   /* /dev/nvidia-caps/nvidia-cap<minor> of the GI and CI access files */
        mode_t gi_mode, ci_mode;         /* DeviceFileMode of the access files */
};

struct gpu {
        enum gpu_vendor vendor;
        char pci_addr[PCI_ADDR_MAX];     /* "0000:00:06.0" */
        uint16_t vendor_id, device_id, subsys_vendor_id, subsys_device_id;
        uint32_t class_code;             /* 0x030200 */
        char driver[64];                 /* bound kernel driver, "" if none */
        int numa_node;                   /* -1 if unknown */
        /* DRM nodes, container paths ("/dev/dri/card1"); "" if none. */
        char card_node[NODE_PATH_MAX];
        char render_node[NODE_PATH_MAX];
        int card_minor, render_minor;     /* 226:N, -1 if none */
        char by_path_card[NODE_PATH_MAX];   /* "/dev/dri/by-path/pci-0000:00:02.0-card", "" if absent */
        char by_path_render[NODE_PATH_MAX];
        bool drm_confirmed;              /* libdrm's device list agreed on the node mapping */
        /* NVIDIA, from /proc/driver/nvidia/gpus/<pci>/information */
        int nv_minor;                    /* /dev/nvidiaN, -1 if unknown */
        char nv_uuid[64];                /* "GPU-ad534904-..." */
        char nv_model[128];
        struct devnode nv_node;          /* /dev/nvidia<minor> checked under the dev root; path "" if no minor */
        bool nv_excluded;                /* "GPU Excluded: Yes": the driver will not use it */
        struct mig_instance *migs;       /* sorted by GI, then CI */
        size_t n_migs;
        /* DRM nodes checked against sysfs `dev` (card_node, render_node name them). */
        struct devnode card, render;
};

/* A DRM render node of a driver no vendor spec serves (virtio_gpu, asahi, panfrost, msm, ...). */
struct render_gpu {
        struct devnode node;             /* "/dev/dri/renderD128" as stat'ed under the dev root */
        int minor;                       /* 128.. */
        char driver[64];                 /* "virtio_gpu", "asahi" */
        char bus[32];                    /* the device's bus: "virtio", "platform", "pci" */
        char id[128];                    /* udev's path_id name: "pci-0000:00:02.0", "platform-206400000.gpu";
                                          * "" where it has none (virtio-mmio) */
};

struct host {
        struct gpu *gpus;                /* sorted by PCI address */
        size_t n_gpus;
        /* NVIDIA */
        char nv_driver_version[64];      /* "580.159.04" from /proc/driver/nvidia/version, "" if none */
        struct devnode *nv_ctl_nodes;    /* nvidiactl, nvidia-uvm, nvidia-uvm-tools, nvidia-modeset: each
                                          * one the kernel knows or the dev root has, checked */
        size_t n_nv_ctl_nodes;
        int nv_caps_major;               /* "nvidia-caps" in /proc/devices, -1 if absent */
        struct devnode *imex_channels;   /* /dev/nvidia-caps-imex-channels/channelN present, sorted by N */
        size_t n_imex_channels;
        struct chrdev *chrdevs;          /* /proc/devices, character section */
        size_t n_chrdevs;
        /* AMD */
        bool has_kfd;                    /* /dev/kfd */
        struct devnode kfd_node;         /* its stat, path "" if absent */
        /* Render nodes of other drivers, by minor (render.c) */
        struct render_gpu *render_gpus;
        size_t n_render_gpus;
};

/* Enumerate the host. Missing vendor files are not errors (a GPU without its driver still shows);
 * malformed ones are, with a message naming the file. */
int probe_host(const struct probe_roots *roots, struct host **ret);
void host_free(struct host *h);
static inline void host_freep(struct host **h) { if (*h) host_free(*h); }

size_t host_count_vendor(const struct host *h, enum gpu_vendor v);

/* Bound to a driver containers can use (nvidia; amdgpu; i915, xe), and not excluded by the NVIDIA
 * driver ("GPU Excluded: Yes", which NVML does not enumerate either). Only such GPUs get CDI devices,
 * and their index among the vendor's usable GPUs is the CDI device name ("nvidia.com/gpu=0"). */
bool gpu_driver_usable(const struct gpu *g);

/* The major /proc/devices gives a character device name ("nvidia-uvm"), -1 if none. */
int host_chrdev_major(const struct host *h, const char *name);

/* The NVIDIA nodes the kernel knows (majors in /proc/devices) but the dev root lacks or holds stale:
 * create them as nvidia-modprobe does (root:root, mode 0666; capability nodes with the mode their
 * procfs file gives), then check them again. Needs CAP_MKNOD. Each created node is reported on
 * stderr; ret_created counts them. */
int nvidia_create_nodes(const struct probe_roots *roots, struct host *h, size_t *ret_created);
