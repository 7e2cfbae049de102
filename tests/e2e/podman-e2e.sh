#!/usr/bin/env bash
# End-to-end: gpucdi's specs in real podman containers (TAP).
#
#   podman-e2e.sh GPUCDI MKHOST SRCDIR [--hook-path PATH]
#
# Builds fake hosts (tests/hosts/mkhost.py, real device nodes via mknod, a compiled stub
# libcuda.so.1 as the driver's libcuda), runs `gpucdi generate` into the directory podman reads
# specs from, and runs containers from two root file systems built here:
#   fhs: busybox, the build machine's glibc in /lib/x86_64-linux-gnu with an ld.so.cache that does
#        not list libcuda, and /usr/bin/cudaprobe linked with -lcuda;
#   nix: no /lib, no /etc/ld.so.cache; glibc, busybox and cudaprobe in /nix/store, cudaprobe's
#        interpreter in the store and its RUNPATH <glibc>/lib:/run/opengl-driver/lib.
# cudaprobe prints what the stub answers, so it shows that the spec put libcuda where each kind
# of image finds it. Needs root (mknod, /etc/cdi, rootful podman); as non-root it skips.
set -u

gpucdi=$(realpath "$1") mkhost=$(realpath "$2") srcdir=$(realpath "$3")
shift 3
hook=(--no-hook)
if [ "${1:-}" = "--hook-path" ]; then
        hook=(--hook-path "$2")
        shift 2
fi

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $*"; }
diag() { sed 's/^/# /'; }
bail() { echo "Bail out! $*"; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
        echo "1..0 # SKIP needs root: mknod of fixture nodes, specs in /etc/cdi, rootful podman"
        exit 0
fi
for tool in podman runc patchelf ldd ldconfig readelf flock; do
        command -v "$tool" >/dev/null || bail "$tool is not installed (CI installs it: .ci/deps --test)"
done
command -v "${CC:-cc}" >/dev/null || bail "no C compiler (${CC:-cc})"
[ -x /bin/busybox ] || bail "/bin/busybox (busybox-static) is not installed"
file_is_static() { ! ldd "$1" >/dev/null 2>&1; }
file_is_static /bin/busybox || bail "/bin/busybox is not statically linked (install busybox-static)"

# One run at a time on a machine: runs share the spec directory.
exec 9>/run/lock/gpucdi-e2e.lock
flock -w 900 9 || bail "another gpucdi end-to-end run holds /run/lock/gpucdi-e2e.lock"

work=$(mktemp -d /tmp/gpucdi-e2e.XXXXXX)
containers=()
created_dir= created_lock=
installed=()     # spec files this script put in place
backups=()       # "saved:original" for gpucdi specs that were there before

cleanup() {
        local c f
        for c in "${containers[@]}"; do
                podman rm -f -i "$c" >/dev/null 2>&1
        done
        for f in "${installed[@]}"; do
                rm -f "$f"
        done
        for f in "${backups[@]}"; do
                mv -f "${f%%:*}" "${f#*:}"
        done
        [ -n "$created_lock" ] && rm -f "$created_lock"
        [ -n "$created_dir" ] && rmdir "$created_dir" 2>/dev/null
        rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# podman reads /etc/cdi, then /var/run/cdi, which overrides it. Use /etc/cdi unless another spec
# there already declares a kind we are about to use (same-kind devices in one directory conflict
# and become unresolvable); /var/run/cdi then shadows it.
spec_dir=/etc/cdi
for f in /etc/cdi/*.json /etc/cdi/*.yaml; do
        [ -e "$f" ] || continue
        case "$(basename "$f")" in gpucdi-nvidia.json|gpucdi-amd.json|gpucdi-intel.json) ;; *)
                if grep -Eq '"kind" *: *"(nvidia|amd|intel)\.com/gpu"|kind: *(nvidia|amd|intel)\.com/gpu' "$f"; then
                        echo "# $f declares a GPU kind too: installing specs in /var/run/cdi, which shadows /etc/cdi"
                        spec_dir=/var/run/cdi
                fi ;;
        esac
done
if [ ! -d "$spec_dir" ]; then
        mkdir -p "$spec_dir" && created_dir=$spec_dir
fi
[ -e "$spec_dir/.gpucdi.lock" ] || created_lock=$spec_dir/.gpucdi.lock
# gpucdi generate owns gpucdi-*.json there (and removes those of vendors a host lacks): keep
# whatever was there before, and put it back afterwards.
for v in nvidia amd intel; do
        if [ -e "$spec_dir/gpucdi-$v.json" ]; then
                mv "$spec_dir/gpucdi-$v.json" "$work/saved-gpucdi-$v.json"
                backups+=("$work/saved-gpucdi-$v.json:$spec_dir/gpucdi-$v.json")
        fi
done
installed=("$spec_dir/gpucdi-nvidia.json" "$spec_dir/gpucdi-amd.json" "$spec_dir/gpucdi-intel.json")

# ---- the stub driver library and the program that uses it
cc=${CC:-cc}
mkdir -p "$work/build"
"$cc" -O2 -Wall -Wextra -Werror -shared -fPIC -Wl,-soname,libcuda.so.1 \
        -o "$work/build/libcuda.so.1" "$srcdir/cudastub.c" || bail "cannot build the stub libcuda"
"$cc" -O2 -Wall -Wextra -Werror -o "$work/build/cudaprobe" "$srcdir/cudaprobe.c" \
        -L"$work/build" -l:libcuda.so.1 || bail "cannot build cudaprobe"
stub_answer="cuda-stub: driver version 580159"

# ---- root file systems
fhs=$work/rootfs-fhs
mkdir -p "$fhs"/{bin,usr/bin,lib/x86_64-linux-gnu,lib64,etc,dev,proc,sys,tmp,run}
cp /bin/busybox "$fhs/bin/busybox"
for a in $("$fhs/bin/busybox" --list); do
        [ -e "$fhs/bin/$a" ] || ln -s busybox "$fhs/bin/$a"
done
cp "$work/build/cudaprobe" "$fhs/usr/bin/cudaprobe"
# The glibc cudaprobe needs, found the way the loader finds it here (libcuda comes from the spec).
interp=$(readelf -l "$work/build/cudaprobe" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
libs=$(LD_LIBRARY_PATH="$work/build" ldd "$work/build/cudaprobe" | awk '$3 ~ /^\// && $1 != "libcuda.so.1" {print $3}')
[ -n "$interp" ] && [ -n "$libs" ] || bail "cannot find cudaprobe's interpreter and libraries"
for l in $libs "$interp"; do
        cp -L "$l" "$fhs/lib/x86_64-linux-gnu/"
done
ln -s "../lib/x86_64-linux-gnu/$(basename "$interp")" "$fhs/lib64/$(basename "$interp")"
ldconfig -r "$fhs"
if ldconfig -p -C "$fhs/etc/ld.so.cache" | grep -q libcuda; then
        bail "the FHS rootfs's ld.so.cache lists libcuda"
fi

nix=$work/rootfs-nix
glibc=/nix/store/8jbl4m1qkrsmzqz0q3x2l2yd7hsb3x8a-glibc-2.36
bbox=/nix/store/0r4gcv5k3z1q9dw2s6n8ffm2ylqj7ghx-busybox-1.35.0
probe_pkg=/nix/store/5w8n3pylkxs0m2rjq4r7c6b1hz9d0vfa-cudaprobe-1.0
mkdir -p "$nix$glibc/lib" "$nix$bbox/bin" "$nix$probe_pkg/bin" "$nix"/{dev,proc,sys,tmp,etc}
for l in $libs "$interp"; do
        cp -L "$l" "$nix$glibc/lib/"
done
cp /bin/busybox "$nix$bbox/bin/busybox"
for a in sh ls cat test; do
        ln -s busybox "$nix$bbox/bin/$a"
done
cp "$work/build/cudaprobe" "$nix$probe_pkg/bin/cudaprobe"
patchelf --set-interpreter "$glibc/lib/$(basename "$interp")" \
        --set-rpath "$glibc/lib:/run/opengl-driver/lib" "$nix$probe_pkg/bin/cudaprobe"
[ ! -e "$nix/lib" ] && [ ! -e "$nix/etc/ld.so.cache" ] || bail "the Nix-like rootfs has /lib or ld.so.cache"

# ---- running containers
# --rootfs uses the directory in place and runc leaves mount points (empty files) in it, so every
# run gets a fresh copy: no run can see what an earlier one left.
k=0
out=
podman_run() { # ROOTFS-TEMPLATE [podman options...] -- COMMAND...
        local tmpl=$1 opts=()
        shift
        while [ "$1" != "--" ]; do opts+=("$1"); shift; done
        shift
        k=$((k + 1))
        local root=$work/run-$k name=gpucdi-e2e-$$-$k
        cp -a "$tmpl" "$root"
        containers+=("$name")
        out=$(podman run --rm --name "$name" --runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
                --network none "${opts[@]}" --rootfs "$root" "$@" 2>&1)
        local rc=$?
        rm -rf "$root"
        return $rc
}

expect_output() { # DESCRIPTION PATTERN ROOTFS [podman options...] -- COMMAND...
        local desc=$1 pattern=$2
        shift 2
        if podman_run "$@" && grep -Eq -- "$pattern" <<<"$out"; then
                ok "$desc"
        else
                not_ok "$desc"
                { echo "podman run $*"; echo "expected: $pattern"; echo "$out"; } | diag
        fi
}

expect_failure() { # DESCRIPTION PATTERN ROOTFS [podman options...] -- COMMAND...
        local desc=$1 pattern=$2
        shift 2
        if ! podman_run "$@" && grep -Eq -- "$pattern" <<<"$out"; then
                ok "$desc"
        else
                not_ok "$desc"
                { echo "podman run $*"; echo "expected failure with: $pattern"; echo "$out"; } | diag
        fi
}

host_dir=
generate_host() { # HOST [mkhost options]
        local host=$1
        shift
        host_dir=$work/host-$host
        /usr/bin/python3 "$mkhost" "$host" "$host_dir" --mknod "$@" || bail "mkhost $host failed"
        local err
        if err=$("$gpucdi" generate --sysfs-root "$host_dir/sys" --proc-root "$host_dir/proc" \
                        --dev-root "$host_dir/dev" --host-root "$host_dir/root" "${hook[@]}" \
                        --output-dir "$spec_dir" 2>&1); then
                ok "$host: gpucdi generate --output-dir $spec_dir"
        else
                not_ok "$host: gpucdi generate --output-dir $spec_dir"
                echo "$err" | diag
        fi
        if out=$("$gpucdi" list --spec-dir "$spec_dir" 2>&1); then
                echo "$out" | sed 's/^/# listed: /'
        fi
}

nix_probe=$probe_pkg/bin/cudaprobe
nix_sh=$bbox/bin/sh

# -- H100 host: the stub libcuda from both kinds of image
generate_host h100 --stub-libcuda "$work/build/libcuda.so.1"
uuid=GPU-ad534904-764e-e9f8-c1cb-0fa2ae372e33
expect_output "h100: FHS image loads the driver's libcuda (gpu=all)" "$stub_answer, 1 device" \
        "$fhs" --device nvidia.com/gpu=all -- /usr/bin/cudaprobe
expect_output "h100: Nix image loads it through RUNPATH /run/opengl-driver/lib (gpu=all)" "$stub_answer, 1 device" \
        "$nix" --device nvidia.com/gpu=all -- "$nix_probe"
expect_failure "h100: without the device, the Nix image finds no libcuda.so.1" "libcuda\.so\.1: cannot open shared object file" \
        "$nix" -- "$nix_probe"
expect_failure "h100: without the device, the FHS image finds no libcuda.so.1" "libcuda\.so\.1: cannot open shared object file" \
        "$fhs" -- /usr/bin/cudaprobe
for name in 0 "$uuid" 0000:00:06.0; do
        expect_output "h100: nvidia.com/gpu=$name gives /dev/nvidia0 and the control nodes" \
                "^nvidia-uvm nvidia-uvm-tools nvidia0 nvidiactl $" \
                "$nix" --device "nvidia.com/gpu=$name" -- "$nix_sh" -c \
                'cd /dev && for f in nvidia*; do test -c $f && printf "%s " $f; done; echo'
done
expect_output "h100: nvidia-smi and the ICD files are where Nix images look" "^ok$" \
        "$nix" --device nvidia.com/gpu=0 -- "$nix_sh" -c \
        'test -x /run/opengl-driver/bin/nvidia-smi && test -f /run/opengl-driver/share/vulkan/icd.d/nvidia_icd.json &&
         test -f /run/opengl-driver/share/glvnd/egl_vendor.d/10_nvidia.json && echo ok'
expect_output "h100: and where FHS images look" "^ok$" \
        "$fhs" --device nvidia.com/gpu=0 -- /bin/sh -c \
        'test -x /usr/bin/nvidia-smi && test -f /usr/share/vulkan/icd.d/nvidia_icd.json &&
         test -f /usr/share/glvnd/egl_vendor.d/10_nvidia.json && echo ok'
expect_output "h100: driver files are mounted read-only" "^read-only$" \
        "$fhs" --device nvidia.com/gpu=0 -- /bin/sh -c \
        'if echo x >> /usr/lib/x86_64-linux-gnu/libcuda.so.1; then echo writable; else echo read-only; fi 2>/dev/null'

# -- two GPUs: a device request gives that GPU only
generate_host nvidia2 --stub-libcuda "$work/build/libcuda.so.1"
expect_output "nvidia2: nvidia.com/gpu=1 shows /dev/nvidia1 and not /dev/nvidia0" "^nvidia1 $" \
        "$fhs" --device nvidia.com/gpu=1 -- /bin/sh -c \
        'cd /dev && for f in nvidia[0-9]*; do test -c $f && printf "%s " $f; done; echo'
expect_output "nvidia2: nvidia.com/gpu=1 - CUDA sees one device" "$stub_answer, 1 device" \
        "$nix" --device nvidia.com/gpu=1 -- "$nix_probe"
expect_output "nvidia2: nvidia.com/gpu=all - CUDA sees two devices" "$stub_answer, 2 device" \
        "$nix" --device nvidia.com/gpu=all -- "$nix_probe"
expect_output "nvidia2: gpu=0 and gpu=1 together give both" "^nvidia0 nvidia1 $" \
        "$fhs" --device nvidia.com/gpu=0 --device nvidia.com/gpu=1 -- /bin/sh -c \
        'cd /dev && for f in nvidia[0-9]*; do test -c $f && printf "%s " $f; done; echo'

# -- AMD: kfd and the GPU's DRM nodes, not the simple-framebuffer card0
generate_host amd
expect_output "amd: amd.com/gpu=0 shows /dev/kfd, /dev/dri/card1 and renderD128 only" \
        "^kfd:c dri/card1:c dri/renderD128:c $" \
        "$fhs" --device amd.com/gpu=0 -- /bin/sh -c \
        'cd /dev && for f in kfd dri/*; do test -c $f && printf "%s:c " $f; test -c $f || printf "%s " $f; done; echo'
expect_output "amd: amd.com/gpu=all as well" "^kfd:c dri/card1:c dri/renderD128:c $" \
        "$nix" --device amd.com/gpu=all -- "$nix_sh" -c \
        'cd /dev && for f in kfd dri/*; do test -c $f && printf "%s:c " $f; test -c $f || printf "%s " $f; done; echo'

# -- Intel: DRM nodes and the by-path links
generate_host intel
expect_output "intel: intel.com/gpu=0 shows card0, renderD128 and their by-path names" \
        "^dri/by-path/pci-0000:00:02.0-card dri/by-path/pci-0000:00:02.0-render dri/card0 dri/renderD128 $" \
        "$fhs" --device intel.com/gpu=0 -- /bin/sh -c \
        'cd /dev && for f in dri/by-path/* dri/*; do test -c $f && printf "%s " $f; done; echo'

# -- all three vendors side by side
generate_host mixed --stub-libcuda "$work/build/libcuda.so.1"
expect_output "mixed: one GPU of each vendor in one container" \
        "^kfd dri/card0 dri/card1 dri/card2 dri/renderD128 dri/renderD129 dri/renderD130 nvidia0 nvidiactl $" \
        "$fhs" --device nvidia.com/gpu=0 --device amd.com/gpu=0 --device intel.com/gpu=0 -- /bin/sh -c \
        'cd /dev && for f in kfd dri/card* dri/render* nvidia0 nvidiactl; do test -c $f && printf "%s " $f; done; echo'
expect_output "mixed: amd.com/gpu=0 alone gives the AMD GPU's nodes only" "^kfd dri/card2 dri/renderD130 $" \
        "$fhs" --device amd.com/gpu=0 -- /bin/sh -c \
        'cd /dev && for f in kfd dri/card* dri/render* nvidia*; do test -c $f && printf "%s " $f; done; echo'
expect_output "mixed: CUDA from the Nix image" "$stub_answer, 1 device" \
        "$nix" --device nvidia.com/gpu=all -- "$nix_probe"

# ---- specs that never break containers (nodes checked, NVIDIA nodes made, other tools' specs)
gen_rc=0 gen_err=
generate_only() { # HOST-DIR [generate options]
        local d=$1
        shift
        gen_err=$("$gpucdi" generate --sysfs-root "$d/sys" --proc-root "$d/proc" --dev-root "$d/dev" \
                --host-root "$d/root" "${hook[@]}" --output-dir "$spec_dir" "$@" 2>&1)
        gen_rc=$?
}
check() { # DESCRIPTION CONDITION-RESULT (0 = ok) DIAGNOSTIC
        if [ "$2" -eq 0 ]; then ok "$1"; else not_ok "$1"; echo "$3" | diag; fi
}

# -- boot: the AMD GPU is in sysfs before udev made its nodes; then they appear
d=$work/host-amd-late
/usr/bin/python3 "$mkhost" amd "$d" --mknod || bail "mkhost amd failed"
mv "$d/dev/dri" "$work/amd-late-dri"
generate_only "$d"
[ "$gen_rc" -eq 75 ] && grep -q "0000:03:00.0" <<<"$gen_err" && [ ! -e "$spec_dir/gpucdi-amd.json" ]
check "amd, nodes not there yet: generate exits 75 naming the GPU, writes no AMD spec" $? "exit $gen_rc: $gen_err"
expect_failure "amd, nodes not there yet: podman says the device does not exist (no spec naming a missing node)" \
        "unresolvable CDI devices amd.com/gpu=0" "$fhs" --device amd.com/gpu=0 -- /bin/true
mv "$work/amd-late-dri" "$d/dev/dri"
generate_only "$d"
check "amd, nodes appeared: generate again (as the udev rule does) exits 0" "$gen_rc" "$gen_err"
expect_output "amd, nodes appeared: the container gets kfd, card1 and renderD128" "^kfd:c dri/card1:c dri/renderD128:c $" \
        "$fhs" --device amd.com/gpu=0 -- /bin/sh -c \
        'cd /dev && for f in kfd dri/*; do test -c $f && printf "%s:c " $f; test -c $f || printf "%s " $f; done; echo'

# -- a missing DRM node of one of two GPUs: the other still works, gpu=all too
d=$work/host-mixed-norender
/usr/bin/python3 "$mkhost" mixed "$d" --mknod --stub-libcuda "$work/build/libcuda.so.1" || bail "mkhost mixed failed"
rm -f "$d/dev/dri/renderD128"
generate_only "$d"
[ "$gen_rc" -eq 75 ] && grep -q "renderD128 is missing" <<<"$gen_err"
check "mixed without the Intel GPU's renderD128: generate exits 75 naming it" $? "exit $gen_rc: $gen_err"
expect_output "mixed without renderD128: nvidia.com/gpu=all and amd.com/gpu=all still start" "^ok$" \
        "$fhs" --device nvidia.com/gpu=all --device amd.com/gpu=all -- /bin/sh -c 'echo ok'
expect_failure "mixed without renderD128: intel.com/gpu=0 is not offered" "unresolvable CDI devices intel.com/gpu=0" \
        "$fhs" --device intel.com/gpu=0 -- /bin/true

# -- nvidia-uvm loaded, its nodes never made (nvidia-modprobe did not run): generate makes them
d=$work/host-h100-nouvm
/usr/bin/python3 "$mkhost" h100 "$d" --mknod --stub-libcuda "$work/build/libcuda.so.1" || bail "mkhost h100 failed"
rm -f "$d/dev/nvidia-uvm" "$d/dev/nvidia-uvm-tools"
generate_only "$d"
check "h100 without /dev/nvidia-uvm: generate (root) creates it and exits 0" "$gen_rc" "$gen_err"
expect_output "h100 without /dev/nvidia-uvm before generate: the container gets nvidia-uvm" \
        "^nvidia-uvm nvidia-uvm-tools nvidia0 nvidiactl $" "$fhs" --device nvidia.com/gpu=0 -- /bin/sh -c \
        'cd /dev && for f in nvidia*; do test -c $f && printf "%s " $f; done; echo'

# -- another tool's YAML spec in the same directory defines nvidia.com/gpu=0 too
yaml=$spec_dir/nvidia.yaml
if [ -e "$yaml" ]; then
        echo "# $yaml exists: the clash test does not touch it" | diag
else
        installed+=("$yaml")
        printf 'cdiVersion: 0.5.0\nkind: nvidia.com/gpu\ndevices:\n- name: "0"\n  containerEdits:\n    deviceNodes:\n    - path: /dev/null\n' >"$yaml"
        generate_only "$d"
        [ "$gen_rc" -eq 0 ] && grep -q "$yaml also defines nvidia.com/gpu=0" <<<"$gen_err" && grep -q "nvidia-cdi-refresh" <<<"$gen_err"
        check "nvidia.yaml beside gpucdi-nvidia.json: generate warns, naming the file and NVIDIA's refresh unit" $? "$gen_err"
        expect_failure "nvidia.yaml beside gpucdi-nvidia.json: podman refuses nvidia.com/gpu=0 (as generate warned)" \
                "unresolvable CDI devices nvidia.com/gpu=0" "$fhs" --device nvidia.com/gpu=0 -- /bin/true
        expect_output "nvidia.yaml beside gpucdi-nvidia.json: names only gpucdi defines still work" "^ok$" \
                "$fhs" --device nvidia.com/gpu=0000:00:06.0 -- /bin/sh -c 'echo ok'
        out=$("$gpucdi" list --spec-dir "$spec_dir" 2>&1)
        grep -q "nvidia.com/gpu=0: defined by both" <<<"$out" && grep -q "^nvidia.com/gpu=0000:00:06.0	$spec_dir/gpucdi-nvidia.json" <<<"$out"
        check "gpucdi list names both files for the clash and the file of each device" $? "$out"
        rm -f "$yaml"
fi

# -- MIG: two GPU instances; a compute instance's device gives its capability nodes only
d=$work/host-h100-mig
/usr/bin/python3 "$mkhost" h100-mig "$d" --mknod --stub-libcuda "$work/build/libcuda.so.1" || bail "mkhost h100-mig failed"
generate_only "$d"
check "h100-mig: generate exits 0" "$gen_rc" "$gen_err"
expect_output "h100-mig: nvidia.com/gpu=0:1 gives nvidia0 and the second instance's nvidia-cap21, nvidia-cap22" \
        "^nvidia0 nvidia-caps/nvidia-cap21 nvidia-caps/nvidia-cap22 $" "$fhs" --device nvidia.com/gpu=0:1 -- /bin/sh -c \
        'cd /dev && for f in nvidia[0-9]* nvidia-caps/*; do test -c $f && printf "%s " $f; done; echo'
expect_output "h100-mig: the same by PCI address and instance" \
        "^nvidia0 nvidia-caps/nvidia-cap12 nvidia-caps/nvidia-cap13 $" "$fhs" --device nvidia.com/gpu=0000:00:06.0-gi1-ci0 -- /bin/sh -c \
        'cd /dev && for f in nvidia[0-9]* nvidia-caps/*; do test -c $f && printf "%s " $f; done; echo'

# -- a GPU the driver excludes gets no device, also not through gpu=all
d=$work/host-nvidia2-excluded
/usr/bin/python3 "$mkhost" nvidia2-excluded "$d" --mknod --stub-libcuda "$work/build/libcuda.so.1" || bail "mkhost nvidia2-excluded failed"
generate_only "$d"
check "nvidia2-excluded: generate exits 0" "$gen_rc" "$gen_err"
expect_output "nvidia2-excluded: nvidia.com/gpu=all gives nvidia0 only (nvidia1 is excluded)" "^nvidia0 $" \
        "$fhs" --device nvidia.com/gpu=all -- /bin/sh -c \
        'cd /dev && for f in nvidia[0-9]*; do test -c $f && printf "%s " $f; done; echo'
expect_failure "nvidia2-excluded: nvidia.com/gpu=1 does not exist" "unresolvable CDI devices nvidia.com/gpu=1" \
        "$fhs" --device nvidia.com/gpu=1 -- /bin/true

echo "1..$n"
exit $failed
