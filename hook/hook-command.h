/* The hook command, shared by the gpucdi-hook program and `gpucdi hook`: argv[0] is the program or
 * the verb, options and the stage follow. Returns the exit status (hook/exit-status.h). */
#pragma once

int hook_command(int argc, char *argv[]);
