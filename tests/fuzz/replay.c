/* Runs a fuzz target over its seed corpus without libFuzzer, so that plain builds replay every
 * seed and every input that once crashed as an ordinary test. Arguments are files or directories
 * (every regular file inside, in name order); prints TAP, one line per input. An input that
 * breaks the target aborts it (sanitizer or assertion), which fails the test. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static unsigned n_inputs;

static int replay_file(const char *path) {
        n_inputs++;
        FILE *f = fopen(path, "re");
        if (!f) {
                ok(false, "%s: %s", path, strerror(errno));
                return -1;
        }
        uint8_t *buf = NULL;
        size_t size = 0, cap = 0;
        for (;;) {
                if (size == cap) {
                        cap = cap ? cap * 2 : 4096;
                        uint8_t *n = realloc(buf, cap);
                        if (!n)
                                abort();
                        buf = n;
                }
                size_t k = fread(buf + size, 1, cap - size, f);
                size += k;
                if (k == 0)
                        break;
        }
        int err = ferror(f);
        fclose(f);
        if (err) {
                free(buf);
                ok(false, "%s: read error", path);
                return -1;
        }
        /* An exact-size copy, so that reads past the end are caught by ASan as under libFuzzer. */
        uint8_t *data = malloc(size ? size : 1);
        if (!data)
                abort();
        memcpy(data, buf, size);
        free(buf);
        fflush(stdout);
        LLVMFuzzerTestOneInput(data, size);
        free(data);
        ok(true, "%s (%zu bytes)", path, size);
        return 0;
}

static int name_cmp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int replay_dir(const char *dir) {
        DIR *d = opendir(dir);
        if (!d) {
                ok(false, "%s: %s", dir, strerror(errno));
                return -1;
        }
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                char **nn = realloc(names, (n + 1) * sizeof *names);
                if (!nn || !(nn[n] = strdup(de->d_name)))
                        abort();
                names = nn;
                n++;
        }
        closedir(d);
        qsort(names, n, sizeof *names, name_cmp);
        int r = 0;
        for (size_t i = 0; i < n; i++) {
                char path[4096];
                struct stat st;
                snprintf(path, sizeof path, "%s/%s", dir, names[i]);
                if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && replay_file(path) < 0)
                        r = -1;
                free(names[i]);
        }
        free(names);
        return r;
}

int main(int argc, char **argv) {
        if (argc < 2) {
                fprintf(stderr, "usage: %s CORPUS-DIR|FILE...\n", argv[0]);
                return 2;
        }
        if (LLVMFuzzerInitialize)
                LLVMFuzzerInitialize(&argc, &argv);
        int r = 0;
        for (int i = 1; i < argc; i++) {
                struct stat st;
                if (stat(argv[i], &st) < 0) {
                        ok(false, "%s: %s", argv[i], strerror(errno));
                        r = -1;
                } else if (S_ISDIR(st.st_mode) ? replay_dir(argv[i]) < 0 : replay_file(argv[i]) < 0)
                        r = -1;
        }
        if (n_inputs == 0)
                ok(false, "no inputs found");
        return tap_done() || r < 0;
}
