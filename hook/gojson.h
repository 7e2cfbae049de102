/* A JSON reader that accepts exactly what Go's encoding/json accepts, for the documents runc reads
 * (config.json, the container state): RFC 8259 syntax, any number text (kept as text, converted
 * on demand), invalid UTF-8 and lone surrogates replaced by U+FFFD, duplicate keys kept in order,
 * nesting up to Go's 10000 levels. One pass into an array of nodes; strings are decoded in place
 * in the caller's buffer, which must outlive the document. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gj_type { GJ_NULL, GJ_FALSE, GJ_TRUE, GJ_NUMBER, GJ_STRING, GJ_ARRAY, GJ_OBJECT };

struct gj_node {
        enum gj_type type;
        uint32_t len;                 /* string bytes, number text bytes, or number of children */
        uint32_t klen;                /* key bytes (object members) */
        const char *key;              /* object members: the decoded key, NUL-terminated */
        const char *str;              /* strings: decoded, NUL-terminated; numbers: the text, not terminated */
        struct gj_node *child;      /* arrays and objects: first element or member */
        struct gj_node *next;       /* next element or member of the parent */
};

struct gj_doc {
        struct gj_node *nodes;      /* nodes[0] is the top-level value */
        size_t n_nodes;
        char **extra;                 /* strings that grew when decoded (U+FFFD for single bytes) */
        size_t n_extra;
};

#define GJ_MAX_DEPTH 10000

/* Parse buf[0..len) (modified in place). On a syntax error return -EBADMSG with "line L column C:
 * what" in err; -ENOMEM. */
int gj_parse(char *buf, size_t len, struct gj_doc *ret, char *err, size_t errlen);
void gj_doc_free(struct gj_doc *d);

/* A number as Go's strconv.ParseInt would read it for an int64 field: -EINVAL for a fraction or
 * exponent, -ERANGE when out of range, -EDOM for a value that is not a number. */
int gj_int64(const struct gj_node *n, int64_t *ret);

/* Whether a key matches an ASCII struct field name the way Go's encoding/json matches it when no
 * key equals it exactly: ASCII case, plus the non-ASCII letters whose simple case mapping lands
 * on an ASCII letter (U+017F long s, U+212A Kelvin sign, U+0130 and U+0131 dotted/dotless i). */
bool gj_key_folds_to(const char *key, size_t klen, const char *field);

const char *gj_type_name(enum gj_type t);
