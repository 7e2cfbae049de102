/* Stand-in for the NVIDIA driver's libcuda.so.1 (soname libcuda.so.1): the end-to-end tests mount
 * it where gpucdi's spec puts the host's libcuda, and a program linked with -lcuda must find it.
 * Like the real library, cuInit() needs the control nodes; devices are counted from /dev/nvidiaN. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#ifndef STUB_DRIVER_VERSION
#define STUB_DRIVER_VERSION 580159
#endif

typedef int CUresult;
enum { CUDA_SUCCESS = 0, CUDA_ERROR_INVALID_VALUE = 1, CUDA_ERROR_NOT_INITIALIZED = 3,
       CUDA_ERROR_NO_DEVICE = 100 };

CUresult cuInit(unsigned flags);
CUresult cuDriverGetVersion(int *version);
CUresult cuDeviceGetCount(int *count);

static int initialized;

static int is_char_device(const char *path)
{
        struct stat st;
        return stat(path, &st) == 0 && S_ISCHR(st.st_mode);
}

CUresult cuInit(unsigned flags)
{
        if (flags != 0)
                return CUDA_ERROR_INVALID_VALUE;
        if (!is_char_device("/dev/nvidiactl") || !is_char_device("/dev/nvidia-uvm"))
                return CUDA_ERROR_NO_DEVICE;
        initialized = 1;
        return CUDA_SUCCESS;
}

CUresult cuDriverGetVersion(int *version)
{
        if (!version)
                return CUDA_ERROR_INVALID_VALUE;
        *version = STUB_DRIVER_VERSION;
        return CUDA_SUCCESS;
}

CUresult cuDeviceGetCount(int *count)
{
        DIR *d;
        struct dirent *de;
        char path[300];
        int n = 0;

        if (!count)
                return CUDA_ERROR_INVALID_VALUE;
        if (!initialized)
                return CUDA_ERROR_NOT_INITIALIZED;
        d = opendir("/dev");
        if (!d)
                return CUDA_ERROR_NO_DEVICE;
        while ((de = readdir(d))) {
                const char *p = de->d_name + 6;

                /* /dev/nvidia<N>, not nvidiactl or nvidia-uvm */
                if (strncmp(de->d_name, "nvidia", 6) != 0 || !isdigit((unsigned char) *p))
                        continue;
                while (isdigit((unsigned char) *p))
                        p++;
                if (*p)
                        continue;
                snprintf(path, sizeof path, "/dev/%s", de->d_name);
                n += is_char_device(path);
        }
        closedir(d);
        *count = n;
        return CUDA_SUCCESS;
}
