#!/usr/bin/env bash
# Builds the Noderr images and prints their sizes and digests.
#
# Usage: docker/build.sh [--version V] [--registry HOST:PORT] [--base-busybox IMG] [--base-java IMG] [--only NAMES]
#
#   --version V           image version (tag and org.opencontainers.image.version); default: the version in the
#                         control plane's jar name (target/noderr-control-plane-<version>.jar), else "dev"
#   --registry HOST:PORT  also tag <registry>/noderr/<name>:<version> and :latest and push both; the table then shows
#                         the registry's digest (what a release publishes and the node agent pulls by)
#   --base-busybox IMG    base of the node tier images (BASE and BUILD_BASE); default: the Dockerfile's public images
#   --base-java IMG       base of control-plane and node-agent (BASE); default: eclipse-temurin:21-jre
#   --only NAMES          comma-separated subset of: control-plane, node-agent, node-all, node-oracle, node-guardian
#   -h, --help            this text
#
# Tags: noderr/<name>:<version> and noderr/<name>:latest. Build args: VERSION, REVISION (git rev-parse --short HEAD,
# or "unknown"), CREATED (UTC, ISO 8601). Uses DOCKER_HOST as given and BuildKit (DOCKER_BUILDKIT=1, or buildx);
# DOCKER=/path/to/docker picks the client. Needs the jars: ./mvnw package and ./mvnw -f node-agent/pom.xml package.
#
# Exit status: 0 when every image was built (and pushed) and every tier image is within its size target
# (node-all 500 MB, node-oracle 1500 MB, node-guardian 2500 MB; MB = 10^6 bytes), 1 otherwise, 2 on bad arguments.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ALL_IMAGES=(control-plane node-agent node-all node-oracle node-guardian)

VERSION=""
REGISTRY=""
BASE_BUSYBOX=""
BASE_JAVA=""
ONLY=""

# shellcheck source=docker/lib.sh
source "$ROOT/docker/lib.sh"
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

size_target_mb() {
  case "$1" in
    node-all) echo 500 ;;
    node-oracle) echo 1500 ;;
    node-guardian) echo 2500 ;;
    *) echo "" ;;
  esac
}

while [ $# -gt 0 ]; do
  case "$1" in
    --version) VERSION="${2:-}"; [ -n "$VERSION" ] || die "--version needs a value" 2; shift 2 ;;
    --registry) REGISTRY="${2:-}"; [ -n "$REGISTRY" ] || die "--registry needs HOST:PORT" 2; shift 2 ;;
    --base-busybox) BASE_BUSYBOX="${2:-}"; [ -n "$BASE_BUSYBOX" ] || die "--base-busybox needs an image" 2; shift 2 ;;
    --base-java) BASE_JAVA="${2:-}"; [ -n "$BASE_JAVA" ] || die "--base-java needs an image" 2; shift 2 ;;
    --only) ONLY="${2:-}"; [ -n "$ONLY" ] || die "--only needs image names" 2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" 2 ;;
  esac
done

images=()
if [ -n "$ONLY" ]; then
  IFS=',' read -r -a wanted <<<"$ONLY"
  for name in "${wanted[@]}"; do
    [[ " ${ALL_IMAGES[*]} " == *" $name "* ]] || die "--only: unknown image '$name' (one of: ${ALL_IMAGES[*]})" 2
    images+=("$name")
  done
else
  images=("${ALL_IMAGES[@]}")
fi

[ -n "$VERSION" ] || VERSION="$(default_version "$ROOT")"
[[ "$VERSION" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] ||
  die "--version '$VERSION' is not a valid image tag (letters, digits, _ . -; at most 128)" 2
[ -z "$REGISTRY" ] || [[ "$REGISTRY" =~ ^[A-Za-z0-9.-]+(:[0-9]+)?$ ]] || die "--registry must be HOST or HOST:PORT" 2
REVISION="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)"

DOCKER="$(pick_docker)"
export DOCKER_BUILDKIT=1
"$DOCKER" version --format '{{.Server.Version}}' >/dev/null 2>&1 ||
  die "cannot reach the Docker engine (DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock})"

logdir="$(mktemp -d)"
trap 'rm -rf "$logdir"' EXIT

build_image() { # name
  local name="$1" args=() context="$ROOT" jar
  case "$name" in
    control-plane)
      jar="$(control_plane_jar "$ROOT")"
      [ -n "$jar" ] || die "no target/noderr-control-plane-*.jar: build it first (./mvnw -DskipTests package)"
      [ -x "$ROOT/contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil" ] ||
        die "anvil is missing in contracts/node_modules: the control plane's build runs npm ci there"
      [ -f "$ROOT/node-agent/target/noderr-agent.jar" ] ||
        die "no node-agent/target/noderr-agent.jar (the control plane serves it): build it first (./mvnw -f node-agent/pom.xml -DskipTests package)"
      args+=(-f "$ROOT/docker/control-plane/Dockerfile" --build-arg "JAR=$jar")
      [ -z "$BASE_JAVA" ] || args+=(--build-arg "BASE=$BASE_JAVA")
      ;;
    node-agent)
      [ -f "$ROOT/node-agent/target/noderr-agent.jar" ] ||
        die "no node-agent/target/noderr-agent.jar: build it first (./mvnw -f node-agent/pom.xml -DskipTests package)"
      args+=(-f "$ROOT/docker/node-agent/Dockerfile")
      [ -z "$BASE_JAVA" ] || args+=(--build-arg "BASE=$BASE_JAVA")
      ;;
    node-*)
      context="$ROOT/docker/node"
      args+=(-f "$ROOT/docker/node/Dockerfile" --build-arg "TIER=${name#node-}")
      [ -z "$BASE_BUSYBOX" ] || args+=(--build-arg "BASE=$BASE_BUSYBOX" --build-arg "BUILD_BASE=$BASE_BUSYBOX")
      ;;
  esac
  args+=(--build-arg "VERSION=$VERSION" --build-arg "REVISION=$REVISION" --build-arg "CREATED=$CREATED"
    -t "noderr/$name:$VERSION" -t "noderr/$name:latest")
  local started=$SECONDS
  log "building noderr/$name:$VERSION"
  if ! "$DOCKER" build --progress=plain "${args[@]}" "$context" >"$logdir/$name.log" 2>&1; then
    tail -n 40 "$logdir/$name.log" >&2
    die "building noderr/$name failed (the build's last lines are above)"
  fi
  log "built noderr/$name:$VERSION in $((SECONDS - started)) s"
  if [ -n "$REGISTRY" ]; then
    local tag
    for tag in "$VERSION" latest; do
      "$DOCKER" tag "noderr/$name:$VERSION" "$REGISTRY/noderr/$name:$tag"
      if ! "$DOCKER" push "$REGISTRY/noderr/$name:$tag" >"$logdir/$name.push.log" 2>&1; then
        cat "$logdir/$name.push.log" >&2
        die "pushing $REGISTRY/noderr/$name:$tag failed"
      fi
    done
    log "pushed $REGISTRY/noderr/$name:$VERSION and :latest"
  fi
}

# The registry's digest of the pushed image, or the local image id.
digest_of() { # name
  local ref
  if [ -n "$REGISTRY" ]; then
    ref="$("$DOCKER" image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "noderr/$1:$VERSION" |
      grep -F "$REGISTRY/noderr/$1@" | head -n 1 || true)"
    [ -n "$ref" ] && { echo "${ref#*@}"; return; }
  fi
  "$DOCKER" image inspect --format '{{.Id}}' "noderr/$1:$VERSION"
}

for name in "${images[@]}"; do
  build_image "$name"
done

status=0
printf '\n%-16s %-24s %10s %10s  %s\n' IMAGE TAG "SIZE(MB)" "TARGET" DIGEST
for name in "${images[@]}"; do
  bytes="$("$DOCKER" image inspect --format '{{.Size}}' "noderr/$name:$VERSION")"
  mb="$(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1000000}')"
  target="$(size_target_mb "$name")"
  verdict="${target:--}"
  if [ -n "$target" ] && [ "$bytes" -gt $((target * 1000000)) ]; then
    verdict="OVER($target)"
    status=1
  fi
  printf '%-16s %-24s %10s %10s  %s\n' "$name" "$VERSION" "$mb" "$verdict" "$(digest_of "$name")"
done
if [ "$status" != 0 ]; then
  printf 'error: a tier image is larger than its size target (see TARGET above)\n' >&2
fi
exit "$status"
