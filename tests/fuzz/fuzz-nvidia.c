/* Fuzz target: the /proc/driver/nvidia/version, gpus/<pci>/information and capabilities/... access
 * file parsers, and /proc/devices. Every input is fed to each, as the file contents that
 * read_file() hands them (NUL-terminated). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe-internal.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        log_set_quiet(true);
        return 0;
}

static bool printable(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < 0x20)
                        return false;
        return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = 0;

        char version[64];
        memset(version, 'x', sizeof version);
        if (nvidia_parse_version(text, size, "version", version, sizeof version) >= 0) {
                size_t n = strnlen(version, sizeof version);
                if (n == 0 || n == sizeof version || !printable(version))
                        abort();
        }
        /* A short buffer must be refused, never overrun. */
        char tiny[4];
        if (nvidia_parse_version(text, size, "version", tiny, sizeof tiny) >= 0 && strnlen(tiny, sizeof tiny) == sizeof tiny)
                abort();

        struct gpu g = { .nv_minor = -1 };
        strcpy(g.pci_addr, "0000:00:06.0");
        if (nvidia_parse_gpu_info(text, size, "information", &g) >= 0) {
                if (g.nv_minor < 0 || g.nv_minor > 255 || strlen(g.nv_uuid) != 40 || !g.nv_model[0] ||
                    !printable(g.nv_model) || strnlen(g.nv_model, sizeof g.nv_model) == sizeof g.nv_model)
                        abort();
        } else if (g.nv_minor != -1 || g.nv_uuid[0] || g.nv_model[0] || g.nv_excluded)
                abort(); /* a failed parse must leave the GPU as it was */

        unsigned minor = 12345;
        mode_t mode = 0;
        if (nvidia_caps_parse(text, size, "access", &minor, &mode) >= 0 && (minor > (1u << 20) || mode > 0777))
                abort();

        struct chrdev *devs = NULL;
        size_t n = 0;
        if (proc_devices_parse(text, size, "devices", &devs, &n) >= 0) {
                for (size_t i = 0; i < n; i++)
                        if (devs[i].major > 4095 || !devs[i].name[0] || strnlen(devs[i].name, sizeof devs[i].name) == sizeof devs[i].name)
                                abort();
                free(devs);
        }
        free(text);
        return 0;
}
