/* See json.h. The grammar and the string decoding follow Go's encoding/json (scanner.go and
 * decode.go's unquote) so that the hook reads the same values runc applies. */
#include "gojson.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
        char *buf;
        size_t len, pos;
        struct gj_doc *doc;
        size_t cap;
        char *err;
        size_t errlen;
};

static int fail(struct parser *p, const char *what) {
        size_t line = 1, col = 1;
        for (size_t i = 0; i < p->pos && i < p->len; i++) {
                if (p->buf[i] == '\n') {
                        line++;
                        col = 1;
                } else
                        col++;
        }
        if (p->err)
                snprintf(p->err, p->errlen, "line %zu column %zu: %s", line, col, what);
        return -EBADMSG;
}

static void skip_ws(struct parser *p) {
        while (p->pos < p->len) {
                char c = p->buf[p->pos];
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
                        return;
                p->pos++;
        }
}

/* A new node; indexes, not pointers, until the array stops moving (gj_parse links them). */
static int new_node(struct parser *p, enum gj_type t, size_t *ret) {
        struct gj_doc *d = p->doc;
        if (d->n_nodes == p->cap) {
                size_t ncap = p->cap ? p->cap * 2 : 64;
                struct gj_node *n = realloc(d->nodes, ncap * sizeof *n);
                if (!n)
                        return -ENOMEM;
                d->nodes = n;
                p->cap = ncap;
        }
        d->nodes[d->n_nodes] = (struct gj_node) { .type = t };
        *ret = d->n_nodes++;
        return 0;
}

#define IDX(ptr) ((size_t) (uintptr_t) (ptr))
#define PTR(idx) ((struct gj_node *) (uintptr_t) (idx))

/* Length of the valid UTF-8 sequence at s (RFC 3629, as Go's utf8.DecodeRune), or 0. */
static size_t utf8_valid(const unsigned char *s, size_t n) {
        unsigned char c = s[0];
        if (c < 0x80)
                return 1;
        size_t need;
        unsigned char lo = 0x80, hi = 0xbf;
        if (c >= 0xc2 && c <= 0xdf)
                need = 2;
        else if (c >= 0xe0 && c <= 0xef) {
                need = 3;
                if (c == 0xe0)
                        lo = 0xa0;
                else if (c == 0xed)
                        hi = 0x9f;  /* no UTF-16 surrogates */
        } else if (c >= 0xf0 && c <= 0xf4) {
                need = 4;
                if (c == 0xf0)
                        lo = 0x90;
                else if (c == 0xf4)
                        hi = 0x8f;
        } else
                return 0;
        if (n < need || s[1] < lo || s[1] > hi)
                return 0;
        for (size_t i = 2; i < need; i++)
                if (s[i] < 0x80 || s[i] > 0xbf)
                        return 0;
        return need;
}

static size_t put_utf8(char *o, uint32_t r) {
        if (r < 0x80) {
                o[0] = (char) r;
                return 1;
        }
        if (r < 0x800) {
                o[0] = (char) (0xc0 | (r >> 6));
                o[1] = (char) (0x80 | (r & 0x3f));
                return 2;
        }
        if (r < 0x10000) {
                o[0] = (char) (0xe0 | (r >> 12));
                o[1] = (char) (0x80 | ((r >> 6) & 0x3f));
                o[2] = (char) (0x80 | (r & 0x3f));
                return 3;
        }
        o[0] = (char) (0xf0 | (r >> 18));
        o[1] = (char) (0x80 | ((r >> 12) & 0x3f));
        o[2] = (char) (0x80 | ((r >> 6) & 0x3f));
        o[3] = (char) (0x80 | (r & 0x3f));
        return 4;
}

static int hex4(const char *s, uint32_t *ret) {
        uint32_t v = 0;
        for (int i = 0; i < 4; i++) {
                char c = s[i];
                v <<= 4;
                if (c >= '0' && c <= '9')
                        v |= (uint32_t) (c - '0');
                else if (c >= 'a' && c <= 'f')
                        v |= (uint32_t) (c - 'a' + 10);
                else if (c >= 'A' && c <= 'F')
                        v |= (uint32_t) (c - 'A' + 10);
                else
                        return -1;
        }
        *ret = v;
        return 0;
}

/* A string at p->pos (after the quote). First check the syntax and count the bytes that grow when
 * replaced (a single invalid byte becomes 3 bytes of U+FFFD); then decode in place, or into a
 * buffer of its own when it grows. */
/* Bytes that end a plain run in a string: control characters, '"', '\\', and non-ASCII. */
static const unsigned char string_stop[256] = {
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

static int parse_string(struct parser *p, const char **ret, uint32_t *ret_len) {
        const unsigned char *s = (const unsigned char *) p->buf;
        size_t i = p->pos, grow = 0;
        bool plain = true;  /* printable ASCII only: already decoded where it stands */
        for (;;) {
                /* The common run of printable ASCII in one tight loop. */
                while (i < p->len && !string_stop[s[i]])
                        i++;
                if (i >= p->len) {
                        p->pos = i;
                        return fail(p, "unexpected end of input in a string");
                }
                unsigned char c = s[i];
                if (c == '"')
                        break;
                plain = false;
                if (c < 0x20) {
                        p->pos = i;
                        return fail(p, "control character in a string");
                }
                if (c == '\\') {
                        if (i + 1 >= p->len) {
                                p->pos = i;
                                return fail(p, "unexpected end of input in a string");
                        }
                        char e = (char) s[i + 1];
                        uint32_t u;
                        if (e == 'u') {
                                if (i + 6 > p->len || hex4(p->buf + i + 2, &u) < 0) {
                                        p->pos = i;
                                        return fail(p, "invalid \\u escape in a string");
                                }
                                i += 6;
                        } else if (strchr("\"\\/bfnrt", e) && e) {
                                i += 2;
                        } else {
                                p->pos = i;
                                return fail(p, "invalid escape in a string");
                        }
                        continue;
                }
                size_t n = utf8_valid(s + i, p->len - i);
                if (n == 0) {
                        grow += 2;
                        n = 1;
                }
                i += n;
        }
        size_t end = i;  /* the closing quote */
        size_t rawlen = end - p->pos;
        char *out = p->buf + p->pos;
        if (grow) {
                out = malloc(rawlen + grow + 1);
                if (!out)
                        return -ENOMEM;
                char **x = realloc(p->doc->extra, (p->doc->n_extra + 1) * sizeof *x);
                if (!x) {
                        free(out);
                        return -ENOMEM;
                }
                p->doc->extra = x;
                x[p->doc->n_extra++] = out;
        }
        size_t w = plain ? rawlen : 0;
        for (size_t r = plain ? end : p->pos; r < end;) {
                unsigned char c = s[r];
                if (c == '\\') {
                        char e = (char) s[r + 1];
                        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
                        if (e != 'u') {
                                out[w++] = to[strchr(from, e) - from];
                                r += 2;
                                continue;
                        }
                        uint32_t u, u2;
                        hex4(p->buf + r + 2, &u);
                        r += 6;
                        if (u >= 0xd800 && u < 0xe000) {
                                /* A valid pair is one rune; anything else is U+FFFD, and a second
                                 * \u that did not pair is read on its own. */
                                if (u < 0xdc00 && r + 6 <= end && s[r] == '\\' && s[r + 1] == 'u' &&
                                    hex4(p->buf + r + 2, &u2) == 0 && u2 >= 0xdc00 && u2 < 0xe000) {
                                        u = 0x10000 + ((u - 0xd800) << 10) + (u2 - 0xdc00);
                                        r += 6;
                                } else
                                        u = 0xfffd;
                        }
                        w += put_utf8(out + w, u);
                        continue;
                }
                size_t n = utf8_valid(s + r, end - r);
                if (n == 0) {
                        w += put_utf8(out + w, 0xfffd);
                        r++;
                        continue;
                }
                memmove(out + w, s + r, n);
                w += n;
                r += n;
        }
        out[w] = 0;  /* in place: w <= rawlen, so this is at most the closing quote */
        if (w > UINT32_MAX)
                return fail(p, "string too long");
        p->pos = end + 1;
        *ret = out;
        *ret_len = (uint32_t) w;
        return 0;
}

static bool digit(char c) {
        return c >= '0' && c <= '9';
}

static int parse_number(struct parser *p, struct gj_node *n) {
        size_t i = p->pos, start = i;
        const char *b = p->buf;
        if (i < p->len && b[i] == '-')
                i++;
        if (i >= p->len || !digit(b[i])) {
                p->pos = i;
                return fail(p, "invalid number");
        }
        if (b[i] == '0')
                i++;
        else
                while (i < p->len && digit(b[i]))
                        i++;
        if (i < p->len && b[i] == '.') {
                i++;
                if (i >= p->len || !digit(b[i])) {
                        p->pos = i;
                        return fail(p, "invalid number: digits expected after '.'");
                }
                while (i < p->len && digit(b[i]))
                        i++;
        }
        if (i < p->len && (b[i] == 'e' || b[i] == 'E')) {
                i++;
                if (i < p->len && (b[i] == '+' || b[i] == '-'))
                        i++;
                if (i >= p->len || !digit(b[i])) {
                        p->pos = i;
                        return fail(p, "invalid number: digits expected in the exponent");
                }
                while (i < p->len && digit(b[i]))
                        i++;
        }
        if (i - start > UINT32_MAX)
                return fail(p, "number too long");
        n->str = b + start;
        n->len = (uint32_t) (i - start);
        p->pos = i;
        return 0;
}

struct frame {
        size_t node, last;  /* the container, its last child so far (0: none yet) */
};

static int attach(struct parser *p, struct frame *f, size_t idx) {
        struct gj_node *parent = &p->doc->nodes[f->node];
        if (parent->len == UINT32_MAX)
                return fail(p, "too many elements");
        parent->len++;
        if (f->last)
                p->doc->nodes[f->last].next = PTR(idx);
        else
                parent->child = PTR(idx);
        f->last = idx;
        return 0;
}

int gj_parse(char *buf, size_t len, struct gj_doc *ret, char *err, size_t errlen) {
        struct gj_doc doc = {};
        struct parser p = { .buf = buf, .len = len, .doc = &doc, .err = err, .errlen = errlen };
        struct frame *stack = NULL;
        size_t depth = 0, stack_cap = 0;
        int r;

        if (err && errlen)
                err[0] = 0;
        for (;;) {
                /* A value, possibly as an object member. */
                skip_ws(&p);
                const char *key = NULL;
                uint32_t klen = 0;
                if (depth > 0 && doc.nodes[stack[depth - 1].node].type == GJ_OBJECT) {
                        if (p.pos >= len || buf[p.pos] != '"') {
                                r = fail(&p, "expected a string as object key");
                                goto fail;
                        }
                        p.pos++;
                        if ((r = parse_string(&p, &key, &klen)) < 0)
                                goto fail;
                        skip_ws(&p);
                        if (p.pos >= len || buf[p.pos] != ':') {
                                r = fail(&p, "expected ':' after object key");
                                goto fail;
                        }
                        p.pos++;
                        skip_ws(&p);
                }
                if (p.pos >= len) {
                        r = fail(&p, "unexpected end of input, expected a value");
                        goto fail;
                }
                size_t idx;
                char c = buf[p.pos];
                enum gj_type t = c == '{' ? GJ_OBJECT : c == '[' ? GJ_ARRAY : c == '"' ? GJ_STRING :
                                   c == 't' ? GJ_TRUE : c == 'f' ? GJ_FALSE : c == 'n' ? GJ_NULL : GJ_NUMBER;
                if ((r = new_node(&p, t, &idx)) < 0)
                        goto fail;
                doc.nodes[idx].key = key;
                doc.nodes[idx].klen = klen;
                if (depth > 0 && (r = attach(&p, &stack[depth - 1], idx)) < 0)
                        goto fail;
                bool opened = false;
                if (t == GJ_OBJECT || t == GJ_ARRAY) {
                        p.pos++;
                        if (depth == GJ_MAX_DEPTH) {
                                r = fail(&p, "exceeded max depth");
                                goto fail;
                        }
                        if (depth == stack_cap) {
                                size_t ncap = stack_cap ? stack_cap * 2 : 16;
                                struct frame *s = realloc(stack, ncap * sizeof *s);
                                if (!s) {
                                        r = -ENOMEM;
                                        goto fail;
                                }
                                stack = s;
                                stack_cap = ncap;
                        }
                        stack[depth++] = (struct frame) { idx, 0 };
                        skip_ws(&p);
                        char close = t == GJ_OBJECT ? '}' : ']';
                        if (p.pos < len && buf[p.pos] == close) {
                                p.pos++;
                                depth--;
                        } else
                                opened = true;
                } else if (t == GJ_STRING) {
                        p.pos++;
                        const char *s;
                        uint32_t slen;
                        if ((r = parse_string(&p, &s, &slen)) < 0)
                                goto fail;
                        doc.nodes[idx].str = s;
                        doc.nodes[idx].len = slen;
                } else if (t == GJ_NUMBER) {
                        if ((r = parse_number(&p, &doc.nodes[idx])) < 0)
                                goto fail;
                } else {
                        const char *word = t == GJ_TRUE ? "true" : t == GJ_FALSE ? "false" : "null";
                        size_t wl = strlen(word);
                        if (len - p.pos < wl || memcmp(buf + p.pos, word, wl) != 0) {
                                r = fail(&p, "invalid literal");
                                goto fail;
                        }
                        p.pos += wl;
                }
                if (opened)
                        continue;
                /* After a value: a separator, or the ends of the containers it closes. */
                for (;;) {
                        skip_ws(&p);
                        if (depth == 0) {
                                if (p.pos != len) {
                                        r = fail(&p, "invalid character after top-level value");
                                        goto fail;
                                }
                                goto done;
                        }
                        char close = doc.nodes[stack[depth - 1].node].type == GJ_OBJECT ? '}' : ']';
                        if (p.pos < len && buf[p.pos] == ',') {
                                p.pos++;
                                break;
                        }
                        if (p.pos < len && buf[p.pos] == close) {
                                p.pos++;
                                depth--;
                                continue;
                        }
                        r = fail(&p, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
                        goto fail;
                }
        }
done:
        free(stack);
        for (size_t i = 0; i < doc.n_nodes; i++) {
                struct gj_node *n = &doc.nodes[i];
                n->child = IDX(n->child) ? &doc.nodes[IDX(n->child)] : NULL;
                n->next = IDX(n->next) ? &doc.nodes[IDX(n->next)] : NULL;
        }
        *ret = doc;
        return 0;
fail:
        free(stack);
        gj_doc_free(&doc);
        return r;
}

void gj_doc_free(struct gj_doc *d) {
        for (size_t i = 0; i < d->n_extra; i++)
                free(d->extra[i]);
        free(d->extra);
        free(d->nodes);
        *d = (struct gj_doc) {};
}

int gj_int64(const struct gj_node *n, int64_t *ret) {
        if (n->type != GJ_NUMBER)
                return -EDOM;
        const char *s = n->str, *e = s + n->len;
        bool neg = s < e && *s == '-';
        if (neg)
                s++;
        uint64_t v = 0;
        for (const char *q = s; q < e; q++) {
                if (!digit(*q))
                        return -EINVAL;
                unsigned d = (unsigned) (*q - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        if (neg ? v > (uint64_t) INT64_MAX + 1 : v > (uint64_t) INT64_MAX)
                return -ERANGE;
        *ret = neg ? (int64_t) (0 - v) : (int64_t) v;
        return 0;
}

bool gj_key_folds_to(const char *key, size_t klen, const char *field) {
        const unsigned char *k = (const unsigned char *) key, *end = k + klen;
        for (const char *f = field; *f; f++) {
                if (k >= end)
                        return false;
                char want = (char) (*f >= 'a' && *f <= 'z' ? *f - 32 : *f);
                char got;
                if (*k < 0x80) {
                        got = (char) (*k >= 'a' && *k <= 'z' ? *k - 32 : *k);
                        k++;
                } else if (end - k >= 2 && k[0] == 0xc5 && k[1] == 0xbf) {
                        got = 'S';  /* U+017F LATIN SMALL LETTER LONG S */
                        k += 2;
                } else if (end - k >= 2 && k[0] == 0xc4 && (k[1] == 0xb0 || k[1] == 0xb1)) {
                        got = 'I';  /* U+0130, U+0131: dotted capital and dotless small i */
                        k += 2;
                } else if (end - k >= 3 && k[0] == 0xe2 && k[1] == 0x84 && k[2] == 0xaa) {
                        got = 'K';  /* U+212A KELVIN SIGN */
                        k += 3;
                } else
                        return false;
                if (got != want)
                        return false;
        }
        return k == end;
}

const char *gj_type_name(enum gj_type t) {
        static const char *const names[] = {
                [GJ_NULL] = "null", [GJ_FALSE] = "a boolean", [GJ_TRUE] = "a boolean",
                [GJ_NUMBER] = "a number", [GJ_STRING] = "a string", [GJ_ARRAY] = "an array",
                [GJ_OBJECT] = "an object",
        };
        return names[t];
}
