#!/bin/sh
# Prints the Debian packages that own the shared libraries BINARY links, one per line; fails
# when a library belongs to no package (it would be missing from the runtime image).
# Usage: runtime-packages.sh BINARY
set -eu
binary=$1
ldd "$binary" >/dev/null # fails for a missing or static binary
libs=$(ldd "$binary" | awk '/=> \//{print $3}')
packages=""
for lib in $libs; do
  found=""
  # usrmerge: dpkg may know the file under /lib or /usr/lib.
  for p in "$lib" "$(readlink -f "$lib")" "/usr$lib" "${lib#/usr}"; do
    pkg=$(dpkg -S "$p" 2>/dev/null | head -n1 | cut -d: -f1) || true
    if [ -n "$pkg" ]; then
      found=$pkg
      break
    fi
  done
  if [ -z "$found" ]; then
    echo "runtime-packages: no Debian package owns $lib" >&2
    exit 1
  fi
  packages="$packages $found"
done
printf '%s\n' $packages | sort -u
