/* The policy table: every rule the hook applies to a GPU container, with a stable id, what it
 * protects and how to fix a violation. Evaluation only finds; policy decides what is refused. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cdispec.h"
#include "host.h"
#include "oci.h"

struct eval;

struct rule {
        const char *id;
        bool default_on;
        const char *parent;  /* a rule that implies this one: when it fires, this one is not reported */
        int ns;              /* for ns-host-* rules: the enum oci_ns, else -1 */
        void (*check)(struct eval *e, size_t self);
        const char *why;
        const char *fix;
};

extern const struct rule rules_table[];
extern const size_t rules_count;

/* Index of a rule id, or -ENOENT. */
int rules_find(const char *id);

struct rules_input {
        const struct oci_config *cfg;
        struct hook_host *host;
        const char *const *requested;   /* CDI device names the gpucdi hook entries carry */
        size_t n_requested;
        const char *const *spec_dirs;   /* NULL-terminated */
        const char *bundle;             /* relative paths (root.path, bind sources) are below it; may be NULL */
};

/* Whether the container can reach a GPU at all; ret_reason (may be NULL) says how, for the log.
 * Judged over every candidate value of a folded key, and never fails: a container that asked for
 * no GPU is only ever asked this. */
bool rules_gpu_container(const struct rules_input *in, const char **ret_reason);

/* Run every rule. ret_found gets one string per rule (rules_count entries): what was found, or NULL
 * when the rule did not fire or an implying rule fired. */
int rules_evaluate(const struct rules_input *in, char ***ret_found);
void rules_found_free(char **found);
