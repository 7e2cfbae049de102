/* NVIDIA driver versions ("580.159.04"): the one parser of the running version
 * (/proc/driver/nvidia/version) and of the versions in the driver's file names
 * (libcuda.so.580.159.04), so that the probe and the hook compare like with like. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Whether s[0..n) is a driver version: digit groups joined by single dots, at least two groups
 * ("580.159.04"; not "1", a soname, nor "x86_64", "580.", ".5" or "580..1"). */
bool nvidia_version_valid(const char *s, size_t n);

/* The driver version in the text of /proc/driver/nvidia/version: the first version word of its
 * "NVRM version:" line ("NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04
 * Release Build ..."; "x86_64" and the build date are not). ret points into text, ret_len is its
 * length. -ENOMSG without such a line, -EBADMSG if the line names no version. */
int nvidia_version_find(const char *text, size_t size, const char **ret, size_t *ret_len);
