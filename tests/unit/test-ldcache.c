/* ld.so.cache reader: the real H100 host's cache against its `ldconfig -p` listing, and caches
 * built here byte by byte, whole, truncated at every length and corrupted at every header byte. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ldcache.h"
#include "util.h"
#include "testutil.h"

static const struct test_ldentry small[] = {
        { "libcuda.so.1", "/usr/local/nvidia/lib64/libcuda.so.1", 0x0303 },
        { "libcuda.so.1", "/usr/lib/i386-linux-gnu/libcuda.so.1", 0x0003 },
        { "libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6", 0x0303 },
};

/* Every entry's strings lie inside [data, data + size) and are NUL-terminated there. */
static bool entries_in_bounds(const struct ldcache *c, const void *data, size_t size) {
        const char *lo = data, *hi = (const char *) data + size;
        for (size_t i = 0; i < ldcache_count(c); i++) {
                const struct ldcache_entry *e = ldcache_entry(c, i);
                const char *s[] = { e->key, e->value };
                for (int k = 0; k < 2; k++) {
                        if (s[k] < lo || s[k] >= hi || !memchr(s[k], 0, (size_t) (hi - s[k])))
                                return false;
                }
        }
        return true;
}

static bool same_entries(const struct ldcache *c, const struct test_ldentry *e, size_t n) {
        if (ldcache_count(c) != n)
                return false;
        for (size_t i = 0; i < n; i++) {
                const struct ldcache_entry *x = ldcache_entry(c, i);
                if (!streq_safe(x->key, e[i].key) || !streq_safe(x->value, e[i].value) || x->flags != e[i].flags)
                        return false;
        }
        return ldcache_entry(c, n) == NULL;
}

/* Parse a copy of exactly size bytes, so that a read past the end is a read past an allocation. */
static int parse_copy(const uint8_t *data, size_t size, bool *in_bounds, size_t *count) {
        uint8_t *copy = malloc(size ? size : 1);
        if (!copy)
                abort();
        memcpy(copy, data, size);
        struct ldcache *c = NULL;
        log_set_quiet(true); /* thousands of expected complaints */
        int r = ldcache_parse(copy, size, "test cache", &c);
        log_set_quiet(false);
        *in_bounds = true;
        *count = 0;
        if (r >= 0) {
                *in_bounds = entries_in_bounds(c, copy, size);
                *count = ldcache_count(c);
                ldcache_close(c);
        }
        free(copy);
        return r;
}

static void test_real_cache(const char *refdir) {
        char *cache = refdir ? join(refdir, "ld.so.cache") : NULL;
        char *listing = refdir ? join(refdir, "ldconfig-p.txt") : NULL;
        struct stat st;
        if (!cache || stat(cache, &st) < 0 || stat(listing, &st) < 0) {
                tap_skip("tests/reference/h100 absent", "H100 ld.so.cache parses");
                tap_skip("tests/reference/h100 absent", "H100 ld.so.cache matches ldconfig -p");
                tap_skip("tests/reference/h100 absent", "H100 ld.so.cache: libcuda.so.1 => /usr/local/nvidia/lib64/libcuda.so.1");
                free(cache);
                free(listing);
                return;
        }

        struct ldcache *c = NULL;
        int r = ldcache_open(cache, &c);
        ok(r == 0, "H100 ld.so.cache parses (r=%d)", r);
        if (r < 0) {
                free(cache);
                free(listing);
                return;
        }

        /* ldconfig -p prints the entries in cache order: "\tKEY (FLAGS) => VALUE". */
        FILE *f = fopen(listing, "re");
        char line[4096];
        size_t n = 0, mismatches = 0, announced = 0;
        bool header = false;
        while (f && fgets(line, sizeof line, f)) {
                unsigned long count;
                if (sscanf(line, "%lu libs found in cache", &count) == 1) {
                        announced = count;
                        header = true;
                        continue;
                }
                if (line[0] != '\t')
                        continue;
                char *open = strstr(line, " ("), *arrow = strstr(line, ") => ");
                if (!open || !arrow)
                        continue;
                *open = 0;
                *arrow = 0;
                char *value = arrow + 5;
                value[strcspn(value, "\n")] = 0;
                const char *flags = open + 2;
                const struct ldcache_entry *e = ldcache_entry(c, n++);
                bool same = e && streq_safe(e->key, line + 1) && streq_safe(e->value, value) &&
                            (!streq_safe(flags, "libc6,x86-64") || e->flags == 0x0303);
                if (!same && mismatches++ < 3)
                        tap_diag("entry %zu: cache has %s => %s (0x%04x), ldconfig -p has %s => %s (%s)", n - 1,
                                 e ? e->key : "-", e ? e->value : "-", e ? (unsigned) e->flags : 0, line + 1, value, flags);
        }
        if (f)
                fclose(f);
        ok(header && n == announced && n == ldcache_count(c) && mismatches == 0,
           "H100 ld.so.cache matches ldconfig -p: %zu entries, %zu announced, %zu mismatches", n, announced, mismatches);

        bool nvidia = false, lib = false;
        for (size_t i = 0; i < ldcache_count(c); i++) {
                const struct ldcache_entry *e = ldcache_entry(c, i);
                if (!streq_safe(e->key, "libcuda.so.1"))
                        continue;
                nvidia |= streq_safe(e->value, "/usr/local/nvidia/lib64/libcuda.so.1");
                lib |= streq_safe(e->value, "/lib/libcuda.so.1");
        }
        ok(nvidia && lib, "H100 ld.so.cache: libcuda.so.1 => /usr/local/nvidia/lib64/libcuda.so.1 and /lib/libcuda.so.1");
        ldcache_close(c);
        free(cache);
        free(listing);
}

static void test_built(bool old_header, bool extension) {
        char what[64];
        snprintf(what, sizeof what, "%s%s", old_header ? "old+new format" : "new format", extension ? " with extension" : "");
        size_t size;
        uint8_t *d = ldcache_build(small, ELEMENTSOF_T(small), old_header, extension, &size);
        struct ldcache *c = NULL;
        int r = ldcache_parse(d, size, "built", &c);
        ok(r == 0 && same_entries(c, small, ELEMENTSOF_T(small)), "%s: cache parses with its 3 entries", what);
        if (c)
                ldcache_close(c);

        /* Every truncation: rejected, or parsed with every string inside what is left. */
        size_t accepted = 0, out_of_bounds = 0, accepted_short = 0;
        for (size_t len = 0; len < size; len++) {
                bool in_bounds;
                size_t count;
                r = parse_copy(d, len, &in_bounds, &count);
                if (r >= 0) {
                        accepted++;
                        if (len < size)
                                accepted_short++;
                } else if (r != -EBADMSG)
                        out_of_bounds++; /* any error but EBADMSG is a wrong answer too */
                if (!in_bounds)
                        out_of_bounds++;
        }
        if (extension)
                /* only cuts into the trailing extension, which nothing reads, may still parse */
                ok(out_of_bounds == 0, "%s: %zu truncations: %zu accepted (extension cut), none out of bounds",
                   what, size, accepted);
        else
                ok(out_of_bounds == 0 && accepted_short == 0, "%s: all %zu truncations rejected with EBADMSG",
                   what, size);

        /* Every byte of the headers and entries set to values that break offsets and counts. */
        static const uint8_t values[] = { 0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff };
        size_t h = old_header ? (16 + ELEMENTSOF_T(small) * 12 + 7) / 8 * 8 : 0;
        size_t table_end = h + 48 + ELEMENTSOF_T(small) * 24;
        size_t bad = 0, tried = 0;
        for (size_t pos = 0; pos < table_end; pos++)
                for (size_t v = 0; v < sizeof values; v++) {
                        uint8_t saved = d[pos];
                        d[pos] = values[v];
                        bool in_bounds;
                        size_t count;
                        r = parse_copy(d, size, &in_bounds, &count);
                        tried++;
                        if (!in_bounds || (r < 0 && r != -EBADMSG))
                                bad++;
                        d[pos] = saved;
                }
        ok(bad == 0, "%s: %zu single-byte corruptions of header and entries: none read out of bounds", what, tried);
        free(d);
}

static void expect_bad(const uint8_t *d, size_t size, const char *what) {
        bool in_bounds;
        size_t count;
        int r = parse_copy(d, size, &in_bounds, &count);
        ok(r == -EBADMSG, "%s is rejected (r=%d)", what, r);
}

static void test_corrupt(void) {
        size_t size;
        uint8_t *d = ldcache_build(small, ELEMENTSOF_T(small), false, false, &size);
        uint8_t *x = malloc(size);

        expect_bad(d, 0, "empty cache");

        memcpy(x, d, size);
        memcpy(x, "glibc-ld.so.cache1.0", 20);
        expect_bad(x, size, "unknown version 1.0");

        memcpy(x, d, size);
        uint32_t huge = 0xffffffffu;
        memcpy(x + 20, &huge, 4);
        expect_bad(x, size, "entry count 0xffffffff");

        memcpy(x, d, size);
        uint32_t beyond = (uint32_t) size;
        memcpy(x + 48 + 4, &beyond, 4);
        expect_bad(x, size, "key offset at the end of the file");

        memcpy(x, d, size);
        memcpy(x + 48 + 8, &huge, 4);
        expect_bad(x, size, "value offset 0xffffffff");

        memcpy(x, d, size);
        x[size - 1] = 'x';
        expect_bad(x, size, "last string without its NUL");

        memcpy(x, d, size);
        memcpy(x + 24, &huge, 4);
        expect_bad(x, size, "string table length beyond the file");

        memcpy(x, d, size);
        x[28] = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? 3 : 2;
        expect_bad(x, size, "cache of the other byte order");

        static const uint8_t old_only[16] = "ld.so-1.7.0";
        expect_bad(old_only, sizeof old_only, "old format without the new one");

        free(x);
        free(d);
}

static void test_files(void) {
        char *dir = make_tempdir();
        char *missing = join(dir, "absent.cache");
        struct ldcache *c = NULL;

        capture_stderr_begin();
        int r = ldcache_open(missing, &c);
        char *err = capture_stderr_end();
        ok(r == -ENOENT && !*err, "a missing cache is -ENOENT, silently (r=%d)", r);
        free(err);

        size_t size;
        uint8_t *d = ldcache_build(small, ELEMENTSOF_T(small), false, true, &size);
        write_bytes_at(dir, "good.cache", d, size);
        char *good = join(dir, "good.cache");
        r = ldcache_open(good, &c);
        ok(r == 0 && same_entries(c, small, ELEMENTSOF_T(small)), "ldcache_open maps and parses a file");
        if (r == 0)
                ldcache_close(c);

        write_bytes_at(dir, "cut.cache", d, size / 2);
        char *cut = join(dir, "cut.cache");
        capture_stderr_begin();
        r = ldcache_open(cut, &c);
        err = capture_stderr_end();
        ok(r == -EBADMSG, "a truncated file is -EBADMSG (r=%d)", r);
        ok_contains(err, cut, "the error");
        ok_contains(err, "ldconfig", "the error");
        free(err);

        write_bytes_at(dir, "empty.cache", "", 0);
        char *empty = join(dir, "empty.cache");
        capture_stderr_begin();
        r = ldcache_open(empty, &c);
        err = capture_stderr_end();
        ok(r == -EBADMSG && strstr(err, empty), "an empty file is -EBADMSG naming it (r=%d)", r);
        free(err);

        free(d);
        free(missing);
        free(good);
        free(cut);
        free(empty);
        rm_rf(dir);
        free(dir);
}

static void test_flags(void) {
#if defined(__x86_64__) && !defined(__ILP32__)
        ok(ldcache_flags_native(0x0303) && !ldcache_flags_native(0x0003) && !ldcache_flags_native(0x0a03),
           "x86-64 entries are native, i386 and AArch64 ones are not");
#elif defined(__aarch64__)
        ok(ldcache_flags_native(0x0a03) && !ldcache_flags_native(0x0303), "AArch64 entries are native, x86-64 ones are not");
#else
        tap_skip("no expectation for this architecture", "native flags");
#endif
}

int main(int argc, char **argv) {
        test_real_cache(argc > 1 ? argv[1] : NULL);
        test_built(false, false);
        test_built(false, true);
        test_built(true, false);
        test_corrupt();
        test_files();
        test_flags();
        return tap_done();
}
