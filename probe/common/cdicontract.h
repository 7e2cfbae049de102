/* The CDI contract: what gpucdi (the writer), its hook and podman agree on. Where specs live,
 * which files in there are specs, how large one may be, and the arguments of the hook entries
 * generate writes and the hook reads back. */
#pragma once

#include <stdbool.h>

/* Directories podman and containerd read, lowest priority first (later overrides earlier), as
 * the CDI reference library's DefaultSpecDirs. NULL-terminated. */
extern const char *const cdi_default_spec_dirs[];

/* The largest spec file any reader here loads; a larger one is skipped (or refused) as unreadable. */
#define CDI_SPEC_SIZE_MAX (64u * 1024u * 1024u)

enum cdi_spec_format {
        CDI_SPEC_NONE,  /* not a spec file: never read */
        CDI_SPEC_JSON,
        CDI_SPEC_YAML,
};

/* Which files of a spec directory are specs, by name (or path): those ending in ".json" or ".yaml"
 * (not ".yml"), hidden ones included, as the CDI reference library that podman and containerd use
 * decides (filepath.Ext). Our own temp files end in neither. */
enum cdi_spec_format cdi_spec_format_of_name(const char *name);

/* The hook entry generate writes: args GPUCDI_HOOK_ARG0 GPUCDI_HOOK_STAGE GPUCDI_HOOK_DEVICE_OPT FQN,
 * env GPUCDI_HOOK_ENV; the hooks.d entry passes GPUCDI_HOOK_HOOKS_D_OPT instead of devices. */
#define GPUCDI_HOOK_ARG0 "gpucdi-hook"
#define GPUCDI_HOOK_STAGE "prestart"
#define GPUCDI_HOOK_DEVICE_OPT "--cdi-device"
#define GPUCDI_HOOK_HOOKS_D_OPT "--hooks-d"
#define GPUCDI_HOOK_ENV "GPUCDI_HOOK=1"
