/* Test helper: parse documents with the hook's JSON reader and print each as one line, for the
 * differential test (test-gojson.py). Input: documents, each preceded by its length as 4 bytes
 * (little endian). Output per document: "ERR", or the tree in prefix order: O<n> (object with n
 * members, each K<hex key> then the value), A<n>, S<hex>, N<number text>, T, F, Z (null). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gojson.h"

static void hex(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                printf("%02x", (unsigned char) s[i]);
}

static void dump(const struct gj_node *n) {
        for (; n; n = n->next) {
                if (n->key) {
                        printf("K");
                        hex(n->key, n->klen);
                        printf(" ");
                }
                switch (n->type) {
                case GJ_OBJECT: printf("O%u ", n->len); dump(n->child); break;
                case GJ_ARRAY: printf("A%u ", n->len); dump(n->child); break;
                case GJ_STRING: printf("S"); hex(n->str, n->len); printf(" "); break;
                case GJ_NUMBER: printf("N%.*s ", (int) n->len, n->str); break;
                case GJ_TRUE: printf("T "); break;
                case GJ_FALSE: printf("F "); break;
                case GJ_NULL: printf("Z "); break;
                }
        }
}

int main(void) {
        uint8_t l[4];
        while (fread(l, 1, 4, stdin) == 4) {
                size_t len = (size_t) l[0] | (size_t) l[1] << 8 | (size_t) l[2] << 16 | (size_t) l[3] << 24;
                char *buf = malloc(len + 1);
                if (!buf || fread(buf, 1, len, stdin) != len)
                        return 2;
                buf[len] = 0;
                struct gj_doc d;
                if (gj_parse(buf, len, &d, NULL, 0) < 0)
                        printf("ERR");
                else {
                        const struct gj_node root = { .type = d.nodes[0].type, .len = d.nodes[0].len,
                                                      .str = d.nodes[0].str, .child = d.nodes[0].child };
                        dump(&root);
                        gj_doc_free(&d);
                }
                printf("\n");
                free(buf);
        }
        return 0;
}
