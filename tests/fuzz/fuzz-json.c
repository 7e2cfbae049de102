/* Fuzz target: the hook's JSON reader (hook/gojson.c), which must accept exactly what Go's
 * encoding/json accepts. Checked on every input that parses: decoded strings and keys are valid
 * UTF-8 (Go replaces every invalid byte and lone surrogate with U+FFFD), number texts are JSON
 * numbers, child counts match the links, and struct-key folding agrees with itself. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gojson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t utf8_len(const unsigned char *s, size_t n) {
        if (s[0] < 0x80)
                return 1;
        size_t need = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
        if (s[0] < 0xc2 || s[0] > 0xf4 || n < need)
                return 0;
        uint32_t r = s[0] & (0x7f >> need);
        for (size_t i = 1; i < need; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                r = r << 6 | (s[i] & 0x3f);
        }
        if ((need == 3 && r < 0x800) || (need == 4 && (r < 0x10000 || r > 0x10ffff)) || (r >= 0xd800 && r < 0xe000))
                return 0;
        return need;
}

static void valid_utf8(const char *s, size_t n) {
        const unsigned char *u = (const unsigned char *) s;
        for (size_t i = 0; i < n;) {
                size_t k = utf8_len(u + i, n - i);
                if (!k)
                        abort();
                i += k;
        }
        if (s[n] != 0)
                abort();
}

static void check(const struct gj_node *n, size_t depth) {
        if (depth > GJ_MAX_DEPTH)
                abort();
        if (n->key) {
                valid_utf8(n->key, n->klen);
                /* A key folds to itself when it is plain ASCII letters. */
                bool ascii = n->klen > 0 && n->klen < 64 && strlen(n->key) == n->klen;
                for (size_t i = 0; ascii && i < n->klen; i++)
                        ascii = (n->key[i] >= 'a' && n->key[i] <= 'z') || (n->key[i] >= 'A' && n->key[i] <= 'Z');
                if (ascii && !gj_key_folds_to(n->key, n->klen, n->key))
                        abort();
        }
        if (n->type == GJ_STRING)
                valid_utf8(n->str, n->len);
        if (n->type == GJ_NUMBER) {
                int64_t v;
                int r = gj_int64(n, &v);
                if (r < 0 && r != -EINVAL && r != -ERANGE)
                        abort();
                if (n->len == 0 || !(n->str[0] == '-' || (n->str[0] >= '0' && n->str[0] <= '9')))
                        abort();
        }
        if (n->type == GJ_ARRAY || n->type == GJ_OBJECT) {
                uint32_t count = 0;
                for (const struct gj_node *c = n->child; c; c = c->next) {
                        if ((n->type == GJ_OBJECT) != (c->key != NULL))
                                abort();
                        check(c, depth + 1);
                        count++;
                }
                if (count != n->len)
                        abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *buf = malloc(size + 1);
        if (!buf)
                return 0;
        memcpy(buf, data, size);
        buf[size] = 0;
        struct gj_doc d;
        char err[160];
        if (gj_parse(buf, size, &d, err, sizeof err) == 0) {
                check(&d.nodes[0], 0);
                gj_doc_free(&d);
        } else if (!err[0])
                abort();  /* every syntax error is described */
        free(buf);
        return 0;
}
