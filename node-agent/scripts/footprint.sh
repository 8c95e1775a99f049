#!/usr/bin/env bash
# Measures the agent's idle footprint (docs/agent.md, "Footprint"): starts `noderr-agent run` with the JVM flags of
# the systemd unit (installers/noderr-agent.service), lets it settle, then reads its resident memory (VmRSS) and CPU
# time from /proc.
#   node-agent/scripts/footprint.sh [settle-seconds=60] [measure-seconds=120]
# The agent runs its real loop with version checks and health reports every 30 s (the default is 5 min) and its
# metrics endpoint, scraped every 15 s as Prometheus would.
#   default:  against a control plane address where nothing listens and no Docker engine: every check fails fast
#             and is retried (needs only the agent's jar).
#   REAL=1:   against a real control plane (../target/noderr-control-plane-*.jar, built first; anvil from
#             ../contracts/node_modules or NODERR_BEACON_ANVIL) with the node registered through an install token,
#             and a real dockerd (own data root and socket) running a busybox node container with a health check:
#             the idle work of a healthy node. Needs root, docker.io and busybox-static (./test installs them).
# AGENT_JVM_FLAGS overrides the unit's flags (to try others); NMT=1 also prints the JVM's native memory summary.
# JAVA is the command that runs the agent's JVM (default: java on the PATH), e.g. another JDK's bin/java.
# PAGEOUT=1 measures the idle working set: after settling, every file-backed page of the agent is paged out from
# outside (process_madvise MADV_PAGEOUT, Linux >= 5.10, root), so the figure after the measuring period holds only
# what the idle work touched again; anonymous and file-backed parts are printed too.
set -euo pipefail
cd "$(dirname "$0")/.."
settle=${1:-60}
measure=${2:-120}
jar=$PWD/target/noderr-agent.jar
[ -f "$jar" ] || { echo "build the agent first: ../mvnw -f pom.xml package" >&2; exit 2; }
flags=${AGENT_JVM_FLAGS:-$(sed -n 's|^ExecStart=/usr/bin/env java \(.*\) -jar .*|\1|p' ../installers/noderr-agent.service)}
environment=$(sed -n 's|^Environment=||p' ../installers/noderr-agent.service)
work=$(mktemp -d /tmp/noderr-footprint.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { # a port nothing on 127.0.0.1 listens on
    local port
    while :; do
        port=$((20000 + RANDOM % 40000))
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
    done
}

wait_for() { # wait_for <seconds> <log> <command...>: until the command succeeds; else the log's tail and exit 1
    local deadline=$((SECONDS + $1)) log=$2
    shift 2
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || { echo "timed out; $log ends:" >&2; tail -20 "$log" >&2; exit 1; }
        sleep 1
    done
}

metrics_port=$(free_port)
if [ -z "${REAL:-}" ]; then
    mode="control plane unreachable, no Docker"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/key.pem" 2>/dev/null
    cat >"$work/agent.properties" <<PROPS
control-plane-url=http://127.0.0.1:9
node-id=node-footprint
tier=ALL
key-type=SOFTWARE
key-path=$work/key.pem
state-dir=$work/state
docker-host=unix://$work/no-docker.sock
PROPS
else
    mode="real control plane and dockerd, healthy node container"
    cp_jar=$(find "$PWD/../target" -maxdepth 1 -name 'noderr-control-plane-*.jar' 2>/dev/null | head -1)
    [ -n "$cp_jar" ] || { echo "REAL=1 needs the control plane's jar: ./mvnw -DskipTests package" >&2; exit 2; }
    anvil=${NODERR_BEACON_ANVIL:-$PWD/../contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil}
    # Docker: its own engine, a node image from busybox with a health check, and the node container.
    docker_host=unix://$work/docker.sock
    dockerd --storage-driver=overlay2 --iptables=false --ip-forward=false --ip-masq=false \
        --data-root="$work/docker-data" --exec-root="$work/docker-exec" --pidfile="$work/dockerd.pid" \
        -H "$docker_host" >"$work/dockerd.log" 2>&1 &
    pids+=($!)
    wait_for 60 "$work/dockerd.log" docker -H "$docker_host" info
    mkdir "$work/image"
    cp /usr/bin/busybox "$work/image/busybox"
    cat >"$work/image/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN mkdir -p /www && echo ok > /www/health
LABEL org.opencontainers.image.version=1.0.0
HEALTHCHECK --interval=30s --timeout=5s CMD wget -q -O /dev/null http://127.0.0.1:8080/health || exit 1
CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]
DOCKERFILE
    docker -H "$docker_host" build -q -t noderr/footprint-node:1.0.0 "$work/image" >"$work/build.log" 2>&1 \
        || { cat "$work/build.log" >&2; exit 1; }
    docker -H "$docker_host" run -d --name noderr-node --restart unless-stopped noderr/footprint-node:1.0.0 \
        >>"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
    # The control plane on its embedded defaults (PostgreSQL and a local chain under $work).
    cp_port=$(free_port)
    admin_token=ndr_footprint_admin_token_0123456789abcdefghijk
    (cd "$work" && exec env PORT="$cp_port" NODERR_DATA_DIR="$work/cp-data" NODERR_ADMIN_API_TOKEN="$admin_token" \
        NODERR_ADMIN_PASSWORD=footprint-admin-password \
        NODERR_ALERTS_WEBHOOK_SECRET=footprint-webhook-secret-0123456789 \
        NODERR_BEACON_ANVIL="$anvil" NODERR_BEACON_EMBEDDED_PORT="$(free_port)" \
        java -jar "$cp_jar" >"$work/control-plane.log" 2>&1) &
    pids+=($!)
    cp_url=http://127.0.0.1:$cp_port
    wait_for 180 "$work/control-plane.log" curl -fs "$cp_url/api/v1/health-check"
    application=$(curl -fs -H 'Content-Type: application/json' "$cp_url/api/v1/applications" -d '{"operatorName":
        "Footprint","email":"footprint@example.org","walletAddress":"0xcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
        "requestedTier":"ALL","hardware":{"cpuCores":32,"memoryGb":128,"diskGb":4000,"networkMbps":10000,"gpu":true}}' \
        | sed -n 's/.*"applicationId":"\([^"]*\)".*/\1/p')
    install_token=$(curl -fs -X POST -H "Authorization: Bearer $admin_token" -H 'Content-Type: application/json' \
        -d '{}' "$cp_url/api/v1/admin/applications/$application/approve" \
        | sed -n 's/.*"installToken":"\([^"]*\)".*/\1/p')
    NODERR_INSTALL_TOKEN=$install_token java -jar "$jar" register --url "$cp_url" --config "$work/agent.properties" \
        --key-path "$work/key.pem" --state-dir "$work/state" >"$work/register.log" 2>&1 \
        || { cat "$work/register.log" >&2; exit 1; }
    echo "docker-host=$docker_host" >>"$work/agent.properties"
fi
cat >>"$work/agent.properties" <<PROPS
check-interval=PT30S
jitter=PT1S
metrics-port=$metrics_port
PROPS
[ -z "${NMT:-}" ] || flags="$flags -XX:NativeMemoryTracking=summary"
# shellcheck disable=SC2086 # the unit's Environment= and flags are word lists
env $environment ${JAVA:-java} $flags -jar "$jar" run --config "$work/agent.properties" >"$work/agent.log" 2>&1 &
pid=$!
pids+=("$pid")
(while sleep 15; do curl -s -o /dev/null "http://127.0.0.1:$metrics_port/metrics" || true; done) &
pids+=($!)
sleep "$settle"
kill -0 "$pid" 2>/dev/null || { cat "$work/agent.log" >&2; exit 1; }
if [ -n "${PAGEOUT:-}" ]; then
    echo "before paging out: $(awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status") MB"
    python3 - "$pid" <<'PAGEOUT_PY'
import ctypes, sys
SYS_PIDFD_OPEN, SYS_PROCESS_MADVISE, MADV_PAGEOUT = 434, 440, 21  # x86_64
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
class Iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
pid = int(sys.argv[1])
pidfd = libc.syscall(ctypes.c_long(SYS_PIDFD_OPEN), ctypes.c_long(pid), ctypes.c_long(0))
if pidfd < 0:
    sys.exit("pidfd_open failed: errno %d" % ctypes.get_errno())
paged = 0
with open("/proc/%d/maps" % pid) as maps:
    for line in maps:
        fields = line.split()
        if len(fields) < 6 or not fields[5].startswith("/"):
            continue  # anonymous memory: without swap it cannot be paged out
        start, end = (int(x, 16) for x in fields[0].split("-"))
        iov = Iovec(start, end - start)
        done = libc.syscall(ctypes.c_long(SYS_PROCESS_MADVISE), ctypes.c_long(pidfd), ctypes.byref(iov),
                            ctypes.c_long(1), ctypes.c_long(MADV_PAGEOUT), ctypes.c_long(0))
        paged += max(done, 0)
print("paged out %d MB of file-backed mappings" % (paged >> 20))
PAGEOUT_PY
    echo "after paging out: $(awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status") MB"
fi
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
before=$(ticks)
sleep "$measure"
after=$(ticks)
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
cpu=$(awk -v t=$((after - before)) -v hz="$hz" -v s="$measure" 'BEGIN {printf "%.3f", 100 * t / hz / s}')
echo "mode: $mode"
echo "JVM flags: $flags ($environment)"
echo "idle RSS: $((rss_kb / 1024)) MB (target <= 48 MB)"
awk '/RssAnon|RssFile/ {printf "  %s %d MB\n", $1, $2 / 1024}' "/proc/$pid/status"
[ -z "${NMT:-}" ] || jcmd "$pid" VM.native_memory summary | grep -E "^(Total|-)"
echo "idle CPU: ${cpu} % of one core over ${measure} s (target <= 0.5 %)"
if [ -n "${VERBOSE:-}" ]; then
    echo "--- agent log (last 5 lines)"
    tail -5 "$work/agent.log"
fi
