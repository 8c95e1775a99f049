#!/usr/bin/env bash
# Measures the agent's idle footprint (docs/agent.md): starts `noderr-agent run` with the JVM flags of the systemd
# unit (installers/noderr-agent.service), lets it settle, then reads its resident memory and CPU time from /proc.
#   node-agent/scripts/footprint.sh [settle-seconds=60] [measure-seconds=120]
# AGENT_JVM_FLAGS overrides the unit's flags (to try others); NMT=1 also prints the JVM's native memory summary.
# The agent runs its real loop (version checks and health reports every 30 s here) against a control plane address
# where nothing listens, so each check fails fast and is retried: the idle work of a node whose control plane is
# down, which is never less than an idle node's.
set -euo pipefail
cd "$(dirname "$0")/.."
settle=${1:-60}
measure=${2:-120}
jar=target/noderr-agent.jar
[ -f "$jar" ] || { echo "build the agent first: ../mvnw -f pom.xml package" >&2; exit 2; }
flags=${AGENT_JVM_FLAGS:-$(sed -n 's|^ExecStart=/usr/bin/env java \(.*\) -jar .*|\1|p' ../installers/noderr-agent.service)}
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
cat >"$work/agent.properties" <<PROPS
control-plane-url=http://127.0.0.1:9
node-id=node-footprint
tier=ALL
key-type=SOFTWARE
key-path=$work/key.pem
state-dir=$work/state
docker-host=unix://$work/no-docker.sock
check-interval=PT30S
jitter=PT1S
metrics-port=0
PROPS
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/key.pem" 2>/dev/null
[ -z "${NMT:-}" ] || flags="$flags -XX:NativeMemoryTracking=summary"
export MALLOC_ARENA_MAX=2
# shellcheck disable=SC2086
java $flags -jar "$jar" run --config "$work/agent.properties" >"$work/agent.log" 2>&1 &
pid=$!
sleep "$settle"
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
before=$(ticks)
sleep "$measure"
after=$(ticks)
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
cpu=$(awk -v t=$((after - before)) -v hz="$hz" -v s="$measure" 'BEGIN {printf "%.3f", 100 * t / hz / s}')
echo "JVM flags: $flags"
echo "idle RSS: $((rss_kb / 1024)) MB (target <= 48 MB)"
[ -z "${NMT:-}" ] || jcmd "$pid" VM.native_memory summary | grep -E "^(Total|-)"
echo "idle CPU: ${cpu} % of one core over ${measure} s (target <= 0.5 %)"
