/* A CUDA "application" for the end-to-end tests: linked with -lcuda, so the dynamic loader must find
 * libcuda.so.1 in the container (through RUNPATH in a Nix-like image, the default directories in an
 * FHS one). Prints what the driver library answers. */
#include <stdio.h>

typedef int CUresult;
CUresult cuInit(unsigned flags);
CUresult cuDriverGetVersion(int *version);
CUresult cuDeviceGetCount(int *count);

int main(void)
{
        int version = 0, count = 0;
        CUresult r;

        r = cuInit(0);
        if (r != 0) {
                printf("cuda-stub: cuInit failed: %d\n", r);
                return 1;
        }
        r = cuDriverGetVersion(&version);
        if (r == 0)
                r = cuDeviceGetCount(&count);
        if (r != 0) {
                printf("cuda-stub: error %d\n", r);
                return 1;
        }
        printf("cuda-stub: driver version %d, %d device(s)\n", version, count);
        return 0;
}
