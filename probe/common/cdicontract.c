#include "cdicontract.h"

#include "util.h"

const char *const cdi_default_spec_dirs[] = { "/etc/cdi", "/var/run/cdi", NULL };

enum cdi_spec_format cdi_spec_format_of_name(const char *name) {
        if (endswith(name, ".json"))
                return CDI_SPEC_JSON;
        if (endswith(name, ".yaml"))
                return CDI_SPEC_YAML;
        return CDI_SPEC_NONE;
}
