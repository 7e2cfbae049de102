/* gpucdi: the verb table. Each verb is a file of its own (cdi/verb-*.c) that parses its options,
 * calls the libraries and picks the exit status (hook/exit-status.h). */
#include "config.h"
#include "verb.h"

static const struct {
        const char *name;
        int (*run)(int argc, char *argv[]);
        const char *synopsis;
        const char *what;
} verbs[] = {
        { "probe", verb_probe, "probe [--json]", "List the GPUs, their device nodes and driver" },
        { "generate", verb_generate, "generate", "Write CDI specs for the GPUs (default into " GPUCDI_CDI_DIR ")" },
        { "list", verb_list, "list [--json|--names]", "List the CDI devices podman can use and their spec files" },
        { "validate", verb_validate, "validate FILE...", "Check CDI spec files as podman would" },
        { "check", verb_check, "check CONFIG.json", "Run the hook's isolation rules on an OCI config.json" },
        { "hook", verb_hook, "hook", "OCI prestart hook (reads the container state on stdin)" },
};

static void help(void) {
        fputs("Usage: gpucdi [--help] [--version] VERB [OPTIONS]\n"
              "\n"
              "Make GPUs usable, and safely isolated, in podman containers (Nix-built and FHS images).\n"
              "\n"
              "Verbs:\n", stdout);
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                printf("  %-26s  %s\n", verbs[i].synopsis, verbs[i].what);
        fputs("\n"
              "Each verb has its own options: gpucdi VERB --help. See gpucdi(1).\n", stdout);
}

int main(int argc, char *argv[]) {
        if (argc < 2)
                return usage_error(NULL, "missing verb");
        const char *verb = argv[1];
        if (streq(verb, "--help") || streq(verb, "-h") || streq(verb, "help")) {
                help();
                return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
        }
        if (streq(verb, "--version") || streq(verb, "version"))
                return print_version();
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verb, verbs[i].name)) {
                        optind = 0;  /* full re-initialisation of getopt for the verb's argv */
                        return verbs[i].run(argc - 1, argv + 1);
                }
        return usage_error(NULL, "unknown verb '%s'", verb);
}
