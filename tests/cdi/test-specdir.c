/* The spec directory: atomic writes, unchanged specs left alone, modes, write failures (permission,
 * read-only, full) leaving the old spec intact, locking between processes, and listing with the
 * override rules podman applies. Runs as root in CI: failures are produced with a dropped uid and
 * with tmpfs mounts in a private mount namespace (skipped visibly where that is not possible). */
#include <dirent.h>
#include <jansson.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "specdir.h"
#include "tap.h"
#include "util.h"

#define NAME "gpucdi-test.json"

static char base[] = "/tmp/test-specdir-XXXXXX";

/* ---- helpers ---- */

/* For paths in functions that fork: a child leaving through _exit() must not strand heap memory. */
static const char *pjoin(char buf[static PATH_MAX], const char *a, const char *b) {
        int n = snprintf(buf, PATH_MAX, "%s/%s", a, b);
        if (n < 0 || n >= PATH_MAX)
                abort();
        return buf;
}

static char *slurp(const char *path) {
        char *text = NULL;
        return read_file(path, 16 * 1024 * 1024, &text, NULL) < 0 ? NULL : text;
}

static bool file_is(const char *path, const char *content) {
        _cleanup_free_ char *text = slurp(path);
        return text && streq(text, content);
}

static int put(const char *path, const char *content) {
        FILE *f = fopen(path, "we");
        if (!f)
                return -errno;
        fputs(content, f);
        return fclose(f) == 0 ? 0 : -errno;
}

/* The names in dir other than ".", ".." and the lock file, sorted and joined with spaces. */
static char *entries(const char *dir) {
        struct dirent **list;
        int n = scandir(dir, &list, NULL, alphasort);
        if (n < 0)
                return strdup("(unreadable)");
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        bool first = true;
        for (int i = 0; i < n; i++) {
                const char *e = list[i]->d_name;
                if (!streq(e, ".") && !streq(e, "..") && !streq(e, ".gpucdi.lock")) {
                        fprintf(f, "%s%s", first ? "" : " ", e);
                        first = false;
                }
                free(list[i]);
        }
        free(list);
        fclose(f);
        return buf;
}

static bool entries_are(const char *dir, const char *want) {
        _cleanup_free_ char *got = entries(dir);
        if (streq(got, want))
                return true;
        tap_diag("%s holds \"%s\", want \"%s\"", dir, got, want);
        return false;
}

/* ---- checks run in a forked child, reported by the parent ---- */

static int result_fd = -1;

static bool check(bool pass, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool check(bool pass, const char *fmt, ...) {
        char line[1024];
        int n = snprintf(line, sizeof line, "%s\t", pass ? "ok" : "not ok");
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(line + n, sizeof line - (size_t) n - 1, fmt, ap);
        va_end(ap);
        strcat(line, "\n");
        if (write(result_fd, line, strlen(line)) < 0)
                _exit(3);
        return pass;
}

static void child_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void child_skip(const char *fmt, ...) {
        char line[1024] = "skip\t";
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(line + 5, sizeof line - 6, fmt, ap);
        va_end(ap);
        strcat(line, "\n");
        if (write(result_fd, line, strlen(line)) < 0)
                _exit(3);
}

static void run_child(const char *what, void (*fn)(void *), void *arg) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                abort();
        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        if (pid < 0)
                abort();
        if (pid == 0) {
                close(p[0]);
                result_fd = p[1];
                fn(arg);
                _exit(0);
        }
        close(p[1]);
        FILE *f = fdopen(p[0], "r");
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        while ((n = getline(&line, &cap, f)) > 0) {
                line[n - 1] = 0;
                char *tab = strchr(line, '\t');
                if (!tab)
                        continue;
                *tab = 0;
                if (streq(line, "skip"))
                        tap_skip(tab + 1, "%s", what);
                else
                        ok(streq(line, "ok"), "%s: %s", what, tab + 1);
        }
        free(line);
        fclose(f);
        int status;
        waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                ok(false, "%s: child exited with status %d", what, status);
}

/* ---- tests ---- */

static void test_write(void) {
        _cleanup_free_ char *dir = join(base, "new/cdi");
        _cleanup_free_ char *path = join(dir, NAME);
        bool changed = false;

        mode_t old_umask = umask(077);
        int r = cdi_spec_write(dir, NAME, "{\"a\": 1}\n", &changed);
        umask(old_umask);
        ok(r == 0 && changed, "a new spec is written, creating the missing directory (r=%d)", r);
        ok(file_is(path, "{\"a\": 1}\n"), "the spec holds the content");
        struct stat st = {}, st2 = {};
        bool stat_ok = stat(path, &st) == 0;
        ok(stat_ok && (st.st_mode & 07777) == 0644, "mode 0644 under umask 077 (%04o)", (unsigned) (st.st_mode & 07777));
        stat_ok = stat(dir, &st2) == 0;
        ok(stat_ok && (st2.st_mode & 07777) == 0755, "a created directory is 0755 under umask 077 (%04o)",
           (unsigned) (st2.st_mode & 07777));
        ok(entries_are(dir, NAME), "no temp file is left behind");

        changed = true;
        r = cdi_spec_write(dir, NAME, "{\"a\": 1}\n", &changed);
        ok(r == 0 && !changed, "the same content reports unchanged");
        ok(stat(path, &st2) == 0 && st2.st_ino == st.st_ino && st2.st_mtim.tv_sec == st.st_mtim.tv_sec &&
           st2.st_mtim.tv_nsec == st.st_mtim.tv_nsec && st2.st_ctim.tv_nsec == st.st_ctim.tv_nsec,
           "an unchanged spec is not rewritten (same inode, mtime and ctime)");

        chmod(path, 0600);
        r = cdi_spec_write(dir, NAME, "{\"a\": 1}\n", &changed);
        ok(r == 0 && !changed && stat(path, &st2) == 0 && st2.st_ino == st.st_ino && (st2.st_mode & 07777) == 0644,
           "an unchanged spec with mode 0600 gets 0644 back without a rewrite");

        r = cdi_spec_write(dir, NAME, "{\"a\": 2}\n", &changed);
        ok(r == 0 && changed && file_is(path, "{\"a\": 2}\n"), "changed content is written");
        ok(stat(path, &st2) == 0 && st2.st_ino != st.st_ino, "a changed spec is replaced by rename (new inode)");
        ok(entries_are(dir, NAME), "still no temp file");

        r = cdi_spec_write(dir, NAME, "{\"a\": 2}\n{\"b\": 3}\n", &changed);
        ok(r == 0 && changed && file_is(path, "{\"a\": 2}\n{\"b\": 3}\n"), "a longer spec with the same start is a change");

        static const char *const bad_names[] = { "", ".", "..", "../x.json", "a/b.json" };
        for (size_t i = 0; i < ELEMENTSOF(bad_names); i++) {
                capture_stderr_begin();
                r = cdi_spec_write(dir, bad_names[i], "x", &changed);
                _cleanup_free_ char *err = capture_stderr_end();
                ok(r == -EINVAL && strstr(err, "Invalid spec file name"), "file name \"%s\" is refused", bad_names[i]);
        }
        ok(entries_are(dir, NAME), "refused names created nothing");

        /* A spec written into "." (generate --output FILE without a directory). */
        _cleanup_close_ int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (chdir(dir) == 0) {
                r = cdi_spec_write(".", "dot.json", "{}\n", &changed);
                ok(r == 0 && changed && file_is("dot.json", "{}\n"), "dir \".\" works");
                unlink("dot.json");
                if (fchdir(cwd) < 0)
                        abort();
        }
}

static void test_remove(void) {
        _cleanup_free_ char *dir = join(base, "remove");
        _cleanup_free_ char *path = join(dir, NAME);
        bool changed, removed = false;
        _cleanup_free_ char *other = join(dir, "other.json");
        ok(cdi_spec_write(dir, NAME, "x\n", &changed) == 0, "write a spec to remove");
        ok(put(other, "y\n") == 0, "another tool's spec beside it");
        int r = cdi_spec_remove(dir, NAME, &removed);
        ok(r == 0 && removed && access(path, F_OK) < 0, "an existing spec is removed");
        ok(entries_are(dir, "other.json"), "other files are left alone");
        removed = true;
        r = cdi_spec_remove(dir, NAME, &removed);
        ok(r == 0 && !removed, "removing a missing spec is not an error and reports nothing removed");
        _cleanup_free_ char *missing = join(base, "no-such-dir");
        removed = true;
        r = cdi_spec_remove(missing, NAME, &removed);
        ok(r == 0 && !removed && access(missing, F_OK) < 0, "removing from a missing directory neither fails nor creates it");
        capture_stderr_begin();
        r = cdi_spec_remove(dir, "../remove/other.json", &removed);
        _cleanup_free_ char *err = capture_stderr_end();
        ok(r == -EINVAL && strstr(err, "Invalid spec file name") && entries_are(dir, "other.json"),
           "remove refuses a path as name");
}

static void test_symlinked_dir(void) {
        _cleanup_free_ char *real = join(base, "real");
        _cleanup_free_ char *link = join(base, "link");
        _cleanup_free_ char *path = join(real, NAME);
        bool changed;
        if (mkdir(real, 0755) < 0 || symlink("real", link) < 0) {
                ok(false, "set up a symlinked directory: %m");
                return;
        }
        int r = cdi_spec_write(link, NAME, "s\n", &changed);
        struct stat st;
        ok(r == 0 && changed && file_is(path, "s\n"), "a symlinked spec directory is followed: the spec lands in the target");
        ok(lstat(link, &st) == 0 && S_ISLNK(st.st_mode), "the symlink itself is kept");
}

static void test_not_a_directory(void) {
        _cleanup_free_ char *file = join(base, "plain-file");
        _cleanup_free_ char *below = join(file, "cdi");
        bool changed;
        if (put(file, "not a dir\n") < 0) {
                ok(false, "create a file: %m");
                return;
        }
        capture_stderr_begin();
        int r = cdi_spec_write(file, NAME, "x\n", &changed);
        int r2 = cdi_spec_write(below, NAME, "x\n", &changed);
        int fd = -1;
        int r3 = cdi_dir_lock(file, &fd);
        _cleanup_free_ char *err = capture_stderr_end();
        ok(r == -ENOTDIR && r2 == -ENOTDIR && r3 == -ENOTDIR, "a file in place of the directory: -ENOTDIR (%d %d %d)", r, r2, r3);
        ok(strstr(err, file) && strstr(err, "is not a directory") && strstr(err, "choose another directory"),
           "the message names the directory and the fix");
        ok(file_is(file, "not a dir\n"), "the file in the way is untouched");
}

static void drop_privileges_and_write(void *arg) {
        const char *dir = arg;
        _cleanup_free_ char *path = join(dir, NAME);
        if (geteuid() == 0) {
                /* root ignores directory permissions: become nobody, as an unprivileged user would run. */
                if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0) {
                        child_skip("cannot drop to uid 65534: %m");
                        return;
                }
        }
        bool changed = true;
        capture_stderr_begin();
        int r = cdi_spec_write(dir, NAME, "new\n", &changed);
        int fd = -1;
        int r2 = cdi_dir_lock(dir, &fd);
        bool removed;
        int r3 = cdi_spec_remove(dir, NAME, &removed);
        _cleanup_free_ char *err = capture_stderr_end();
        check(r == -EACCES, "write returns -EACCES (%d)", r);
        check(r2 == -EACCES, "lock returns -EACCES (%d)", r2);
        check(r3 == -EACCES, "remove returns -EACCES (%d)", r3);
        check(strstr(err, dir) && strstr(err, "Permission denied") && strstr(err, "run as root") &&
              strstr(err, "Existing specs are unchanged"), "the message names the directory and the fix");
        check(file_is(path, "old\n"), "the old spec is intact");
        check(entries_are(dir, NAME), "no temp file is left behind");
}

static void test_permission_denied(void) {
        char dir[PATH_MAX];
        pjoin(dir, base, "denied");
        bool changed;
        if (cdi_spec_write(dir, NAME, "old\n", &changed) < 0 || chmod(base, 0755) < 0 || chmod(dir, 0555) < 0) {
                ok(false, "set up a read-only directory: %m");
                return;
        }
        run_child("unwritable directory", drop_privileges_and_write, dir);
        chmod(dir, 0755);
}

/* A private mount namespace, so that tmpfs mounts stay invisible to the rest of the system. As
 * non-root, a user namespace makes us root inside it. */
static int enter_mount_namespace(void) {
        if (unshare(CLONE_NEWNS) < 0) {
                uid_t uid = geteuid();
                gid_t gid = getegid();
                if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
                        return -errno;
                char map[64];
                snprintf(map, sizeof map, "0 %u 1", (unsigned) uid);
                if (put("/proc/self/uid_map", map) < 0 || put("/proc/self/setgroups", "deny") < 0)
                        return -errno;
                snprintf(map, sizeof map, "0 %u 1", (unsigned) gid);
                if (put("/proc/self/gid_map", map) < 0)
                        return -errno;
        }
        if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
                return -errno;
        return 0;
}

static void filesystem_failures(void *arg) {
        const char *dir = arg;
        _cleanup_free_ char *path = join(dir, NAME);
        int r = enter_mount_namespace();
        if (r < 0) {
                child_skip("no private mount namespace (%s): read-only and full file systems not tested", strerror(-r));
                return;
        }
        if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755") < 0) {
                child_skip("cannot mount a tmpfs: %m");
                return;
        }
        bool changed;
        check(cdi_spec_write(dir, NAME, "old\n", &changed) == 0 && file_is(path, "old\n"), "write a spec on a 64 KiB tmpfs");

        /* Full: a spec larger than the file system. */
        size_t big = 256 * 1024;
        _cleanup_free_ char *content = malloc(big + 1);
        memset(content, 'x', big);
        content[big] = 0;
        capture_stderr_begin();
        r = cdi_spec_write(dir, NAME, content, &changed);
        _cleanup_free_ char *err = capture_stderr_end();
        check(r == -ENOSPC, "a full file system returns -ENOSPC (%d)", r);
        check(strstr(err, dir) && strstr(err, "the file system is full") && strstr(err, "Existing specs are unchanged"),
              "the message names the directory and says to free space");
        check(file_is(path, "old\n"), "the old spec is intact after ENOSPC");
        check(entries_are(dir, NAME), "no temp file is left after ENOSPC");

        /* Without /proc/self/fd, O_TMPFILE cannot be linked: the named temp file takes over. */
        if (mount("tmpfs", "/proc", "tmpfs", 0, "size=4k") == 0) {
                r = cdi_spec_write(dir, NAME, "fallback\n", &changed);
                struct stat st;
                check(r == 0 && changed && file_is(path, "fallback\n") && stat(path, &st) == 0 && (st.st_mode & 07777) == 0644,
                      "the named temp file fallback writes the spec with mode 0644");
                check(entries_are(dir, NAME), "the fallback leaves no temp file");
                umount2("/proc", MNT_DETACH);
        } else
                child_skip("cannot hide /proc: named temp file fallback not tested (%m)");

        /* Lock once so that the lock file exists; an fd open for writing would block the remount. */
        int lock = -1;
        check(cdi_dir_lock(dir, &lock) == 0, "lock the directory before it becomes read-only");
        close(lock);
        _cleanup_free_ char *before = slurp(path);
        if (mount("none", dir, "none", MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0) {
                child_skip("cannot remount read-only: %m");
                return;
        }
        capture_stderr_begin();
        r = cdi_spec_write(dir, NAME, "new\n", &changed);
        bool removed;
        int r2 = cdi_spec_remove(dir, NAME, &removed);
        int fd = -1;
        int r3 = cdi_dir_lock(dir, &fd);
        _cleanup_free_ char *err2 = capture_stderr_end();
        check(r == -EROFS && r2 == -EROFS && r3 == -EROFS, "a read-only file system returns -EROFS for write, remove and lock (%d %d %d)",
              r, r2, r3);
        check(strstr(err2, dir) && strstr(err2, "read-only") && strstr(err2, "/var/run/cdi"),
              "the message names the directory and the fix");
        check(before && file_is(path, before), "the old spec is intact on a read-only file system");
        check(entries_are(dir, NAME), "nothing is left behind on a read-only file system");

        capture_stderr_begin();
        r = cdi_spec_write(dir, NAME, before ? before : "", &changed);
        _cleanup_free_ char *err3 = capture_stderr_end();
        check(r == 0 && !changed && streq(err3, ""), "an unchanged spec on a read-only file system is not an error");
}

static void test_filesystem_failures(void) {
        char dir[PATH_MAX];
        pjoin(dir, base, "mnt");
        if (mkdir(dir, 0755) < 0) {
                ok(false, "mkdir: %m");
                return;
        }
        run_child("tmpfs", filesystem_failures, dir);
}

static bool poll_byte(int fd, int timeout_ms, char *ret) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, timeout_ms) <= 0)
                return false;
        return read(fd, ret, 1) == 1;
}

static int wait_for_lock(const char *dir, int fd) {
        capture_stderr_begin();
        int lock = -1;
        int r = cdi_dir_lock(dir, &lock);
        _cleanup_free_ char *err = capture_stderr_end();
        char msg[2] = { r == 0 ? 'L' : 'E', strstr(err, "waiting for another gpucdi run") ? 'W' : '-' };
        return write(fd, msg, 2) == 2 ? 0 : 1;
}

static void test_lock(void) {
        char dir[PATH_MAX];
        pjoin(dir, base, "lock");
        int lock = -1;
        int r = cdi_dir_lock(dir, &lock);
        ok(r == 0 && lock >= 0, "lock a (new) directory");
        int flags = fcntl(lock, F_GETFD);
        ok(flags >= 0 && (flags & FD_CLOEXEC), "the lock fd is close-on-exec");

        int p[2];
        if (pipe(p) < 0)
                abort();
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
                close(p[0]);
                close(lock); /* the child must not hold the parent's lock through an inherited fd */
                _exit(wait_for_lock(dir, p[1]));
        }
        close(p[1]);
        char ch = 0;
        ok(!poll_byte(p[0], 300, &ch), "a second process waits while the lock is held");
        close(lock);
        bool got = poll_byte(p[0], 10000, &ch);
        ok(got && ch == 'L', "it gets the lock once released");
        ok(poll_byte(p[0], 1000, &ch) && ch == 'W', "it said it was waiting for another run");
        close(p[0]);
        int status;
        waitpid(pid, &status, 0);
        ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the waiting process exited cleanly");
}

static int write_rounds(const char *dir, const char *content, int rounds) {
        for (int k = 0; k < rounds; k++) {
                _cleanup_close_ int fd = -1;
                bool changed;
                if (cdi_dir_lock(dir, &fd) < 0 || cdi_spec_write(dir, NAME, content, &changed) < 0)
                        return 1;
        }
        return 0;
}

static void test_concurrent_writers(void) {
        char dir[PATH_MAX], path[PATH_MAX];
        pjoin(dir, base, "concurrent");
        pjoin(path, dir, NAME);
        enum { N = 4, ROUNDS = 40 };
        char *contents[N];
        for (int i = 0; i < N; i++) {
                size_t len = 1000 * (size_t) (i + 1);
                contents[i] = malloc(len + 1);
                memset(contents[i], 'a' + i, len);
                contents[i][len] = 0;
        }
        fflush(stdout);
        pid_t pids[N];
        for (int i = 0; i < N; i++) {
                pids[i] = fork();
                if (pids[i] == 0)
                        _exit(write_rounds(dir, contents[i], ROUNDS));
        }
        /* Meanwhile a reader must only ever see complete specs. */
        int seen = 0, torn = 0;
        for (int alive = N; alive > 0;) {
                _cleanup_free_ char *text = slurp(path);
                if (text) {
                        seen++;
                        bool whole = false;
                        for (int i = 0; i < N; i++)
                                whole = whole || streq(text, contents[i]);
                        torn += !whole;
                }
                int status;
                pid_t done = waitpid(-1, &status, WNOHANG);
                if (done > 0) {
                        alive--;
                        int w = 0;
                        while (w < N - 1 && pids[w] != done)
                                w++;
                        ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d locked and wrote %d times", w, ROUNDS);
                }
        }
        ok(torn == 0, "a concurrent reader saw only complete specs (%d reads, %d torn)", seen, torn);
        bool final = false;
        for (int i = 0; i < N; i++) {
                final = final || file_is(path, contents[i]);
                free(contents[i]);
        }
        ok(final, "the final spec is one writer's complete content");
        ok(entries_are(dir, NAME), "no temp file is left by concurrent writers");
}

static const char *spec_text(const char *kind, const char *names) {
        /* names: space-separated device names */
        static char buf[4096];
        size_t n = (size_t) snprintf(buf, sizeof buf, "{\"cdiVersion\": \"0.5.0\", \"kind\": \"%s\", \"devices\": [", kind);
        _cleanup_free_ char *copy = strdup(names);
        char *save = NULL;
        bool first = true;
        for (char *d = strtok_r(copy, " ", &save); d; d = strtok_r(NULL, " ", &save), first = false)
                n += (size_t) snprintf(buf + n, sizeof buf - n,
                                       "%s{\"name\": \"%s\", \"containerEdits\": {\"deviceNodes\": [{\"path\": \"/dev/%s\"}]}}",
                                       first ? "" : ", ", d, d);
        snprintf(buf + n, sizeof buf - n, "]}\n");
        return buf;
}

static char *list(const char *const *dirs, unsigned flags, char **ret_err) {
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        capture_stderr_begin();
        int r = cdi_list_full(dirs, flags, out);
        *ret_err = capture_stderr_end();
        fclose(out);
        if (r < 0)
                tap_diag("cdi_list_full: %d", r);
        return buf;
}

static void test_list(void) {
        _cleanup_free_ char *a = join(base, "list-etc");
        _cleanup_free_ char *b = join(base, "list-run");
        _cleanup_free_ char *missing = join(base, "list-missing");
        if (mkdir(a, 0755) < 0 || mkdir(b, 0755) < 0) {
                ok(false, "mkdir: %m");
                return;
        }
        _cleanup_free_ char *ax = join(a, "x.json"), *ao = join(a, "other.json"), *ay = join(a, "z.yaml"), *aybad = join(a, "broken.yaml"),
                            *abad = join(a, "bad.json"), *atxt = join(a, "notes.txt"), *adir = join(a, "dir.json"),
                            *by = join(b, "y.json"), *bdangling = join(b, "dangling.json");
        bool setup = put(ax, spec_text("vendor.com/dev", "d0 d1 gpu")) == 0 &&
                     put(ao, spec_text("other.com/net", "n0")) == 0 &&
                     put(ay, "# written by another tool\ncdiVersion: 0.5.0\nkind: yaml.com/dev\ndevices:\n"
                             "- name: \"0\"\n  containerEdits:\n    deviceNodes:\n    - path: /dev/y0\n") == 0 &&
                     put(aybad, "cdiVersion: 0.5.0\nkind: [\n") == 0 &&
                     put(abad, "{\"cdiVersion\": \"0.5.0\", \"kind\": \"bad.com/dev\", \"devices\": []}\n") == 0 &&
                     put(atxt, spec_text("txt.com/dev", "t0")) == 0 &&
                     mkdir(adir, 0755) == 0 &&
                     put(by, spec_text("vendor.com/dev", "d0 d9")) == 0 &&
                     symlink("nowhere.json", bdangling) == 0;
        ok(setup, "set up two spec directories");

        const char *const dirs[] = { a, missing, b, NULL };
        _cleanup_free_ char *err = NULL;
        _cleanup_free_ char *out = list(dirs, 0, &err);
        const char *want =
                "other.com/net=n0\n"
                "vendor.com/dev=d0\n"
                "vendor.com/dev=d1\n"
                "vendor.com/dev=d9\n"
                "vendor.com/dev=gpu\n"
                "yaml.com/dev=0\n";
        if (!ok(out && streq(out, want), "list prints sorted fully-qualified names, each once, YAML specs too"))
                tap_diag("got:\n%s", out ? out : "(null)");

        _cleanup_free_ char *err2 = NULL;
        _cleanup_free_ char *src = list(dirs, CDI_LIST_SOURCES, &err2);
        _cleanup_free_ char *want_src = NULL;
        if (asprintf(&want_src, "other.com/net=n0\t%s\nvendor.com/dev=d0\t%s\nvendor.com/dev=d1\t%s\n"
                                "vendor.com/dev=d9\t%s\nvendor.com/dev=gpu\t%s\nyaml.com/dev=0\t%s\n", ao, by, ax, by, ax, ay) < 0)
                abort();
        if (!ok(src && streq(src, want_src), "the later directory overrides the earlier one for the same device"))
                tap_diag("got:\n%s", src ? src : "(null)");

        ok(!strstr(err, ay) && strstr(err, aybad) && strstr(err, "not a valid CDI spec"),
           "a YAML spec is read; a broken one is skipped with a warning naming it");
        ok(strstr(err, abad) && strstr(err, "not a valid CDI spec") && strstr(err, "gpucdi validate"),
           "an invalid spec is skipped with a warning naming it");
        ok(!strstr(err, "txt.com") && !strstr(err, atxt), "other files are ignored silently");
        ok(!strstr(err, missing), "a missing directory is skipped silently");

        /* Two specs of one directory defining the same device: podman uses neither. */
        _cleanup_free_ char *bc = join(b, "conflict.json");
        put(bc, spec_text("vendor.com/dev", "d9"));
        _cleanup_free_ char *err3 = NULL;
        _cleanup_free_ char *out3 = list(dirs, 0, &err3);
        const char *want3 = "other.com/net=n0\nvendor.com/dev=d0\nvendor.com/dev=d1\nvendor.com/dev=gpu\nyaml.com/dev=0\n";
        if (!ok(out3 && streq(out3, want3), "a device defined twice in one directory is left out"))
                tap_diag("got:\n%s", out3 ? out3 : "(null)");
        ok(strstr(err3, "vendor.com/dev=d9") && strstr(err3, bc) && strstr(err3, by), "the conflict is reported with both files");

        /* JSON: every definition with its file and what podman makes of it. */
        _cleanup_free_ char *errj = NULL;
        _cleanup_free_ char *outj = list(dirs, CDI_LIST_JSON, &errj);
        json_auto_t *arr = outj ? json_loads(outj, 0, NULL) : NULL;
        size_t i, n_conflict = 0, n_over = 0, n_used = 0;
        json_t *e;
        bool d0_over = false;
        json_array_foreach(arr, i, e) {
                const char *st = json_string_value(json_object_get(e, "status"));
                const char *nm = json_string_value(json_object_get(e, "name"));
                const char *fl = json_string_value(json_object_get(e, "file"));
                n_conflict += st && streq(st, "conflict");
                n_used += st && streq(st, "used");
                n_over += st && streq(st, "overridden");
                d0_over |= nm && fl && st && streq(nm, "vendor.com/dev=d0") && streq(fl, ax) && streq(st, "overridden");
        }
        if (!ok(json_is_array(arr) && n_conflict == 2 && n_over == 1 && n_used == 5 && d0_over,
                "list --json: each definition with its file; used, overridden (d0 in the earlier dir), conflict (d9 twice)"))
                tap_diag("got:\n%s", outj ? outj : "(null)");

        /* /run/cdi and /var/run/cdi are one directory: listed once, not as a conflict with itself. */
        _cleanup_free_ char *blink = join(base, "list-run-link");
        if (!ok(symlink(b, blink) == 0, "a symlink to the spec directory (as /var/run to /run)"))
                tap_diag("symlink: %s", strerror(errno));
        const char *const twice[] = { b, blink, NULL };
        _cleanup_free_ char *err5 = NULL;
        _cleanup_free_ char *out5 = list(twice, 0, &err5);
        ok(out5 && strstr(out5, "vendor.com/dev=d0\n") && !strstr(err5, "d0"),
           "a directory met twice through a link is read once");

        const char *const none[] = { missing, NULL };
        _cleanup_free_ char *err4 = NULL;
        _cleanup_free_ char *out4 = list(none, 0, &err4);
        ok(out4 && streq(out4, "") && streq(err4, ""), "no spec directories: empty list, no warnings");

        ok(cdi_default_spec_dirs[0] && streq(cdi_default_spec_dirs[0], "/etc/cdi") && cdi_default_spec_dirs[1] &&
           streq(cdi_default_spec_dirs[1], "/var/run/cdi") && !cdi_default_spec_dirs[2],
           "default spec directories are /etc/cdi then /var/run/cdi");
}

int main(void) {
        if (!mkdtemp(base)) {
                printf("Bail out! mkdtemp: %s\n", strerror(errno));
                return 1;
        }
        test_write();
        test_remove();
        test_symlinked_dir();
        test_not_a_directory();
        test_permission_denied();
        test_filesystem_failures();
        test_lock();
        test_concurrent_writers();
        test_list();
        rm_rf(base);
        return tap_done();
}
