#include "specdir.h"

#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define LOCK_NAME ".gpucdi.lock"
/* Temp files are hidden and end neither in .json nor .yaml, so podman never reads a half-written one. */
#define TEMP_PREFIX ".gpucdi-"
#define SPEC_MODE 0644
#define DIR_MODE 0755

/* What to tell the user when the spec directory cannot be written; as root, permissions are not
 * the cause to point at. */
static const struct {
        int err;
        const char *fix;
        const char *fix_root;
} write_fixes[] = {
        { EROFS, "the file system is read-only: remount it read-write, or write the specs to /var/run/cdi, "
                 "which podman also reads", NULL },
        { ENOSPC, "the file system is full: free some space there and run again", NULL },
        { EDQUOT, "the disk quota is exhausted: free some space there and run again", NULL },
        { EACCES, "permission denied: run as root, or choose a directory you may write",
                  "permission denied even to root: a security module (SELinux, AppArmor) or the directory's "
                  "attributes (chattr +i) deny it" },
        { EPERM, "operation not permitted: run as root, or choose a directory you may write",
                 "operation not permitted even to root: an immutable attribute (chattr +i) or a security module "
                 "denies it" },
        { ENOTDIR, "a path component is not a directory: remove the file in its way or choose another directory",
                   NULL },
};

static int log_write_error(int r, const char *what, const char *dir) {
        const char *fix = "check the directory and run again";
        for (size_t i = 0; i < ELEMENTSOF(write_fixes); i++)
                if (write_fixes[i].err == -r)
                        fix = geteuid() == 0 && write_fixes[i].fix_root ? write_fixes[i].fix_root : write_fixes[i].fix;
        return log_error_errno(r, "Cannot %s %s: %m; %s. Existing specs are unchanged.", what, dir, fix);
}

/* A plain file name inside the directory: no path separators, no way out. */
static bool filename_ok(const char *name) {
        return name && *name && !strchr(name, '/') && !streq(name, ".") && !streq(name, "..");
}

static int mkdir_p(const char *dir) {
        if (!*dir)
                return -ENOENT;
        _cleanup_free_ char *p = strdup(dir);
        if (!p)
                return -ENOMEM;
        for (char *s = p + 1;; s++) {
                if (*s != '/' && *s != 0)
                        continue;
                char saved = *s;
                *s = 0;
                if (mkdir(p, DIR_MODE) == 0) {
                        /* Not subject to the umask: rootless podman must be able to read the specs. */
                        if (chmod(p, DIR_MODE) < 0)
                                return -errno;
                } else if (errno != EEXIST)
                        return -errno;
                *s = saved;
                if (!saved)
                        return 0;
        }
}

/* The directory is opened once and every operation is relative to that fd. A symlinked directory
 * (/etc/cdi -> /persist/cdi) is followed: the rename then happens in the target, which is what a
 * user who made the link expects, and podman reads through the link too. */
static int open_dir(const char *dir, bool create, int *ret_fd) {
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT) {
                if (!create)
                        return -ENOENT; /* not logged: nothing to remove from a missing directory */
                int r = mkdir_p(dir);
                if (r < 0)
                        return log_write_error(r, "create the spec directory", dir);
                fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        }
        if (fd < 0)
                return log_write_error(-errno, "open the spec directory", dir);
        *ret_fd = fd;
        return 0;
}

static bool is_temp_name(const char *name) {
        static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        if (!startswith(name, TEMP_PREFIX) || strlen(name) != sizeof TEMP_PREFIX - 1 + 6)
                return false;
        return strspn(name + sizeof TEMP_PREFIX - 1, chars) == 6;
}

/* A run killed between naming its temp file and renaming it over the spec leaves the temp file
 * behind. Only the holder of the lock writes specs in the directory, so every one there is such a
 * leftover. */
static void remove_stale_temps(int dfd, const char *dir) {
        int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_closedir_ DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
                if (fd >= 0)
                        close(fd);
                return;
        }
        struct dirent *de;
        while ((de = readdir(d)))
                if (is_temp_name(de->d_name) && unlinkat(dfd, de->d_name, 0) < 0 && errno != ENOENT)
                        log_warning("Cannot remove %s/%s, left by an interrupted run: %m", dir, de->d_name);
}

int cdi_dir_lock(const char *dir, int *ret_fd) {
        _cleanup_close_ int dfd = -EBADF;
        int r = open_dir(dir, true, &dfd);
        if (r < 0)
                return r;

        _cleanup_close_ int fd = openat(dfd, LOCK_NAME, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
        if (fd < 0)
                return log_write_error(-errno, "create the lock file " LOCK_NAME " in", dir);

        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                if (errno != EWOULDBLOCK)
                        return log_error_errno(-errno, "Cannot lock %s/" LOCK_NAME ": %m", dir);
                log_msg("notice", "waiting for another gpucdi run that holds %s/" LOCK_NAME, dir);
                while (flock(fd, LOCK_EX) < 0)
                        if (errno != EINTR)
                                return log_error_errno(-errno, "Cannot lock %s/" LOCK_NAME ": %m", dir);
        }
        remove_stale_temps(dfd, dir);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int write_all(int fd, const char *buf, size_t len) {
        while (len > 0) {
                ssize_t n = write(fd, buf, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                buf += n;
                len -= (size_t) n;
        }
        return 0;
}

static int read_all(int fd, char *buf, size_t len) {
        while (len > 0) {
                ssize_t n = read(fd, buf, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return -ENODATA;
                buf += n;
                len -= (size_t) n;
        }
        return 0;
}

/* 1 if dir/name is a regular file holding exactly content (its mode fixed to 0644 if needed),
 * 0 if it differs or does not exist. */
static int same_content(int dfd, const char *dir, const char *name, const char *content, size_t len) {
        _cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return 0;
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t) st.st_size != len)
                return 0;
        _cleanup_free_ char *buf = malloc(len + 1);
        if (!buf)
                return -ENOMEM;
        if (read_all(fd, buf, len) < 0 || memcmp(buf, content, len) != 0)
                return 0;
        /* Rootless podman must be able to read it: repair the mode without rewriting the content. */
        if ((st.st_mode & 07777) != SPEC_MODE && fchmod(fd, SPEC_MODE) < 0)
                log_warning("%s/%s has mode %04o and cannot be changed to %04o (%m): rootless podman may not "
                            "read it", dir, name, (unsigned) (st.st_mode & 07777), (unsigned) SPEC_MODE);
        return 1;
}

static void temp_name(char buf[static sizeof TEMP_PREFIX + 6]) {
        static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        unsigned char rnd[6];
        if (getrandom(rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t) sizeof rnd) {
                struct timespec ts;
                clock_gettime(CLOCK_MONOTONIC, &ts);
                unsigned long x = (unsigned long) ts.tv_nsec ^ ((unsigned long) getpid() << 16);
                for (size_t i = 0; i < sizeof rnd; i++, x >>= 5)
                        rnd[i] = (unsigned char) x;
        }
        memcpy(buf, TEMP_PREFIX, sizeof TEMP_PREFIX - 1);
        for (size_t i = 0; i < sizeof rnd; i++)
                buf[sizeof TEMP_PREFIX - 1 + i] = chars[rnd[i] % (sizeof chars - 1)];
        buf[sizeof TEMP_PREFIX - 1 + sizeof rnd] = 0;
}

static int fill(int fd, const char *content, size_t len) {
        int r = write_all(fd, content, len);
        if (r < 0)
                return r;
        /* Explicit mode: the umask of whoever runs us (077 under some sudo setups) must not hide the spec
         * from rootless podman. */
        if (fchmod(fd, SPEC_MODE) < 0 || fsync(fd) < 0)
                return -errno;
        return 0;
}

/* An unnamed O_TMPFILE leaves nothing behind if we die while writing; it gets a hidden name only
 * once complete. Returns -EOPNOTSUPP when the file system or /proc cannot do that. */
static int write_tmpfile(int dfd, const char *content, size_t len, char *ret_name) {
        _cleanup_close_ int fd = openat(dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, SPEC_MODE);
        if (fd < 0)
                return errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL ? -EOPNOTSUPP : -errno;
        int r = fill(fd, content, len);
        if (r < 0)
                return r;
        char proc[64];
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
        for (int tries = 0; tries < 100; tries++) {
                temp_name(ret_name);
                if (linkat(AT_FDCWD, proc, dfd, ret_name, AT_SYMLINK_FOLLOW) == 0)
                        return 0;
                if (errno != EEXIST)
                        return errno == ENOENT ? -EOPNOTSUPP : -errno;
        }
        return -EEXIST;
}

/* The fallback: a hidden named temp file, removed again on failure. */
static int write_named_tmp(int dfd, const char *content, size_t len, char *ret_name) {
        _cleanup_close_ int fd = -EBADF;
        for (int tries = 0; fd < 0; tries++) {
                temp_name(ret_name);
                fd = openat(dfd, ret_name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, SPEC_MODE);
                if (fd < 0 && (errno != EEXIST || tries >= 100))
                        return -errno;
        }
        int r = fill(fd, content, len);
        if (r < 0)
                (void) unlinkat(dfd, ret_name, 0);
        return r;
}

int cdi_spec_write(const char *dir, const char *name, const char *content, bool *ret_changed) {
        if (!filename_ok(name))
                return log_error_errno(-EINVAL, "Invalid spec file name \"%s\": it must be a plain file name", name);

        _cleanup_close_ int dfd = -EBADF;
        int r = open_dir(dir, true, &dfd);
        if (r < 0)
                return r;

        size_t len = strlen(content);
        r = same_content(dfd, dir, name, content, len);
        if (r < 0)
                return log_error_errno(r, "Cannot compare %s/%s: %m", dir, name);
        if (r > 0) {
                *ret_changed = false;
                return 0;
        }

        char tmp[sizeof TEMP_PREFIX + 6];
        r = write_tmpfile(dfd, content, len, tmp);
        if (r == -EOPNOTSUPP)
                r = write_named_tmp(dfd, content, len, tmp);
        if (r < 0)
                return log_write_error(r, "write a new spec in", dir);

        if (renameat(dfd, tmp, dfd, name) < 0) {
                r = -errno;
                (void) unlinkat(dfd, tmp, 0);
                return log_write_error(r, "replace the spec in", dir);
        }
        /* The rename is durable only once the directory is. */
        if (fsync(dfd) < 0)
                return log_error_errno(-errno, "Wrote %s/%s but cannot sync %s: %m; check the file system",
                                       dir, name, dir);
        *ret_changed = true;
        return 0;
}

int cdi_spec_remove(const char *dir, const char *name, bool *ret_removed) {
        if (!filename_ok(name))
                return log_error_errno(-EINVAL, "Invalid spec file name \"%s\": it must be a plain file name", name);

        _cleanup_close_ int dfd = -EBADF;
        int r = open_dir(dir, false, &dfd);
        if (r == -ENOENT) {
                *ret_removed = false;
                return 0;
        }
        if (r < 0)
                return r;

        if (unlinkat(dfd, name, 0) < 0) {
                if (errno == ENOENT) {
                        *ret_removed = false;
                        return 0;
                }
                return log_write_error(-errno, "remove a stale spec from", dir);
        }
        if (fsync(dfd) < 0)
                return log_error_errno(-errno, "Removed %s/%s but cannot sync %s: %m; check the file system",
                                       dir, name, dir);
        *ret_removed = true;
        return 0;
}
