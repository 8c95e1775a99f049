#!/usr/bin/env bash
# Checks the monitoring stack's configuration without starting it: Prometheus config and rules, the rules' unit
# tests, Alertmanager config, docker-compose.yml, Loki/Promtail YAML, Grafana provisioning and dashboards, and that
# every metric used exists. Exit status 0 only when everything passes. Usage: monitoring/check.sh
#
# needs: prometheus prometheus-alertmanager python3 python3-yaml python3-jmespath
#   (Debian/Ubuntu: apt-get install --no-install-recommends prometheus prometheus-alertmanager python3 python3-yaml python3-jmespath;
#    prometheus ships promtool, prometheus-alertmanager ships amtool)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

missing=()
command -v promtool >/dev/null 2>&1 || missing+=("promtool (apt package: prometheus)")
command -v amtool >/dev/null 2>&1 || missing+=("amtool (apt package: prometheus-alertmanager)")
if ! command -v python3 >/dev/null 2>&1; then
    missing+=("python3 (apt package: python3)")
elif ! python3 -c 'import sys' >/dev/null 2>&1; then
    missing+=("a working python3 (apt package: python3)")
elif ! python3 -c 'import yaml' >/dev/null 2>&1; then
    missing+=("the yaml module of python3 (apt package: python3-yaml)")
fi
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import jmespath' >/dev/null 2>&1; then
    missing+=("the jmespath module of python3 (apt package: python3-jmespath)")
fi
if ((${#missing[@]} > 0)); then
    echo "check.sh: missing tools:" >&2
    printf '  - %s\n' "${missing[@]}" >&2
    exit 2
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

failures=0
# run_step NAME COMMAND...: runs the command, prints its output only when it fails.
run_step() {
    local name="$1"
    shift
    if "$@" >"$tmp/step.log" 2>&1; then
        printf 'ok    %s\n' "$name"
    else
        printf 'FAIL  %s\n' "$name"
        sed 's/^/      /' "$tmp/step.log"
        failures=$((failures + 1))
    fi
}

# promtool check config also checks that credentials files exist. prometheus.yml names the paths the containers
# see (/run/secrets/...), so a copy is checked with those paths pointed at empty placeholder files.
check_prometheus_config() {
    cp -R prometheus "$tmp/prometheus"
    mkdir -p "$tmp/secrets"
    local file
    while IFS= read -r file; do
        : >"$tmp/secrets/$(basename "$file")"
    done < <(grep -o '/run/secrets/[A-Za-z0-9_.-]*' prometheus/prometheus.yml | sort -u)
    sed -i "s#/run/secrets/#$tmp/secrets/#g" "$tmp/prometheus/prometheus.yml"
    promtool check config "$tmp/prometheus/prometheus.yml"
}

run_step "promtool check config prometheus/prometheus.yml" check_prometheus_config
run_step "promtool check rules prometheus/rules/*.yml" promtool check rules prometheus/rules/*.yml
run_step "promtool test rules prometheus/tests/*.yml" promtool test rules prometheus/tests/*.yml
run_step "amtool check-config alertmanager/alertmanager.yml" amtool check-config alertmanager/alertmanager.yml
run_step "compose, Loki, Promtail, Grafana, alert annotations, test coverage, metric names" \
    python3 tools/validate.py --dashboard-rules "$tmp/dashboard-queries.yml"
summary="$(grep '^alerts=' "$tmp/step.log" || true)"
run_step "PromQL syntax of the dashboard queries" promtool check rules "$tmp/dashboard-queries.yml"

# summary: alerts=8 recording_rules=.. test_groups=.. alert_cases=.. expr_cases=.. dashboard_panels=.. ...
declare -A n=()
for pair in $summary; do
    n["${pair%%=*}"]="${pair#*=}"
done
echo
if ((failures > 0)); then
    echo "check.sh: $failures check(s) failed"
    exit 1
fi
echo "check.sh: all checks passed: ${n[alerts]:-?} alerts, ${n[recording_rules]:-?} recording rules;" \
    "$((${n[alert_cases]:-0} + ${n[expr_cases]:-0})) rule test cases passed" \
    "(${n[alert_cases]:-?} alert, ${n[expr_cases]:-?} expression, in ${n[test_groups]:-?} test groups);" \
    "${n[dashboard_panels]:-?} dashboard panels with ${n[dashboard_queries]:-?} queries"
