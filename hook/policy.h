/* The host policy file: which rules refuse a container, and whether refusals are enforced.
 * It is trusted only when root (or, for gpucdi check, the caller) owns it and every directory
 * above it, and nobody else can write any of them. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

struct policy {
        bool audit;
        bool *enabled;     /* one per rule in rules_table */
};

/* Defaults: enforce; rules on as the table says. */
int policy_init(struct policy *p);
/* Load path over the defaults. A missing file keeps the defaults (ret_found false). An untrusted or
 * malformed file is an error (-EPERM, -EBADMSG), logged with the reason. trusted_uid: the owner
 * besides root that is accepted ((uid_t) -1 for none). */
int policy_load(struct policy *p, const char *path, uid_t trusted_uid, bool *ret_found);
void policy_done(struct policy *p);
