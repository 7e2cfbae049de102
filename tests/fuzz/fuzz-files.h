/* For fuzz targets whose parser reads files: a private directory (in /dev/shm, memory, when the
 * host has it) and whole-file writes. Any failure aborts: it is the harness's, not the input's. */
#pragma once

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static inline void fuzz_mkdtemp(char *buf, size_t size, const char *name) {
        struct stat st;
        const char *tmp = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
        if ((size_t) snprintf(buf, size, "%s/%s-XXXXXX", tmp, name) >= size || !mkdtemp(buf))
                abort();
}

static inline void fuzz_write_file(const char *path, const void *data, size_t size) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                abort();
        if (size > 0 && write(fd, data, size) != (ssize_t) size)
                abort();
        close(fd);
}
