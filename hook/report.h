/* How decisions are told: one line per violated rule for people, a JSON array for tools, and
 * syslog for the host's record. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "policy.h"

/* Lines "gpucdi: refused LABEL: [rule] found; why; fix: ..." (or the audit form) for every rule
 * that fired and is enabled. Returns how many were printed. */
size_t report_lines(FILE *f, const char *label, char **found, const struct policy *p);
/* [{"rule", "found", "why", "fix"}, ...] for the same rules. */
int report_json(FILE *f, char **found, const struct policy *p);

/* A syslog client that never blocks and never fails the caller: without /dev/log it does nothing.
 * It connects on the first message, so a container without a GPU costs no connection. */
struct slog {
        int fd;
        bool tried;             /* connected lazily, on the first message */
        const char *ident;
};
void slog_open(struct slog *s, const char *ident);
void slog_close(struct slog *s);
void slog_send(struct slog *s, int priority, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
