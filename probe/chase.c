/* Resolving a path inside a root directory as the host under it would (symlinks, ".."): driver files
 * are found and checked where they really are. */
#include <limits.h>
#include <sys/stat.h>

#include "probe-internal.h"
#include "util.h"

#define MAX_SYMLINKS 40

int path_chase(const char *root, const char *start, const char *path, char **ret, struct stat *ret_st) {
        char resolved[PATH_MAX];
        size_t rootlen = path_is_root(root) ? 0 : strlen(root);
        while (rootlen > 0 && root[rootlen - 1] == '/')
                rootlen--;
        if (rootlen >= sizeof resolved)
                return -ENAMETOOLONG;
        memcpy(resolved, root ? root : "", rootlen);
        size_t len = rootlen;
        if (start && path[0] != '/') {
                size_t n = strlen(start);
                if (n >= sizeof resolved || n < rootlen)
                        return -ENAMETOOLONG;
                memcpy(resolved, start, n);
                len = n;
        }
        resolved[len] = 0;

        _cleanup_free_ char *todo = strdup(path);
        if (!todo)
                return -ENOMEM;
        const char *p = todo;
        unsigned links = 0;
        struct stat st;
        bool have_st = false;
        for (;;) {
                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                const char *e = strchrnul(p, '/');
                size_t clen = (size_t) (e - p);
                if (clen == 1 && p[0] == '.') {
                        p = e;
                        continue;
                }
                if (clen == 2 && p[0] == '.' && p[1] == '.') {
                        while (len > rootlen && resolved[len - 1] != '/')
                                len--;
                        if (len > rootlen)
                                len--;
                        resolved[len] = 0;
                        have_st = false;
                        p = e;
                        continue;
                }
                if (len + 1 + clen >= sizeof resolved)
                        return -ENAMETOOLONG;
                resolved[len] = '/';
                memcpy(resolved + len + 1, p, clen);
                resolved[len + 1 + clen] = 0;

                if (lstat(resolved, &st) < 0)
                        return -errno;
                have_st = true;
                if (S_ISLNK(st.st_mode)) {
                        char target[PATH_MAX];
                        if (++links > MAX_SYMLINKS)
                                return -ELOOP;
                        ssize_t k = readlink(resolved, target, sizeof target - 1);
                        if (k < 0)
                                return -errno;
                        if ((size_t) k >= sizeof target - 1)
                                return -ENAMETOOLONG;
                        target[k] = 0;
                        char *next;
                        if (asprintf(&next, "%s%s", target, e) < 0)
                                return -ENOMEM;
                        free(todo);
                        todo = next;
                        p = todo;
                        if (target[0] == '/')
                                len = rootlen;
                        resolved[len] = 0;
                        have_st = false;
                        continue;
                }
                if (*e && !S_ISDIR(st.st_mode))
                        return -ENOTDIR;
                len += 1 + clen;
                p = e;
        }
        if (!have_st && lstat(len > 0 ? resolved : "/", &st) < 0)
                return -errno;
        char *r = strdup(len > 0 ? resolved : "/");
        if (!r)
                return -ENOMEM;
        *ret = r;
        if (ret_st)
                *ret_st = st;
        return 0;
}

int path_chase_abs(const char *link_root, const char *abs, char **ret, struct stat *ret_st) {
        return path_chase(link_root, NULL, path_is_root(link_root) ? abs : abs + strlen(link_root), ret, ret_st);
}
