# Helpers shared by docker/build.sh and docker/test-images.sh. Sourced, not executed.
# shellcheck shell=bash

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$1" >&2; exit "${2:-1}"; }

# A docker client that builds with BuildKit: one with the buildx plugin, or one older than 23 (those have BuildKit
# built in, used with DOCKER_BUILDKIT=1). $DOCKER first, then docker on PATH, then Debian's /usr/bin/docker.
pick_docker() {
  local candidate major
  for candidate in "${DOCKER:-}" docker /usr/bin/docker; do
    if [ -z "$candidate" ] || ! command -v "$candidate" >/dev/null; then continue; fi
    if "$candidate" buildx version >/dev/null 2>&1; then echo "$candidate"; return; fi
    major="$("$candidate" version --format '{{.Client.Version}}' 2>/dev/null | cut -d. -f1 || true)"
    if [[ "$major" =~ ^[0-9]+$ ]] && [ "$major" -lt 23 ]; then echo "$candidate"; return; fi
  done
  die "no docker client that builds with BuildKit (needs the buildx plugin, or a client older than 23); set DOCKER"
}

# The newest control-plane jar relative to the repository root $1 (empty when there is none).
control_plane_jar() {
  (cd "$1" && find target -maxdepth 1 -name 'noderr-control-plane-*.jar' -printf '%T@ %p\n' 2>/dev/null |
    sort -rn | head -n 1 | cut -d' ' -f2-)
}

# The version in the control plane's jar name (target/noderr-control-plane-<version>.jar), else "dev".
default_version() {
  local jar version
  jar="$(control_plane_jar "$1")"
  [ -n "$jar" ] || { echo dev; return; }
  version="${jar#target/noderr-control-plane-}"
  echo "${version%.jar}"
}
