#include "util.h"

#include <fcntl.h>
#include <sys/stat.h>

static const char *log_prefix = "gpucdi";
static bool log_quiet;

void log_set_prefix(const char *prefix) { log_prefix = prefix; }
void log_set_quiet(bool quiet) { log_quiet = quiet; }

_printf_(2, 0) static void log_va(const char *level, const char *fmt, va_list ap) {
        if (log_quiet)
                return;
        fprintf(stderr, "%s: %s: ", log_prefix, level);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
}

void log_msg(const char *level, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        log_va(level, fmt, ap);
        va_end(ap);
}

int log_errno(int r, const char *fmt, ...) {
        va_list ap;
        int e = r < 0 ? -r : r;
        errno = e; /* so that %m in fmt names this error */
        va_start(ap, fmt);
        log_va("error", fmt, ap);
        va_end(ap);
        return -e;
}

int path_join(const char *root, const char *rel, char **ret) {
        char *p;
        if (!root || streq(root, "/") || !*root) {
                p = strdup(rel);
        } else {
                size_t n = strlen(root);
                while (n > 1 && root[n - 1] == '/')
                        n--;
                while (*rel == '/')
                        rel++;
                if (asprintf(&p, "%.*s/%s", (int) n, root, rel) < 0)
                        p = NULL;
        }
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

int path_walk_parents(const char *path, int (*fn)(const char *dir, void *userdata), void *userdata) {
        _cleanup_free_ char *d = strdup(path);
        if (!d)
                return -ENOMEM;
        for (;;) {
                char *slash = strrchr(d, '/');
                if (!slash)
                        return 0;
                if (slash == d)
                        slash[1] = 0;
                else
                        *slash = 0;
                int r = fn(d, userdata);
                if (r != 0)
                        return r < 0 ? r : 0;
                if (streq(d, "/"))
                        return 0;
        }
}

int read_fd(int fd, size_t max, char **ret, size_t *ret_size) {
        /* sysfs/proc report size 4096 or 0 whatever they hold, pipes none: read until EOF within max. */
        size_t cap = 4096, len = 0;
        _cleanup_free_ char *buf = malloc(cap + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                if (len == cap) {
                        if (cap > max)
                                return -EFBIG;
                        size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
                        char *nb = realloc(buf, ncap + 1);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                        cap = ncap;
                }
                ssize_t n = read(fd, buf + len, cap - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                len += (size_t) n;
                if (len > max)
                        return -EFBIG;
        }
        buf[len] = 0;
        if (ret_size)
                *ret_size = len;
        *ret = TAKE_PTR(buf);
        return 0;
}

int read_file(const char *path, size_t max, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        return read_fd(fd, max, ret, ret_size);
}

char *strprintf(const char *fmt, ...) {
        va_list ap;
        char *p;
        va_start(ap, fmt);
        int r = vasprintf(&p, fmt, ap);
        va_end(ap);
        return r < 0 ? NULL : p;
}

char *strstrip(char *s) {
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
                s++;
        size_t n = strlen(s);
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
                s[--n] = 0;
        return s;
}

int read_line(const char *path, char **ret) {
        _cleanup_free_ char *buf = NULL;
        int r = read_file(path, 64 * 1024, &buf, NULL);
        if (r < 0)
                return r;
        char *nl = strchr(buf, '\n');
        if (nl)
                *nl = 0;
        char *s = strstrip(buf);
        char *p = strdup(s);
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}
