/* Device nodes checked against what the kernel says they must be: the character-device majors of
 * /proc/devices and the minors the drivers publish (sysfs `dev`, NVIDIA's procfs files), and
 * created the way nvidia-modprobe creates NVIDIA's when asked to. */
#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "probe-internal.h"
#include "util.h"

#define PROC_DEVICES_MAX (256 * 1024)

static const char *const devnode_state_names[_DEVNODE_STATE_MAX] = {
        [DEVNODE_MISSING] = "missing",
        [DEVNODE_OK] = "ok",
        [DEVNODE_NOT_CHAR] = "not a character device",
        [DEVNODE_WRONG_NUMBER] = "wrong major:minor",
        [DEVNODE_NO_DRIVER] = "no driver registered for it",
};

const char *devnode_state_name(enum devnode_state s) {
        return (unsigned) s < _DEVNODE_STATE_MAX ? devnode_state_names[s] : "?";
}

/* "Character devices:\n  1 mem\n195 nvidia\n...\n\nBlock devices:\n...": only the first section. */
int proc_devices_parse(const char *text, size_t size, const char *path, struct chrdev **ret, size_t *ret_n) {
        if (strlen(text) != size)
                return log_error_errno(-EBADMSG, "Malformed %s: contains NUL bytes", path);
        if (!startswith(text, "Character devices:\n"))
                return log_error_errno(-EBADMSG, "Malformed %s: does not start with \"Character devices:\"", path);

        _cleanup_free_ struct chrdev *devs = NULL;
        size_t n = 0, cap = 0;
        const char *line = strchr(text, '\n') + 1;
        while (*line && *line != '\n') {
                const char *end = strchr(line, '\n');
                if (!end)
                        return log_error_errno(-EBADMSG, "Malformed %s: truncated (last line is incomplete)", path);
                const char *p = line;
                while (p < end && *p == ' ')
                        p++;
                unsigned long major = 0;
                const char *digits = p;
                while (p < end && isdigit((unsigned char) *p) && p - digits < 8)
                        major = major * 10 + (unsigned long) (*p++ - '0');
                if (p == digits || p >= end || *p != ' ' || major > 4095)
                        return log_error_errno(-EBADMSG, "Malformed %s: \"%.*s\" is not \"MAJOR NAME\"", path,
                                               (int) (end - line), line);
                p++;
                size_t len = (size_t) (end - p);
                if (len == 0 || len >= sizeof devs->name)
                        return log_error_errno(-EBADMSG, "Malformed %s: \"%.*s\" has no name or a name too long",
                                               path, (int) (end - line), line);
                if (n == cap) {
                        size_t ncap = cap ? cap * 2 : 64;
                        struct chrdev *m = reallocarray(devs, ncap, sizeof *devs);
                        if (!m)
                                return -ENOMEM;
                        devs = m;
                        cap = ncap;
                }
                devs[n].major = (unsigned) major;
                memcpy(devs[n].name, p, len);
                devs[n].name[len] = 0;
                n++;
                line = end + 1;
        }
        *ret = TAKE_PTR(devs);
        *ret_n = n;
        return 0;
}

int proc_devices_read(const char *proc_root, struct host *h) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        size_t size;
        int r = path_join(proc_root, "devices", &path);
        if (r < 0)
                return r;
        r = read_file(path, PROC_DEVICES_MAX, &text, &size);
        if (r == -ENOENT)
                return 0; /* a fake proc root without it: no major is known, so no node verifies */
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", path);
        return proc_devices_parse(text, size, path, &h->chrdevs, &h->n_chrdevs);
}

int host_chrdev_major(const struct host *h, const char *name) {
        for (size_t i = 0; i < h->n_chrdevs; i++)
                if (streq(h->chrdevs[i].name, name))
                        return (int) h->chrdevs[i].major;
        return -1;
}

/* Test fixtures built without root hold empty regular files where nodes would be. */
static bool plain_standins_allowed(void) {
        const char *e = getenv("GPUCDI_ACCEPT_PLAIN_NODES");
        return e && streq(e, "1");
}

int devnode_check(int dev_fd, const char *name, int want_major, int want_minor, struct devnode *ret) {
        struct devnode d = { .want_major = want_major, .want_minor = want_minor };
        if (snprintf(d.path, sizeof d.path, "/dev/%s", name) >= (int) sizeof d.path)
                return -ENAMETOOLONG;

        struct stat st;
        /* Not followed: engines refuse a symlink where a device node should be. */
        if (fstatat(dev_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno != ENOENT && errno != ENOTDIR)
                        return -errno;
                d.state = DEVNODE_MISSING;
        } else if (S_ISCHR(st.st_mode)) {
                d.is_char = true;
                d.major = major(st.st_rdev);
                d.minor = minor(st.st_rdev);
                /* A number the kernel did not tell us cannot be wrong, and cannot be confirmed either. */
                bool known = want_major >= 0 && want_minor >= 0;
                d.state = !known ? DEVNODE_NO_DRIVER :
                          d.major == (unsigned) want_major && d.minor == (unsigned) want_minor ? DEVNODE_OK :
                          DEVNODE_WRONG_NUMBER;
        } else
                d.state = S_ISREG(st.st_mode) && st.st_size == 0 && plain_standins_allowed() ? DEVNODE_OK
                                                                                              : DEVNODE_NOT_CHAR;
        *ret = d;
        return 0;
}

int devnode_stat(int dev_fd, const char *name, struct devnode *ret) {
        struct devnode d;
        int r = devnode_check(dev_fd, name, -1, -1, &d);
        if (r < 0)
                return r;
        if (d.state == DEVNODE_MISSING)
                return -ENOENT;
        *ret = d;
        return 0;
}

/* mkdir -p for the directories of name (relative to dev_fd), mode 0755 as nvidia-modprobe does. */
static int mkdir_parents(int dev_fd, const char *name) {
        char buf[NODE_PATH_MAX];
        if (strlen(name) >= sizeof buf)
                return -ENAMETOOLONG;
        strcpy(buf, name);
        for (char *s = strchr(buf, '/'); s; s = strchr(s + 1, '/')) {
                *s = 0;
                if (mkdirat(dev_fd, buf, 0755) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        return 0;
}

int devnode_create(int dev_fd, const char *name, unsigned maj, unsigned min, mode_t mode) {
        int r = mkdir_parents(dev_fd, name);
        if (r < 0)
                return r;
        /* Built under a temporary name and renamed over: a container starting meanwhile sees the old
         * node or the new one, never none. */
        char tmp[NODE_PATH_MAX + 16];
        const char *slash = strrchr(name, '/');
        int dirlen = slash ? (int) (slash - name + 1) : 0;
        snprintf(tmp, sizeof tmp, "%.*s.gpucdi-%s", dirlen, name, slash ? slash + 1 : name);
        (void) unlinkat(dev_fd, tmp, 0);
        if (mknodat(dev_fd, tmp, S_IFCHR | (mode & 0777), makedev(maj, min)) < 0)
                return -errno;
        /* Explicit: the umask must not take the mode away. */
        if (fchmodat(dev_fd, tmp, mode & 0777, 0) < 0 || fchownat(dev_fd, tmp, 0, 0, AT_SYMLINK_NOFOLLOW) < 0 ||
            renameat(dev_fd, tmp, dev_fd, name) < 0) {
                r = -errno;
                (void) unlinkat(dev_fd, tmp, 0);
                return r;
        }
        return 0;
}
