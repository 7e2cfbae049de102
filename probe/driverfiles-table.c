/* The NVIDIA driver's user-space files gpucdi hands to containers, and where to look for them.
 * Names as a driver installs them (see the H100 host's driver tree): libraries are
 * <stem>.so.<driver version>, loaded through a soname that is either a short link
 * (libcuda.so.1) or the versioned file name itself (libnvidia-glcore.so.580.159.04). */
#include "driverfiles-table.h"

#include <string.h>

#define LIB(group, stem, soname_suffix) { DRIVER_FILE_LIBRARY, group, stem, soname_suffix, false }
#define LIB_REQUIRED(group, stem, soname_suffix) { DRIVER_FILE_LIBRARY, group, stem, soname_suffix, true }
#define LIB_FULL(group, stem) { DRIVER_FILE_LIBRARY, group, stem, NULL, false }
#define FILE_OF(kind, group, name) { kind, group, name, NULL, false }

const struct driver_file_pattern driver_file_patterns[] = {
        /* CUDA, PTX JIT, NVVM, OpenCL */
        LIB_REQUIRED("compute", "libcuda", ".so.1"),
        LIB("compute", "libcudadebugger", ".so.1"),
        LIB("compute", "libnvidia-ptxjitcompiler", ".so.1"),
        LIB("compute", "libnvidia-nvvm", ".so.4"),
        LIB("compute", "libnvidia-opencl", ".so.1"),
        LIB_FULL("compute", "libnvidia-gpucomp"),
        LIB_FULL("compute", "libnvidia-pkcs11"),
        LIB_FULL("compute", "libnvidia-pkcs11-openssl3"),
        /* NVML and the driver's configuration API */
        LIB_REQUIRED("utility", "libnvidia-ml", ".so.1"),
        LIB("utility", "libnvidia-cfg", ".so.1"),
        /* OpenGL, EGL, GLX, GLES and Vulkan (the Vulkan ICD is libGLX_nvidia) and their cores */
        LIB("graphics", "libEGL_nvidia", ".so.0"),
        LIB("graphics", "libGLX_nvidia", ".so.0"),
        LIB("graphics", "libGLESv2_nvidia", ".so.2"),
        LIB("graphics", "libGLESv1_CM_nvidia", ".so.1"),
        LIB_FULL("graphics", "libnvidia-eglcore"),
        LIB_FULL("graphics", "libnvidia-glcore"),
        LIB_FULL("graphics", "libnvidia-glsi"),
        LIB_FULL("graphics", "libnvidia-tls"),
        LIB_FULL("graphics", "libnvidia-glvkspirv"),
        LIB_FULL("graphics", "libnvidia-rtcore"),
        LIB("graphics", "libnvidia-allocator", ".so.1"),
        LIB("graphics", "libnvidia-ngx", ".so.1"),
        LIB("graphics", "libnvoptix", ".so.1"),
        /* Video decode/encode, optical flow, VDPAU, frame capture */
        LIB("video", "libnvcuvid", ".so.1"),
        LIB("video", "libnvidia-encode", ".so.1"),
        LIB("video", "libnvidia-opticalflow", ".so.1"),
        LIB("video", "libvdpau_nvidia", ".so.1"),
        LIB("video", "libnvidia-fbc", ".so.1"),
        /* Tools */
        FILE_OF(DRIVER_FILE_BINARY, "utility", "nvidia-smi"),
        FILE_OF(DRIVER_FILE_BINARY, "utility", "nvidia-debugdump"),
        FILE_OF(DRIVER_FILE_BINARY, "compute", "nvidia-cuda-mps-control"),
        FILE_OF(DRIVER_FILE_BINARY, "compute", "nvidia-cuda-mps-server"),
        /* Loader manifests */
        FILE_OF(DRIVER_FILE_VULKAN_ICD, "graphics", "nvidia_icd.json"),
        FILE_OF(DRIVER_FILE_VULKAN_LAYER, "graphics", "nvidia_layers.json"),
        FILE_OF(DRIVER_FILE_EGL_VENDOR, "graphics", "10_nvidia.json"),
};
const size_t n_driver_file_patterns = sizeof driver_file_patterns / sizeof driver_file_patterns[0];

#if defined(__x86_64__) && !defined(__ILP32__)
#define MULTIARCH_LIBDIR "lib/x86_64-linux-gnu"
#elif defined(__aarch64__)
#define MULTIARCH_LIBDIR "lib/aarch64-linux-gnu"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define MULTIARCH_LIBDIR "lib/powerpc64le-linux-gnu"
#endif

const struct driver_file_location driver_file_locations[] = {
        /* A root may be a lib dir (/run/opengl-driver/lib) or an install root (/usr/local/nvidia);
         * lib64 before lib, which holds 32-bit libraries in some layouts. */
        { DRIVER_FILE_LIBRARY, false, "" },
        { DRIVER_FILE_LIBRARY, false, "lib64" },
#ifdef MULTIARCH_LIBDIR
        { DRIVER_FILE_LIBRARY, false, MULTIARCH_LIBDIR },
#endif
        { DRIVER_FILE_LIBRARY, false, "lib" },
        { DRIVER_FILE_BINARY, false, "bin" },
        { DRIVER_FILE_BINARY, true, "usr/bin" },
        { DRIVER_FILE_BINARY, true, "run/current-system/sw/bin" }, /* NixOS */
        { DRIVER_FILE_VULKAN_ICD, false, "share/vulkan/icd.d" },
        { DRIVER_FILE_VULKAN_ICD, false, "etc/vulkan/icd.d" },
        { DRIVER_FILE_VULKAN_ICD, true, "usr/share/vulkan/icd.d" },
        { DRIVER_FILE_VULKAN_ICD, true, "etc/vulkan/icd.d" },
        { DRIVER_FILE_VULKAN_LAYER, false, "share/vulkan/implicit_layer.d" },
        { DRIVER_FILE_VULKAN_LAYER, false, "etc/vulkan/implicit_layer.d" },
        { DRIVER_FILE_VULKAN_LAYER, true, "usr/share/vulkan/implicit_layer.d" },
        { DRIVER_FILE_VULKAN_LAYER, true, "etc/vulkan/implicit_layer.d" },
        { DRIVER_FILE_EGL_VENDOR, false, "share/glvnd/egl_vendor.d" },
        { DRIVER_FILE_EGL_VENDOR, true, "usr/share/glvnd/egl_vendor.d" },
        { DRIVER_FILE_EGL_VENDOR, true, "etc/glvnd/egl_vendor.d" },
};
const size_t n_driver_file_locations = sizeof driver_file_locations / sizeof driver_file_locations[0];

/* A driver installed outside /usr (containerized or Nix-built drivers), and NixOS's driver link. */
const char *const driver_default_roots[] = {
        "/usr/local/nvidia",
        "/run/opengl-driver",
};
const size_t n_driver_default_roots = sizeof driver_default_roots / sizeof driver_default_roots[0];

bool driver_file_name_known(const char *name) {
        for (size_t i = 0; i < n_driver_file_patterns; i++) {
                const struct driver_file_pattern *p = &driver_file_patterns[i];
                size_t n = strlen(p->name);
                if (strncmp(name, p->name, n) == 0 &&
                    (p->kind != DRIVER_FILE_LIBRARY || strncmp(name + n, ".so", 3) == 0))
                        return true;
        }
        return strncmp(name, DRIVER_LIBRARY_FAMILY_PREFIX, strlen(DRIVER_LIBRARY_FAMILY_PREFIX)) == 0;
}
