/* Exit statuses of gpucdi's verbs and of gpucdi-hook: the one place they are defined and described.
 * Each command's --help prints its table; docs/test-man-pages.sh checks that each man page's EXIT
 * STATUS section names the same codes. */
#pragma once

#include <stdio.h>

enum {
        EXIT_PROBLEMS = 1,         /* validate: problems found; check, hook: refused */
        EXIT_USAGE = 2,
        EXIT_HOST_DATA = 3,        /* probe, generate: host data; check, hook: unreadable input */
        EXIT_WRITE = 4,
        /* sysexits.h's EX_TEMPFAIL: specs written, but a GPU whose nodes are not there yet was left
         * out; the udev rule runs generate again when they appear. */
        EXIT_INCOMPLETE = 75,
};

/* The hook's and check's names for the same numbers. */
enum {
        EXIT_ALLOWED = 0,
        EXIT_REFUSED = EXIT_PROBLEMS,
        EXIT_INPUT = EXIT_HOST_DATA,
};

struct exit_status {
        int code;
        const char *meaning;
};

#define EXIT_STATUS_END { -1, NULL }

static const struct exit_status exit_status_probe[] __attribute__((unused)) = {
        { 0, "success" },
        { 1, "out of memory, or standard output cannot be written" },
        { EXIT_USAGE, "usage error (an unknown option, an argument, a root that does not exist)" },
        { EXIT_HOST_DATA, "a sysfs or procfs file is malformed or unreadable, or a root is not a directory" },
        EXIT_STATUS_END,
};

static const struct exit_status exit_status_generate[] __attribute__((unused)) = {
        { 0, "success" },
        { 1, "out of memory, standard output cannot be written, or a loader JSON file cannot be read" },
        { EXIT_USAGE, "usage error (a bad or conflicting option, a path that does not exist, --output on a host with "
                      "GPUs of several vendors, a --cdi-version too low for the content)" },
        { EXIT_HOST_DATA, "host data malformed or inconsistent, or no usable GPU for --output" },
        { EXIT_WRITE, "the output directory or the state directory cannot be written" },
        { EXIT_INCOMPLETE, "specs written, but a GPU whose device nodes are not there yet was left out; "
                           "generate runs again when they appear" },
        EXIT_STATUS_END,
};

static const struct exit_status exit_status_list[] __attribute__((unused)) = {
        { 0, "success (also when no spec exists)" },
        { 1, "out of memory, or standard output cannot be written" },
        { EXIT_USAGE, "usage error (an unknown or conflicting option, a --spec-dir that does not exist)" },
        EXIT_STATUS_END,
};

static const struct exit_status exit_status_validate[] __attribute__((unused)) = {
        { 0, "every file is valid" },
        { EXIT_PROBLEMS, "a problem was found or a file could not be read" },
        { EXIT_USAGE, "usage error (no FILE, an unknown option)" },
        EXIT_STATUS_END,
};

static const struct exit_status exit_status_check[] __attribute__((unused)) = {
        { EXIT_ALLOWED, "the container would start (also in audit mode, and when it has no GPU)" },
        { EXIT_REFUSED, "it would be refused" },
        { EXIT_USAGE, "usage error (no or more than one CONFIG.json, an unknown option, a malformed --cdi-device, "
                      "a --policy file that does not exist)" },
        { EXIT_INPUT, "unreadable input: CONFIG.json or the policy is unreadable, malformed or untrusted" },
        EXIT_STATUS_END,
};

static const struct exit_status exit_status_hook[] __attribute__((unused)) = {
        { EXIT_ALLOWED, "the container may start (no GPU, no enabled rule fired, audit mode)" },
        { EXIT_REFUSED, "a rule refused the container" },
        { EXIT_USAGE, "usage error (no or another stage argument, an unknown option, stdin is a terminal)" },
        { EXIT_INPUT, "bad input, refused: the state, config.json or policy is unreadable, malformed or untrusted" },
        EXIT_STATUS_END,
};

/* The "Exit status:" block of a --help text. */
static inline void exit_status_print(FILE *f, const struct exit_status *table) {
        fputs("\nExit status:\n", f);
        for (const struct exit_status *e = table; e->meaning; e++)
                fprintf(f, "  %-3d %s\n", e->code, e->meaning);
}
