/* CDI specs in YAML, read into the same jansson tree as JSON ones, as podman's CDI library reads
 * them (sigs.k8s.io/yaml: YAML 1.1 by go-yaml, then JSON). Only for other tools' specs (nvidia-ctk
 * writes nvidia.yaml): gpucdi itself writes JSON. Anchors and aliases are refused (no CDI generator
 * writes them, and they make a small file expand without bound), as are duplicate keys, several
 * documents and non-scalar keys. */
#include "cdiyaml.h"

#include <ctype.h>
#include <yaml.h>

#include "cdicontract.h"
#include "util.h"

#define YAML_DEPTH_MAX 64

struct yctx {
        yaml_parser_t parser;
        const char *path;
        char *err;
        size_t err_size;
};

static int fail(struct yctx *c, const yaml_mark_t *mark, const char *fmt, ...) _printf_(3, 4);
static int fail(struct yctx *c, const yaml_mark_t *mark, const char *fmt, ...) {
        int n = snprintf(c->err, c->err_size, "%zu:%zu: ", mark->line + 1, mark->column + 1);
        if (n < 0 || (size_t) n >= c->err_size)
                n = 0;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err + n, c->err_size - (size_t) n, fmt, ap);
        va_end(ap);
        return -EBADMSG;
}

static int next(struct yctx *c, yaml_event_t *ev) {
        if (!yaml_parser_parse(&c->parser, ev)) {
                yaml_mark_t m = c->parser.problem_mark;
                return fail(c, &m, "invalid YAML: %s", c->parser.problem ? c->parser.problem : "syntax error");
        }
        return 0;
}

static bool all_match(const char *s, const char *set) {
        return *s && strspn(s, set) == strlen(s);
}

/* A plain scalar as go-yaml v2 resolves it (YAML 1.1): null, bool, int, float, else a string. */
static json_t *plain_scalar(const char *s) {
        static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
        static const char *const trues[] = { "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y" };
        static const char *const falses[] = { "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N" };
        for (size_t i = 0; i < ELEMENTSOF(nulls); i++)
                if (streq(s, nulls[i]))
                        return json_null();
        for (size_t i = 0; i < ELEMENTSOF(trues); i++)
                if (streq(s, trues[i]))
                        return json_true();
        for (size_t i = 0; i < ELEMENTSOF(falses); i++)
                if (streq(s, falses[i]))
                        return json_false();

        const char *d = s + (*s == '-' || *s == '+');
        int base = 10;
        const char *digits = d;
        if (startswith(d, "0x"))
                base = 16, digits = d + 2;
        else if (startswith(d, "0o"))
                base = 8, digits = d + 2;
        else if (d[0] == '0' && d[1])
                base = 8, digits = d + 1;
        const char *set = base == 16 ? "0123456789abcdefABCDEF" : base == 8 ? "01234567" : "0123456789";
        if (all_match(digits, set)) {
                errno = 0;
                long long v = strtoll(digits, NULL, base);
                if (errno == 0)
                        return json_integer(*s == '-' ? -v : v);
        }
        /* Floats: digits with one dot and an optional exponent ("1.5", "2e3"); anything else is text. */
        if (isdigit((unsigned char) *d) || (*d == '.' && isdigit((unsigned char) d[1]))) {
                char *end = NULL;
                errno = 0;
                double v = strtod(s, &end);
                if (errno == 0 && end && !*end && strpbrk(s, ".eE") && !strpbrk(s, "xXpPnN"))
                        return json_real(v);
        }
        return json_string(s);
}

static int parse_node(struct yctx *c, yaml_event_t *ev, unsigned depth, json_t **ret);

static int parse_children(struct yctx *c, bool mapping, json_t *container, unsigned depth) {
        for (;;) {
                yaml_event_t ev;
                int r = next(c, &ev);
                if (r < 0)
                        return r;
                if (ev.type == (mapping ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT)) {
                        yaml_event_delete(&ev);
                        return 0;
                }
                if (!mapping) {
                        json_t *v = NULL;
                        r = parse_node(c, &ev, depth + 1, &v);
                        yaml_event_delete(&ev);
                        if (r < 0)
                                return r;
                        if (json_array_append_new(container, v) < 0)
                                return -ENOMEM;
                        continue;
                }
                /* Keys: scalars only (sigs.k8s.io/yaml turns them into JSON object keys). */
                if (ev.type != YAML_SCALAR_EVENT) {
                        yaml_mark_t m = ev.start_mark;
                        yaml_event_delete(&ev);
                        return fail(c, &m, "a mapping key must be a plain string");
                }
                _cleanup_free_ char *key = strdup((const char *) ev.data.scalar.value);
                yaml_mark_t km = ev.start_mark;
                bool anchored = ev.data.scalar.anchor != NULL;
                yaml_event_delete(&ev);
                if (!key)
                        return -ENOMEM;
                if (anchored)
                        return fail(c, &km, "anchors are not supported in CDI specs");
                if (json_object_get(container, key))
                        return fail(c, &km, "duplicate key \"%s\"", key);
                if ((r = next(c, &ev)) < 0)
                        return r;
                json_t *v = NULL;
                r = parse_node(c, &ev, depth + 1, &v);
                yaml_event_delete(&ev);
                if (r < 0)
                        return r;
                if (json_object_set_new(container, key, v) < 0)
                        return -ENOMEM;
        }
}

static int parse_node(struct yctx *c, yaml_event_t *ev, unsigned depth, json_t **ret) {
        if (depth > YAML_DEPTH_MAX)
                return fail(c, &ev->start_mark, "nested deeper than %d levels", YAML_DEPTH_MAX);
        switch (ev->type) {
        case YAML_ALIAS_EVENT:
                return fail(c, &ev->start_mark, "aliases (*%s) are not supported in CDI specs",
                            (const char *) ev->data.alias.anchor);
        case YAML_SCALAR_EVENT: {
                if (ev->data.scalar.anchor)
                        return fail(c, &ev->start_mark, "anchors are not supported in CDI specs");
                const char *s = (const char *) ev->data.scalar.value;
                if (strlen(s) != ev->data.scalar.length)
                        return fail(c, &ev->start_mark, "a string contains a NUL byte");
                bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !ev->data.scalar.tag;
                json_t *v = plain ? plain_scalar(s) : json_string(s);
                if (!v)
                        return fail(c, &ev->start_mark, "a string is not valid UTF-8");
                *ret = v;
                return 0;
        }
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
                bool mapping = ev->type == YAML_MAPPING_START_EVENT;
                if (mapping ? ev->data.mapping_start.anchor != NULL : ev->data.sequence_start.anchor != NULL)
                        return fail(c, &ev->start_mark, "anchors are not supported in CDI specs");
                json_auto_t *v = mapping ? json_object() : json_array();
                if (!v)
                        return -ENOMEM;
                int r = parse_children(c, mapping, v, depth);
                if (r < 0)
                        return r;
                *ret = TAKE_PTR(v);
                return 0;
        }
        default:
                return fail(c, &ev->start_mark, "unexpected YAML event");
        }
}

int cdi_yaml_load(const char *text, size_t size, json_t **ret, char *err, size_t err_size) {
        struct yctx c = { .err = err, .err_size = err_size };
        if (!yaml_parser_initialize(&c.parser))
                return -ENOMEM;
        yaml_parser_set_input_string(&c.parser, (const unsigned char *) text, size);

        json_auto_t *doc = NULL;
        int r = 0;
        bool in_doc = false, done = false;
        while (r >= 0 && !done) {
                yaml_event_t ev;
                r = next(&c, &ev);
                if (r < 0)
                        break;
                switch (ev.type) {
                case YAML_STREAM_START_EVENT:
                        break;
                case YAML_DOCUMENT_START_EVENT:
                        if (doc)
                                r = fail(&c, &ev.start_mark, "more than one YAML document; a CDI spec is one");
                        in_doc = true;
                        break;
                case YAML_DOCUMENT_END_EVENT:
                        in_doc = false;
                        break;
                case YAML_STREAM_END_EVENT:
                        done = true;
                        break;
                default:
                        if (!in_doc || doc)
                                r = fail(&c, &ev.start_mark, "unexpected YAML event");
                        else
                                r = parse_node(&c, &ev, 0, &doc);
                }
                yaml_event_delete(&ev);
        }
        yaml_parser_delete(&c.parser);
        if (r < 0)
                return r;
        if (!doc || json_is_null(doc)) {
                snprintf(err, err_size, "1:1: the file holds no YAML document");
                return -EBADMSG;
        }
        *ret = TAKE_PTR(doc);
        return 0;
}

bool cdi_spec_name_is_yaml(const char *name) {
        return cdi_spec_format_of_name(name) == CDI_SPEC_YAML;
}

int cdi_spec_load(const char *path, const char *text, size_t size, json_t **ret, char *err, size_t err_size) {
        if (cdi_spec_name_is_yaml(path))
                return cdi_yaml_load(text, size, ret, err, err_size);
        json_error_t e;
        /* Duplicate keys are refused: podman's strict parser rejects them too. */
        json_t *spec = json_loadb(text, size, JSON_REJECT_DUPLICATES, &e);
        if (!spec) {
                snprintf(err, err_size, "%d:%d: invalid JSON: %s", e.line, e.column, e.text);
                return -EBADMSG;
        }
        *ret = spec;
        return 0;
}
