/* `gpucdi probe` output: a table for people, JSON for programs (schema at the top of probe-print.c
 * and in docs/gpucdi-probe.1.scd). */
#pragma once

#include <stdio.h>

#include "probe.h"

int host_print_table(const struct host *h, FILE *f);
int host_print_json(const struct host *h, FILE *f);
