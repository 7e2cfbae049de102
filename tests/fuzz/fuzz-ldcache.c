/* Fuzz target: glibc's binary ld.so.cache as read by ldcache_parse(). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ldcache.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        log_set_quiet(true);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct ldcache *c = NULL;
        if (ldcache_parse(data, size, "fuzz", &c) < 0) {
                if (c)
                        abort(); /* ret written on failure */
                return 0;
        }
        size_t n = ldcache_count(c);
        for (size_t i = 0; i < n; i++) {
                const struct ldcache_entry *e = ldcache_entry(c, i);
                if (!e || !e->key || !e->value)
                        abort();
                /* Both strings must lie inside the input, terminated there. */
                const char *lo = (const char *) data, *hi = lo + size;
                size_t kl = strlen(e->key), vl = strlen(e->value);
                if (e->key < lo || e->key + kl >= hi || e->value < lo || e->value + vl >= hi)
                        abort();
                (void) ldcache_flags_native(e->flags);
        }
        if (ldcache_entry(c, n))
                abort();
        ldcache_close(c);
        return 0;
}
