/* gpucdi hook: the prestart hook as a verb (hook/hook-command.c). */
#include "hook-command.h"
#include "verb.h"

int verb_hook(int argc, char *argv[]) {
        return hook_command(argc, argv);
}
