/* Fuzz target: the hook's OCI parsers and rules. The input is a container state and a config.json
 * separated by the first NUL byte (no NUL: the whole input is tried as both). Every config that
 * parses is judged by every rule, against a host with no files, as the hook would judge it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "oci.h"
#include "rules.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        log_set_quiet(true);
        return 0;
}

/* The parsers take over a malloc'ed, NUL-terminated copy. */
static char *copy(const char *buf, size_t len) {
        char *c = malloc(len + 1);
        if (!c)
                abort();
        memcpy(c, buf, len);
        c[len] = 0;
        return c;
}

static void check_state(const char *buf, size_t len) {
        struct oci_state s;
        if (oci_state_parse(copy(buf, len), len, "fuzz", &s) < 0)
                return;
        /* What the hook relies on after a successful parse. */
        if (!s.id || !*s.id || !s.bundle || s.bundle[0] != '/')
                abort();
        oci_state_free(&s);
}

static void check_config(const char *buf, size_t len) {
        struct oci_config c;
        if (oci_config_parse(copy(buf, len), len, "fuzz", &c) < 0)
                return;
        /* Numbers as the runtime applies them. */
        for (size_t i = 0; i < c.n_devices; i++)
                if (!c.devices[i].path || !strchr("cbp", c.devices[i].type) || c.devices[i].major < 0 ||
                    c.devices[i].major > 0xfff || c.devices[i].minor < 0 || c.devices[i].minor > 0xfffff)
                        abort();
        for (size_t i = 0; i < c.n_cgroup_rules; i++)
                if (c.cgroup_rules[i].major < -1 || c.cgroup_rules[i].major > UINT32_MAX)
                        abort();
        for (size_t i = 0; i < c.n_mounts; i++)
                if (!c.mounts[i].destination)
                        abort();
        for (size_t i = 0; i < c.n_prestart; i++)
                if (!c.prestart[i].path || c.prestart[i].args[c.prestart[i].n_args])
                        abort();

        struct hook_host h;
        host_init(&h, "/nonexistent/proc", "/nonexistent/dev");
        static const char *const no_dirs[] = { "/nonexistent/cdi", NULL };
        static const char *const requested[] = { "nvidia.com/gpu=0", "bad" };
        struct rules_input in = {
                .cfg = &c,
                .host = &h,
                .requested = requested,
                .n_requested = ELEMENTSOF(requested),
                .spec_dirs = no_dirs,
        };
        (void) rules_gpu_container(&in, NULL);
        in.bundle = "/nonexistent/bundle";
        char **found = NULL;
        if (rules_evaluate(&in, &found) < 0)
                abort();
        /* Both requested devices are in no spec: spec-stale must say so. */
        int stale = rules_find("spec-stale");
        if (stale < 0 || !found[stale] || !strstr(found[stale], "nvidia.com/gpu=0"))
                abort();
        rules_found_free(found);
        host_done(&h);
        oci_config_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > OCI_CONFIG_MAX)
                return 0;
        const char *buf = (const char *) data;
        const char *nul = memchr(buf, 0, size);
        if (nul) {
                check_state(buf, (size_t) (nul - buf));
                check_config(nul + 1, size - (size_t) (nul - buf) - 1);
        } else {
                check_state(buf, size);
                check_config(buf, size);
        }
        return 0;
}
