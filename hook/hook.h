/* Entry points of the GPU isolation hook, shared by the gpucdi-hook binary and the gpucdi verbs.
 * Both take argv as getopt expects it: argv[0] is the program ("gpucdi-hook") or the verb
 * ("hook", "check"), options and arguments follow. They return the process exit status:
 * 0 allowed, 1 refused, 2 usage error, 3 unreadable or malformed input (also a refusal). */
#pragma once

/* OCI prestart hook: the container state on stdin, e.g.
 * `gpucdi-hook prestart --cdi-device nvidia.com/gpu=0 [--proc-root DIR] [--dev-root DIR]`. */
int hook_main(int argc, char *argv[]);

/* `gpucdi check CONFIG.json [--json] [--policy FILE] [--cdi-device NAME]... [--spec-dir DIR]...`:
 * the hook's rules on a config.json, offline. */
int check_main(int argc, char *argv[]);
