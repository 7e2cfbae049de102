/* glibc's ld.so.cache, read without glibc's help (the host's cache, not ours, and maybe another
 * root's). Layout, from glibc's sysdeps/generic/dl-cache.h, all integers in host byte order:
 *
 *   optional old header  "ld.so-1.7.0" (11 bytes), pad to 12, u32 nlibs, nlibs x {i32 flags,
 *                        u32 key, u32 value}; the new format follows, aligned to 8 bytes
 *   new header (48)      "glibc-ld.so.cache" "1.1" (20 bytes), u32 nlibs, u32 len_strings,
 *                        u8 flags (endianness), 3 pad, u32 extension_offset, 3 x u32 unused
 *   entries              nlibs x {i32 flags, u32 key, u32 value, u32 osversion, u64 hwcap} (24)
 *   strings              NUL-terminated; key/value are offsets from the new header
 *
 * Every offset is checked against the mapping before use; strings must end inside it. */
#include <fcntl.h>
#include <inttypes.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "ldcache.h"
#include "util.h"

#define OLD_MAGIC "ld.so-1.7.0"
#define OLD_HEADER_SIZE 16
#define OLD_ENTRY_SIZE 12
#define NEW_MAGIC "glibc-ld.so.cache1.1"
#define NEW_HEADER_SIZE 48
#define NEW_ENTRY_SIZE 24
#define LDCACHE_MAX_SIZE (256u * 1024 * 1024)

/* glibc's cache_file_new flags: byte order of the writer */
enum {
        ENDIAN_MASK = 3,
        ENDIAN_UNSET = 0,
        ENDIAN_INVALID = 1,
        ENDIAN_LITTLE = 2,
        ENDIAN_BIG = 3,
};

struct ldcache {
        void *map;                  /* NULL when parsed from a caller's buffer */
        size_t map_size;
        struct ldcache_entry *entries;
        size_t n_entries;
};

static uint32_t get_u32(const uint8_t *p) {
        uint32_t v;
        memcpy(&v, p, sizeof v);
        return v;
}

/* The NUL-terminated string at base+off, or NULL if it does not end inside [base, base+size). */
static const char *get_string(const uint8_t *base, size_t size, uint32_t off) {
        if (off >= size)
                return NULL;
        if (!memchr(base + off, 0, size - off))
                return NULL;
        return (const char *) base + off;
}

static int bad(const char *name, const char *what) {
        return log_error_errno(-EBADMSG, "Malformed %s: %s; regenerate it with ldconfig", name, what);
}

static size_t align_up(size_t v, size_t a) {
        return (v + a - 1) / a * a;
}

/* Offset of the new-format header: 0, or after the old header and its entries. */
static int find_new_header(const uint8_t *d, size_t size, const char *name, size_t *ret) {
        const size_t new_magic_len = sizeof NEW_MAGIC - 1;

        if (size >= new_magic_len && memcmp(d, NEW_MAGIC, new_magic_len) == 0) {
                *ret = 0;
                return 0;
        }
        if (size < sizeof OLD_MAGIC - 1 || memcmp(d, OLD_MAGIC, sizeof OLD_MAGIC - 1) != 0)
                return bad(name, "not a glibc ld.so.cache (unknown magic)");
        if (size < OLD_HEADER_SIZE)
                return bad(name, "truncated old-format header");
        uint32_t nold = get_u32(d + 12);
        if (nold > (size - OLD_HEADER_SIZE) / OLD_ENTRY_SIZE)
                return bad(name, "old-format entry count exceeds the file");
        size_t end = OLD_HEADER_SIZE + (size_t) nold * OLD_ENTRY_SIZE;
        /* 8 is alignof(struct cache_file_new) where it holds a u64; 4 where u64 aligns to 4 */
        const size_t aligns[] = { 8, 4 };
        for (size_t i = 0; i < ELEMENTSOF(aligns); i++) {
                size_t off = align_up(end, aligns[i]);
                if (off <= size && size - off >= new_magic_len && memcmp(d + off, NEW_MAGIC, new_magic_len) == 0) {
                        *ret = off;
                        return 0;
                }
        }
        return bad(name, "old format only (\"ld.so-1.7.0\" without \"glibc-ld.so.cache1.1\"), which glibc no longer reads");
}

int ldcache_parse(const void *data, size_t size, const char *name, struct ldcache **ret) {
        const uint8_t *d = data;
        size_t h = 0;
        int r;

        if (!name)
                name = "ld.so.cache";
        if (size == 0)
                return bad(name, "empty file");
        r = find_new_header(d, size, name, &h);
        if (r < 0)
                return r;

        /* From here on everything is relative to the new header, as glibc reads it. */
        const uint8_t *base = d + h;
        size_t avail = size - h;
        if (avail < NEW_HEADER_SIZE)
                return bad(name, "truncated header");

        uint32_t nlibs = get_u32(base + 20);
        uint32_t len_strings = get_u32(base + 24);
        uint8_t endian = base[28] & ENDIAN_MASK;
        bool little = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
        if (endian == ENDIAN_INVALID || (endian == ENDIAN_LITTLE && !little) || (endian == ENDIAN_BIG && little))
                return bad(name, "written for another byte order");

        if (nlibs > (avail - NEW_HEADER_SIZE) / NEW_ENTRY_SIZE)
                return bad(name, "entry count exceeds the file (truncated?)");
        size_t strings_start = NEW_HEADER_SIZE + (size_t) nlibs * NEW_ENTRY_SIZE;
        if (len_strings > avail - strings_start)
                return bad(name, "string table exceeds the file (truncated?)");

        _cleanup_free_ struct ldcache_entry *entries = NULL;
        if (nlibs > 0) {
                entries = calloc(nlibs, sizeof *entries);
                if (!entries)
                        return -ENOMEM;
        }
        for (uint32_t i = 0; i < nlibs; i++) {
                const uint8_t *e = base + NEW_HEADER_SIZE + (size_t) i * NEW_ENTRY_SIZE;
                int32_t flags;
                memcpy(&flags, e, sizeof flags);
                const char *key = get_string(base, avail, get_u32(e + 4));
                const char *value = get_string(base, avail, get_u32(e + 8));
                if (!key || !value) {
                        char what[96];
                        snprintf(what, sizeof what, "entry %" PRIu32 " points outside the file", i);
                        return bad(name, what);
                }
                entries[i] = (struct ldcache_entry) { .key = key, .value = value, .flags = flags };
        }

        struct ldcache *c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->entries = TAKE_PTR(entries);
        c->n_entries = nlibs;
        *ret = c;
        return 0;
}

int ldcache_open(const char *path, struct ldcache **ret) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                if (errno == ENOENT)
                        return -ENOENT;
                return log_error_errno(-errno, "Failed to open %s: %m", path);
        }
        struct stat st;
        if (fstat(fd, &st) < 0)
                return log_error_errno(-errno, "Failed to stat %s: %m", path);
        if (!S_ISREG(st.st_mode))
                return bad(path, "not a regular file");
        if (st.st_size == 0)
                return bad(path, "empty file");
        if ((uintmax_t) st.st_size > LDCACHE_MAX_SIZE)
                return bad(path, "implausibly large");

        size_t size = (size_t) st.st_size;
        void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED)
                return log_error_errno(-errno, "Failed to map %s: %m", path);

        struct ldcache *c = NULL;
        int r = ldcache_parse(map, size, path, &c);
        if (r < 0) {
                munmap(map, size);
                return r;
        }
        c->map = map;
        c->map_size = size;
        *ret = c;
        return 0;
}

size_t ldcache_count(const struct ldcache *c) {
        return c->n_entries;
}

const struct ldcache_entry *ldcache_entry(const struct ldcache *c, size_t i) {
        return i < c->n_entries ? &c->entries[i] : NULL;
}

/* glibc's FLAG_* values: the low byte is the ELF type, the next the architecture's ABI. */
#define FLAG_TYPE_MASK 0x00ff
#define FLAG_ELF_LIBC6 0x0003
#define FLAG_REQUIRED_MASK 0xff00
#if defined(__x86_64__) && defined(__ILP32__)
#define FLAG_NATIVE 0x0800 /* FLAG_X8664_LIBX32 */
#elif defined(__x86_64__)
#define FLAG_NATIVE 0x0300 /* FLAG_X8664_LIB64 */
#elif defined(__aarch64__)
#define FLAG_NATIVE 0x0a00 /* FLAG_AARCH64_LIB64 */
#elif defined(__powerpc64__)
#define FLAG_NATIVE 0x0500 /* FLAG_POWERPC_LIB64 */
#elif defined(__riscv) && __riscv_xlen == 64 && defined(__riscv_float_abi_double)
#define FLAG_NATIVE 0x1000 /* FLAG_RISCV_FLOAT_ABI_DOUBLE */
#elif defined(__arm__) && defined(__ARM_PCS_VFP)
#define FLAG_NATIVE 0x0900 /* FLAG_ARM_LIBHF */
#else
#define FLAG_NATIVE 0x0000 /* i386 and others: plain libc6 */
#endif

int ldcache_flags_native(int32_t flags) {
        return (flags & FLAG_TYPE_MASK) == FLAG_ELF_LIBC6 && (flags & FLAG_REQUIRED_MASK) == FLAG_NATIVE;
}

void ldcache_close(struct ldcache *c) {
        if (!c)
                return;
        if (c->map)
                munmap(c->map, c->map_size);
        free(c->entries);
        free(c);
}
