/* Reader of glibc's binary /etc/ld.so.cache (the "glibc-ld.so.cache1.1" format, with or without the
 * old "ld.so-1.7.0" header in front). The file is mmapped once; every offset is bounds-checked. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct ldcache_entry {
        const char *key;    /* soname or file name, e.g. "libcuda.so.1"; points into the mapping */
        const char *value;  /* path, e.g. "/usr/lib/x86_64-linux-gnu/libcuda.so.1" */
        int32_t flags;      /* FLAG_* of glibc: 0x0303 = libc6,x86-64, 0x0a03 = libc6,AArch64 ... */
};

struct ldcache;

/* -ENOENT if absent, -EBADMSG with a logged message naming path if malformed. */
int ldcache_open(const char *path, struct ldcache **ret);
/* Parse an in-memory image (for tests and fuzzing); data must outlive the cache. */
int ldcache_parse(const void *data, size_t size, const char *name, struct ldcache **ret);
size_t ldcache_count(const struct ldcache *c);
const struct ldcache_entry *ldcache_entry(const struct ldcache *c, size_t i);
/* true if flags describe a library of this build's architecture */
int ldcache_flags_native(int32_t flags);
void ldcache_close(struct ldcache *c);
static inline void ldcache_closep(struct ldcache **c) { if (*c) ldcache_close(*c); }
