/* gpucdi-hook: the OCI prestart hook as its own small program (see meson.build for why). */
#include "hook-command.h"

int main(int argc, char *argv[]) {
        return hook_command(argc, argv);
}
