/* Minimal TAP producer for the cdi tests: ok()/skip() lines, a plan at the end. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static unsigned tap_count, tap_failed;

static inline bool tap_ok(bool pass, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline bool tap_ok(bool pass, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        printf("%sok %u - ", pass ? "" : "not ", ++tap_count);
        vprintf(fmt, ap);
        putchar('\n');
        va_end(ap);
        if (!pass)
                tap_failed++;
        fflush(stdout);
        return pass;
}

static inline void tap_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void tap_skip(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        printf("ok %u # SKIP ", ++tap_count);
        vprintf(fmt, ap);
        putchar('\n');
        va_end(ap);
        fflush(stdout);
}

/* A "# ..." line: context for the next failure, ignored by TAP consumers. */
static inline void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void tap_diag(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        fputs("# ", stdout);
        vprintf(fmt, ap);
        putchar('\n');
        va_end(ap);
        fflush(stdout);
}

static inline int tap_done(void) {
        printf("1..%u\n", tap_count);
        return tap_failed ? 1 : 0;
}

#define ok(cond, ...) tap_ok(!!(cond), __VA_ARGS__)
