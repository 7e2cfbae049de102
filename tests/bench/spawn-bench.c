/* Runs a program N times the way a container runtime runs a hook (fresh process, empty
 * environment, stdin from a file) and prints the median and 95th percentile wall time, the mean
 * CPU time (user + system, less disturbed by other load than wall time) and the peak RSS. Linked
 * statically so that the measured child starts from a tiny address space. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

int main(int argc, char *argv[]) {
        if (argc < 5) {
                fprintf(stderr, "usage: %s N STDIN-FILE PROGRAM ARGV0 [ARG...]\n", argv[0]);
                return 2;
        }
        int n = atoi(argv[1]);
        if (n < 1)
                return 2;
        double *t = calloc((size_t) n, sizeof *t);
        if (!t)
                return 1;
        long peak = 0;
        double cpu = 0;
        int status = 0;
        char *envp[] = { NULL };
        for (int i = 0; i < n; i++) {
                int in = open(argv[2], O_RDONLY | O_CLOEXEC);
                if (in < 0) {
                        perror(argv[2]);
                        return 1;
                }
                struct timespec a, b;
                clock_gettime(CLOCK_MONOTONIC, &a);
                pid_t pid = vfork();
                if (pid == 0) {
                        int null = open("/dev/null", O_WRONLY);
                        dup2(in, 0);
                        dup2(null, 1);
                        dup2(null, 2);
                        execve(argv[3], argv + 4, envp);
                        _exit(127);
                }
                struct rusage ru;
                if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) {
                        perror("spawn");
                        return 1;
                }
                clock_gettime(CLOCK_MONOTONIC, &b);
                close(in);
                t[i] = (double) (b.tv_sec - a.tv_sec) * 1e3 + (double) (b.tv_nsec - a.tv_nsec) / 1e6;
                cpu += (double) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
                       (double) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
                if (ru.ru_maxrss > peak)
                        peak = ru.ru_maxrss;
        }
        qsort(t, (size_t) n, sizeof *t, cmp);
        printf("median %.3f ms  p95 %.3f ms  cpu %.3f ms  peak RSS %ld KiB  exit %d\n", t[n / 2],
               t[(n * 95) / 100 < n ? (n * 95) / 100 : n - 1], cpu / n, peak,
               WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        free(t);
        return 0;
}
