/* What GPUs, device nodes and driver files a host has: read from sysfs (libpci, libudev), procfs,
 * /dev and driver roots, never through vendor libraries or ioctls. Every root is injectable. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum gpu_vendor {
        GPU_VENDOR_NVIDIA,
        GPU_VENDOR_AMD,
        GPU_VENDOR_INTEL,
        _GPU_VENDOR_MAX,
};

/* "nvidia", "amd", "intel"; and the CDI vendor domain: "nvidia.com", ... */
const char *gpu_vendor_name(enum gpu_vendor v);
const char *gpu_vendor_domain(enum gpu_vendor v);
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

/* A device node the host has (under the dev root), with its container path. */
struct devnode {
        char path[NODE_PATH_MAX];        /* container path, "/dev/nvidiactl" */
        unsigned major, minor;           /* from stat; 0:0 if not a char device */
        bool is_char;
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
        struct devnode nv_node;          /* /dev/nvidia<minor> as stat'ed under the dev root; path "" if absent */
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
        struct devnode *nv_ctl_nodes;    /* nvidiactl, nvidia-uvm, nvidia-uvm-tools, nvidia-modeset */
        size_t n_nv_ctl_nodes;
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

/* Bound to a driver containers can use (nvidia; amdgpu; i915, xe). Only such GPUs get CDI devices,
 * and their index among the vendor's usable GPUs is the CDI device name ("nvidia.com/gpu=0"). */
bool gpu_driver_usable(const struct gpu *g);

/* Print the host as a table or JSON (schema at the top of print.c and in docs/gpucdi-probe.1.scd). */
int host_print_table(const struct host *h, FILE *f);
int host_print_json(const struct host *h, FILE *f);
