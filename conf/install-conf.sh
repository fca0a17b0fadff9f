#!/bin/sh
# meson install script: install-conf.sh SOURCE CONFDIR
# Creates CONFDIR and CONFDIR/corral.conf.d (0755) if missing, and copies SOURCE to
# CONFDIR/corral.conf (0644) only when no corral.conf is there: an administrator's
# configuration is never overwritten. Honours DESTDIR.
set -eu
src=$1
dir=${DESTDIR:-}$2

mkdir_once() {
  [ -d "$1" ] || install -d -m 0755 "$1"
}

mkdir_once "$dir"
mkdir_once "$dir/corral.conf.d"
if [ -e "$dir/corral.conf" ] || [ -L "$dir/corral.conf" ]; then
  echo "Keeping the existing $dir/corral.conf"
else
  install -m 0644 "$src" "$dir/corral.conf"
  echo "Installing $src to $dir/corral.conf"
fi
