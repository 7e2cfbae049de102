/* Mount options of an OCI config as runc hands them on: its own flags, and the rest as kernel data
 * split as overlayfs splits it, with every directory an overlay names. */
#include "oci-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Slots for n items and the terminator, in powers of two: a push is amortised O(1). */
static size_t vec_cap(size_t n) {
        size_t c = 4;
        while (c < n + 1)
                c *= 2;
        return c;
}

int oci_vec_empty(void *vp, size_t size) {
        char **v = vp;
        if (!*v && !(*v = calloc(vec_cap(0), size)))
                return -ENOMEM;
        return 0;
}

int oci_vec_push(void *vp, size_t *n, size_t size, const void *item) {
        char **v = vp;
        if (!*v || vec_cap(*n + 1) != vec_cap(*n)) {
                char *nv = realloc(*v, vec_cap(*n + 1) * size);
                if (!nv)
                        return -ENOMEM;
                *v = nv;
        }
        memcpy(*v + *n * size, item, size);
        memset(*v + (*n + 1) * size, 0, size);  /* keeps pointer vectors NULL-terminated */
        (*n)++;
        return 0;
}

/* Drop the kernel's backslash escapes in place. */
static void unescape(char *s) {
        char *d = s;
        for (; *s; s++) {
                if (*s == '\\' && s[1])
                        s++;
                *d++ = *s;
        }
        *d = 0;
}

/* Splits at unescaped SEP in place, as overlayfs does ("\," "\:" escape); returns the next piece. */
static char *next_piece(char **p, char sep) {
        char *s = *p, *t = s;
        if (!s)
                return NULL;
        for (; *t && *t != sep; t++)
                if (*t == '\\' && t[1])
                        t++;
        *p = *t ? t + 1 : NULL;
        *t = 0;
        return s;
}

static int push_dir(struct oci_mount *m, char *path, bool writable) {
        unescape(path);
        if (!*path)
                return 0;
        const char *p = path;
        return writable ? oci_vec_push(&m->upperdirs, &m->n_upperdirs, sizeof p, &p)
                        : oci_vec_push(&m->lowerdirs, &m->n_lowerdirs, sizeof p, &p);
}

/* An option runc does not know goes to the kernel as data, joined with ',': split it as the
 * kernel does. Every path any piece names counts (the kernel keeps the last upperdir and lowerdir=,
 * the hook judges them all). */
static int mount_data(struct oci_mount *m, const char *opt) {
        if (!strstr(opt, "dir"))
                return 0;
        char *buf = strdup(opt);
        if (!buf || oci_vec_push(&m->bufs, &m->n_bufs, sizeof buf, &buf) < 0) {
                free(buf);
                return -ENOMEM;
        }
        for (char *p = buf, *s; (s = next_piece(&p, ',')); ) {
                int r = 0;
                if (startswith(s, "upperdir=") || startswith(s, "workdir="))
                        r = push_dir(m, strchr(s, '=') + 1, true);
                else if (startswith(s, "lowerdir+=") || startswith(s, "datadir+="))
                        r = push_dir(m, strchr(s, '=') + 1, false);
                else if (startswith(s, "lowerdir="))
                        for (char *q = s + strlen("lowerdir="), *t; r >= 0 && (t = next_piece(&q, ':')); )
                                r = push_dir(m, t, false);
                if (r < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* Options as runc reads them: its flags by the whole string (later ones win, the recursive
 * rro/rrw applied after ro/rw whatever the order), anything else as kernel data. */
int oci_mount_options(struct oci_mount *m, const char **opts, size_t n) {
        int rec = -1;  /* last of rro (1) / rrw (0) */
        for (size_t i = 0; i < n; i++) {
                const char *s = opts[i];
                if (streq(s, "bind"))
                        m->bind = true;
                else if (streq(s, "rbind"))
                        m->bind = m->recursive = true;
                else if (streq(s, "ro"))
                        m->ro = true;
                else if (streq(s, "rw"))
                        m->ro = false;
                else if (streq(s, "rro"))
                        rec = 1;
                else if (streq(s, "rrw"))
                        rec = 0;
                else if (streq(s, "remount"))
                        m->remount = true;
                else if (streq(s, "shared") || streq(s, "rshared"))
                        m->shared = true;
                else if (streq(s, "private") || streq(s, "rprivate") || streq(s, "slave") || streq(s, "rslave") ||
                         streq(s, "unbindable") || streq(s, "runbindable"))
                        m->shared = false;
                else if (mount_data(m, s) < 0)
                        return -ENOMEM;
        }
        if (rec >= 0)
                m->ro = m->rro = rec;
        return 0;
}

