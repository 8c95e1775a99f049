#!/usr/bin/env bash
# Builds every Noderr image on locally made bases and checks each one for real: it is run, its HEALTHCHECK must
# report healthy, its processes run as uid 1001, its labels and endpoints say the right tier and version, and
# `docker stop` ends it cleanly (exit 0, no kill after the timeout). The images are pushed to a local registry so
# the digests in the summary are real registry digests.
#
# Usage: docker/test-images.sh [--own-engine] [--registry HOST:PORT] [--version V] [--timeout SECONDS]
#   --own-engine   start a private dockerd (own data root and socket, no iptables changes) and stop it at the end;
#                  needs root. Without it, the engine of DOCKER_HOST is used (a local one: the registry it pushes to
#                  listens on 127.0.0.1).
#   --registry     push to this registry instead of starting docker-registry on a free 127.0.0.1 port
#   --version      image version (default: build.sh's, from the control plane's jar name)
#   --timeout      how long an image may take to become healthy (default 120 s)
#
# Needs, on Debian/Ubuntu as root: apt-get install -y docker.io docker-registry busybox-static tini openssl
# (docker.io: dockerd and a BuildKit client; docker-registry: the local registry; busybox-static and tini: the
# local bases; openssl: a throwaway node key for the agent), a JDK >= 21 with jlink (the project's build needs one
# too), and the jars (built here with ./mvnw when missing).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=docker/lib.sh
source "$ROOT/docker/lib.sh"

OWN_ENGINE=0
REGISTRY=""
VERSION=""
TIMEOUT=120
while [ $# -gt 0 ]; do
  case "$1" in
    --own-engine) OWN_ENGINE=1; shift ;;
    --registry) REGISTRY="${2:?--registry needs HOST:PORT}"; shift 2 ;;
    --version) VERSION="${2:?--version needs a value}"; shift 2 ;;
    --timeout) TIMEOUT="${2:?--timeout needs seconds}"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" 2 ;;
  esac
done
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || die "--timeout must be a number of seconds" 2

started=$SECONDS
work="$(mktemp -d /tmp/noderr-images.XXXXXX)"
prefix="noderr-image-check-$$"
dockerd_pid=""
registry_pid=""
containers=()

cleanup() {
  local c
  set +e
  for c in "${containers[@]}"; do "${DOCKER:-docker}" rm -f "$c" >/dev/null 2>&1; done
  if [ -n "$registry_pid" ]; then kill "$registry_pid" 2>/dev/null; wait "$registry_pid" 2>/dev/null; fi
  if [ -n "$dockerd_pid" ]; then
    kill "$dockerd_pid" 2>/dev/null
    for _ in $(seq 1 60); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$dockerd_pid" 2>/dev/null; then
      log "dockerd ($dockerd_pid) did not stop in 30 s; killing it"
      kill -KILL "$dockerd_pid" 2>/dev/null
    fi
    wait "$dockerd_pid" 2>/dev/null
  fi
  rm -rf "$work" 2>/dev/null || log "could not remove $work completely (left for inspection)"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

need() { command -v "$1" >/dev/null || die "$1 not found: apt-get install -y $2"; }
need busybox busybox-static
need tini-static tini
need openssl openssl
BUSYBOX="$(command -v busybox)"

# A TCP port nobody listens on (from /proc/net/tcp*; no ss or netstat needed).
free_port() {
  local port used="" address state
  while read -r _ address _ state _; do
    if [ "$state" = 0A ]; then used+="$((16#${address##*:}))"$'\n'; fi
  done < <(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -v local_address)
  while :; do
    port=$((20000 + RANDOM % 25000))
    grep -qx "$port" <<<"$used" || { echo "$port"; return; }
  done
}

# Waits until "$@" succeeds, at most $1 seconds (polling every second); false on timeout.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 1
  done
}

# --- the engine -------------------------------------------------------------------------------------------------
if [ "$OWN_ENGINE" = 1 ]; then
  [ "$(id -u)" = 0 ] || die "--own-engine needs root (dockerd)"
  need dockerd docker.io
  log "starting a private dockerd in $work"
  dockerd --storage-driver=overlay2 --iptables=false --ip-forward=false --ip-masq=false \
    --data-root="$work/data" --exec-root="$work/exec" --pidfile="$work/dockerd.pid" \
    -H "unix://$work/docker.sock" >"$work/dockerd.log" 2>&1 &
  dockerd_pid=$!
  export DOCKER_HOST="unix://$work/docker.sock"
fi
DOCKER="$(pick_docker)"
export DOCKER
if ! wait_for 60 "$DOCKER" version; then
  [ -z "$dockerd_pid" ] || tail -n 20 "$work/dockerd.log" >&2
  die "the Docker engine does not answer (DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock})"
fi
log "engine $("$DOCKER" version --format '{{.Server.Version}}') at ${DOCKER_HOST:-unix:///var/run/docker.sock}"

# --- the registry -----------------------------------------------------------------------------------------------
registry_answers() { "$BUSYBOX" wget -q -O /dev/null "http://$1/v2/"; }
if [ -z "$REGISTRY" ]; then
  need docker-registry docker-registry
  for attempt in 1 2 3 4 5; do
    port="$(free_port)"
    mkdir -p "$work/registry"
    printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
      "$work/registry" "$port" >"$work/registry.yml"
    docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
    registry_pid=$!
    if wait_for 15 registry_answers "127.0.0.1:$port" && kill -0 "$registry_pid" 2>/dev/null; then
      REGISTRY="127.0.0.1:$port"
      break
    fi
    kill "$registry_pid" 2>/dev/null || true
    wait "$registry_pid" 2>/dev/null || true
    registry_pid=""
    log "registry did not start on port $port (attempt $attempt)"
  done
  [ -n "$REGISTRY" ] || { tail -n 20 "$work/registry.log" >&2; die "could not start docker-registry"; }
  log "registry at $REGISTRY (pid $registry_pid)"
fi

# --- jars, bases, images ----------------------------------------------------------------------------------------
if [ -z "$(control_plane_jar "$ROOT")" ] || [ ! -f "$ROOT/node-agent/target/noderr-agent.jar" ]; then
  log "building the jars (./mvnw package; the images are made from them)"
  (
    cd "$ROOT"
    # shellcheck source=scripts/tools.sh
    source scripts/tools.sh
    ensure_java
    ensure_node
    ./mvnw -B -ntp -q -DskipTests package
    ./mvnw -B -ntp -q -f node-agent/pom.xml -DskipTests package
  )
fi
[ -n "$VERSION" ] || VERSION="$(default_version "$ROOT")"

step=$SECONDS
bases="$("$ROOT/docker/base/make-local-bases.sh")"
base_busybox="$(sed -n 's/^busybox=//p' <<<"$bases")"
base_java="$(sed -n 's/^java=//p' <<<"$bases")"
log "local bases in $((SECONDS - step)) s: $base_busybox, $base_java"

step=$SECONDS
"$ROOT/docker/build.sh" --version "$VERSION" --registry "$REGISTRY" --base-busybox "$base_busybox" \
  --base-java "$base_java" | tee "$work/build.txt" || die "docker/build.sh failed (see above)"
build_seconds=$((SECONDS - step))

# --- checks -----------------------------------------------------------------------------------------------------
failures=()
declare -A healthy_after stop_seconds size_mb digest

fail() { # image message
  failures+=("$1: $2")
  printf 'FAIL %s: %s\n' "$1" "$2" >&2
}

label() { # image key
  "$DOCKER" image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1"
}

in_container() { # container command...
  local c="$1"
  shift
  timeout 30 "$DOCKER" exec "$c" "$@"
}

# GET on the container's own loopback (no published ports needed); prints the body.
http_get() { # container url
  in_container "$1" /opt/noderr/bin/busybox wget -q -O - "$2"
}

# The registry's digest for name:VERSION (Docker-Content-Digest of the manifest).
registry_digest() { # name
  "$BUSYBOX" wget -q -S -O /dev/null --header 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REGISTRY/v2/noderr/$1/manifests/$VERSION" 2>&1 | sed -n 's/^ *Docker-Content-Digest: *//ip' | tr -d '\r'
}

# Waits for the HEALTHCHECK; prints the seconds it took. False when it turned unhealthy, exited or timed out.
await_healthy() { # container
  local begin=$SECONDS state
  while [ $((SECONDS - begin)) -le "$TIMEOUT" ]; do
    state="$("$DOCKER" inspect --format '{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$1")"
    case "$state" in
      running/healthy) echo $((SECONDS - begin)); return 0 ;;
      running/unhealthy|exited/*|dead/*)
        echo "$state; last check: $("$DOCKER" inspect \
          --format '{{range .State.Health.Log}}exit {{.ExitCode}} {{printf "%q" .Output}}{{println}}{{end}}' "$1" |
          sed '/^$/d' | tail -n 1 | cut -c1-200)"
        return 1 ;;
    esac
    sleep 1
  done
  echo "not healthy after $TIMEOUT s ($state)"
  return 1
}

check_common() { # name container image
  local name="$1" c="$2" image="$3" ids key value
  for key in org.opencontainers.image.title org.opencontainers.image.revision org.opencontainers.image.created; do
    value="$(label "$image" "$key")"
    [ -n "$value" ] || fail "$name" "label $key is missing"
  done
  value="$(label "$image" org.opencontainers.image.version)"
  [ "$value" = "$VERSION" ] || fail "$name" "label org.opencontainers.image.version is '$value', expected '$VERSION'"
  value="$("$DOCKER" image inspect --format '{{.Config.User}}' "$image")"
  [ "$value" = "1001:1001" ] || fail "$name" "image user is '$value', expected 1001:1001"
  # The user of an exec'd process and of PID 1 (the init and everything it starts).
  # shellcheck disable=SC2016 # $2 is awk's, in the container
  ids="$(in_container "$c" /opt/noderr/bin/busybox sh -c 'id -u; id -g; awk "/^Uid:/ {print \$2}" /proc/1/status' |
    tr '\n' ' ')" || true
  [ "$ids" = "1001 1001 1001 " ] || fail "$name" "uid/gid/PID 1 uid are '$ids', expected 1001 1001 1001"
}

# docker stop: the init forwards SIGTERM; the container must end by itself, well before the 20 s kill, with 0.
check_stop() { # name container
  local begin=$SECONDS code
  "$DOCKER" stop -t 20 "$2" >/dev/null
  stop_seconds[$1]=$((SECONDS - begin))
  code="$("$DOCKER" inspect --format '{{.State.ExitCode}}' "$2")"
  [ "$code" = 0 ] || fail "$1" "exit code after docker stop is $code, expected 0"
  [ "${stop_seconds[$1]}" -lt 15 ] || fail "$1" "docker stop took ${stop_seconds[$1]} s (SIGTERM not handled?)"
  if [ "$code" != 0 ] || [ "${stop_seconds[$1]}" -ge 15 ]; then
    echo "--- $1: the container's last log lines (where its shutdown stopped)" >&2
    "$DOCKER" logs --tail 60 "$2" >&2 2>&1 || true
  fi
}

# Starts a container named $prefix-<name> (removed at exit); its name is in $container. The checks use the
# container's own loopback only, so it gets no network (no published ports, nothing on the host's network).
container=""
run_container() { # name image docker-run-options...
  local image="$2"
  container="$prefix-$1"
  shift 2
  containers+=("$container")
  "$DOCKER" run -d --name "$container" --network none "$@" "$image" >/dev/null
}

check_node_tier() { # name tier
  local name="$1" tier="$2" image="noderr/$1:$VERSION" c out packages expected count
  run_container "$name" "$image"
  c="$container"
  if ! out="$(await_healthy "$c")"; then
    fail "$name" "HEALTHCHECK: $out"; "$DOCKER" logs --tail 20 "$c" >&2; return
  fi
  healthy_after[$name]="$out"
  check_common "$name" "$c" "$image"
  [ "$(label "$image" network.noderr.tier)" = "$tier" ] || fail "$name" "label network.noderr.tier is not $tier"
  out="$(http_get "$c" http://127.0.0.1:8080/health)" || { fail "$name" "GET /health failed"; return; }
  grep -q '"status":"ok"' <<<"$out" || fail "$name" "/health status is not ok: $out"
  grep -q "\"tier\":\"$tier\"" <<<"$out" || fail "$name" "/health tier is not $tier: $out"
  grep -q "\"version\":\"$VERSION\"" <<<"$out" || fail "$name" "/health version is not $VERSION: $out"
  # The package list it reports is the one its label declares (and the label holds the tier's list).
  packages="$(grep -o '"name":"[^"]*"' <<<"$out" | sed 's/"name":"//; s/"$//' | paste -sd, -)"
  expected="$(label "$image" network.noderr.packages)"
  if [ -z "$expected" ] || [ "$packages" != "$expected" ]; then
    fail "$name" "/health packages '$packages' differ from label network.noderr.packages '$expected'"
  fi
  grep -q "\"minCpuCores\":$(label "$image" network.noderr.min-cpu-cores)," <<<"$out" ||
    fail "$name" "/health minCpuCores differs from label network.noderr.min-cpu-cores"
  count="$(tr ',' '\n' <<<"$expected" | grep -c .)"
  out="$(http_get "$c" http://127.0.0.1:8080/metrics)" || { fail "$name" "GET /metrics failed"; return; }
  grep -q "^noderr_node_info{tier=\"$tier\",version=\"$VERSION\"" <<<"$out" || fail "$name" "/metrics has no noderr_node_info for $tier $VERSION"
  grep -q "^noderr_node_packages_configured $count\$" <<<"$out" || fail "$name" "/metrics noderr_node_packages_configured is not $count"
  grep -q '^noderr_node_uptime_seconds [0-9]' <<<"$out" || fail "$name" "/metrics has no noderr_node_uptime_seconds"
  check_stop "$name" "$c"
}

check_control_plane() {
  local name=control-plane image="noderr/control-plane:$VERSION" c out
  run_container "$name" "$image" -e "NODERR_ADMIN_PASSWORD=image-check-$RANDOM$RANDOM"
  c="$container"
  if ! out="$(await_healthy "$c")"; then
    fail "$name" "HEALTHCHECK: $out"; "$DOCKER" logs --tail 40 "$c" >&2; return
  fi
  healthy_after[$name]="$out"
  check_common "$name" "$c" "$image"
  out="$(http_get "$c" http://127.0.0.1:8080/api/v1/health-check)" || { fail "$name" "GET /api/v1/health-check failed"; return; }
  grep -q '"status":"ok"' <<<"$out" || fail "$name" "/api/v1/health-check: $out"
  # The node agent it serves to the installers is the one built here.
  out="$(in_container "$c" /opt/noderr/bin/busybox sh -c \
    '/opt/noderr/bin/busybox wget -q -O - http://127.0.0.1:8080/downloads/noderr-agent.jar | /opt/noderr/bin/busybox sha256sum')" ||
    { fail "$name" "GET /downloads/noderr-agent.jar failed"; return; }
  [ "${out%% *}" = "$(sha256sum "$ROOT/node-agent/target/noderr-agent.jar" | cut -d' ' -f1)" ] ||
    fail "$name" "/downloads/noderr-agent.jar is not node-agent/target/noderr-agent.jar"
  check_stop "$name" "$c"
}

check_node_agent() {
  local name=node-agent image="noderr/node-agent:$VERSION" c out
  # A throwaway node key (the daemon loads it at start); the control plane address is one where nothing listens:
  # the daemon keeps running, retries its checks and serves its metrics.
  mkdir -p "$work/agent"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/agent/node-key.pem" 2>/dev/null
  chmod 0644 "$work/agent/node-key.pem"
  run_container "$name" "$image" -e NODERR_AGENT_CONTROL_PLANE_URL=http://127.0.0.1:9/ \
    -e NODERR_AGENT_NODE_ID=image-check -e NODERR_AGENT_TIER=ALL -e NODERR_AGENT_KEY_PATH=/run/noderr/node-key.pem \
    -v "$work/agent/node-key.pem:/run/noderr/node-key.pem:ro"
  c="$container"
  if ! out="$(await_healthy "$c")"; then
    fail "$name" "HEALTHCHECK: $out"; "$DOCKER" logs --tail 40 "$c" >&2; return
  fi
  healthy_after[$name]="$out"
  check_common "$name" "$c" "$image"
  out="$(http_get "$c" http://127.0.0.1:9101/metrics)" || { fail "$name" "GET :9101/metrics failed"; return; }
  grep -q '^node_update_failed{tier="ALL"}' <<<"$out" || fail "$name" "/metrics has no node_update_failed{tier=\"ALL\"}"
  check_stop "$name" "$c"
}

# The package slot: a package with a run file is started; one whose process ends turns /health into 503.
check_package_slot() {
  local name=package-slot image="$prefix-slot:$VERSION" ctx="$work/slot" c out
  mkdir -p "$ctx/pk/@noderr/telemetry" "$ctx/pk/@noderr/utils" "$ctx/pk/@noderr/types"
  printf '#!/opt/noderr/bin/sh\nexec sleep 600\n' >"$ctx/pk/@noderr/telemetry/run"
  printf '#!/opt/noderr/bin/sh\nexit 3\n' >"$ctx/pk/@noderr/utils/run"
  chmod 0755 "$ctx/pk/@noderr/telemetry/run" "$ctx/pk/@noderr/utils/run"
  printf 'FROM noderr/node-all:%s\nCOPY pk/ /opt/noderr/packages/\n' "$VERSION" >"$ctx/Dockerfile"
  DOCKER_BUILDKIT=1 "$DOCKER" build -q -t "$image" "$ctx" >/dev/null || { fail "$name" "derived image did not build"; return; }
  run_container "$name" "$image"
  c="$container"
  wait_for 20 http_get "$c" http://127.0.0.1:8080/metrics || { fail "$name" "runtime did not answer"; return; }
  out="$(printf 'GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n' |
    timeout 30 "$DOCKER" exec -i "$c" /opt/noderr/bin/busybox nc 127.0.0.1 8080)" || true
  grep -q '^HTTP/1.1 503' <<<"$out" || fail "$name" "/health is not 503 with a failed package"
  grep -q '"status":"degraded"' <<<"$out" || fail "$name" "/health status is not degraded"
  for expected in '"@noderr/telemetry","state":"running"' '"@noderr/utils","state":"failed"' \
    '"@noderr/types","state":"installed"' '"@noderr/market-data","state":"missing"'; do
    grep -qF "$expected" <<<"$out" || fail "$name" "/health lacks $expected"
  done
  "$DOCKER" rm -f "$c" >/dev/null
  "$DOCKER" rmi "$image" >/dev/null
}

step=$SECONDS
for name in node-all node-oracle node-guardian; do
  tier="${name#node-}"
  log "checking $name"
  check_node_tier "$name" "${tier^^}"
done
log "checking the package slot (derived from node-all)"
check_package_slot
log "checking control-plane (embedded PostgreSQL and anvil)"
check_control_plane
log "checking node-agent"
check_node_agent
check_seconds=$((SECONDS - step))

for name in control-plane node-agent node-all node-oracle node-guardian; do
  size_mb[$name]="$(awk -v b="$("$DOCKER" image inspect --format '{{.Size}}' "noderr/$name:$VERSION")" 'BEGIN {printf "%.1f", b / 1000000}')"
  digest[$name]="$(registry_digest "$name")"
  [ -n "${digest[$name]}" ] || fail "$name" "the registry has no manifest for noderr/$name:$VERSION"
  grep -q "^$name .*${digest[$name]:-none}\$" "$work/build.txt" ||
    fail "$name" "build.sh's digest differs from the registry's (${digest[$name]})"
  "$DOCKER" pull -q "$REGISTRY/noderr/$name@${digest[$name]}" >/dev/null 2>&1 ||
    fail "$name" "pull by digest $REGISTRY/noderr/$name@${digest[$name]} failed"
done

printf '\nNoderr images %s (registry %s)\n' "$VERSION" "$REGISTRY"
printf '%-15s %9s %11s %8s  %s\n' IMAGE "SIZE(MB)" "HEALTHY(S)" "STOP(S)" DIGEST
for name in control-plane node-agent node-all node-oracle node-guardian; do
  printf '%-15s %9s %11s %8s  %s\n' "$name" "${size_mb[$name]}" "${healthy_after[$name]:-failed}" \
    "${stop_seconds[$name]:--}" "${digest[$name]:-}"
done
printf 'build %d s, checks %d s, total %d s\n' "$build_seconds" "$check_seconds" $((SECONDS - started))
if [ "${#failures[@]}" -gt 0 ]; then
  printf '\n%d check(s) failed:\n' "${#failures[@]}" >&2
  printf '  %s\n' "${failures[@]}" >&2
  exit 1
fi
printf 'all image checks passed\n'
