#!/usr/bin/env python3
"""Structural checks of the monitoring stack that promtool and amtool do not cover (run by monitoring/check.sh).

- docker-compose.yml: the six services, pinned image tags, declared named volumes, existing bind-mount sources,
  every ${VARIABLE} listed in .env.example and every listed one used.
- loki/loki.yml, promtail/promtail.yml: valid YAML, 30-day retention, Promtail shipping to Loki, and every level
  extraction reading the level of the control plane's real ECS lines (promtail/ecs-sample.jsonl).
- Grafana: provisioning YAML, dashboards JSON (unique uids and panel ids, known data sources, a query per target).
- Alert rules: severity, summary, description and a runbook_url whose anchor exists in docs/operations.md; every
  alert has a unit test where it fires and one where it stays quiet.
- Every metric name used by a rule or a dashboard query is in exported-metrics.txt or is a recording rule.
- Writes every Prometheus query of the dashboards into a rule file (--dashboard-rules) so that promtool can check
  their syntax.

Needs python3, PyYAML and jmespath (Debian: python3-yaml python3-jmespath). Exit status 1 on any problem.
"""

import argparse
import glob
import json
import os
import re
import sys

import jmespath
import yaml

SEVERITIES = {"critical", "warning", "info"}
SERVICES = {"prometheus", "alertmanager", "grafana", "loki", "promtail", "node-exporter"}
PROMQL_KEYWORDS = {
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset",
    "inf", "nan",
}
# Values for Grafana's variables when a dashboard query is checked as PromQL.
GRAFANA_VARIABLES = {
    "__range": "1h", "__interval": "1m", "__rate_interval": "1m", "tier": ".*", "node_id": "node-x",
    "instance": "host:9100",
}


class Problems:
    def __init__(self):
        self.items = []

    def add(self, where, message):
        self.items.append(f"{where}: {message}")


def load_yaml(path, problems):
    try:
        with open(path, encoding="utf-8") as f:
            return yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        problems.add(path, f"not valid YAML: {e}")
        return None


def github_anchor(heading):
    """The anchor GitHub gives a Markdown heading."""
    slug = heading.strip().lower()
    slug = re.sub(r"[^\w\- ]", "", slug)
    return slug.replace(" ", "-")


def metric_names(expr):
    """Metric names in a PromQL expression (identifiers that are not functions, keywords or label names)."""
    s = re.sub(r'"(?:\\.|[^"\\])*"', '""', expr)
    s = re.sub(r"'(?:\\.|[^'\\])*'", "''", s)
    s = re.sub(r"`[^`]*`", "``", s)
    s = re.sub(r"\{[^}]*\}", " ", s)
    s = re.sub(r"\[[^\]]*\]", " ", s)
    s = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", s)
    s = re.sub(r"\$\{?\w+\}?", " ", s)
    names = set()
    for m in re.finditer(r"(?<![\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])", s):
        name = m.group(1)
        rest = s[m.end():].lstrip()
        if rest.startswith("(") or name.lower() in PROMQL_KEYWORDS:
            continue
        names.add(name)
    return names


def grafana_query_to_promql(query):
    """A dashboard or variable query as plain PromQL (variables substituted; label_values(m, l) -> m)."""
    m = re.fullmatch(r"\s*label_values\((.*),\s*\w+\s*\)\s*", query, re.S)
    if m:
        query = m.group(1)
    elif re.fullmatch(r"\s*label_values\(\s*\w+\s*\)\s*", query):
        return None
    return re.sub(r"\$\{?(\w+)\}?", lambda v: GRAFANA_VARIABLES.get(v.group(1), "x"), query)


def check_compose(root, problems):
    path = os.path.join(root, "docker-compose.yml")
    compose = load_yaml(path, problems)
    if not isinstance(compose, dict):
        return
    services = compose.get("services") or {}
    missing = SERVICES - set(services)
    if missing:
        problems.add(path, f"services missing: {sorted(missing)}")
    declared_volumes = set((compose.get("volumes") or {}).keys())
    for name, svc in services.items():
        image = svc.get("image", "")
        tag = image.rsplit(":", 1)[1] if ":" in image.split("/")[-1] else ""
        if not tag or tag == "latest":
            problems.add(path, f"service {name}: image {image!r} must have a pinned tag")
        for volume in svc.get("volumes") or []:
            source = volume.split(":", 1)[0]
            if source.startswith(("./", "../")):
                if not os.path.exists(os.path.join(root, source)):
                    problems.add(path, f"service {name}: bind-mount source {source} does not exist")
            elif not source.startswith("/") and source not in declared_volumes:
                problems.add(path, f"service {name}: named volume {source} is not declared under volumes:")
    with open(path, encoding="utf-8") as f:
        used = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", f.read()))
    env_path = os.path.join(root, ".env.example")
    try:
        with open(env_path, encoding="utf-8") as f:
            listed = set(re.findall(r"^([A-Za-z_][A-Za-z0-9_]*)=", f.read(), re.M))
    except OSError:
        problems.add(env_path, "missing")
        return
    for var in sorted(used - listed):
        problems.add(env_path, f"{var} is used by docker-compose.yml but not listed")
    for var in sorted(listed - used):
        problems.add(env_path, f"{var} is listed but docker-compose.yml does not use it")


def check_loki_promtail(root, problems):
    path = os.path.join(root, "loki", "loki.yml")
    loki = load_yaml(path, problems)
    if isinstance(loki, dict):
        compactor = loki.get("compactor") or {}
        limits = loki.get("limits_config") or {}
        if compactor.get("retention_enabled") is not True:
            problems.add(path, "compactor.retention_enabled must be true")
        if not compactor.get("delete_request_store"):
            problems.add(path, "compactor.delete_request_store is required with retention (Loki 3)")
        if limits.get("retention_period") != "720h":
            problems.add(path, "limits_config.retention_period must be 720h (30 days)")
        if not (loki.get("schema_config") or {}).get("configs"):
            problems.add(path, "schema_config.configs missing")
    path = os.path.join(root, "promtail", "promtail.yml")
    promtail = load_yaml(path, problems)
    if isinstance(promtail, dict):
        urls = [c.get("url", "") for c in promtail.get("clients") or []]
        if not any(u.startswith("http://loki:3100/") for u in urls):
            problems.add(path, "no client pushes to http://loki:3100")
        jobs = promtail.get("scrape_configs") or []
        if not any("docker_sd_configs" in j for j in jobs):
            problems.add(path, "no docker_sd_configs job for container logs")
        paths = [sc.get("labels", {}).get("__path__", "") for j in jobs for sc in j.get("static_configs") or []]
        if not any(p.startswith("/var/log/") for p in paths):
            problems.add(path, "/var/log is not scraped")
        check_promtail_levels(root, path, jobs, problems)


def json_stages(stages):
    """Every json stage of a pipeline, also those nested in match stages."""
    for stage in stages or []:
        if "json" in stage:
            yield stage["json"]
        if "match" in stage:
            yield from json_stages(stage["match"].get("stages"))


def check_promtail_levels(root, path, jobs, problems):
    """Each json stage's level expression (JMESPath, as Promtail evaluates it) reads the level of the control
    plane's real ECS log lines (promtail/ecs-sample.jsonl, written by its production profile)."""
    sample_path = os.path.join(root, "promtail", "ecs-sample.jsonl")
    with open(sample_path, encoding="utf-8") as f:
        lines = [json.loads(line) for line in f if line.strip()]
    expected = [line["log"]["level"] for line in lines]
    checked = 0
    for job in jobs:
        for stage in json_stages(job.get("pipeline_stages")):
            expression = (stage.get("expressions") or {}).get("level")
            if expression is None:
                continue
            checked += 1
            got = [jmespath.search(expression, line) for line in lines]
            if got != expected:
                problems.add(path, f"job {job.get('job_name')}: level expression {expression!r} reads {got} "
                                   f"from {sample_path}, expected {expected}")
    if checked == 0:
        problems.add(path, "no json stage extracts the level")


def check_grafana(root, problems):
    """Returns (datasource uid -> type, [(where, promql)], number of panels)."""
    ds_path = os.path.join(root, "grafana", "provisioning", "datasources", "datasources.yml")
    ds = load_yaml(ds_path, problems) or {}
    sources = {d.get("uid"): d.get("type") for d in ds.get("datasources") or []}
    if set(sources.values()) != {"prometheus", "loki"}:
        problems.add(ds_path, "expected one Prometheus and one Loki data source")
    prov_path = os.path.join(root, "grafana", "provisioning", "dashboards", "dashboards.yml")
    prov = load_yaml(prov_path, problems) or {}
    paths = [p.get("options", {}).get("path") for p in prov.get("providers") or []]
    if "/etc/grafana/dashboards" not in paths:
        problems.add(prov_path, "no provider reads /etc/grafana/dashboards (the mount in docker-compose.yml)")

    queries, uids, panel_count = [], set(), 0
    files = sorted(glob.glob(os.path.join(root, "grafana", "dashboards", "*.json")))
    expected = {"network-overview.json", "node-details.json", "updates-deployments.json"}
    if not expected <= {os.path.basename(f) for f in files}:
        problems.add("grafana/dashboards", f"expected {sorted(expected)}")
    for path in files:
        name = os.path.relpath(path, root)
        try:
            with open(path, encoding="utf-8") as f:
                dash = json.load(f)
        except (OSError, ValueError) as e:
            problems.add(name, f"not valid JSON: {e}")
            continue
        for key in ("uid", "title", "panels", "schemaVersion"):
            if key not in dash:
                problems.add(name, f"missing {key}")
        if dash.get("uid") in uids:
            problems.add(name, f"uid {dash.get('uid')} used twice")
        uids.add(dash.get("uid"))
        for var in (dash.get("templating") or {}).get("list") or []:
            if var.get("type") == "query":
                q = var.get("query")
                q = q.get("query") if isinstance(q, dict) else q
                promql = grafana_query_to_promql(q or "")
                if promql:
                    queries.append((f"{name} variable {var.get('name')}", promql))
        ids = set()
        for panel in dash.get("panels") or []:
            panel_count += panel.get("type") != "row"
            where = f"{name} panel {panel.get('id')} {panel.get('title')!r}"
            if panel.get("id") in ids:
                problems.add(where, "duplicate panel id")
            ids.add(panel.get("id"))
            grid = panel.get("gridPos") or {}
            if not all(isinstance(grid.get(k), int) for k in ("h", "w", "x", "y")) or grid["x"] + grid["w"] > 24:
                problems.add(where, "bad gridPos")
            if panel.get("type") == "row":
                continue
            targets = panel.get("targets") or []
            if not targets:
                problems.add(where, "no query")
            for target in targets:
                uid = (target.get("datasource") or panel.get("datasource") or {}).get("uid")
                if uid not in sources:
                    problems.add(where, f"unknown data source uid {uid!r}")
                    continue
                expr = target.get("expr", "")
                if not expr.strip():
                    problems.add(where, f"target {target.get('refId')} has no expr")
                elif sources[uid] == "prometheus":
                    queries.append((f"{where} {target.get('refId')}", grafana_query_to_promql(expr)))
    return queries, panel_count


def check_rules(root, repo, problems):
    """Returns ([(where, expr)], recording names, alert names)."""
    exprs, records, alerts = [], set(), []
    anchors = set()
    docs = os.path.join(repo, "docs", "operations.md")
    try:
        with open(docs, encoding="utf-8") as f:
            anchors = {github_anchor(h) for h in re.findall(r"^#+\s+(.*)$", f.read(), re.M)}
    except OSError:
        problems.add(docs, "missing")
    for path in sorted(glob.glob(os.path.join(root, "prometheus", "rules", "*.yml"))):
        name = os.path.relpath(path, root)
        for group in (load_yaml(path, problems) or {}).get("groups") or []:
            for rule in group.get("rules") or []:
                exprs.append((f"{name} {rule.get('record') or rule.get('alert')}", rule.get("expr", "")))
                if "record" in rule:
                    records.add(rule["record"])
                    continue
                alert = rule.get("alert")
                alerts.append(alert)
                where = f"{name} alert {alert}"
                if (rule.get("labels") or {}).get("severity") not in SEVERITIES:
                    problems.add(where, f"severity must be one of {sorted(SEVERITIES)}")
                notes = rule.get("annotations") or {}
                for key in ("summary", "description", "runbook_url"):
                    if not notes.get(key):
                        problems.add(where, f"annotation {key} missing")
                expected_url = f"docs/operations.md#{alert.lower()}"
                if notes.get("runbook_url") != expected_url:
                    problems.add(where, f"runbook_url must be {expected_url}")
                if alert.lower() not in anchors:
                    problems.add(where, f"docs/operations.md has no heading with anchor #{alert.lower()}")
    return exprs, records, alerts


def check_tests(root, alerts, problems):
    """Every alert fires in one test and stays quiet in another. Returns (groups, alert cases, expr cases)."""
    fires, quiet = set(), set()
    groups = alert_cases = expr_cases = 0
    for path in sorted(glob.glob(os.path.join(root, "prometheus", "tests", "*.yml"))):
        for test in (load_yaml(path, problems) or {}).get("tests") or []:
            groups += 1
            for case in test.get("alert_rule_test") or []:
                alert_cases += 1
                (fires if case.get("exp_alerts") else quiet).add(case.get("alertname"))
            expr_cases += len(test.get("promql_expr_test") or [])
    for alert in alerts:
        if alert not in fires:
            problems.add("prometheus/tests", f"no test where {alert} fires")
        if alert not in quiet:
            problems.add("prometheus/tests", f"no test where {alert} stays quiet")
    return groups, alert_cases, expr_cases


def check_metrics(root, exprs, records, problems):
    path = os.path.join(root, "exported-metrics.txt")
    try:
        with open(path, encoding="utf-8") as f:
            allowed = {line.split("#", 1)[0].strip() for line in f} - {""}
    except OSError:
        problems.add(path, "missing")
        return 0
    used = set()
    for where, expr in exprs:
        for name in metric_names(expr):
            used.add(name)
            if name not in allowed and name not in records:
                problems.add(where, f"metric {name} is not in exported-metrics.txt (and is no recording rule)")
    return len(used)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dashboard-rules", help="write the dashboards' PromQL as a rule file here")
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    repo = os.path.dirname(root)
    problems = Problems()

    check_compose(root, problems)
    check_loki_promtail(root, problems)
    dashboard_queries, panels = check_grafana(root, problems)
    rule_exprs, records, alerts = check_rules(root, repo, problems)
    groups, alert_cases, expr_cases = check_tests(root, alerts, problems)
    metrics = check_metrics(root, rule_exprs + dashboard_queries, records, problems)

    if args.dashboard_rules:
        rules = [{"record": f"dashboard_query_{i}", "expr": q} for i, (_, q) in enumerate(dashboard_queries)]
        with open(args.dashboard_rules, "w", encoding="utf-8") as f:
            yaml.safe_dump({"groups": [{"name": "dashboard-queries", "rules": rules}]}, f, sort_keys=False)

    for p in problems.items:
        print(f"  {p}", file=sys.stderr)
    print(f"alerts={len(alerts)} recording_rules={len(records)} test_groups={groups} "
          f"alert_cases={alert_cases} expr_cases={expr_cases} dashboard_panels={panels} "
          f"dashboard_queries={len(dashboard_queries)} metric_names={metrics} problems={len(problems.items)}")
    return 1 if problems.items else 0


if __name__ == "__main__":
    sys.exit(main())
