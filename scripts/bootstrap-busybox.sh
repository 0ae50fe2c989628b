#!/usr/bin/env bash
# Makes the busybox:latest image from the host's static busybox (Debian's busybox-static), since
# no registry is reachable: a minimal rootfs (busybox, every applet as a hardlink, passwd/group,
# the usual empty dirs) tarred deterministically, then imported through berthd.
#
#   scripts/bootstrap-busybox.sh                     import as busybox:latest via ${BERTH:-berth}
#   scripts/bootstrap-busybox.sh --tar-only OUT.tar  only write the rootfs tar (OUT.tar or - for stdout)
#
# The tar is byte-for-byte the same on every machine with the same busybox build: fixed order,
# owners numeric 0:0, fixed modes and mtime (SOURCE_DATE_EPOCH, default 2000-01-01), GNU format
# without atime/ctime. So its digest, the layer's diff ID, is stable.
set -euo pipefail

BUSYBOX=${BUSYBOX:-/bin/busybox}
EPOCH=${SOURCE_DATE_EPOCH:-946684800}
TAG=busybox:latest
out=

usage() { echo "usage: $0 [--tar-only OUT.tar|-] [--tag NAME:TAG]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --tar-only) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
    --tag) [ $# -ge 2 ] || usage; TAG=$2; shift 2 ;;
    -h|--help) usage ;;
    *) usage ;;
  esac
done

[ -x "$BUSYBOX" ] || { echo "$0: $BUSYBOX not found: apt-get install busybox-static" >&2; exit 1; }
if command -v ldd >/dev/null && [[ $(ldd "$BUSYBOX" 2>&1 || true) != *'not a dynamic executable'* ]]; then
  echo "$0: $BUSYBOX is dynamically linked; it would not run in a container: apt-get install busybox-static" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/rootfs
mkdir -m 0755 "$root"
for d in bin sbin usr usr/bin usr/sbin etc home var var/spool var/spool/mail var/www proc sys dev; do
  mkdir -m 0755 "$root/$d"
done
mkdir -m 0700 "$root/root"
mkdir -m 1777 "$root/tmp"
chmod 1777 "$root/tmp"

install -m 0755 "$BUSYBOX" "$root/bin/busybox"
# Hardlinks, as the official image has them: one inode, every applet name dispatching on argv[0].
"$BUSYBOX" --list-full | LC_ALL=C sort | while read -r applet; do
  [ -n "$applet" ] && [ "$applet" != bin/busybox ] || continue
  mkdir -p -m 0755 "$root/$(dirname "$applet")"
  ln -f "$root/bin/busybox" "$root/$applet"
done

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
wheel:x:10:root
mail:x:12:
www-data:x:33:
operator:x:37:
users:x:100:
nogroup:x:65534:
EOF
chmod 0644 "$root/etc/passwd" "$root/etc/group"

make_tar() {
  # Every path listed, without a "./" prefix, so entries read "bin/sh" as in images docker
  # builds: bin/busybox first (the one regular file the applet hardlinks point to), then the
  # rest in byte order; --no-recursion because the list is already complete.
  LC_ALL=C tar -C "$root" --create --file=- \
    --format=gnu --numeric-owner --owner=0 --group=0 --mtime="@$EPOCH" \
    --no-recursion --files-from=<(
      printf '%s\n' bin bin/busybox
      cd "$root" && find . -mindepth 1 | sed 's|^\./||' | grep -v -x -e bin -e bin/busybox | LC_ALL=C sort
    )
}

if [ -n "$out" ]; then
  if [ "$out" = - ]; then make_tar; else make_tar >"$out"; fi
  exit 0
fi

make_tar | "${BERTH:-berth}" import -c 'CMD ["sh"]' - "$TAG"
