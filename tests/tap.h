/* TAP output for the C tests (tests/tap.c, built once in tests/meson.build): one "ok"/"not ok"
 * line per check, "# " diagnostics, the plan printed last by tap_done(); and the small file and
 * stderr helpers every test needs. */
#pragma once

#include <stdbool.h>

/* ok N - description; counts a failure when !pass; returns pass. */
bool tap_ok(bool pass, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define ok(cond, ...) tap_ok(!!(cond), __VA_ARGS__)
/* ok N - description # SKIP reason */
void tap_skip(const char *reason, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "# " before every line of the text: context for a failure, ignored by TAP consumers. */
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The plan; the exit status of the test (1 when a check failed). */
int tap_done(void);

/* Everything written to stderr between the two calls (also echoed as "# stderr:" lines); the
 * caller frees the text. */
void capture_stderr_begin(void);
char *capture_stderr_end(void);
/* ok() that text contains needle. */
void ok_contains(const char *text, const char *needle, const char *what);

/* "a/b", allocated; aborts when out of memory. */
char *join(const char *a, const char *b);
/* A fresh directory under $TMPDIR (default /tmp), allocated; remove it with rm_rf(). */
char *make_tempdir(void);
/* Removes a tree, staying on its file system; no-op for NULL. */
void rm_rf(const char *path);
