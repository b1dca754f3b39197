# Debian bookworm userlands made with debootstrap from the machine's own Debian mirror, for scripts/arm-tests and
# scripts/package-tests (sourced by them, as root). Each lives in an ext4 image without dir_index (32-bit Java under
# qemu cannot list directories on ext4 with dir_index: EOVERFLOW), kept in $DUALSTREAM_ARM_CACHE (default
# /var/cache/dualstream-arm) for the next run.
cache="${DUALSTREAM_ARM_CACHE:-/var/cache/dualstream-arm}"
suite=bookworm
mounted=""

# debootstrap, and qemu for ARM programs, also inside a chroot (the F flag opens the interpreter now, from the host).
userland_prepare() {
    need=""
    command -v debootstrap >/dev/null 2>&1 || need="$need debootstrap"
    [ -e /usr/bin/qemu-aarch64-static ] && [ -e /usr/bin/qemu-arm-static ] || need="$need qemu-user-static"
    if [ -n "$need" ]; then
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q $need
    fi
    [ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
    for qemu in arm aarch64; do
        if [ ! -e /proc/sys/fs/binfmt_misc/qemu-$qemu ]; then
            grep -v '^#' /usr/lib/binfmt.d/qemu-$qemu.conf | head -n 1 > /proc/sys/fs/binfmt_misc/register
        fi
    done
    # The Debian mirror this machine's apt uses.
    mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n 1)
    [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
    [ -n "$mirror" ] || { echo "$0: no Debian mirror in /etc/apt" >&2; exit 2; }
    mkdir -p "$cache"
    trap userland_cleanup EXIT
}

# userland NAME ARCH PACKAGES: mounts (making it once) the userland NAME and sets $root to it.
userland() {
    image="$cache/$1.img"
    root="$cache/$1"
    mkdir -p "$root"
    if ! mountpoint -q "$root"; then
        if [ ! -f "$image" ]; then
            truncate -s 4G "$image"
            mkfs.ext4 -q -O ^dir_index "$image"
        fi
        mount -o loop "$image" "$root"
    fi
    mounted="$root $mounted"
    if [ ! -f "$root/.dualstream-complete" ]; then
        echo "== $1: making a Debian $suite $2 userland (once; cached in $cache)"
        debootstrap --arch="$2" --variant=minbase --include="$3" "$suite" "$root" "$mirror"
        touch "$root/.dualstream-complete"
    fi
    for fs in proc dev; do
        mountpoint -q "$root/$fs" || mount --bind "/$fs" "$root/$fs"
        mounted="$root/$fs $mounted"
    done
}

userland_cleanup() {
    for m in $mounted; do umount -l "$m" 2>/dev/null || true; done
    [ -z "${cleanup_also:-}" ] || rm -f $cleanup_also
}
