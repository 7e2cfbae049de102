/* Shared by the validation files (cdi/validate.c): the context of one spec's validation. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "util.h"

struct vctx {
        const char *file;
        FILE *out;
        int problems;
        size_t len;
        char path[1024]; /* JSON path of the value being checked; "" is the top level */
};

typedef void (*check_fn)(struct vctx *c, const json_t *v);

/* One member of a JSON object: how its value is checked and whether it must be present. */
struct field {
        const char *name;
        check_fn check;
        bool required;
};

void vc_problem(struct vctx *c, const char *fmt, ...) _printf_(2, 3);
void vc_warning(struct vctx *c, const char *fmt, ...) _printf_(2, 3);

/* Path building: push returns the length to restore with vc_pop. Overlong paths are cut, not lost. */
size_t vc_push_fmt(struct vctx *c, const char *fmt, ...) _printf_(2, 3);
size_t vc_push_key(struct vctx *c, const char *key);
size_t vc_push_index(struct vctx *c, size_t i);
void vc_pop(struct vctx *c, size_t old);

/* check(v) with key appended to the path. */
void vc_at_key(struct vctx *c, const json_t *v, const char *key, check_fn check);
/* "an object", "a string", ...: the JSON type of v for messages. */
const char *vc_type_name(const json_t *v);
/* Validates members against fields in document order, then reports the missing required ones.
 * Returns false if v is not an object. */
bool vc_object(struct vctx *c, const json_t *v, const struct field *fields, size_t n);
/* Each item of an array with item(); false if v is not an array (reported, naming what). */
bool vc_array(struct vctx *c, const json_t *v, check_fn item, const char *what);
