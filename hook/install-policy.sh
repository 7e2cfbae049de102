#!/bin/sh
# meson install script: put the default policy at its path unless one is there already (an edited
# policy survives a reinstall), and only under the prefix or its sysconfdir (for prefix /usr, /etc):
# a `meson install` never writes elsewhere. Otherwise say where the example is.
# args: SOURCE POLICYFILE PREFIX SYSCONFDIR
set -eu
src=$1 policy=$2 prefix=$3 sysconfdir=$4
case "$policy" in
"$prefix"/* | "$sysconfdir"/*) ;;
*)
        echo "gpucdi: not installing $policy (outside the prefix $prefix); the default is in $prefix/share/doc/gpucdi/policy.conf"
        exit 0
        ;;
esac
dest=${DESTDIR:-}$policy
if [ -e "$dest" ] || [ -L "$dest" ]; then
        echo "gpucdi: keeping the existing policy $dest"
        exit 0
fi
[ "${MESON_INSTALL_DRY_RUN:-}" ] && exit 0
mkdir -p "$(dirname "$dest")"
tmp=$(mktemp "$dest.XXXXXX")
cp "$src" "$tmp"
chmod 0644 "$tmp"
mv "$tmp" "$dest"
echo "gpucdi: installed the default policy $dest"
