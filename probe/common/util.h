/* Small helpers shared by every module: cleanup attributes, logging, bounded file reads. */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

static inline void freep(void *p) { free(*(void **) p); }
static inline void closep(int *fd) { if (*fd >= 0) { int e = errno; close(*fd); errno = e; } }
static inline void fclosep(FILE **f) { if (*f) fclose(*f); }
static inline void closedirp(DIR **d) { if (*d) closedir(*d); }
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Hand ownership out of a cleanup variable. */
#define TAKE_PTR(p) ({ __typeof__(p) _p = (p); (p) = NULL; _p; })
#define TAKE_FD(fd) ({ int _fd = (fd); (fd) = -EBADF; _fd; })

static inline bool streq(const char *a, const char *b) { return strcmp(a, b) == 0; }
static inline bool startswith(const char *s, const char *prefix) {
        return strncmp(s, prefix, strlen(prefix)) == 0;
}
static inline bool endswith(const char *s, const char *suffix) {
        size_t n = strlen(s), m = strlen(suffix);
        return n >= m && streq(s + n - m, suffix);
}

/* Messages go to stderr prefixed with the program name; the *_errno forms return -|r| so that
 * `return log_error_errno(r, ...)` reports and propagates in one line. */
void log_set_prefix(const char *prefix);
void log_set_quiet(bool quiet);
void log_msg(const char *level, const char *fmt, ...) _printf_(2, 3);
int log_errno(int r, const char *fmt, ...) _printf_(2, 3);  /* r: a negative errno */
#define log_error(...) log_msg("error", __VA_ARGS__)
#define log_warning(...) log_msg("warning", __VA_ARGS__)
#define log_error_errno(r, ...) log_errno((r), __VA_ARGS__)

/* root + "/" + rel, with duplicate slashes collapsed at the join; root NULL or "/" means rel as is. */
int path_join(const char *root, const char *rel, char **ret);

/* Call fn on each directory above the absolute path, nearest first, ending with "/". fn returns
 * <0 to stop with that error, >0 to stop early with success, 0 to go on. */
int path_walk_parents(const char *path, int (*fn)(const char *dir, void *userdata), void *userdata);

/* Read a whole file or fd to EOF (at most max bytes, else -EFBIG), NUL-terminated. ret_size may be NULL. */
int read_file(const char *path, size_t max, char **ret, size_t *ret_size);
int read_fd(int fd, size_t max, char **ret, size_t *ret_size);
/* Read a one-line sysfs/proc attribute, trailing whitespace stripped. */
int read_line(const char *path, char **ret);

/* A formatted string, or NULL when out of memory (asprintf leaves its pointer undefined then,
 * which a cleanup attribute would free). */
char *strprintf(const char *fmt, ...) _printf_(1, 2);

/* Strip leading and trailing whitespace in place; returns s. */
char *strstrip(char *s);
