/* The walk of validation: the JSON path of the value being checked, problems and warnings reported
 * against it, objects checked member by member against a field table, arrays item by item. */
#include "validate-walk.h"

#include <stdarg.h>

#include "util.h"

static void vreport(struct vctx *c, const char *level, const char *fmt, va_list ap) _printf_(3, 0);
static void vreport(struct vctx *c, const char *level, const char *fmt, va_list ap) {
        if (!c->out)
                return;
        fprintf(c->out, "%s: %s: %s", c->file, c->len > 0 ? c->path : "(top level)", level);
        vfprintf(c->out, fmt, ap);
        fputc('\n', c->out);
}

void vc_problem(struct vctx *c, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vreport(c, "", fmt, ap);
        va_end(ap);
        c->problems++;
}

void vc_warning(struct vctx *c, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vreport(c, "warning: ", fmt, ap);
        va_end(ap);
}

size_t vc_push_fmt(struct vctx *c, const char *fmt, ...) {
        size_t old = c->len;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(c->path + c->len, sizeof c->path - c->len, fmt, ap);
        va_end(ap);
        if (n > 0)
                c->len += (size_t) n < sizeof c->path - c->len ? (size_t) n : sizeof c->path - c->len - 1;
        return old;
}

size_t vc_push_key(struct vctx *c, const char *key) {
        return c->len > 0 ? vc_push_fmt(c, ".%s", key) : vc_push_fmt(c, "%s", key);
}

size_t vc_push_index(struct vctx *c, size_t i) {
        return vc_push_fmt(c, "[%zu]", i);
}

void vc_pop(struct vctx *c, size_t old) {
        c->len = old;
        c->path[old] = 0;
}

void vc_at_key(struct vctx *c, const json_t *v, const char *key, check_fn check) {
        size_t old = vc_push_key(c, key);
        check(c, v);
        vc_pop(c, old);
}

const char *vc_type_name(const json_t *v) {
        switch (json_typeof(v)) {
        case JSON_OBJECT: return "an object";
        case JSON_ARRAY: return "an array";
        case JSON_STRING: return "a string";
        case JSON_INTEGER: return "an integer";
        case JSON_REAL: return "a number";
        case JSON_TRUE:
        case JSON_FALSE: return "a boolean";
        case JSON_NULL: return "null";
        }
        return "unknown";
}

bool vc_object(struct vctx *c, const json_t *v, const struct field *fields, size_t n) {
        if (!json_is_object(v)) {
                vc_problem(c, "must be an object, found %s", vc_type_name(v));
                return false;
        }
        const char *key;
        const json_t *val;
        json_object_foreach((json_t *) v, key, val) {
                const struct field *f = NULL;
                for (size_t i = 0; i < n && !f; i++)
                        if (streq(fields[i].name, key))
                                f = &fields[i];
                if (f)
                        vc_at_key(c, val, key, f->check);
                else {
                        size_t old = vc_push_key(c, key);
                        /* podman's parser is strict: one unknown member and the whole spec is skipped. */
                        vc_problem(c, "unknown field; podman refuses specs with fields it does not know "
                                   "(check the spelling and the CDI specification)");
                        vc_pop(c, old);
                }
        }
        for (size_t i = 0; i < n; i++)
                if (fields[i].required && !json_object_get(v, fields[i].name)) {
                        size_t old = vc_push_key(c, fields[i].name);
                        vc_problem(c, "required field is missing");
                        vc_pop(c, old);
                }
        return true;
}

bool vc_array(struct vctx *c, const json_t *v, check_fn item, const char *what) {
        if (!json_is_array(v)) {
                vc_problem(c, "must be an array of %s, found %s", what, vc_type_name(v));
                return false;
        }
        size_t i;
        const json_t *e;
        json_array_foreach(v, i, e) {
                size_t old = vc_push_index(c, i);
                item(c, e);
                vc_pop(c, old);
        }
        return true;
}

