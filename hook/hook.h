/* The GPU isolation hook's work, shared by the gpucdi-hook program (hook/gpucdi-hook.c,
 * hook/hook-command.c), `gpucdi hook` and `gpucdi check` (cdi/verb-check.c). The commands parse
 * options and pick exit codes; these functions do the work and return 0 or -errno. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct hook_params {
        char **cdi_devices;        /* CDI devices the container requested (nvidia.com/gpu=0) */
        size_t n_cdi_devices;
        char **spec_dirs;          /* none: cdispec_default_dirs */
        size_t n_spec_dirs;
        const char *proc_root;     /* NULL: /proc */
        const char *dev_root;      /* NULL: /dev */
        const char *policy;        /* NULL: GPUCDI_POLICY_FILE */
};

/* Whether name is a fully-qualified CDI device name (vendor/class=device). */
bool hook_cdi_device_name_valid(const char *name);
/* Adds a copy of name to p's devices or spec directories; -ENOMEM. */
int hook_params_add_device(struct hook_params *p, const char *name);
int hook_params_add_spec_dir(struct hook_params *p, const char *dir);
void hook_params_done(struct hook_params *p);

/* Prints the rules, one "ID<TAB>on|off<TAB>WHY" line each. */
int hook_print_rules(FILE *f);

/* The prestart hook: reads the OCI container state from state_fd, the container's config.json from
 * its bundle, and judges it. args (n_args of them) are the hook's own command-line arguments, as
 * they appear in the config's hooks.prestart entry (an earlier entry of this program with the same
 * arguments does the work). Refusals are reported on stderr and to syslog. Returns 0 with
 * *ret_refused set when the container was judged; -errno (reported, a refusal too) when the state,
 * the config or the policy cannot be used. */
int hook_run(const struct hook_params *p, int state_fd, const char *const *args, size_t n_args, bool *ret_refused);

/* `gpucdi check`: the hook's rules on the config.json at path, offline, reported on out (lines, or
 * a JSON array when json is set). Returns 0 with *ret_refused set, or -errno (reported) when the
 * config or the policy cannot be used. */
int hook_check_config(const struct hook_params *p, const char *path, bool json, FILE *out, bool *ret_refused);
