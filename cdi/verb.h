/* What gpucdi's verb files share: the verb entry points, usage errors, --help and --version, and
 * the host root options of probe and generate. Exit statuses are in hook/exit-status.h. */
#pragma once

#include <getopt.h>
#include <stdbool.h>

#include "exit-status.h"
#include "probe.h"
#include "util.h"

int verb_probe(int argc, char *argv[]);
int verb_generate(int argc, char *argv[]);
int verb_list(int argc, char *argv[]);
int verb_validate(int argc, char *argv[]);
int verb_check(int argc, char *argv[]);
int verb_hook(int argc, char *argv[]);

/* Prints "gpucdi: VERB: MESSAGE" and where to find help; returns EXIT_USAGE. */
int usage_error(const char *verb, const char *fmt, ...) _printf_(2, 3);

/* The one line --version prints. */
int print_version(void);

/* getopt_long over a verb's options, with -h/--help and --version handled the same way in every
 * verb: returns the option, -1 at the end; *ret_exit is set (and -1 returned) when the verb is done:
 * EXIT_SUCCESS after --help or --version, EXIT_USAGE after an unknown option. */
enum { OPT_VERSION = 0x80, OPT_FIRST_VERB_OPTION = 0x100 };
int verb_getopt(int argc, char *argv[], const char *verb, const struct option *opts, void (*help)(void),
                int *ret_exit);

/* Whether a path named on the command line exists; if not, a usage error naming the option and path
 * is printed and false returned. */
bool path_exists(const char *verb, const char *opt, const char *path);

/* Host root options (probe, generate). */
#define MAX_DRIVER_ROOTS 16
enum {
        OPT_SYSFS_ROOT = OPT_FIRST_VERB_OPTION,
        OPT_PROC_ROOT,
        OPT_DEV_ROOT,
        OPT_HOST_ROOT,
        OPT_DRIVER_ROOT,
        OPT_FIRST_OWN,             /* a verb's own options start here */
};

#define ROOT_OPTIONS \
        { "sysfs-root", required_argument, NULL, OPT_SYSFS_ROOT }, \
        { "proc-root", required_argument, NULL, OPT_PROC_ROOT }, \
        { "dev-root", required_argument, NULL, OPT_DEV_ROOT }, \
        { "host-root", required_argument, NULL, OPT_HOST_ROOT }, \
        { "driver-root", required_argument, NULL, OPT_DRIVER_ROOT }

#define ROOT_OPTIONS_HELP \
        "Host options:\n" \
        "  --sysfs-root DIR      where /sys is read from (default /sys)\n" \
        "  --proc-root DIR       where /proc is read from (default /proc)\n" \
        "  --dev-root DIR        where device nodes are looked for (default /dev)\n" \
        "  --host-root DIR       the host's root for driver files and ld.so.cache (default /)\n" \
        "  --driver-root DIR     another driver installation (repeatable; e.g. /usr/local/nvidia,\n" \
        "                        /run/opengl-driver)\n"

struct root_options {
        struct probe_roots roots;
        const char *driver_roots[MAX_DRIVER_ROOTS];
};

#define ROOT_OPTIONS_INIT { .roots = { .sysfs = "/sys", .proc = "/proc", .dev = "/dev", .root = "/" } }

/* Handles a root option: 1 if it was one, 0 if not, -ENOENT or -E2BIG (reported as a usage error)
 * for a root that does not exist or too many driver roots. Roots become absolute canonical paths: they end up in
 * specs as hostPath. */
int parse_root_option(const char *verb, int c, const char *value, struct root_options *o);

/* The absolute canonical path of an existing path, for a value that ends up in a spec; NULL (with a
 * usage error naming the option and hint) when it does not exist. Lives until exit. */
const char *absolute_path(const char *verb, const char *opt, const char *path, const char *hint);
