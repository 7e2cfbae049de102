#include "policy.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "oci.h"
#include "rules.h"
#include "util.h"

#define POLICY_MAX (64u * 1024u)

int policy_init(struct policy *p) {
        *p = (struct policy) {};
        p->enabled = calloc(rules_count, sizeof *p->enabled);
        if (!p->enabled)
                return -ENOMEM;
        for (size_t i = 0; i < rules_count; i++)
                p->enabled[i] = rules_table[i].default_on;
        return 0;
}

void policy_done(struct policy *p) {
        free(p->enabled);
        p->enabled = NULL;
}

struct owners {
        uid_t trusted;      /* besides root */
        uid_t overflow;     /* what root's files look like from inside a user namespace, or -1 */
};

/* Rootless podman runs hooks in the user's namespace, where files of the real root show up as
 * owned by the overflow uid (65534): there, that owner is root. */
static struct owners owners_init(uid_t trusted) {
        struct owners o = { trusted, (uid_t) -1 };
        _cleanup_free_ char *map = NULL, *overflow = NULL;
        unsigned long inside, outside, count;
        if (read_line("/proc/self/uid_map", &map) < 0 ||
            (sscanf(map, "%lu %lu %lu", &inside, &outside, &count) == 3 && inside == 0 && outside == 0 &&
             count == 4294967295UL))
                return o;
        o.overflow = 65534;
        if (read_line("/proc/sys/kernel/overflowuid", &overflow) >= 0)
                o.overflow = (uid_t) strtoul(overflow, NULL, 10);
        return o;
}

/* Owned by root or the trusted uid, and not writable by group or others, unless the sticky bit
 * keeps others from replacing entries they do not own (/tmp, and /nix/store on NixOS). */
static int trusted_stat(const char *path, const struct stat *st, const struct owners *o, bool dir) {
        if (st->st_uid != 0 && st->st_uid != o->trusted && st->st_uid != o->overflow) {
                log_error("Policy %s %s is owned by uid %u, not root: refusing to trust it", dir ? "directory" : "file",
                          path, (unsigned) st->st_uid);
                return -EPERM;
        }
        if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !(dir && (st->st_mode & S_ISVTX))) {
                log_error("Policy %s %s is writable by %s (mode %04o): refusing to trust it; fix: chmod go-w %s",
                          dir ? "directory" : "file", path, st->st_mode & S_IWOTH ? "others" : "its group",
                          (unsigned) (st->st_mode & 07777), path);
                return -EPERM;
        }
        return 0;
}

static int trusted_parent(const char *d, void *userdata) {
        struct stat st;
        if (stat(d, &st) < 0)
                return log_error_errno(-errno, "Failed to stat %s: %m", d);
        return trusted_stat(d, &st, userdata, true);
}

/* Check each directory above path (a normalised absolute path). */
static int trusted_parents(const char *path, const struct owners *o) {
        return path_walk_parents(path, trusted_parent, (void *) o);
}

static int parse_error(const char *path, unsigned line, const char *what) {
        log_error("%s:%u: %s", path, line, what);
        return -EBADMSG;
}

static int parse(struct policy *p, const char *path, char *buf) {
        unsigned lineno = 0;
        bool ns_set = false;
        for (char *line = buf, *next; line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                lineno++;
                char *hash = strchr(line, '#');
                if (hash)
                        *hash = 0;
                char *s = strstrip(line);
                if (!*s)
                        continue;
                char *eq = strchr(s, '=');
                if (!eq)
                        return parse_error(path, lineno, "expected 'key = value'");
                *eq = 0;
                char *key = strstrip(s), *value = strstrip(eq + 1);
                if (streq(key, "mode")) {
                        if (streq(value, "enforce"))
                                p->audit = false;
                        else if (streq(value, "audit"))
                                p->audit = true;
                        else
                                return parse_error(path, lineno, "mode must be 'enforce' or 'audit'");
                        continue;
                }
                bool allow = streq(key, "allow"), deny = streq(key, "deny"), ns = streq(key, "deny-host-ns");
                if (!allow && !deny && !ns)
                        return parse_error(path, lineno, "unknown key (known: mode, allow, deny, deny-host-ns)");
                if (ns && !ns_set) {
                        /* deny-host-ns lists every shared namespace that is refused; the others are allowed. */
                        for (size_t i = 0; i < rules_count; i++)
                                if (rules_table[i].ns >= 0 && rules_table[i].ns != OCI_NS_MOUNT)
                                        p->enabled[i] = false;
                        ns_set = true;
                }
                char *wsave = NULL;
                for (char *w = strtok_r(value, " \t,", &wsave); w; w = strtok_r(NULL, " \t,", &wsave)) {
                        int idx;
                        if (ns) {
                                char id[64];
                                snprintf(id, sizeof id, "ns-host-%s", streq(w, "network") ? "net" : w);
                                idx = rules_find(id);
                                if (idx < 0 || rules_table[idx].ns == OCI_NS_MOUNT) {
                                        char msg[128];
                                        snprintf(msg, sizeof msg, "unknown namespace '%.40s' (known: pid ipc net uts cgroup)", w);
                                        return parse_error(path, lineno, msg);
                                }
                        } else if ((idx = rules_find(w)) < 0) {
                                char msg[128];
                                snprintf(msg, sizeof msg, "unknown rule '%.60s' (see gpucdi-hook(8))", w);
                                return parse_error(path, lineno, msg);
                        }
                        p->enabled[idx] = !allow;
                }
        }
        return 0;
}

int policy_load(struct policy *p, const char *path, uid_t trusted_uid, bool *ret_found) {
        *ret_found = false;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT)
                        return 0;
                return log_error_errno(-errno, "Failed to open policy %s: %m", path);
        }
        struct stat st;
        if (fstat(fd, &st) < 0)
                return log_error_errno(-errno, "Failed to stat policy %s: %m", path);
        if (!S_ISREG(st.st_mode))
                return log_error_errno(-EBADMSG, "Policy %s is not a regular file", path);
        const struct owners o = owners_init(trusted_uid);
        int r = trusted_stat(path, &st, &o, false);
        if (r < 0)
                return r;
        /* The directories of the path as given and, if symlinks lead elsewhere (NixOS's /etc), of
         * the file really read. */
        _cleanup_free_ char *given = NULL, *real = NULL;
        if ((r = host_path_normalize(path, &given)) < 0)
                return r;
        if (given[0] == '/' && (r = trusted_parents(given, &o)) < 0)
                return r;
        real = realpath(path, NULL);
        if (!real)
                return log_error_errno(-errno, "Failed to resolve policy %s: %m", path);
        if (!streq(real, given) && (r = trusted_parents(real, &o)) < 0)
                return r;

        _cleanup_free_ char *buf = NULL;
        size_t len;
        r = read_fd(fd, POLICY_MAX, &buf, &len);
        if (r == -EFBIG)
                return log_error_errno(r, "Policy %s is larger than %u bytes", path, POLICY_MAX);
        if (r < 0)
                return log_error_errno(r, "Failed to read policy %s: %m", path);
        if (memchr(buf, 0, len))
                return log_error_errno(-EBADMSG, "Policy %s contains a NUL byte", path);
        r = parse(p, path, buf);
        if (r < 0)
                return r;
        *ret_found = true;
        return 0;
}
