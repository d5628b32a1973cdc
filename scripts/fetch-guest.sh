#!/bin/sh
# Fetch Debian's cloud kernel and the virtio (and kvm, for the rig) modules into build/guest/; idempotent.
set -e
cd "$(dirname "$0")/.."
OUT=build/guest
MODULES="virtio_ring virtio virtio_mmio virtio_blk failover net_failover virtio_net virtio_console"
# The nested rig loads KVM inside its outer guest; these come from the same package.
RIG_MODULES="irqbypass kvm kvm-amd tun brd"

have_all() {
	[ -s "$OUT/vmlinuz" ] || return 1
	for m in $MODULES $RIG_MODULES; do
		[ -s "$OUT/$m.ko" ] || return 1
	done
	return 0
}
if have_all; then
	exit 0
fi

command -v apt-get >/dev/null || { echo "fetch-guest: apt-get is needed" >&2; exit 2; }
# The metapackage only depends on the versioned image package, which holds the files.
PKG=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | head -n1)
if [ -z "$PKG" ]; then
	apt-get update -qq >/dev/null 2>&1 || true
	PKG=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | head -n1)
fi
[ -n "$PKG" ] || { echo "fetch-guest: cannot resolve linux-image-cloud-amd64" >&2; exit 2; }

TMP=$(mktemp -d)
chmod 755 "$TMP" # apt downloads as _apt when it can
trap 'rm -rf "$TMP"' EXIT INT TERM
echo "fetch-guest: downloading $PKG"
(cd "$TMP" && apt-get download -q "$PKG" >/dev/null)
dpkg-deb -x "$TMP"/"$PKG"_*.deb "$TMP/root"

mkdir -p "$OUT"
VMLINUZ=$(ls "$TMP"/root/boot/vmlinuz-* | head -n1)
cp "$VMLINUZ" "$OUT/vmlinuz.tmp" && mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"
KVER=${VMLINUZ##*/vmlinuz-}
echo "$KVER" >"$OUT/version"
MODROOT="$TMP/root/lib/modules/$KVER"

for m in $MODULES $RIG_MODULES; do
	# Module file names use '-' or '_' interchangeably.
	alt=$(echo "$m" | tr '_-' '-_')
	f=$(find "$MODROOT" \( -name "$m.ko*" -o -name "$alt.ko*" \) | head -n1)
	[ -n "$f" ] || { echo "fetch-guest: module $m not found in $PKG" >&2; exit 2; }
	case "$f" in
	*.ko.xz) xz -dc "$f" >"$OUT/$m.ko.tmp" ;;
	*.ko.zst) zstd -qdc "$f" >"$OUT/$m.ko.tmp" ;;
	*.ko.gz) gzip -dc "$f" >"$OUT/$m.ko.tmp" ;;
	*) cp "$f" "$OUT/$m.ko.tmp" ;;
	esac
	mv "$OUT/$m.ko.tmp" "$OUT/$m.ko"
done
echo "fetch-guest: $OUT/vmlinuz ($KVER) and $(echo $MODULES $RIG_MODULES | wc -w) modules"
