#include "cdicontract.h"

#include "util.h"

const char *const cdi_default_spec_dirs[] = { "/etc/cdi", "/var/run/cdi", NULL };

static bool has_suffix(const char *s, const char *suffix) {
        size_t n = strlen(s), m = strlen(suffix);
        return n >= m && streq(s + n - m, suffix);
}

enum cdi_spec_format cdi_spec_format_of_name(const char *name) {
        if (has_suffix(name, ".json"))
                return CDI_SPEC_JSON;
        if (has_suffix(name, ".yaml"))
                return CDI_SPEC_YAML;
        return CDI_SPEC_NONE;
}
