#include "tap.h"

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned tap_count, tap_failures;
static int capture_saved_fd = -1;
static FILE *capture_file;

static void print_comment_lines(const char *prefix, const char *text) {
        for (const char *line = text; *line;) {
                size_t len = strcspn(line, "\n");
                printf("# %s%.*s\n", prefix, (int) len, line);
                prefix = "";
                line += len;
                if (*line == '\n')
                        line++;
        }
        fflush(stdout);
}

__attribute__((format(printf, 3, 0))) static void tap_line(bool pass, const char *directive, const char *fmt,
                                                           va_list ap) {
        printf("%s %u - ", pass ? "ok" : "not ok", ++tap_count);
        vprintf(fmt, ap);
        if (directive)
                printf(" # %s", directive);
        putchar('\n');
        fflush(stdout);
}

bool tap_ok(bool pass, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        tap_line(pass, NULL, fmt, ap);
        va_end(ap);
        if (!pass)
                tap_failures++;
        return pass;
}

void tap_skip(const char *reason, const char *fmt, ...) {
        char *directive;
        if (asprintf(&directive, "SKIP %s", reason) < 0)
                abort();
        va_list ap;
        va_start(ap, fmt);
        tap_line(true, directive, fmt, ap);
        va_end(ap);
        free(directive);
}

void tap_diag(const char *fmt, ...) {
        char *text;
        va_list ap;
        va_start(ap, fmt);
        int r = vasprintf(&text, fmt, ap);
        va_end(ap);
        if (r < 0)
                abort();
        print_comment_lines("", text);
        free(text);
}

int tap_done(void) {
        printf("1..%u\n", tap_count);
        fflush(stdout);
        return tap_failures ? 1 : 0;
}

void capture_stderr_begin(void) {
        fflush(stderr);
        capture_file = tmpfile();
        if (!capture_file)
                abort();
        capture_saved_fd = dup(STDERR_FILENO);
        if (capture_saved_fd < 0 || dup2(fileno(capture_file), STDERR_FILENO) < 0)
                abort();
}

char *capture_stderr_end(void) {
        fflush(stderr);
        if (dup2(capture_saved_fd, STDERR_FILENO) < 0)
                abort();
        close(capture_saved_fd);
        capture_saved_fd = -1;
        long size = ftell(capture_file);
        char *text = calloc(1, (size_t) (size > 0 ? size : 0) + 1);
        if (!text)
                abort();
        rewind(capture_file);
        if (size > 0 && fread(text, 1, (size_t) size, capture_file) != (size_t) size)
                abort();
        fclose(capture_file);
        capture_file = NULL;
        if (*text)
                print_comment_lines("stderr: ", text);
        return text;
}

void ok_contains(const char *text, const char *needle, const char *what) {
        ok(text && strstr(text, needle), "%s mentions \"%s\"", what, needle);
}

char *join(const char *a, const char *b) {
        char *p;
        if (asprintf(&p, "%s/%s", a, b) < 0)
                abort();
        return p;
}

char *make_tempdir(void) {
        const char *tmp = getenv("TMPDIR");
        char *p;
        if (asprintf(&p, "%s/gpucdi-test-XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0 || !mkdtemp(p))
                abort();
        return p;
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw) {
        (void) st;
        (void) ftw;
        /* chmod'ed-away permissions must not leave debris behind */
        if (type == FTW_DP || type == FTW_D)
                chmod(path, 0755);
        return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

void rm_rf(const char *path) {
        if (path)
                nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}
