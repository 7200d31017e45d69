#!/usr/bin/env bash
# Builds Cohort's container image with podman, with no container registry:
#   - the base: a Debian root filesystem (debootstrap --variant=minbase, from Debian's packages),
#     trimmed and imported as localhost/cohort-base:bookworm;
#   - a Java runtime jlinked from the JDK that builds the project (the modules jdeps finds);
#   - the application's jars (mvn package), layered by deploy/image/Containerfile.
# Reproducible: files are packed in name order with their times clamped to the last commit's, and
# the layers are built with that timestamp, so the same Debian packages and jars give the same
# layer digests (printed at the end).
#
#   deploy/image/build-image.sh [--tag NAME] [--save FILE.tar] [--profiles P1,P2] [--rebuild-base] [--packaged]
#
#   --tag       the image's name (default cohort:<project version>)
#   --save      also write the image as a tarball (podman save) for `podman load` / `ctr import`
#   --profiles  Maven profiles of the build, e.g. cuda (then tag it ...-cuda); not run here
#   --rebuild-base  debootstrap again instead of reusing deploy/image/target/rootfs.tar
#   --packaged  take the jars mvn package left in actors/target instead of running it (the tests)
#
# Needs root (debootstrap), podman and debootstrap (apt-get install podman runc debootstrap).
# Run a container of it with: podman run --runtime runc IMAGE --help
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$here/target"
suite=bookworm
mirror="${COHORT_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
tag="" save="" profiles="" rebuild_base=0 packaged=0

while [ $# -gt 0 ]; do
  case "$1" in
    --tag) tag="$2"; shift 2 ;;
    --save) save="$2"; shift 2 ;;
    --profiles) profiles="$2"; shift 2 ;;
    --rebuild-base) rebuild_base=1; shift ;;
    --packaged) packaged=1; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "build-image: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

for tool in podman debootstrap jlink jdeps mvn; do
  command -v "$tool" >/dev/null || { echo "build-image: '$tool' is missing (apt-get install podman runc debootstrap; a JDK 17; maven)" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "build-image: debootstrap needs root" >&2; exit 2; }

version="$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$root/pom.xml" | head -1)"
tag="${tag:-cohort:$version}"
epoch="$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 0)"
mkdir -p "$work"

# Pack a folder as a tarball that depends only on its files' contents, names and modes.
pack() {
  tar -C "$1" --sort=name --mtime="@$epoch" --clamp-mtime --owner=0 --group=0 --numeric-owner \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -cf "$2" .
}

# 1. The base: Debian's minimal root filesystem, without what a container never reads.
if [ "$rebuild_base" = 1 ] || [ ! -f "$work/rootfs.tar" ]; then
  echo "build-image: debootstrap $suite from $mirror ..." >&2
  rm -rf "$work/rootfs"
  # The libraries the JDK's imaging and font code link (report.html's plots, predict's images).
  debootstrap --variant=minbase --include=libfreetype6,libharfbuzz0b,libfontconfig1,fonts-dejavu-core,libjpeg62-turbo,libpng16-16,libgif7,liblcms2-2 \
    "$suite" "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { echo "build-image: debootstrap failed; see $work/debootstrap.log" >&2; exit 1; }
  rm -rf "$work/rootfs"/var/log/* "$work/rootfs"/var/cache/apt/* "$work/rootfs"/var/lib/apt/lists/* \
    "$work/rootfs"/var/cache/debconf/*-old "$work/rootfs"/var/lib/dpkg/*-old "$work/rootfs"/usr/share/doc/* \
    "$work/rootfs"/usr/share/man/* "$work/rootfs"/usr/share/info/* "$work/rootfs"/usr/share/locale/* \
    "$work/rootfs"/var/cache/ldconfig/aux-cache "$work/rootfs"/etc/machine-id "$work/rootfs"/etc/hostname
  : > "$work/rootfs/etc/machine-id"
  pack "$work/rootfs" "$work/rootfs.tar.part" && mv "$work/rootfs.tar.part" "$work/rootfs.tar"
  rm -rf "$work/rootfs"
fi
base_sum="$(sha256sum "$work/rootfs.tar" | cut -c1-64)"
if [ "$(podman image inspect --format '{{index .Labels "cohort.rootfs"}}' localhost/cohort-base:$suite 2>/dev/null)" != "$base_sum" ]; then
  echo "build-image: importing the base as localhost/cohort-base:$suite" >&2
  podman import --quiet --change "LABEL cohort.rootfs=$base_sum" --change "CMD [\"/bin/sh\"]" \
    "$work/rootfs.tar" "localhost/cohort-base:$suite" >/dev/null
fi

# 2. The application's jars.
if [ "$packaged" = 0 ]; then
  echo "build-image: mvn package ${profiles:+(-P$profiles)} ..." >&2
  (cd "$root" && mvn -B -q -DskipTests ${profiles:+-P"$profiles"} package -pl actors -am) >&2
fi
[ -f "$root/actors/target/cohort-actors-$version.jar" ] && [ -d "$root/actors/target/lib" ] \
  || { echo "build-image: actors/target has no packaged jars (mvn -DskipTests package)" >&2; exit 2; }
context="$work/context"
rm -rf "$context" && mkdir -p "$context/lib"
cp "$root"/actors/target/lib/*.jar "$context/lib/"
cp "$root"/actors/target/cohort-actors-"$version".jar "$context/lib/"

# 3. A Java runtime of just the modules the jars use (jdeps), and those found by name at run time.
modules="$(jdeps --print-module-deps --ignore-missing-deps --multi-release 17 -q --recursive \
  --class-path "$context/lib/*" "$context/lib/cohort-actors-$version.jar")"
modules="$modules,jdk.crypto.ec,java.logging,jdk.localedata"  # TLS's EC keys; JUL; locales
jlink --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress=2 \
  --output "$context/jre"

# 4. The image.
cp "$here/Containerfile" "$context/Containerfile"
podman build --quiet --timestamp "$epoch" --tag "$tag" --file "$context/Containerfile" "$context" >/dev/null
[ -n "$save" ] && podman save --quiet --output "$save" "$tag"

size="$(podman image inspect --format '{{.Size}}' "$tag")"
echo "built $tag: $((size / 1000000)) MB (base $(( $(stat -c %s "$work/rootfs.tar") / 1000000 )) MB, Java modules: $modules)"
echo "layers: $(podman image inspect --format '{{range .RootFS.Layers}}{{.}} {{end}}' "$tag")"
