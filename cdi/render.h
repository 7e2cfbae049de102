/* The render-node kind: GPUs no vendor spec serves (virtio-gpu in VMs, Apple's AGX on Asahi, Arm
 * SoC GPUs), each given to a container as its DRM render node alone. */
#pragma once

#include <jansson.h>

#include "generate.h"

#define CDI_RENDER_KIND GPUCDI_RENDER_KIND
#define CDI_RENDER_NAME "render"        /* --vendor render; gpucdi-render.json */
/* NVIDIA IMEX channels (/dev/nvidia-caps-imex-channels/channelN) under nvidia-ctk's kind, in a spec
 * of their own as nvidia-ctk writes them; device N is channel N. Written along with the NVIDIA spec. */
#define CDI_IMEX_KIND "nvidia.com/imex-channel"
#define CDI_IMEX_NAME "nvidia-imex"     /* gpucdi-nvidia-imex.json */
/* Their slots after the vendors' in generate's per-spec arrays. */
#define CDI_SPEC_RENDER _GPU_VENDOR_MAX
#define CDI_SPEC_IMEX (_GPU_VENDOR_MAX + 1)
#define _CDI_SPEC_MAX (_GPU_VENDOR_MAX + 2)

/* Devices named by index (in render minor order), by udev's path_id name ("pci-0000:00:02.0",
 * "platform-206400000.gpu") and "all"; only /dev/dri/renderD<N>, no card node, no hook. -ENODEV
 * if the host has none; -ERANGE with a message if a forced cdiVersion cannot carry it. */
int cdi_generate_render_spec(const struct host *h, const struct generate_options *opts, json_t **ret);
/* Devices named by channel number and "all", each the channel's node alone; -ENODEV without a
 * usable channel node. */
int cdi_generate_imex_spec(const struct host *h, const struct generate_options *opts, json_t **ret);

/* "nvidia", ..., "render", "nvidia-imex" for a spec slot; its file name "gpucdi-<name>.json". */
const char *cdi_spec_slot_name(int slot);
int cdi_spec_slot_filename(int slot, char **ret);
