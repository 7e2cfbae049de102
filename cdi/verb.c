/* Helpers of the verb files: usage errors, --help and --version, host root options. */
#include "verb.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "config.h"
#include "util.h"

int usage_error(const char *verb, const char *fmt, ...) {
        va_list ap;
        fprintf(stderr, "gpucdi: %s%s", verb ? verb : "", verb ? ": " : "");
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\nTry 'gpucdi %s%s--help'.\n", verb ? verb : "", verb ? " " : "");
        return EXIT_USAGE;
}

int print_version(void) {
        puts("gpucdi " GPUCDI_VERSION);
        return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

int verb_getopt(int argc, char *argv[], const char *verb, const struct option *opts, void (*help)(void),
                int *ret_exit) {
        int c = getopt_long(argc, argv, "h", opts, NULL);
        switch (c) {
        case 'h':
                help();
                *ret_exit = fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
                return -1;
        case OPT_VERSION:
                *ret_exit = print_version();
                return -1;
        case '?':
                /* getopt_long has named the option. */
                *ret_exit = usage_error(verb, "invalid option");
                return -1;
        }
        return c;
}

bool path_exists(const char *verb, const char *opt, const char *path) {
        struct stat st;
        if (stat(path, &st) == 0)
                return true;
        usage_error(verb, "%s '%s': %s", opt, path, strerror(errno));
        return false;
}

const char *absolute_path(const char *verb, const char *opt, const char *path, const char *hint) {
        char *p = realpath(path, NULL);
        if (!p)
                fprintf(stderr, "gpucdi: %s: %s '%s': %s%s\n", verb, opt, path, strerror(errno), hint);
        return p;
}

int parse_root_option(const char *verb, int c, const char *value, struct root_options *o) {
        const char **slot;
        const char *opt;
        switch (c) {
        case OPT_SYSFS_ROOT: slot = &o->roots.sysfs; opt = "--sysfs-root"; break;
        case OPT_PROC_ROOT: slot = &o->roots.proc; opt = "--proc-root"; break;
        case OPT_DEV_ROOT: slot = &o->roots.dev; opt = "--dev-root"; break;
        case OPT_HOST_ROOT: slot = &o->roots.root; opt = "--host-root"; break;
        case OPT_DRIVER_ROOT:
                if (o->roots.n_driver_roots >= MAX_DRIVER_ROOTS) {
                        usage_error(verb, "too many --driver-root options (at most %d)", MAX_DRIVER_ROOTS);
                        return -E2BIG;
                }
                o->roots.driver_roots = o->driver_roots;
                slot = &o->driver_roots[o->roots.n_driver_roots++];
                opt = "--driver-root";
                break;
        default:
                return 0;
        }
        *slot = absolute_path(verb, opt, value, "");
        return *slot ? 1 : -ENOENT;
}
