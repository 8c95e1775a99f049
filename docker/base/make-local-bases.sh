#!/usr/bin/env bash
# Makes the two base images the Noderr images build FROM, locally and in seconds, for machines that cannot pull
# from a public image registry. Both are plain root filesystems put together from this host's files and loaded
# with `docker import`:
#
#   busybox base  /bin/busybox (busybox-static) with a link per applet, /usr/bin/tini-static, /etc/passwd+group,
#                 /tmp. Used by the node tier images (runtime and build stage).
#   java base     a jlink'ed Java runtime from the newest JDK >= 21 on this host in /opt/java/openjdk (the path the
#                 eclipse-temurin images use, so the Dockerfiles need no change), the host's shared libraries the
#                 runtime, the embedded PostgreSQL and anvil load (copied by ldd), glibc's C.UTF-8 locale, plus
#                 everything of the busybox base.
#                 Used by the control-plane and node-agent images.
#
# An image whose inputs (script, busybox, tini, JDK, module list) have not changed is kept, so a second run takes
# well under a second. Needs: docker (DOCKER_HOST as given), busybox-static, tini, a JDK >= 21 with jlink, ldd.
#
# Usage: docker/base/make-local-bases.sh [--busybox-tag TAG] [--java-tag TAG] [--jdk DIR] [--force] [--only busybox|java]
# Prints "busybox=<tag>" and "java=<tag>" on standard output when done.
set -euo pipefail

BUSYBOX_TAG="noderr-base/busybox:local"
JAVA_TAG="noderr-base/java:local"
JDK=""
FORCE=0
ONLY=""
# java.se plus what the control plane and the agent load beyond it (jdeps on both jars; jdk.httpserver serves the
# agent's /metrics; jdk.unsupported for Unsafe users; jdk.crypto.ec and jdk.naming.dns for TLS and DNS lookups).
JAVA_MODULES="java.se,jdk.unsupported,jdk.management,jdk.net,jdk.httpserver,jdk.zipfs,jdk.naming.dns,jdk.crypto.ec,jdk.charsets,jdk.jfr,jdk.security.auth,jdk.security.jgss"
# Shared libraries loaded with dlopen or by native programs the apps start (embedded PostgreSQL: libstdc++ for ICU;
# anvil and glibc's thread cancellation: libgcc_s), which ldd on the Java runtime alone does not list.
EXTRA_LIBS="libgcc_s.so.1 libstdc++.so.6 libz.so.1"
# Native libraries of the runtime that only a desktop JVM loads; their X11 and ALSA dependencies are left out.
DESKTOP_LIBS='libawt_xawt.so|libjawt.so|libsplashscreen.so|libjsound.so'

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
  case "$1" in
    --busybox-tag) BUSYBOX_TAG="${2:?--busybox-tag needs a value}"; shift 2 ;;
    --java-tag) JAVA_TAG="${2:?--java-tag needs a value}"; shift 2 ;;
    --jdk) JDK="${2:?--jdk needs a directory}"; shift 2 ;;
    --force) FORCE=1; shift ;;
    --only) ONLY="${2:?--only needs busybox or java}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
case "$ONLY" in ""|busybox|java) ;; *) die "--only must be busybox or java" ;; esac

DOCKER="${DOCKER:-docker}"
command -v "$DOCKER" >/dev/null || die "docker client not found"
BUSYBOX="$(command -v busybox || echo /bin/busybox)"
[ -x "$BUSYBOX" ] || die "busybox not found: apt-get install busybox-static"
ldd "$BUSYBOX" >/dev/null 2>&1 && die "$BUSYBOX is dynamically linked: apt-get install busybox-static"
TINI="$(command -v tini-static || true)"
[ -n "$TINI" ] || die "tini-static not found: apt-get install tini"

java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}'
}

find_jdk() {
  local best="" best_v=0 d v
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/jlink" ]; then
    v="$(java_major "$JAVA_HOME")"; v="${v%%.*}"
    if [ "${v:-0}" -ge 21 ]; then best="$JAVA_HOME"; best_v="$v"; fi
  fi
  for d in /usr/lib/jvm/*/; do
    d="${d%/}"
    [ -x "$d/bin/jlink" ] || continue
    v="$(java_major "$d")"; v="${v%%.*}"
    if [ -n "$v" ] && [ "$v" -ge 21 ] && [ "$v" -gt "$best_v" ]; then best="$d"; best_v="$v"; fi
  done
  [ -n "$best" ] || die "no JDK >= 21 with jlink found (JAVA_HOME or /usr/lib/jvm/*); pass --jdk DIR"
  printf '%s\n' "$best"
}

# The label an image carries for its inputs; empty when the image does not exist.
image_inputs() {
  "$DOCKER" image inspect --format '{{ index .Config.Labels "network.noderr.base-inputs" }}' "$1" 2>/dev/null || true
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The common part of both root filesystems: busybox, tini, users, /tmp.
make_skeleton() {
  local root="$1" applet
  mkdir -p "$root"/{bin,sbin,etc,root,tmp,usr/bin,usr/sbin,var/tmp}
  chmod 1777 "$root/tmp" "$root/var/tmp"
  cp "$BUSYBOX" "$root/bin/busybox"
  for applet in $("$BUSYBOX" --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
  done
  cp "$TINI" "$root/usr/bin/tini-static"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  printf 'hosts: files dns\npasswd: files\ngroup: files\n' >"$root/etc/nsswitch.conf"
}

import_rootfs() { # root tag inputs [--change ...]
  local root="$1" tag="$2" inputs="$3"
  shift 3
  tar -C "$root" --numeric-owner --owner=0 --group=0 -c . |
    "$DOCKER" import --change "LABEL network.noderr.base-inputs=$inputs" "$@" - "$tag" >/dev/null
}

script_sum="$(sha256sum "$0" | cut -c1-16)"

make_busybox() {
  local inputs root
  inputs="$script_sum-$(sha256sum "$BUSYBOX" "$TINI" | sha256sum | cut -c1-16)"
  if [ "$FORCE" = 0 ] && [ "$(image_inputs "$BUSYBOX_TAG")" = "$inputs" ]; then
    log "busybox base $BUSYBOX_TAG is up to date"
    return
  fi
  root="$work/busybox"
  make_skeleton "$root"
  import_rootfs "$root" "$BUSYBOX_TAG" "$inputs" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'CMD ["sh"]'
  log "busybox base $BUSYBOX_TAG: $("$DOCKER" image inspect --format '{{.Size}}' "$BUSYBOX_TAG") bytes"
}

# Copies a shared library (following links) to the same directory in the root filesystem.
copy_lib() {
  local lib="$1" root="$2" dest
  dest="$root/lib/x86_64-linux-gnu/$(basename "$lib")"
  case "$lib" in */ld-linux*) dest="$root/lib64/$(basename "$lib")" ;; esac
  [ -e "$dest" ] || cp -L "$lib" "$dest"
}

make_java() {
  local jdk inputs root runtime f lib started
  jdk="${JDK:-$(find_jdk)}"
  [ -x "$jdk/bin/jlink" ] || die "$jdk has no bin/jlink"
  inputs="$script_sum-$(cat "$BUSYBOX" "$TINI" "$jdk/release" | sha256sum | cut -c1-16)"
  if [ "$FORCE" = 0 ] && [ "$(image_inputs "$JAVA_TAG")" = "$inputs" ]; then
    log "java base $JAVA_TAG is up to date"
    return
  fi
  started=$(date +%s)
  root="$work/java"
  make_skeleton "$root"
  mkdir -p "$root/opt/java" "$root/lib/x86_64-linux-gnu" "$root/lib64" "$root/usr/lib"
  ln -s ../../lib/x86_64-linux-gnu "$root/usr/lib/x86_64-linux-gnu"
  runtime="$root/opt/java/openjdk"
  log "jlink from $jdk ($(java_major "$jdk")): $JAVA_MODULES"
  "$jdk/bin/jlink" --add-modules "$JAVA_MODULES" --output "$runtime" --strip-debug --no-man-pages \
    --no-header-files --compress=zip-6 --generate-cds-archive
  # The libraries the runtime links against, found by ldd, plus the extra ones, with glibc's loader.
  {
    find "$runtime" -type f \( -name '*.so' -o -path '*/bin/*' \) | grep -Ev "/($DESKTOP_LIBS)\$" |
      while read -r f; do ldd "$f" 2>/dev/null || true; done
    for lib in $EXTRA_LIBS; do
      for f in /lib/x86_64-linux-gnu/"$lib" /usr/lib/x86_64-linux-gnu/"$lib"; do
        if [ -e "$f" ]; then printf '%s => %s (0)\n' "$lib" "$f"; break; fi
      done
    done
  } | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\/.*ld-linux/ {print $1}' | sort -u >"$work/libs"
  grep -q ld-linux "$work/libs" || die "could not find glibc's dynamic loader with ldd"
  while read -r lib; do
    case "$lib" in "$runtime"/*) continue ;; esac
    copy_lib "$lib" "$root"
  done <"$work/libs"
  for lib in $EXTRA_LIBS; do
    [ -e "$root/lib/x86_64-linux-gnu/$lib" ] || die "$lib not found on this host (install libstdc++6)"
  done
  # LANG=C.UTF-8 needs glibc's compiled C.utf8 locale (PostgreSQL's initdb refuses a locale it cannot load).
  [ -d /usr/lib/locale/C.utf8 ] || die "/usr/lib/locale/C.utf8 not found (glibc >= 2.35, package libc-bin)"
  mkdir -p "$root/usr/lib/locale"
  cp -r /usr/lib/locale/C.utf8 "$root/usr/lib/locale/"
  import_rootfs "$root" "$JAVA_TAG" "$inputs" \
    --change 'ENV JAVA_HOME=/opt/java/openjdk' \
    --change 'ENV PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' --change 'CMD ["java", "-version"]'
  # Fail here rather than in an image build: the runtime must start in the image.
  "$DOCKER" run --rm --network none "$JAVA_TAG" java -Xshare:auto -version >/dev/null 2>&1 ||
    die "the Java runtime does not start in $JAVA_TAG ($DOCKER run --rm $JAVA_TAG java -version shows why)"
  log "java base $JAVA_TAG: $("$DOCKER" image inspect --format '{{.Size}}' "$JAVA_TAG") bytes in $(( $(date +%s) - started )) s"
}

[ "$ONLY" = java ] || make_busybox
[ "$ONLY" = busybox ] || make_java
[ "$ONLY" = java ] || printf 'busybox=%s\n' "$BUSYBOX_TAG"
[ "$ONLY" = busybox ] || printf 'java=%s\n' "$JAVA_TAG"
