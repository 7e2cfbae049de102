/* Fuzz target: the hook's host policy file (/etc/gpucdi/policy.conf), read through policy_load()
 * from a file in a private directory, exactly as the hook reads it. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz-files.h"
#include "policy.h"
#include "rules.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static char path[96];

static void cleanup(void) {
        unlink(path);
        rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        log_set_quiet(true);
        fuzz_mkdtemp(dir, sizeof dir, "fuzz-policy");
        snprintf(path, sizeof path, "%s/policy.conf", dir);
        atexit(cleanup);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        fuzz_write_file(path, data, size);

        struct policy p;
        if (policy_init(&p) < 0)
                return 0;
        bool found = false;
        int r = policy_load(&p, path, getuid(), &found);
        if (r >= 0 && !found)
                abort(); /* the file exists */
        if (r < 0 && r != -EBADMSG && r != -EFBIG && r != -ENOMEM)
                abort(); /* a trusted, readable file is either accepted or malformed */
        for (size_t i = 0; i < rules_count; i++)
                if (p.enabled[i] != true && p.enabled[i] != false)
                        abort();
        policy_done(&p);
        return 0;
}
