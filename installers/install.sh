#!/usr/bin/env bash
# Noderr node installer (Linux).
#
#   sudo ./install.sh --url <control plane URL> [options]          (asks for the install token without echo)
#   sudo ./install.sh --token-file <file> --url <control plane URL> [options]
#   curl -fsSL https://<control-plane>/install.sh | sudo bash -s -- --url https://<control-plane>
#
# Checks that the control plane answers, the machine against its tier's minimums, creates the node's ECDSA P-256 key
# (in the TPM 2.0 when there is one), registers the node with the control plane using the single-use install token,
# proves the key works (challenge/verify), writes the agent's configuration, installs the agent as a systemd service
# and the noderr-agent command (status, check, rollback, retry). A run that fails before the registration request
# removes what it created.
# Re-running is safe: an existing key and node id are kept. --rotate-key replaces the key of an installed node.
# See docs/operators.md.
set -euo pipefail

readonly SERVICE_NAME=noderr-agent.service
readonly NODERR_USER=noderr
readonly NODERR_UID=1001
# systemd's default PATH for services: the java it finds there is the one "/usr/bin/env java" in the unit runs.
readonly SYSTEMD_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# The TPM primary key's template; noderr-sign.sh uses the same one. Keep both in step.
readonly TPM_PRIMARY_ARGS=(-C o -g sha256 -G ecc256
    -a 'restricted|decrypt|fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda')

OPT_TOKEN=${NODERR_INSTALL_TOKEN:-}
OPT_TOKEN_FROM=${NODERR_INSTALL_TOKEN:+NODERR_INSTALL_TOKEN}
OPT_TOKEN_ARG=0
OPT_TOKEN_FILE=""
OPT_URL=""
OPT_TIER=""
OPT_YES=0
OPT_FORCE=0
OPT_UNINSTALL=0
OPT_PREFIX=""
OPT_AGENT_JAR=""
OPT_AGENT_SHA256=""
OPT_INSECURE_HTTP=0
OPT_KEY_TYPE=auto
OPT_DRY_RUN=0
OPT_CA_FILE=""
OPT_ROTATE=0
OPT_URL_GIVEN=0

CONFIG_DIR="" STATE_DIR="" AGENT_DIR="" UNIT_PATH="" WORK_DIR=""
KEY_TYPE="" KEY_PATH="" KEY_PUB_B64="" TPM_TCTI="" SIGN_HELPER=""
NODE_ID="" NODE_TIER="" CA_FILE_FOR_CONFIG="" AGENT_READY=0 AGENT_FILE="" AGENT_FROM=""
JAVA_BIN="" JAVA_PROBLEM="" DOCKER_PROBLEM=""
CA_FILE="" CA_INSTALLED="" CA_ACTION=""
API_NOTE="" ACCESS_TOKEN="" NONCE=""
HW_CPU=0 HW_MEM_GB=0 HW_DISK_GB=0 HW_DISK_AT="" HW_GPU=false
DOCKER_ENDPOINT="" PREFLIGHT_TIER="" RECORDED_ID="" RECORDED_TIER=""
# What this run created (the top-most new directories, the system user), removed again when it fails before the
# registration request was sent; once it was, the key must stay (the control plane may have registered it).
CREATED_PATHS=() CREATED_USER=0 REGISTER_SENT=0

# ---------------------------------------------------------------------------------------------------- output

say() { printf '%s\n' "$*"; }
step() { printf '\n==> %s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
err() { printf 'ERROR: %s\n' "$*" >&2; }
die() {
    err "$1"
    shift
    local line
    for line in "$@"; do printf '       %s\n' "$line" >&2; done
    exit 1
}

# input_error MESSAGE [LINE...]: a missing or wrong input that the usage text would not explain; exit code 2.
input_error() {
    err "$1"
    shift
    local line
    for line in "$@"; do printf '       %s\n' "$line" >&2; done
    exit 2
}

usage() {
    cat <<'EOF'
Usage: install.sh --url <control plane URL> [--token-file FILE] [options]
       install.sh --rotate-key [--key-type TYPE] [--ca-file FILE] [--prefix DIR] [--yes]
       install.sh --uninstall [--prefix DIR] [--yes]

Installs the Noderr node agent: preflight checks, node key (TPM 2.0 or software), registration with the
control plane, agent configuration, the noderr-agent systemd service and the noderr-agent command.

The single-use install token from your approval is asked for on the terminal (not shown while typed), or read
from --token-file FILE or the environment variable NODERR_INSTALL_TOKEN. It is not needed when re-running on an
already registered node.

Options:
  --url URL         the control plane's address, e.g. https://control.noderr.network
  --token-file FILE read the install token from FILE (e.g. a file only root can read; delete it afterwards)
  --token TOKEN     the install token as an argument: visible to every local user (ps, /proc) while the
                    installer runs and kept in the shell history; prefer the prompt or --token-file
  --tier TIER       ALL, ORACLE or GUARDIAN; default: the tier the install token was issued for
  --key-type TYPE   tpm, software or auto (default: auto = TPM 2.0 when usable, else software)
  --agent-jar PATH  install this agent jar instead of downloading <url>/downloads/noderr-agent.jar
  --agent-sha256 HEX  the agent jar's SHA-256 from a source other than the control plane (the release notes):
                    the jar installed must match it. A downloaded jar must always match the SHA-256 the
                    control plane publishes (<url>/downloads/noderr-agent.jar.sha256).
  --ca-file FILE    trust the CA certificate(s) in FILE (PEM) for the control plane, whose TLS certificate comes
                    from a private CA: used by this installer and, copied to <config>/control-plane-ca.pem,
                    by the agent (ca-file= in agent.properties). Kept on re-runs; --ca-file none removes it
  --insecure-http   allow a plain http:// control plane that is not on this machine (test networks only:
                    the token and the agent can be read and changed on the way)
  --prefix DIR      sandbox install: everything under DIR, no root, no user, no systemd service
  --yes, -y         do not ask for confirmation (needed when there is no terminal)
  --force           continue when the preflight or the Docker/Java checks fail (prints warnings)
  --rotate-key      replace the node key of an installed node: makes a new key (--key-type, default auto) beside
                    the current one, has the control plane take it (both keys sign), swaps it in, removes the
                    old key and restarts the service. No token; the control plane in agent.properties is used.
                    Run it again if it stopped: it finds out which key the control plane has and finishes or
                    undoes the rotation. With --ca-file, FILE is trusted for this run only.
  --uninstall       remove the agent, its service, the noderr-agent command, configuration and node key
  --help, -h        show this help

Examples:
  sudo ./install.sh --url https://control.example.org
  curl -fsSL https://control.example.org/install.sh | sudo bash -s -- --url https://control.example.org
  sudo ./install.sh --token-file /root/noderr-token --url https://control.example.org --yes
EOF
}

usage_error() {
    printf 'install.sh: %s\n\n' "$1" >&2
    usage >&2
    exit 2
}

# ---------------------------------------------------------------------------------------------------- arguments

parse_args() {
    while [[ $# -gt 0 ]]; do
        local opt=$1 value="" inline=0
        if [[ "$opt" == --*=* ]]; then
            value=${opt#*=}
            opt=${opt%%=*}
            inline=1
        fi
        case "$opt" in
            --token | --token-file | --url | --tier | --prefix | --agent-jar | --agent-sha256 | --key-type | --ca-file)
                if ((!inline)); then
                    [[ $# -ge 2 ]] || usage_error "$opt needs a value"
                    value=$2
                    shift
                fi
                [[ -n "$value" && "$value" != --* ]] || usage_error "$opt needs a value"
                case "$opt" in
                    --token)
                        OPT_TOKEN=$value
                        OPT_TOKEN_FROM=--token
                        OPT_TOKEN_ARG=1
                        ;;
                    --token-file) OPT_TOKEN_FILE=$value ;;
                    --agent-sha256) OPT_AGENT_SHA256=$value ;;
                    --url)
                        OPT_URL=$value
                        OPT_URL_GIVEN=1
                        ;;
                    --tier) OPT_TIER=$value ;;
                    --prefix) OPT_PREFIX=$value ;;
                    --agent-jar) OPT_AGENT_JAR=$value ;;
                    --key-type) OPT_KEY_TYPE=$value ;;
                    --ca-file) OPT_CA_FILE=$value ;;
                esac
                ;;
            --yes | -y | --force | --uninstall | --rotate-key | --insecure-http | --dry-run | --help | -h)
                ((!inline)) || usage_error "$opt takes no value"
                case "$opt" in
                    --yes | -y) OPT_YES=1 ;;
                    --force) OPT_FORCE=1 ;;
                    --uninstall) OPT_UNINSTALL=1 ;;
                    --rotate-key) OPT_ROTATE=1 ;;
                    --insecure-http) OPT_INSECURE_HTTP=1 ;;
                    --dry-run) OPT_DRY_RUN=1 ;; # stops after preflight and key creation (tests, diagnostics)
                    --help | -h)
                        usage
                        exit 0
                        ;;
                esac
                ;;
            -*) usage_error "unknown argument: $opt" ;;
            *) usage_error "unexpected argument (not shown, in case it is a secret): options start with --" ;;
        esac
        shift
    done

    if ((OPT_ROTATE)); then
        local other
        for other in "$OPT_UNINSTALL:--uninstall" "$OPT_DRY_RUN:--dry-run" "$OPT_TOKEN_ARG:--token" \
            "${OPT_TOKEN_FILE:+1}:--token-file" "${OPT_TIER:+1}:--tier" "${OPT_AGENT_JAR:+1}:--agent-jar" \
            "${OPT_AGENT_SHA256:+1}:--agent-sha256"; do
            [[ "${other%%:*}" != 1 ]] || usage_error "--rotate-key and ${other#*:}: a key rotation takes neither a token nor install options"
        done
        ((!OPT_URL_GIVEN)) ||
            usage_error "--rotate-key uses the control plane in agent.properties: leave --url out (a re-run without --rotate-key changes it)"
        OPT_TOKEN=""
    fi
    if [[ -n "$OPT_TIER" ]]; then
        OPT_TIER=${OPT_TIER^^}
        case "$OPT_TIER" in ALL | ORACLE | GUARDIAN) ;; *) usage_error "--tier must be ALL, ORACLE or GUARDIAN" ;; esac
    fi
    OPT_KEY_TYPE=${OPT_KEY_TYPE,,}
    case "$OPT_KEY_TYPE" in tpm | software | auto) ;; *) usage_error "--key-type must be tpm, software or auto" ;; esac
    if [[ -n "$OPT_URL" ]]; then
        [[ "$OPT_URL" =~ ^https?://[^/[:space:]]+ ]] || usage_error "--url must start with http:// or https://"
        [[ ! "$OPT_URL" =~ ^https?://[^/]*@ ]] || usage_error "--url must not contain a user name or password"
        while [[ "$OPT_URL" == */ ]]; do OPT_URL=${OPT_URL%/}; done
    fi
    if [[ -n "$OPT_TOKEN_FILE" ]]; then
        ((!OPT_TOKEN_ARG)) || usage_error "--token and --token-file: pass only one"
        [[ -f "$OPT_TOKEN_FILE" && -r "$OPT_TOKEN_FILE" ]] || usage_error "--token-file: cannot read $OPT_TOKEN_FILE"
        OPT_TOKEN=$(tr -d '[:space:]' <"$OPT_TOKEN_FILE")
        OPT_TOKEN_FROM="--token-file $OPT_TOKEN_FILE"
        [[ -n "$OPT_TOKEN" ]] || usage_error "--token-file: $OPT_TOKEN_FILE is empty"
    fi
    if [[ -n "$OPT_AGENT_SHA256" ]]; then
        OPT_AGENT_SHA256=${OPT_AGENT_SHA256,,}
        [[ "$OPT_AGENT_SHA256" =~ ^[0-9a-f]{64}$ ]] || usage_error "--agent-sha256 must be 64 hexadecimal digits"
    fi
    if [[ -n "$OPT_PREFIX" ]]; then
        [[ "$OPT_PREFIX" == /* ]] || OPT_PREFIX=$PWD/$OPT_PREFIX
        while [[ "$OPT_PREFIX" == */ ]]; do OPT_PREFIX=${OPT_PREFIX%/}; done
        [[ -n "$OPT_PREFIX" ]] || usage_error "--prefix / is the normal layout: leave --prefix out instead"
    fi
    if [[ -n "$OPT_CA_FILE" && "$OPT_CA_FILE" != none ]]; then
        [[ -f "$OPT_CA_FILE" && -r "$OPT_CA_FILE" ]] || usage_error "--ca-file: cannot read $OPT_CA_FILE"
        [[ "$OPT_CA_FILE" == /* ]] || OPT_CA_FILE=$PWD/$OPT_CA_FILE
    fi
    if [[ -n "$OPT_AGENT_JAR" && ! -f "$OPT_AGENT_JAR" ]]; then
        usage_error "--agent-jar: no such file: $OPT_AGENT_JAR"
    fi
    local var
    for var in NODERR_PREFLIGHT_CPU NODERR_PREFLIGHT_MEM_GB NODERR_PREFLIGHT_DISK_GB; do
        if [[ -n "${!var:-}" && ! "${!var}" =~ ^[0-9]+$ ]]; then
            usage_error "$var must be a whole number (it overrides the detected value)"
        fi
    done
}

set_layout() {
    local root=${OPT_PREFIX:-}
    CONFIG_DIR=$root/etc/noderr
    STATE_DIR=$root/var/lib/noderr
    AGENT_DIR=$root/opt/noderr
    UNIT_PATH=/etc/systemd/system/$SERVICE_NAME
    SIGN_HELPER=$CONFIG_DIR/noderr-sign.sh
    CA_INSTALLED=$CONFIG_DIR/control-plane-ca.pem
}

in_prefix() { [[ -n "$OPT_PREFIX" ]]; }

# Reads the last value of key from a Java properties file written by this installer (key=value lines).
read_prop() {
    [[ -f "$1" ]] || return 0
    sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*//p" "$1" | tail -n 1
}

# True when URL's host is this machine: localhost, 127.0.0.0/8 or [::1].
loopback_url() {
    local host=${1#*://}
    host=${host%%/*}
    if [[ "$host" == \[* ]]; then host=${host%%]*}]; else host=${host%%:*}; fi
    host=${host,,}
    [[ "$host" == localhost || "$host" == "[::1]" || "$host" =~ ^127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]]
}

# Plain http is refused for a control plane elsewhere: the install token and the agent (which runs with Docker,
# that is root, rights) would travel readable and changeable by anyone on the way.
check_url_scheme() {
    [[ "$OPT_URL" == http://* ]] || return 0
    loopback_url "$OPT_URL" && return 0
    if ((OPT_INSECURE_HTTP)); then
        warn "the control plane URL is plain http (allowed by --insecure-http): the install token and the agent"
        warn "can be read and changed by anyone on the network path. Use https outside a test network."
        return 0
    fi
    err "refusing the plain http control plane URL $OPT_URL."
    printf '       %s\n' "Over http the install token and the agent jar (which runs with Docker, that is root, rights) can be" \
        "read and replaced by anyone on the network path. Use the control plane's https:// address, or pass" \
        "--insecure-http to accept this risk in a test network." >&2
    exit 2
}

TOKEN_HOWTO="Pass it with --token-file FILE (a file only root can read; delete it afterwards) or the environment variable NODERR_INSTALL_TOKEN, or run the installer on a terminal to be asked for it."

# True when a terminal is there to ask on.
have_tty() { { exec 3<>/dev/tty; } 2>/dev/null && exec 3<&-; }

# Asks for the install token on the terminal, without echo (it never is an argument of any command).
prompt_token() {
    local token=""
    if ! { exec 3<>/dev/tty; } 2>/dev/null; then
        input_error "missing install token (there is no terminal to ask for it on)." "$TOKEN_HOWTO"
    fi
    printf 'Install token (from your approval; not shown while typed): ' >&3
    IFS= read -rs token <&3 || true
    printf '\n' >&3
    exec 3<&-
    OPT_TOKEN=${token//[[:space:]]/}
    OPT_TOKEN_FROM="the prompt"
    [[ -n "$OPT_TOKEN" ]] || input_error "no install token was entered: nothing was changed." \
        "Paste the install token the network admins sent you (it starts with nit_) at the prompt, or: $TOKEN_HOWTO"
    check_token_format
}

# Install tokens are nit_ followed by base64url characters (InstallTokens on the control plane): anything else is
# refused here, before a key is made, without showing it (it may be another secret pasted by mistake).
check_token_format() {
    [[ ! "$OPT_TOKEN" =~ ^nit_[A-Za-z0-9_-]+$ ]] || return 0
    local why="it does not start with nit_"
    if [[ "$OPT_TOKEN" == nit_* ]]; then why="it has characters an install token never has"; fi
    input_error "the install token from $OPT_TOKEN_FROM is not an install token: $why (not shown): nothing was changed." \
        "An install token is nit_ followed by 43 letters, digits, - and _, as the network admins sent it. Copy the" \
        "whole token (not the install command around it), then run the installer again."
}

# The arguments a fresh install needs; a registered node (re-run) needs neither token nor URL. A token given is
# checked here (its form; the control plane checks the rest); a missing one is asked for after the control plane
# answered (resolve_token), unless there is no terminal to ask on.
check_install_args() {
    local recorded_url
    RECORDED_ID=$(read_prop "$CONFIG_DIR/agent.properties" node-id)
    RECORDED_TIER=$(read_prop "$CONFIG_DIR/agent.properties" tier)
    case "$RECORDED_TIER" in ALL | ORACLE | GUARDIAN) ;; *) RECORDED_TIER="" ;; esac
    recorded_url=$(read_prop "$CONFIG_DIR/agent.properties" control-plane-url)
    if [[ -z "$OPT_URL" ]]; then
        [[ -n "$recorded_url" ]] || usage_error "missing --url <control plane URL>"
        OPT_URL=$recorded_url
    fi
    check_url_scheme
    [[ -z "$RECORDED_ID" ]] || return 0
    if [[ -n "$OPT_TOKEN" ]]; then
        check_token_format
    elif ((!OPT_DRY_RUN)) && ! have_tty; then
        input_error "missing install token (there is no terminal to ask for it on): nothing was changed." "$TOKEN_HOWTO"
    fi
}

# After the control plane answered: a fresh install asks for a token not given yet; a registered node does not use
# one, and says so (the token stays valid for another node).
resolve_token() {
    if [[ -n "$RECORDED_ID" ]]; then
        if [[ -n "$OPT_TOKEN" ]]; then
            say "The install token from $OPT_TOKEN_FROM was not used: this machine is already registered as $RECORDED_ID."
            say "If it has not registered a node yet, it stays valid until it expires: keep it for another node, or ask" \
                "the network admins to revoke it."
        fi
        OPT_TOKEN=""
        return 0
    fi
    if [[ -z "$OPT_TOKEN" ]] && ((!OPT_DRY_RUN)); then prompt_token; fi
}

require_root() {
    [[ "$(id -u)" -eq 0 ]] || die "this must run as root (use sudo)." \
        "For a sandbox install without root, pass --prefix DIR (no user, no systemd service)."
}

check_tools() {
    local tool missing=()
    for tool in curl openssl base64 sed awk df; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
    ((${#missing[@]} == 0)) || die "missing tools: ${missing[*]}" \
        "Debian/Ubuntu: sudo apt-get install curl openssl coreutils sed gawk"
}

# ---------------------------------------------------------------------------------------------------- preflight

tier_minimums() { # TIER -> "cpu mem disk net"
    case "$1" in
        ALL) echo "2 4 20 10" ;;
        ORACLE) echo "4 8 50 25" ;;
        GUARDIAN) echo "8 16 100 50" ;;
    esac
}

existing_ancestor() {
    local dir=$1
    while [[ ! -d "$dir" ]]; do dir=$(dirname "$dir"); done
    printf '%s\n' "$dir"
}

detect_hardware() {
    local mem_kb avail_kb
    HW_CPU=$(nproc)
    mem_kb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
    # Whole GB, rounded: the kernel reserves some memory, so a 4 GB machine reports about 3.8 GB.
    HW_MEM_GB=$(((mem_kb + 524288) / 1048576))
    HW_DISK_AT=$(existing_ancestor "$STATE_DIR")
    avail_kb=$(df -Pk "$HW_DISK_AT" | awk 'NR == 2 { print $4 }')
    HW_DISK_GB=$((avail_kb / 1048576))
    HW_CPU=${NODERR_PREFLIGHT_CPU:-$HW_CPU}
    HW_MEM_GB=${NODERR_PREFLIGHT_MEM_GB:-$HW_MEM_GB}
    HW_DISK_GB=${NODERR_PREFLIGHT_DISK_GB:-$HW_DISK_GB}
    HW_GPU=false
    if [[ -e /dev/nvidia0 || -e /dev/kfd ]]; then HW_GPU=true; fi
}

# Prints the table for TIER; returns 1 when a minimum is not met.
preflight_table() {
    local tier=$1 min_cpu min_mem min_disk min_net failed=0 result found gpu_need
    read -r min_cpu min_mem min_disk min_net <<<"$(tier_minimums "$tier")"
    local fmt='  %-13s | %-9s | %-24s | %s\n'
    # shellcheck disable=SC2059 # the format is ours
    {
        printf "$fmt" Requirement Needed Found Result
        printf '  %s\n' "--------------+-----------+--------------------------+------------"
        result=ok
        ((HW_CPU >= min_cpu)) || { result=FAIL; failed=1; }
        found="$HW_CPU${NODERR_PREFLIGHT_CPU:+ (override)}"
        printf "$fmt" "CPU cores" "$min_cpu" "$found" "$result"
        result=ok
        ((HW_MEM_GB >= min_mem)) || { result=FAIL; failed=1; }
        found="$HW_MEM_GB GB${NODERR_PREFLIGHT_MEM_GB:+ (override)}"
        printf "$fmt" "Memory" "$min_mem GB" "$found" "$result"
        result=ok
        ((HW_DISK_GB >= min_disk)) || { result=FAIL; failed=1; }
        found="$HW_DISK_GB GB free${NODERR_PREFLIGHT_DISK_GB:+ (override)}"
        printf "$fmt" "Free disk" "$min_disk GB" "$found" "$result"
        printf "$fmt" "Network" "$min_net Mbps" "not measured" "not checked"
        case "$tier" in ALL) gpu_need="-" ;; ORACLE) gpu_need=optional ;; GUARDIAN) gpu_need=recommended ;; esac
        result=ok
        if [[ "$tier" == GUARDIAN && "$HW_GPU" != true ]]; then result="advice only"; fi
        found=no
        if [[ "$HW_GPU" == true ]]; then found=yes; fi
        printf "$fmt" "GPU" "$gpu_need" "$found" "$result"
        if [[ -z "${NODERR_PREFLIGHT_DISK_GB:-}" ]]; then printf '  (free disk measured on %s)\n' "$HW_DISK_AT"; fi
    }
    return "$failed"
}

run_preflight() {
    local tier=${RECORDED_TIER:-${OPT_TIER:-ALL}}
    PREFLIGHT_TIER=$tier
    step "Preflight"
    detect_hardware
    if [[ -n "$RECORDED_TIER" ]]; then
        say "Checking this machine against the $tier tier minimums (node $RECORDED_ID is registered in tier $tier)."
    elif [[ -n "$OPT_TIER" ]]; then
        say "Checking this machine against the $tier tier minimums."
    else
        say "--tier not given: checking against the ALL tier minimums (the lowest). The control plane decides the"
        say "tier from your install token; the machine is checked again against that tier after registration."
    fi
    if preflight_table "$tier"; then
        say "Preflight passed. The network speed is not measured: make sure the connection gives at least $(
            tier_minimums "$tier" | awk '{ print $4 }'
        ) Mbps."
        return 0
    fi
    if ((OPT_FORCE)); then
        warn "this machine is below the $tier tier minimums; continuing because of --force."
        warn "The node may be unable to run its workload and may be marked unhealthy."
        return 0
    fi
    die "this machine does not meet the $tier tier minimums (see the table above)." \
        "Use a machine that meets them, apply for a lower tier, or pass --force to install anyway (not recommended)."
}

# Prints the major version of the java at $1 (8 for 1.8.x), or fails.
java_major() {
    local out version
    out=$("$1" -version 2>&1 </dev/null) || return 1
    version=$(printf '%s\n' "$out" | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)
    [[ -n "$version" ]] || return 1
    if [[ "$version" == 1.* ]]; then version=${version#1.}; fi
    version=${version%%[!0-9]*}
    [[ -n "$version" ]] || return 1
    printf '%s\n' "$version"
}

find_java() {
    local candidates=() candidate major newest_old=""
    if [[ -n "${NODERR_JAVA:-}" ]]; then
        candidates=("$NODERR_JAVA")
    else
        if [[ -n "${JAVA_HOME:-}" ]]; then candidates+=("$JAVA_HOME/bin/java"); fi
        if command -v java >/dev/null 2>&1; then candidates+=("$(command -v java)"); fi
        local jvm
        for jvm in /usr/lib/jvm/*/bin/java; do
            if [[ -x "$jvm" ]]; then candidates+=("$jvm"); fi
        done
    fi
    JAVA_BIN="" JAVA_PROBLEM=""
    for candidate in "${candidates[@]}"; do
        [[ -x "$candidate" ]] || continue
        major=$(java_major "$candidate") || continue
        if ((major >= 21)); then
            JAVA_BIN=$candidate
            say "Java $major at $candidate"
            return 0
        fi
        newest_old="Java $major at $candidate"
    done
    if [[ -n "$newest_old" ]]; then
        JAVA_PROBLEM="Java 21 or newer is needed; found only $newest_old."
    else
        JAVA_PROBLEM="Java 21 or newer is needed; no Java was found."
    fi
    return 1
}

check_docker() {
    DOCKER_PROBLEM=""
    if ! command -v docker >/dev/null 2>&1; then
        DOCKER_PROBLEM="Docker is not installed (no docker command)."
    elif ! timeout 30 docker info >/dev/null 2>&1 </dev/null; then
        DOCKER_PROBLEM="'docker info' fails: the Docker engine${DOCKER_HOST:+ at $DOCKER_HOST (DOCKER_HOST)} is not running or not reachable."
    else
        docker_endpoint
        say "Docker engine: running (${DOCKER_ENDPOINT:-unix:///var/run/docker.sock})"
        return 0
    fi
    return 1
}

# Sets DOCKER_ENDPOINT to the engine 'docker info' just reached: DOCKER_HOST, else the active docker context's
# endpoint (empty when neither says: the default socket). agent.properties names it as docker-host.
docker_endpoint() {
    DOCKER_ENDPOINT=${DOCKER_HOST:-}
    if [[ -z "$DOCKER_ENDPOINT" ]]; then
        DOCKER_ENDPOINT=$(timeout 10 docker context inspect --format '{{.Endpoints.docker.Host}}' 2>/dev/null </dev/null |
            head -n 1 || true)
    fi
}

check_prerequisites() {
    step "Docker and Java"
    local missing=() label=ERROR
    if ((OPT_FORCE)); then label=WARNING; fi
    if ! check_docker; then
        missing+=("a working Docker engine")
        printf '%s: %s\n' "$label" "$DOCKER_PROBLEM" >&2
        printf '       %s\n' "Debian/Ubuntu: sudo apt-get install docker.io && sudo systemctl enable --now docker" \
            "(or Docker's own packages: https://docs.docker.com/engine/install/)" >&2
    fi
    if ! find_java; then
        missing+=("Java 21")
        printf '%s: %s\n' "$label" "$JAVA_PROBLEM" >&2
        printf '       %s\n' "Debian/Ubuntu: sudo apt-get install openjdk-21-jre-headless (where available)," \
            "or Eclipse Temurin 21: https://adoptium.net/installation/linux/ (package temurin-21-jre)." \
            "A Java elsewhere can be named with NODERR_JAVA=/path/to/bin/java." >&2
    fi
    ((${#missing[@]})) || return 0
    local what=${missing[0]}
    if ((${#missing[@]} > 1)); then what="${missing[0]} and ${missing[1]}"; fi
    if ((OPT_FORCE)); then
        warn "continuing without $what because of --force: the agent cannot run until installed."
        return 0
    fi
    die "install $what as shown above and run this installer again (or pass --force)."
}

# ---------------------------------------------------------------------------------------------------- host setup

# Asks QUESTION on the terminal; without --yes and without a terminal fails and says to pass --yes.
confirm() {
    local question=$1 answer=""
    ((OPT_YES)) && return 0
    if ! { exec 3<>/dev/tty; } 2>/dev/null; then
        die "no terminal to confirm on: pass --yes to $2 without asking."
    fi
    printf '\n%s [y/N] ' "$question" >&3
    read -r answer <&3 || true
    exec 3<&-
    if [[ ! "$answer" =~ ^[Yy]([Ee][Ss])?$ ]]; then
        say "Aborted: nothing was changed."
        exit 1
    fi
}

ensure_user() {
    step "System user"
    local created=0
    if id -u "$NODERR_USER" >/dev/null 2>&1; then
        say "User $NODERR_USER exists: keeping it."
    else
        local id_args=() shell=/usr/sbin/nologin
        [[ -x "$shell" ]] || shell=/sbin/nologin
        [[ -x "$shell" ]] || shell=/bin/false
        if ! getent passwd "$NODERR_UID" >/dev/null; then id_args=(--uid "$NODERR_UID"); fi
        if ! getent group "$NODERR_USER" >/dev/null; then
            if getent group "$NODERR_UID" >/dev/null; then
                groupadd --system "$NODERR_USER"
            else
                groupadd --system --gid "$NODERR_UID" "$NODERR_USER"
            fi
        fi
        local messages
        # (uid 1001 is above Debian's SYS_UID_MAX: useradd warns about it, which is expected here)
        messages=$(useradd --system "${id_args[@]}" --gid "$NODERR_USER" --home-dir "$STATE_DIR" --no-create-home \
            --shell "$shell" --comment "Noderr node agent" "$NODERR_USER" 2>&1) ||
            die "could not create the user $NODERR_USER: $messages"
        messages=$(grep -v 'greater than SYS_UID_MAX' <<<"$messages" || true)
        if [[ -n "$messages" ]]; then printf '%s\n' "$messages" >&2; fi
        created=1
        CREATED_USER=1
        say "Created system user $NODERR_USER (uid $(id -u "$NODERR_USER"))."
    fi
    if getent group docker >/dev/null; then
        usermod -aG docker "$NODERR_USER"
        say "User $NODERR_USER is in group docker (the agent manages the node's containers)."
    fi
    note_created "$CONFIG_DIR"
    install -d -m 0750 "$CONFIG_DIR" || die "could not create $CONFIG_DIR (message above)."
    if ((created)); then
        printf 'created-user=%s\n' "$NODERR_USER" >>"$CONFIG_DIR/.installer-state"
    fi
}

make_dirs() {
    local dir
    for dir in "$CONFIG_DIR" "$STATE_DIR" "$AGENT_DIR"; do note_created "$dir"; done
    { install -d -m 0750 "$CONFIG_DIR" "$STATE_DIR" && install -d -m 0700 "$CONFIG_DIR/key" &&
        install -d -m 0755 "$AGENT_DIR"; } || die "could not create the installation's directories (message above)."
    if ! in_prefix; then
        chown "root:$NODERR_USER" "$CONFIG_DIR"
        chown "$NODERR_USER:$NODERR_USER" "$STATE_DIR" "$CONFIG_DIR/key"
    fi
}

# note_created DIR: remembers the top-most directory of DIR that does not exist yet (install -d creates it).
note_created() {
    local dir=$1 top=""
    while [[ ! -e "$dir" && "$dir" != / ]]; do
        top=$dir
        dir=$(dirname "$dir")
    done
    if [[ -n "$top" ]]; then CREATED_PATHS+=("$top"); fi
}

# A run that fails before it sent the registration request removes what it created: the token was not used, and the
# next run starts clean. A system user it created goes too.
undo_created() {
    local path
    ((${#CREATED_PATHS[@]} || CREATED_USER)) || return 0
    for path in "${CREATED_PATHS[@]}"; do
        if [[ -e "$path" ]]; then
            rm -rf -- "$path"
            printf '       Removed %s (made by this run).\n' "$path" >&2
        fi
    done
    if ((CREATED_USER)) && id -u "$NODERR_USER" >/dev/null 2>&1; then
        userdel "$NODERR_USER" 2>/dev/null || true
        if getent group "$NODERR_USER" >/dev/null; then groupdel "$NODERR_USER" 2>/dev/null || true; fi
        printf '       Removed the user %s (made by this run).\n' "$NODERR_USER" >&2
    fi
}

# The directories this run writes must be writable: a read-only file system or missing rights stop the run here,
# before anything is created, with the reason (not a raw error from install halfway).
check_writable() {
    local dir at probe reason hint
    for dir in "$CONFIG_DIR" "$STATE_DIR" "$AGENT_DIR"; do
        at=$(existing_ancestor "$dir")
        [[ ! -w "$at" ]] || continue # access(2): also false on a read-only file system, for root too
        # the reason, from a write that fails (and so creates nothing)
        if probe=$(mktemp -d "$at/.noderr-write-test.XXXXXX" 2>&1); then
            rmdir "$probe"
            continue
        fi
        reason=${probe##*: }
        case "$reason" in
            *[Rr]ead-only*)
                reason="read-only file system"
                hint="$at is on a read-only file system: install on a writable one${OPT_PREFIX:+ (another --prefix)}, or remount it read-write."
                ;;
            *[Pp]ermission*)
                reason="permission denied"
                hint="${OPT_PREFIX:+Choose a --prefix this user can write to, or }run the installer as root."
                ;;
            *) hint="Check $at (mount, free space, rights)." ;;
        esac
        die "cannot write to $at (for $dir): ${reason,}: nothing was installed." "$hint"
    done
}

# ---------------------------------------------------------------------------------------------------- node key

tpm_flush() { tpm2_flushcontext -t >/dev/null 2>&1 || true; }

tpm_usable() {
    command -v tpm2_createprimary >/dev/null 2>&1 || return 1
    [[ -n "${TPM2TOOLS_TCTI:-}" || -e /dev/tpmrm0 ]]
}

key_complete() { # key dir
    local type
    [[ -f "$1/key-type" ]] || return 1
    type=$(tr -d '[:space:]' <"$1/key-type")
    case "$type" in
        SOFTWARE) [[ -s "$1/node-key.pem" && -s "$1/node-key.pub.pem" ]] ;;
        TPM2) [[ -s "$1/tpm-key.pub" && -s "$1/tpm-key.priv" && -s "$1/node-key.pub.pem" ]] ;;
        *) return 1 ;;
    esac
}

# Creates the key inside the TPM: a primary key under the owner hierarchy (re-created from the same template when
# signing) and an ECC P-256 ECDSA/SHA-256 signing key under it whose blobs are kept in the key dir.
create_tpm_key() {
    local key_dir=$1 tmp log
    tmp=$(mktemp -d "$key_dir/.new.XXXXXX") || return 1
    log=$WORK_DIR/tpm.log
    if [[ -n "${TPM2TOOLS_TCTI:-}" ]]; then
        TPM_TCTI=$TPM2TOOLS_TCTI
    else
        TPM_TCTI=device:/dev/tpmrm0
    fi
    local ok=1
    {
        tpm_flush
        TPM2TOOLS_TCTI=$TPM_TCTI tpm2_createprimary -Q "${TPM_PRIMARY_ARGS[@]}" -c "$tmp/primary.ctx" || ok=0
        tpm_flush
        if ((ok)); then
            TPM2TOOLS_TCTI=$TPM_TCTI tpm2_create -Q -C "$tmp/primary.ctx" -G ecc256:ecdsa-sha256 \
                -a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign' \
                -u "$tmp/tpm-key.pub" -r "$tmp/tpm-key.priv" || ok=0
            tpm_flush
        fi
        if ((ok)); then
            TPM2TOOLS_TCTI=$TPM_TCTI tpm2_load -Q -C "$tmp/primary.ctx" -u "$tmp/tpm-key.pub" \
                -r "$tmp/tpm-key.priv" -c "$tmp/key.ctx" || ok=0
            tpm_flush
        fi
        if ((ok)); then
            TPM2TOOLS_TCTI=$TPM_TCTI tpm2_readpublic -Q -c "$tmp/key.ctx" -f pem -o "$tmp/node-key.pub.pem" || ok=0
            tpm_flush
        fi
    } >"$log" 2>&1 </dev/null
    if ((!ok)) || ! openssl pkey -pubin -in "$tmp/node-key.pub.pem" -noout 2>>"$log"; then
        rm -rf "$tmp"
        sed 's/^/       tpm2: /' "$log" >&2
        return 1
    fi
    chmod 0600 "$tmp/tpm-key.pub" "$tmp/tpm-key.priv" && chmod 0644 "$tmp/node-key.pub.pem" || return 1
    mv -f "$tmp/tpm-key.pub" "$tmp/tpm-key.priv" "$tmp/node-key.pub.pem" "$key_dir/" || return 1
    printf '%s\n' "$TPM_TCTI" >"$key_dir/tpm-tcti" || return 1
    rm -rf "$tmp"
    printf 'TPM2\n' >"$key_dir/key-type" || return 1
}

create_software_key() {
    local key_dir=$1
    (
        umask 077
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve \
            -out "$key_dir/node-key.pem.new" 2>/dev/null
    ) || die "openssl could not create the software key."
    chmod 0600 "$key_dir/node-key.pem.new"
    mv -f "$key_dir/node-key.pem.new" "$key_dir/node-key.pem"
    openssl pkey -in "$key_dir/node-key.pem" -pubout -out "$key_dir/node-key.pub.pem"
    chmod 0644 "$key_dir/node-key.pub.pem"
    printf 'SOFTWARE\n' >"$key_dir/key-type"
}

# create_key KEY_DIR: a new node key of --key-type in KEY_DIR (an existing directory without a complete key).
create_key() {
    local key_dir=$1
    rm -f "$key_dir/key-type" "$key_dir/tpm-tcti"
    case "$OPT_KEY_TYPE" in
        tpm)
            tpm_usable || die "--key-type tpm: no usable TPM 2.0 (needs /dev/tpmrm0 or TPM2TOOLS_TCTI, and tpm2-tools)." \
                "Debian/Ubuntu: sudo apt-get install tpm2-tools; enable the TPM in the firmware settings."
            create_tpm_key "$key_dir" || die "could not create the key in the TPM (see the tpm2 messages above)."
            ;;
        software) create_software_key "$key_dir" ;;
        auto)
            if tpm_usable; then
                if ! create_tpm_key "$key_dir"; then
                    warn "could not create the key in the TPM (messages above): using a software key instead."
                    create_software_key "$key_dir"
                fi
            elif [[ -e /dev/tpmrm0 ]]; then
                say "This machine has a TPM but tpm2-tools is not installed: using a software key."
                say "(To keep the key in the TPM instead: apt-get install tpm2-tools, then --uninstall and install again.)"
                create_software_key "$key_dir"
            else
                say "No TPM 2.0 found (/dev/tpmrm0): using a software key."
                create_software_key "$key_dir"
            fi
            ;;
    esac
    say "Created a $(tr -d '[:space:]' <"$key_dir/key-type") ECDSA P-256 node key in $key_dir."
}

# secure_key_dir KEY_DIR: the agent's user owns the key (and may use the TPM for a TPM key).
secure_key_dir() {
    in_prefix && return 0
    chown -R "$NODERR_USER:$NODERR_USER" "$1"
    if [[ "$(tr -d '[:space:]' <"$1/key-type")" == TPM2 ]] && getent group tss >/dev/null; then
        usermod -aG tss "$NODERR_USER" # /dev/tpmrm0 is usually root:tss 0660
    fi
}

# load_key KEY_DIR: sets KEY_TYPE, KEY_PATH, TPM_TCTI and KEY_PUB_B64 (base64 DER SPKI) for the key in KEY_DIR as
# agent.properties names it once the key is $CONFIG_DIR/key.
load_key() {
    local key_dir=$1
    KEY_TYPE=$(tr -d '[:space:]' <"$key_dir/key-type")
    if [[ "$KEY_TYPE" == TPM2 ]]; then
        KEY_PATH=$CONFIG_DIR/key
        TPM_TCTI=$(tr -d '[:space:]' <"$key_dir/tpm-tcti" 2>/dev/null || true)
    else
        KEY_PATH=$CONFIG_DIR/key/node-key.pem
        TPM_TCTI=""
    fi
    KEY_PUB_B64=$(openssl pkey -pubin -in "$key_dir/node-key.pub.pem" -outform DER | base64 | tr -d '\n')
    [[ -n "$KEY_PUB_B64" ]] || die "could not read the node's public key from $key_dir/node-key.pub.pem."
}

ensure_key() {
    step "Node key"
    local key_dir=$CONFIG_DIR/key
    if key_complete "$key_dir"; then
        KEY_TYPE=$(tr -d '[:space:]' <"$key_dir/key-type")
        say "Keeping the existing $KEY_TYPE node key in $key_dir."
        if [[ "$OPT_KEY_TYPE" == tpm && "$KEY_TYPE" != TPM2 ]] ||
            [[ "$OPT_KEY_TYPE" == software && "$KEY_TYPE" != SOFTWARE ]]; then
            warn "--key-type $OPT_KEY_TYPE ignored: the node already has a $KEY_TYPE key (uninstall to start over, or --rotate-key to replace it)."
        fi
    else
        create_key "$key_dir"
    fi
    secure_key_dir "$key_dir"
    load_key "$key_dir"
}

install_sign_helper() {
    local source_dir=""
    if [[ -n "${BASH_SOURCE[0]:-}" && -f "${BASH_SOURCE[0]}" ]]; then source_dir=$(dirname "${BASH_SOURCE[0]}"); fi
    if [[ -n "$source_dir" && -f "$source_dir/noderr-sign.sh" ]]; then
        install -m 0755 "$source_dir/noderr-sign.sh" "$SIGN_HELPER.new"
    else
        embedded_sign_helper >"$SIGN_HELPER.new"
        chmod 0755 "$SIGN_HELPER.new"
    fi
    mv -f "$SIGN_HELPER.new" "$SIGN_HELPER"
}

# ---------------------------------------------------------------------------------------------------- control plane

# check_ca_file FILE WHAT [HINT]: FILE must be PEM certificates that curl and the agent can use: at least one, every
# one readable by openssl, and no private key (the installed copy is readable by every local user).
check_ca_file() {
    local file=$1 what=$2 hint=${3:-} blocks parsed
    [[ -f "$file" && -r "$file" ]] || die "$what: cannot read $file: nothing was installed." ${hint:+"$hint"}
    if grep -q -- '-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----' "$file"; then
        die "$what: $file contains a private key: nothing was installed." \
            "Give a file with the CA's certificate only: the installed copy is readable by every local user." \
            ${hint:+"$hint"}
    fi
    blocks=$(grep -c -- '^-----BEGIN CERTIFICATE-----' "$file" || true)
    if ((blocks == 0)); then
        if openssl x509 -inform DER -in "$file" -noout 2>/dev/null; then
            die "$what: $file is a DER certificate; a PEM one is needed: nothing was installed." \
                "Convert it with: openssl x509 -inform DER -in $file -out ca.pem" ${hint:+"$hint"}
        fi
        die "$what: $file holds no PEM certificate (-----BEGIN CERTIFICATE-----): nothing was installed." \
            "Give the certificate of the CA that issued the control plane's TLS certificate, in PEM." ${hint:+"$hint"}
    fi
    parsed=$({ openssl crl2pkcs7 -nocrl -certfile "$file" | openssl pkcs7 -print_certs -noout; } 2>/dev/null |
        grep -c '^subject=' || true)
    if ((parsed != blocks)); then
        die "$what: $file has a certificate openssl cannot read: nothing was installed." \
            "openssl crl2pkcs7 -nocrl -certfile $file | openssl pkcs7 -print_certs -noout shows the problem." \
            ${hint:+"$hint"}
    fi
}

# Decides which CA file the requests to the control plane trust (CA_FILE; empty: curl's default CA bundle) and
# what happens to the copy the agent reads (CA_ACTION): --ca-file FILE installs FILE, --ca-file none removes the
# copy and the ca-file setting, and a re-run without --ca-file keeps the recorded ca-file (the control plane's
# certificate did not change because the option was left out; dropping the setting would stop the agent).
resolve_ca_file() {
    local recorded
    recorded=$(read_prop "$CONFIG_DIR/agent.properties" ca-file)
    CA_FILE="" CA_ACTION=""
    case "$OPT_CA_FILE" in
        none) CA_ACTION=remove ;;
        "")
            [[ -n "$recorded" ]] || return 0
            check_ca_file "$recorded" "ca-file in $CONFIG_DIR/agent.properties" \
                "Pass the control plane's CA again with --ca-file FILE, or --ca-file none to use the default CAs only."
            CA_FILE=$recorded
            CA_ACTION=keep
            ;;
        *)
            check_ca_file "$OPT_CA_FILE" --ca-file
            CA_FILE=$OPT_CA_FILE
            CA_ACTION=install
            ;;
    esac
}

# Before agent.properties names it: the copy of --ca-file the agent reads, next to agent.properties (the agent's
# user reads it through the config directory's group).
install_ca_file() {
    [[ "$CA_ACTION" == install ]] || return 0
    install -m 0644 "$CA_FILE" "$CA_INSTALLED.new"
    if ! in_prefix; then chown root:root "$CA_INSTALLED.new"; fi
    mv -f "$CA_INSTALLED.new" "$CA_INSTALLED"
    CA_FILE=$CA_INSTALLED
    say "Installed the control plane's CA certificate as $CA_INSTALLED (ca-file in agent.properties)."
}

# After agent.properties no longer names it (--ca-file none).
remove_ca_file() {
    [[ "$CA_ACTION" == remove && -e "$CA_INSTALLED" ]] || return 0
    rm -f "$CA_INSTALLED"
    say "Removed $CA_INSTALLED: the agent trusts the default CAs only."
}

# curl for requests to the control plane, trusting CA_FILE when set in addition to curl's default CAs (a download may
# be redirected to a host whose certificate a public CA issued), as the agent trusts it.
cp_curl() {
    if [[ -n "$CA_FILE" ]]; then
        curl --cacert "$(trust_bundle)" "$@"
    else
        curl "$@"
    fi
}

# trust_bundle: prints the CA bundle for cp_curl: $WORK_DIR/trust.pem, written from the default bundle curl would use
# (CURL_CA_BUNDLE, else the distribution's) and CA_FILE; CA_FILE alone when there is no default bundle or no WORK_DIR
# yet. --cacert alone would replace the default CAs instead of adding to them.
trust_bundle() {
    local system="" candidate
    for candidate in "${CURL_CA_BUNDLE:-}" /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt \
        /etc/ssl/ca-bundle.pem /etc/ssl/cert.pem; do
        if [[ -n "$candidate" && -f "$candidate" && -r "$candidate" ]]; then
            system=$candidate
            break
        fi
    done
    if [[ -z "$system" || -z "$WORK_DIR" || ! -d "$WORK_DIR" ]]; then
        printf '%s' "$CA_FILE"
        return
    fi
    { cat -- "$system" && printf '\n' && cat -- "$CA_FILE"; } >"$WORK_DIR/trust.pem"
    printf '%s' "$WORK_DIR/trust.pem"
}

# curl's exit codes for TLS failures: 35 handshake, 51/60 certificate not verified (unknown CA, other host name,
# expired), 58/77 a local certificate or CA file, 83 issuer check, 90/91 pinned key or certificate status.
tls_failure() {
    case "$1" in 35 | 51 | 58 | 60 | 77 | 83 | 90 | 91) return 0 ;; *) return 1 ;; esac
}

# die_tls CURL_STDERR_FILE: stops with curl's message and what to do about a control plane it cannot trust.
die_tls() {
    local message
    message=$(sed -n -e 's/^curl: ([0-9]*) //' -e '1p' "$1") # the first line; the rest is a link to curl's FAQ
    if [[ -n "$CA_FILE" ]]; then
        die "TLS with the control plane at $OPT_URL failed with the CA in $CA_FILE: $message" \
            "Check that the file holds the CA that issued the control plane's certificate (--ca-file FILE), that" \
            "--url uses a host name the certificate is for, and this machine's clock." ${API_NOTE:+"$API_NOTE"}
    fi
    die "TLS with the control plane at $OPT_URL failed: $message" \
        "If its certificate comes from a private CA, pass that CA's certificate (PEM) with --ca-file FILE; the" \
        "agent then trusts it too. Otherwise check that --url uses a host name the certificate is for, and this" \
        "machine's clock." ${API_NOTE:+"$API_NOTE"}
}

# Before anything is created or a token asked for: the control plane answers its health check. A wrong --url (nothing
# listens there, another server, https against plain http) stops the run here, saying which.
check_control_plane() {
    step "Control plane"
    local out=$WORK_DIR/health rc=0 answer status redirect host reason message
    host=${OPT_URL#*://}
    host=${host%%/*}
    : >"$out"
    answer=$(cp_curl -sS -v --connect-timeout 15 --max-time 30 -o "$out" -w '%{http_code} %{redirect_url}' \
        -H 'Accept: application/json' "$OPT_URL/api/v1/health-check" 2>"$WORK_DIR/curl.verbose") || rc=$?
    grep '^curl: ' "$WORK_DIR/curl.verbose" >"$WORK_DIR/curl.err" || true # curl's message, without the -v lines
    if ((rc)); then
        message=$(sed -n 's/^curl: ([0-9]*) //p' "$WORK_DIR/curl.err" | head -n 1)
        case "$rc" in
            6) die "cannot resolve the host name in $OPT_URL: nothing was changed." \
                "Check the --url for typing errors, and this machine's DNS." ;;
            7)
                reason=$(sed -n 's/^\* .* failed: \(.*\)$/\1/p' "$WORK_DIR/curl.verbose" | tail -n 1)
                reason=${reason:-$message}
                die "cannot connect to $host: ${reason,}: nothing was changed." \
                    "Check the --url (host and port) and that the control plane runs there; a firewall may block it."
                ;;
            28) die "cannot connect to $host: no answer within the time limit: nothing was changed." \
                "Check the --url (host and port); a firewall may drop the connection, or a proxy (https_proxy) may be needed." ;;
        esac
        if [[ "$OPT_URL" == https://* && "$message" == *"wrong version number"* ]]; then
            die "TLS with $host failed: $message: nothing was changed." \
                "The server there may speak plain http, not https: check the --url's scheme and port (http:// is only" \
                "accepted for this machine's own address, or with --insecure-http)."
        fi
        if tls_failure "$rc"; then die_tls "$WORK_DIR/curl.err"; fi
        die "cannot reach the control plane at $OPT_URL: ${message:-curl exit code $rc}: nothing was changed." \
            "Check that the --url is the control plane's address (scheme, host and port), and firewalls and proxies" \
            "(curl honours https_proxy)."
    fi
    status=${answer%% *}
    redirect=${answer#* }
    if [[ "$status" == 200 ]] && grep -Eq '"status"[[:space:]]*:[[:space:]]*"ok"' "$out"; then
        say "Control plane at $OPT_URL: answering."
        return 0
    fi
    if [[ "$status" == 3[0-9][0-9] && -n "$redirect" ]]; then
        local path
        path=$(url_path "$OPT_URL")
        if [[ -n "$path" ]]; then
            die "$OPT_URL is not the control plane's address: its health check redirects (HTTP $status) to $redirect: nothing was changed." \
                "The --url has a path ($path): pass the control plane's address without it, e.g. ${OPT_URL%"$path"}."
        fi
        die "$OPT_URL is not the control plane's address: its health check redirects (HTTP $status) to $redirect: nothing was changed." \
            "Pass the control plane's own address as --url (the scheme and host it redirects to)."
    fi
    if [[ "$status" == 5[0-9][0-9] ]]; then
        die "the control plane at $OPT_URL is not ready: its health check answered HTTP $status: nothing was changed." \
            "Run the installer again in a few minutes; if it stays so, tell the control plane's admins."
    fi
    die "$OPT_URL is not a Noderr control plane: GET /api/v1/health-check answered HTTP $status: nothing was changed." \
        "Check the --url: the control plane's address, e.g. https://control.example.org, without a path."
}

# The path of a URL ("/noderr" of https://host:8443/noderr), empty when it has none.
url_path() {
    local rest=${1#*://}
    [[ "$rest" == */* ]] && printf '/%s' "${rest#*/}"
    return 0
}

json_escape() {
    local s=$1
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\n'/\\n}
    s=${s//$'\r'/\\r}
    s=${s//$'\t'/\\t}
    s=${s//[[:cntrl:]]/}
    printf '%s' "$s"
}

# The string value of "name" in a flat JSON text (last occurrence), with the common escapes undone.
json_field() {
    local re='.*"'"$1"'"[[:space:]]*:[[:space:]]*"\(\([^"\\]\|\\.\)*\)".*'
    printf '%s' "$2" | sed -n "s/$re/\1/p" | head -n 1 |
        sed -e 's/\\"/"/g' -e 's/\\\//\//g' -e 's/\\[nrt]/ /g' -e 's/\\\\/\\/g'
}

# api_post PATH [HEADER_FILE]: POSTs the JSON on stdin to the control plane; sets HTTP_STATUS and HTTP_BODY. The
# body goes through stdin and extra headers (an access token) through HEADER_FILE, so that no token ends up on a
# command line. When the control plane cannot be reached, the installer stops with API_NOTE (if set) as advice.
api_post() {
    local response=$WORK_DIR/response rc=0 headers=()
    if [[ -n "${2:-}" ]]; then headers=(-H "@$2"); fi
    : >"$response"
    HTTP_STATUS=$(cp_curl -sS --connect-timeout 15 --max-time 60 -o "$response" -w '%{http_code}' \
        -X POST -H 'Content-Type: application/json' -H 'Accept: application/json, application/problem+json' \
        "${headers[@]}" --data-binary @- "$OPT_URL$1" 2>"$WORK_DIR/curl.err") || rc=$?
    if ((rc)); then
        if tls_failure "$rc"; then die_tls "$WORK_DIR/curl.err"; fi
        cat "$WORK_DIR/curl.err" >&2
        die "cannot reach the control plane at $OPT_URL (see curl's message above)." \
            "Check the --url, DNS, firewalls and proxies (curl honours https_proxy). A control plane whose TLS" \
            "certificate comes from a private CA needs --ca-file FILE." ${API_NOTE:+"$API_NOTE"}
    fi
    HTTP_BODY=$(tr -d '\r\n' <"$response")
    rm -f "$response"
}

# problem_fallback TYPE: what to do about a refusal of TYPE, for an answer without a detail (the control plane's
# detail says the same, and saying it twice only makes the message longer).
problem_fallback() {
    case "$1" in
        install-token-unknown) echo "Check that the whole token was copied, without spaces or line breaks." ;;
        install-token-expired) echo "Install tokens are valid for a limited time: ask the network admins to issue a new one." ;;
        install-token-used) echo "An install token works once: ask the network admins for a new token." ;;
        install-token-revoked) echo "This token was revoked by the network admins: contact them for a new one." ;;
        install-token-wrong-tier) echo "The token was issued for another tier: leave --tier out, or pass the token's tier." ;;
        node-suspended) echo "The network admins suspended this node: contact them to have it reinstated." ;;
    esac
}

# problem_hint TYPE: what the installer adds to the control plane's answer of TYPE (what to do on this machine).
problem_hint() {
    case "$1" in
        install-token-used) echo "(It registered another machine, or this one before its key was replaced.)" ;;
        public-key-in-use) echo "This node key is already registered as a node. Re-run with the install token that registered it to recover that registration, or run --uninstall (which removes the key) and install again with a new token." ;;
        invalid-request) echo "The control plane refused the installer's request; please report the message above with the installer version." ;;
        rate-limited) echo "Too many attempts: wait a minute and run the installer again." ;;
        node-unknown) echo "The control plane does not know this node id (another control plane, or the node was deleted): run --uninstall, then install again with a new install token." ;;
        signature-invalid) echo "The key on this machine does not match the node's registered key: run --uninstall, then install again with a new install token." ;;
        nonce-expired | nonce-unknown | nonce-replayed) echo "The login challenge was not answered in time or twice: run the installer again." ;;
    esac
}

# fail_with_problem WHAT [NOTE...]: stops with the control plane's problem answer (title, detail), the advice for its
# type (unless PROBLEM_HINTS=0) and the NOTEs (empty ones skipped).
fail_with_problem() {
    local what=$1 type title detail hint fallback note notes=()
    shift
    for note in "$@"; do if [[ -n "$note" ]]; then notes+=("$note"); fi; done
    type=$(json_field type "$HTTP_BODY")
    title=$(json_field title "$HTTP_BODY")
    detail=$(json_field detail "$HTTP_BODY")
    if [[ -z "$title" && -z "$detail" ]]; then
        die "$what failed: the control plane answered HTTP $HTTP_STATUS without an error description." \
            "Check that the control plane's address ($OPT_URL) is right." "${notes[@]}"
    fi
    err "$what failed: ${title:-HTTP $HTTP_STATUS} (HTTP $HTTP_STATUS)"
    if [[ -n "$detail" ]]; then printf '       %s\n' "$detail" >&2; fi
    if [[ "${PROBLEM_HINTS:-1}" == 1 ]]; then
        hint=$(problem_hint "${type##*/}")
        if [[ -z "$detail" ]]; then
            fallback=$(problem_fallback "${type##*/}")
            hint=${fallback:-$hint}
        fi
    fi
    if [[ -n "${hint:-}" ]]; then printf '       %s\n' "$hint" >&2; fi
    for note in "${notes[@]}"; do printf '       %s\n' "$note" >&2; done
    exit 1
}

at_least_1() { if (($1 < 1)); then echo 1; else echo "$1"; fi; }

register_node() {
    step "Registration"
    local body tier_field="" hostname
    hostname=$(uname -n)
    hostname=${hostname//[^A-Za-z0-9._-]/-} # the control plane accepts host names of these characters only
    hostname=${hostname:0:255}
    if [[ -n "$OPT_TIER" ]]; then tier_field=",\"tier\":\"$OPT_TIER\""; fi
    printf -v body '{"installToken":"%s","publicKey":"%s","keyAttestation":{"type":"%s"},"hostname":"%s","hardware":{"cpuCores":%d,"memoryGb":%d,"diskGb":%d,"networkMbps":0,"gpu":%s}%s}' \
        "$(json_escape "$OPT_TOKEN")" "$KEY_PUB_B64" "$KEY_TYPE" "$(json_escape "$hostname")" \
        "$(at_least_1 "$HW_CPU")" "$(at_least_1 "$HW_MEM_GB")" "$(at_least_1 "$HW_DISK_GB")" "$HW_GPU" "$tier_field"
    REGISTER_SENT=1 # from here on the key stays, whatever happens: the control plane may have registered it
    api_post /api/v1/auth/register <<<"$body"
    body=""
    OPT_TOKEN=""
    case "$HTTP_STATUS" in 200 | 201) ;; *) fail_with_problem "Registration" ;; esac
    NODE_ID=$(json_field nodeId "$HTTP_BODY")
    NODE_TIER=$(json_field tier "$HTTP_BODY")
    [[ "$NODE_ID" =~ ^[A-Za-z0-9._:-]+$ ]] || die "the control plane's answer has no usable nodeId (HTTP $HTTP_STATUS)."
    case "$NODE_TIER" in ALL | ORACLE | GUARDIAN) ;; *) die "the control plane's answer has no usable tier." ;; esac
    say "Registered as $NODE_ID (tier $NODE_TIER)."
}

# fetch_nonce NOTE: a fresh login challenge for NODE_ID; sets NONCE (base64, as the control plane sent it) and writes
# its bytes to $WORK_DIR/nonce. Stops with NOTE as advice when the control plane refuses.
fetch_nonce() {
    local b64
    api_post /api/v1/auth/challenge <<<"{\"nodeId\":\"$(json_escape "$NODE_ID")\"}"
    [[ "$HTTP_STATUS" == 200 ]] || fail_with_problem "Requesting a login challenge" "$1"
    NONCE=$(json_field nonce "$HTTP_BODY")
    [[ -n "$NONCE" ]] || die "the control plane's challenge has no nonce."
    b64=${NONCE//-/+} # also accept the URL-safe alphabet and missing padding
    b64=${b64//_//}
    while ((${#b64} % 4)); do b64+="="; done
    printf '%s' "$b64" | base64 -d >"$WORK_DIR/nonce" 2>/dev/null || die "the challenge nonce is not base64."
}

# sign_with KEY_DIR < message > signature: the installed noderr-sign.sh (the agent's signing code) with the key in
# KEY_DIR, which need not be $CONFIG_DIR/key: the helper is then given a directory whose key/ links to KEY_DIR.
sign_with() {
    local key_dir=$1 config_dir=$CONFIG_DIR
    if [[ "$key_dir" != "$CONFIG_DIR/key" ]]; then
        config_dir=$(mktemp -d "$WORK_DIR/sign.XXXXXX")
        ln -s "$key_dir" "$config_dir/key"
    fi
    bash "$SIGN_HELPER" "$config_dir"
}

# key_login KEY_DIR NOTE: logs NODE_ID in (challenge, signature by the key in KEY_DIR, verify). Returns 0 and sets
# ACCESS_TOKEN when the control plane accepts the signature; returns 1 when it refuses (HTTP_STATUS and HTTP_BODY
# say why). Stops, with NOTE as advice, when there is no challenge or the key cannot sign.
key_login() {
    local key_dir=$1 note=$2 signature
    ACCESS_TOKEN=""
    fetch_nonce "$note"
    sign_with "$key_dir" <"$WORK_DIR/nonce" >"$WORK_DIR/signature" ||
        die "signing the challenge with the $(tr -d '[:space:]' <"$key_dir/key-type") key in $key_dir failed (messages above)." "$note"
    signature=$(base64 <"$WORK_DIR/signature" | tr -d '\n')
    api_post /api/v1/auth/verify <<<"{\"nodeId\":\"$(json_escape "$NODE_ID")\",\"nonce\":\"$(json_escape "$NONCE")\",\"signature\":\"$signature\"}"
    [[ "$HTTP_STATUS" == 200 ]] || return 1
    ACCESS_TOKEN=$(json_field accessToken "$HTTP_BODY")
    HTTP_BODY=""
    [[ -n "$ACCESS_TOKEN" ]] || die "the control plane accepted the signature but sent no access token."
}

authenticate_node() {
    step "Authentication"
    local rerun="The node is registered: run the installer again (no token needed) once fixed."
    key_login "$CONFIG_DIR/key" "$rerun" || fail_with_problem "Authenticating with the node key" "$rerun"
    ACCESS_TOKEN=""
    say "Node $NODE_ID registered (tier $NODE_TIER, key: $KEY_TYPE) and authenticated."
}

# ---------------------------------------------------------------------------------------------------- agent

# The keys install.sh writes itself (from the registration and this install); every other line of an existing
# agent.properties (settings such as beacon-address, maintenance-window or metrics-port, comments) is kept as it is.
CONFIG_OWNED_KEYS=(control-plane-url node-id tier key-type key-path tpm-tcti sign-command state-dir ca-file service)
CONFIG_HEADER='# Noderr node agent configuration, written by install.sh'

# kept_config_lines FILE: the lines of FILE that install.sh does not rewrite, in order. Dropped: the owned keys and
# the tunable ones (written again with their values), with their continuation lines, and install.sh's own comments.
kept_config_lines() {
    [[ -f "$1" ]] || return 0
    local line key drop=0 continued=0 owned
    while IFS= read -r line || [[ -n "$line" ]]; do
        if ((continued)); then # a continuation line belongs to the key above it
            if ((!drop)); then printf '%s\n' "$line"; fi
        else
            drop=0
            key=""
            if [[ "$line" =~ ^[[:space:]]*([^#![:space:]=:][^[:space:]=:]*) ]]; then key=${BASH_REMATCH[1]}; fi
            if [[ -n "$key" ]]; then
                for owned in "${CONFIG_OWNED_KEYS[@]}" "${!CONFIG_TUNED[@]}"; do
                    if [[ "$key" == "$owned" ]]; then drop=1; fi
                done
            elif [[ "$line" == "$CONFIG_HEADER"* || "$line" == "# Re-running install.sh "* || "$line" == "# tunable"
                || "$line" == "# kept from the previous file"* ]]; then
                drop=1
            fi
            if ((!drop)); then printf '%s\n' "$line"; fi
        fi
        # An odd number of trailing backslashes continues a (non-comment) line.
        continued=0
        if [[ -n "$key" && "$line" =~ (\\+)$ ]] && (( ${#BASH_REMATCH[1]} % 2 == 1 )); then continued=1; fi
    done <"$1"
}

# config_service: what runs the daemon, for the agent's advice to the operator (agent.md, `service`): the systemd
# unit, or none where the installer installs no unit (a sandbox install, a machine without systemd): there the
# operator starts `noderr-agent run`, as the installer says.
config_service() {
    if in_prefix || [[ ! -d "$(dirname "$UNIT_PATH")" ]]; then echo none; else echo "${SERVICE_NAME%.service}"; fi
}

write_config() {
    local file=$CONFIG_DIR/agent.properties old_file="" key value kept
    if [[ -f "$file" ]]; then old_file=$file; fi
    # Settings an operator may have tuned are kept on re-runs with their values (defaults for a new file).
    local -A CONFIG_TUNED=([docker-host]=unix:///var/run/docker.sock [check-interval]=PT5M
        [health-check-url]=http://127.0.0.1:8180/health [rollback-timeout]=PT5M [auto-update]=true)
    case "$DOCKER_ENDPOINT" in
        unix://* | tcp://*) CONFIG_TUNED[docker-host]=$DOCKER_ENDPOINT ;; # the engine check_docker reached
        "") ;;
        *) warn "the agent reaches Docker over unix:// or tcp:// only, not $DOCKER_ENDPOINT: set docker-host in $file." ;;
    esac
    for key in "${!CONFIG_TUNED[@]}"; do
        value=$(read_prop "$old_file" "$key")
        if [[ -n "$value" ]]; then CONFIG_TUNED[$key]=$value; fi
    done
    if [[ -n "$DOCKER_ENDPOINT" && "${CONFIG_TUNED[docker-host]}" != "$DOCKER_ENDPOINT" ]]; then
        warn "kept docker-host=${CONFIG_TUNED[docker-host]} in $file, although this run checked the Docker engine at"
        warn "$DOCKER_ENDPOINT: change docker-host there if the agent should use that one."
    fi
    kept=$(kept_config_lines "$old_file")
    {
        printf '%s on %s.\n' "$CONFIG_HEADER" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
        printf '# Re-running install.sh rewrites the keys above "# tunable" and keeps all other lines.\n'
        printf 'control-plane-url=%s\n' "$OPT_URL"
        printf 'node-id=%s\n' "$NODE_ID"
        printf 'tier=%s\n' "$NODE_TIER"
        printf 'key-type=%s\n' "$KEY_TYPE"
        printf 'key-path=%s\n' "$KEY_PATH"
        if [[ -n "$TPM_TCTI" ]]; then printf 'tpm-tcti=%s\n' "$TPM_TCTI"; fi
        printf 'sign-command=%s\n' "$SIGN_HELPER"
        printf 'state-dir=%s\n' "$STATE_DIR"
        if [[ -n "$CA_FILE" ]]; then printf 'ca-file=%s\n' "$CA_FILE"; fi
        printf 'service=%s\n' "$(config_service)"
        printf '# tunable\n'
        for key in docker-host check-interval health-check-url rollback-timeout auto-update; do
            printf '%s=%s\n' "$key" "${CONFIG_TUNED[$key]}"
        done
        if [[ -n "${kept//[[:space:]]/}" ]]; then
            printf '# kept from the previous file (settings install.sh does not write)\n'
            printf '%s\n' "$kept" | sed -e '/./,$!d' # without leading blank lines
        fi
    } >"$file.new"
    chmod 0640 "$file.new"
    if ! in_prefix; then chown "root:$NODERR_USER" "$file.new"; fi
    mv -f "$file.new" "$file"
}

sha256_of() { openssl dgst -sha256 -r "$1" | awk '{ print $1 }'; }

# Checks the jar at $1 against the digest pinned with --agent-sha256 and, when given, the digest $2 the control
# plane published; fails (before anything is installed) when one does not match.
verify_agent() {
    local file=$1 published=${2:-} actual
    actual=$(sha256_of "$file")
    [[ "$actual" =~ ^[0-9a-f]{64}$ ]] || die "could not compute the SHA-256 of the agent jar $file."
    if [[ -n "$published" && "$actual" != "$published" ]]; then
        die "the agent jar from $OPT_URL/downloads/noderr-agent.jar does not match the SHA-256 the control plane publishes: nothing was installed." \
            "published: $published" "download:  $actual" \
            "The download was changed or broken on the way, or the control plane replaced the jar meanwhile: run the" \
            "installer again; if it fails again, tell the control plane's admin."
    fi
    if [[ -n "$OPT_AGENT_SHA256" && "$actual" != "$OPT_AGENT_SHA256" ]]; then
        die "the agent jar ${AGENT_FROM:-$file} does not match --agent-sha256: nothing was installed." \
            "expected (--agent-sha256): $OPT_AGENT_SHA256" "agent jar:                 $actual" \
            "Check the digest in the release notes, and that the control plane serves that release."
    fi
    local against=()
    if [[ -n "$published" ]]; then against+=("the digest the control plane publishes"); fi
    if [[ -n "$OPT_AGENT_SHA256" ]]; then against+=("--agent-sha256"); fi
    if ((${#against[@]} == 2)); then against=("${against[0]} and ${against[1]}"); fi
    say "Agent jar SHA-256 $actual: matches ${against[0]}."
}

# download URL FILE MAX_SECONDS: GETs URL from the control plane into FILE; sets DOWNLOAD_STATUS to the HTTP status
# (000: no answer) and DOWNLOAD_PROBLEM to what to print about a failure ("HTTP 404", or curl's message). A TLS failure stops the installer: registration could not work either.
download() {
    local url=$1 file=$2 max_time=$3 rc=0 protocols='=https'
    # Redirects are followed, but never from https down to plain http.
    if [[ "$OPT_URL" == http://* ]]; then protocols='=http,https'; fi
    DOWNLOAD_STATUS=$(cp_curl -sS -L --proto "$protocols" --proto-redir "$protocols" --connect-timeout 15 \
        --max-time "$max_time" -o "$file" -w '%{http_code}' "$url" 2>"$WORK_DIR/curl.err") || rc=$?
    if tls_failure "$rc"; then die_tls "$WORK_DIR/curl.err"; fi
    DOWNLOAD_PROBLEM="HTTP $DOWNLOAD_STATUS"
    if ((rc)); then
        DOWNLOAD_STATUS=000
        DOWNLOAD_PROBLEM="no answer: $(sed -n 's/^curl: ([0-9]*) //p' "$WORK_DIR/curl.err" | head -n 1)"
    fi
}

# Gets the agent jar into $WORK_DIR and verifies it before the installer changes anything on the machine: from
# --agent-jar, else from the control plane with the SHA-256 it publishes. Sets AGENT_FILE (empty: no agent
# available; install_agent keeps an installed one).
fetch_agent() {
    step "Agent download"
    local status digest_status published
    if [[ -n "$OPT_AGENT_JAR" ]]; then
        AGENT_FROM=$OPT_AGENT_JAR
        cp -- "$OPT_AGENT_JAR" "$WORK_DIR/agent.jar"
        if [[ -n "$OPT_AGENT_SHA256" ]]; then verify_agent "$WORK_DIR/agent.jar"; fi
        AGENT_FILE=$WORK_DIR/agent.jar
        say "Using the agent jar $OPT_AGENT_JAR."
        return 0
    fi
    AGENT_FROM=$OPT_URL/downloads/noderr-agent.jar
    download "$AGENT_FROM" "$WORK_DIR/agent.jar" 600
    status=$DOWNLOAD_PROBLEM
    if [[ "$DOWNLOAD_STATUS" != 200 || "$(head -c 2 "$WORK_DIR/agent.jar" 2>/dev/null)" != PK ]]; then
        rm -f "$WORK_DIR/agent.jar"
        if [[ -n "$OPT_AGENT_SHA256" ]]; then
            die "--agent-sha256 given, but the agent is not available at $AGENT_FROM ($status): nothing was installed." \
                "Download the jar yourself and pass it with --agent-jar PATH --agent-sha256 HEX."
        fi
        warn "the agent is not available at $AGENT_FROM ($status)."
        return 0
    fi
    download "$AGENT_FROM.sha256" "$WORK_DIR/agent.jar.sha256" 60
    digest_status=$DOWNLOAD_STATUS
    local digest_problem=$DOWNLOAD_PROBLEM
    published=""
    if [[ "$digest_status" == 200 ]]; then
        published=$(head -c 200 "$WORK_DIR/agent.jar.sha256" | awk 'NR == 1 { print tolower($1) }')
        [[ "$published" =~ ^[0-9a-f]{64}$ ]] ||
            die "$AGENT_FROM.sha256 is not a SHA-256 digest: nothing was installed." "Tell the control plane's admin."
    elif [[ -z "$OPT_AGENT_SHA256" ]]; then
        die "the control plane publishes no SHA-256 for its agent jar ($AGENT_FROM.sha256: $digest_problem): nothing was installed." \
            "Pass the digest from the release notes with --agent-sha256 HEX, or a jar with --agent-jar PATH."
    fi
    verify_agent "$WORK_DIR/agent.jar" "$published"
    AGENT_FILE=$WORK_DIR/agent.jar
    say "Downloaded the agent from $AGENT_FROM."
}

install_agent() {
    step "Agent"
    local jar=$AGENT_DIR/noderr-agent.jar
    if [[ -n "$AGENT_FILE" ]]; then
        install -m 0644 "$AGENT_FILE" "$jar.new"
        mv -f "$jar.new" "$jar"
        AGENT_READY=1
        say "Installed the agent from $AGENT_FROM as $jar."
    elif [[ -f "$jar" ]]; then
        AGENT_READY=1
        warn "could not download the agent: keeping the installed $jar."
    else
        warn "the agent is not available at $OPT_URL/downloads/noderr-agent.jar yet."
        warn "The node is registered; the agent will be installed when available: run this installer again then"
        if in_prefix; then
            warn "(no token needed) or pass --agent-jar PATH."
        else
            warn "(no token needed) or pass --agent-jar PATH. The service is not started."
        fi
    fi
}

# The noderr-agent command (status, check, rollback, retry; docs/operators.md): the agent jar with this node's
# configuration. A system install puts it in /usr/local/bin; it runs the agent as the noderr user (from root through
# runuser); `noderr-agent run` (the daemon) with the service's JVM flags, other commands with the JIT and a 64 MB heap
# (a command that runs once gains from the JIT). A sandbox install
# puts it in <prefix>/bin; it runs as whoever calls it.
WRAPPER_MARK="# Installed by the Noderr install.sh"

# sh_quote TEXT: TEXT as one single-quoted sh word.
sh_quote() {
    local q="'\\''"
    printf "'%s'" "${1//\'/$q}"
}
wrapper_path() { if in_prefix; then echo "$OPT_PREFIX/bin/noderr-agent"; else echo /usr/local/bin/noderr-agent; fi; }

install_wrapper() {
    local path java=${JAVA_BIN:-java} user_part
    path=$(wrapper_path)
    if [[ -e "$path" ]] && ! grep -qF "$WRAPPER_MARK" "$path" 2>/dev/null; then
        warn "$path exists and was not installed by this installer: not replaced. Run the agent as:"
        warn "  $java -jar $AGENT_DIR/noderr-agent.jar <command> --config $CONFIG_DIR/agent.properties"
        return 0
    fi
    # shellcheck disable=SC2016 # expanded by the wrapper
    if in_prefix; then
        user_part='exec "$java" "$@"'
    else
        user_part='case "$(id -un)" in
    root) exec runuser -u '"$NODERR_USER"' -- "$java" "$@" ;;
    '"$NODERR_USER"') exec "$java" "$@" ;;
    *)
        echo "noderr-agent: run it as root (sudo noderr-agent ...): it runs the agent as the '"$NODERR_USER"' user" >&2
        exit 1
        ;;
esac'
    fi
    if ! {
        install -d -m 0755 "$(dirname "$path")" &&
            {
                printf '#!/bin/sh\n%s: the Noderr node agent with this node'"'"'s configuration.\n' "$WRAPPER_MARK"
                printf '#   noderr-agent status | check | rollback | retry | --help   (see docs/operators.md)\n'
                printf 'java=%s\njar=%s\nconfig=%s\n' "$(sh_quote "$java")" "$(sh_quote "$AGENT_DIR/noderr-agent.jar")" \
                    "$(sh_quote "$CONFIG_DIR/agent.properties")"
                cat <<'WRAPPER'
if [ ! -f "$jar" ]; then
    echo "noderr-agent: $jar is not installed yet: run install.sh again (no token needed)." >&2
    exit 1
fi
# The configuration of this node, unless the command names one (or is none: --help, --version).
command=
case "${1:-}" in
    "" | -*) set -- -jar "$jar" "$@" ;;
    *)
        with_config=1
        for arg in "$@"; do
            case "$arg" in -c | --config | --config=*) with_config=0 ;; esac
        done
        command=$1
        shift
        if [ "$with_config" = 1 ]; then
            set -- -jar "$jar" "$command" --config "$config" "$@"
        else
            set -- -jar "$jar" "$command" "$@"
        fi
        ;;
esac
export MALLOC_ARENA_MAX=2
if [ "$command" = run ]; then # the daemon: exactly the service's flags (docs/agent.md, "Footprint")
    set -- -Xss256k -XX:+UseSerialGC -Xms8m -Xmx32m -Xmn2m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -Xint "$@"
else # a command that runs once: the JIT, and room for a check's or a rollback's work
    set -- -Xss256k -XX:+UseSerialGC -Xms8m -Xmx64m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 "$@"
fi
WRAPPER
                printf '%s\n' "$user_part"
            } >"$path.new" &&
            chmod 0755 "$path.new" && mv -f "$path.new" "$path"
    }; then
        rm -f "$path.new"
        warn "could not install the noderr-agent command as $path (message above). Run the agent as:"
        warn "  $java -jar $AGENT_DIR/noderr-agent.jar <command> --config $CONFIG_DIR/agent.properties"
        return 0
    fi
    say "Installed the command $path (noderr-agent status, check, rollback, retry)."
}

install_service() {
    step "Service"
    local source_dir="" unit java_for_unit systemd_java
    if [[ -n "${BASH_SOURCE[0]:-}" && -f "${BASH_SOURCE[0]}" ]]; then source_dir=$(dirname "${BASH_SOURCE[0]}"); fi
    if [[ -n "$source_dir" && -f "$source_dir/$SERVICE_NAME" ]]; then
        unit=$(cat "$source_dir/$SERVICE_NAME")
    else
        unit=$(embedded_unit)
    fi
    java_for_unit="/usr/bin/env java"
    systemd_java=$(PATH=$SYSTEMD_PATH command -v java || true)
    if [[ -n "$JAVA_BIN" ]] && { [[ -z "$systemd_java" ]] ||
        [[ "$(readlink -f "$systemd_java")" != "$(readlink -f "$JAVA_BIN")" ]]; }; then
        java_for_unit=$JAVA_BIN # the java on systemd's PATH is missing or older than 21
    fi
    if [[ ! -d "$(dirname "$UNIT_PATH")" ]]; then
        warn "$(dirname "$UNIT_PATH") does not exist (no systemd): no service installed. Start the agent with:"
        warn "  runuser -u $NODERR_USER -- $java_for_unit -jar $AGENT_DIR/noderr-agent.jar run --config $CONFIG_DIR/agent.properties"
        return 0
    fi
    local line lines=()
    while IFS= read -r line; do
        if [[ "$line" == "ExecStart=/usr/bin/env java "* ]]; then line="ExecStart=$java_for_unit ${line#ExecStart=/usr/bin/env java }"; fi
        lines+=("$line")
    done <<<"$unit"
    printf '%s\n' "${lines[@]}" >"$UNIT_PATH.new"
    chmod 0644 "$UNIT_PATH.new"
    mv -f "$UNIT_PATH.new" "$UNIT_PATH"
    say "Installed the systemd unit $UNIT_PATH."
    if [[ ! -d /run/systemd/system ]]; then
        say "systemd is not running on this machine: start the agent yourself, e.g."
        local exec_line
        exec_line=$(grep '^ExecStart=' "$UNIT_PATH")
        say "  MALLOC_ARENA_MAX=2 runuser -u $NODERR_USER -- ${exec_line#ExecStart=}"
        return 0
    fi
    systemctl daemon-reload
    if ((AGENT_READY)); then
        if systemctl enable "$SERVICE_NAME" >/dev/null && systemctl restart "$SERVICE_NAME"; then
            say "Service $SERVICE_NAME enabled and started (logs: journalctl -u $SERVICE_NAME -f)."
        else
            warn "could not start $SERVICE_NAME: see systemctl status $SERVICE_NAME and journalctl -u $SERVICE_NAME."
        fi
    else
        say "Service $SERVICE_NAME installed but not started (no agent jar yet)."
    fi
}

# ---------------------------------------------------------------------------------------------------- uninstall

uninstall() {
    local where=/etc/noderr removed=() created_user dir node_id wrapper
    if in_prefix; then where=$OPT_PREFIX; else require_root; fi
    confirm "Remove the Noderr node agent, its configuration and node key from $where?" "uninstall"
    step "Uninstall"
    created_user=$(read_prop "$CONFIG_DIR/.installer-state" created-user)
    node_id=$(read_prop "$CONFIG_DIR/agent.properties" node-id)
    wrapper=$(wrapper_path)
    if [[ -f "$wrapper" ]] && grep -qF "$WRAPPER_MARK" "$wrapper"; then
        rm -f "$wrapper"
        removed+=("$wrapper")
    fi
    if ! in_prefix; then
        if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
            if systemctl list-unit-files "$SERVICE_NAME" 2>/dev/null | grep -q "^$SERVICE_NAME"; then
                systemctl disable --now "$SERVICE_NAME" >/dev/null 2>&1 || true
                removed+=("service $SERVICE_NAME (stopped and disabled)")
            fi
        fi
        if [[ -f "$UNIT_PATH" ]]; then
            rm -f "$UNIT_PATH"
            removed+=("$UNIT_PATH")
            if [[ -d /run/systemd/system ]]; then systemctl daemon-reload || true; fi
        fi
    fi
    for dir in "$AGENT_DIR" "$CONFIG_DIR" "$STATE_DIR"; do
        if [[ -e "$dir" ]]; then
            rm -rf -- "$dir"
            removed+=("$dir")
        fi
    done
    if in_prefix; then
        rmdir "$OPT_PREFIX/etc" "$OPT_PREFIX/var/lib" "$OPT_PREFIX/var" "$OPT_PREFIX/opt" "$OPT_PREFIX/bin" 2>/dev/null || true
    elif id -u "$NODERR_USER" >/dev/null 2>&1; then
        if [[ "$created_user" == "$NODERR_USER" ]]; then
            userdel "$NODERR_USER" 2>/dev/null || warn "could not remove user $NODERR_USER (is the agent still running?)"
            if getent group "$NODERR_USER" >/dev/null; then groupdel "$NODERR_USER" 2>/dev/null || true; fi
            removed+=("user $NODERR_USER")
        else
            say "Kept user $NODERR_USER: it was not created by this installer."
        fi
    fi
    if ((${#removed[@]} == 0)); then
        say "Nothing to remove: the Noderr node agent is not installed${OPT_PREFIX:+ in $OPT_PREFIX}."
        return 0
    fi
    say "Removed:"
    printf '  %s\n' "${removed[@]}"
    say "The node key is deleted, so this node can no longer authenticate. Docker containers and images the agent"
    say "started are not touched."
    if [[ -n "$node_id" ]]; then
        say "This machine was node $node_id: if it is retired, ask the network admins to suspend node $node_id."
    else
        say "No node id was recorded in agent.properties: if this machine was a node, its id is in the network's registry."
    fi
}

# ---------------------------------------------------------------------------------------------------- key rotation
#
# The new key is made in key.new/ beside key/ and only swapped in once the control plane has it:
#   1. log in with key/ (the current key); make key.new/; sign a fresh nonce with key.new/ and the nonce followed by
#      key.new/'s DER SubjectPublicKeyInfo with key/; POST /api/v1/auth/rotate;
#   2. on 200: rename key/ to key.old/ and key.new/ to key/ (two renames), check the login with key/, rewrite
#      agent.properties (the key type may have changed), remove key.old/, restart the agent.
# A run that stopped on the way leaves one of these, which the next --rotate-key resolves before anything else:
#   key/ + key.new/        the answer to the rotation may have been lost: log in with key.new/ first; accepted: swap;
#                          refused but key/ accepted: the control plane never took key.new/, which is thrown away
#   key.old/ + key.new/    stopped between the renames: key.new/ is the accepted key, move it to key/ and finish
#   key.old/ + key/        stopped after the renames: finish (check, configuration, remove key.old/, restart)
# At every point the key the control plane accepts is on disk; key/ is deleted only by the renames.

ROTATE_RERUN="Run install.sh --rotate-key again: it finds out which key the control plane has and finishes or undoes the rotation."

rotate_key() {
    local key=$CONFIG_DIR/key new=$CONFIG_DIR/key.new old=$CONFIG_DIR/key.old recorded_ca
    in_prefix || require_root
    NODE_ID=$(read_prop "$CONFIG_DIR/agent.properties" node-id)
    [[ -n "$NODE_ID" ]] || die "no installed node to rotate the key of: $CONFIG_DIR/agent.properties has no node-id." \
        "Install the node first (install.sh --url <control plane URL>)${OPT_PREFIX:+, or check --prefix}."
    NODE_TIER=$(read_prop "$CONFIG_DIR/agent.properties" tier)
    OPT_URL=$(read_prop "$CONFIG_DIR/agent.properties" control-plane-url)
    [[ "$OPT_URL" =~ ^https?://[^/[:space:]]+ ]] ||
        die "$CONFIG_DIR/agent.properties has no usable control-plane-url: run the installer again with --url first."
    while [[ "$OPT_URL" == */ ]]; do OPT_URL=${OPT_URL%/}; done
    check_url_scheme
    recorded_ca=$(read_prop "$CONFIG_DIR/agent.properties" ca-file)
    resolve_ca_file # --ca-file FILE or none: for this run's requests; the agent's ca-file is kept (see below)
    if [[ ! -d "$old" ]] && ! key_complete "$key"; then
        die "node $NODE_ID has no complete node key in $key: there is no key to rotate." \
            "Run the installer with --uninstall, then install again with a new install token."
    fi
    confirm "Replace the node key of node $NODE_ID (control plane $OPT_URL)?" "rotate the key"
    WORK_DIR=$(mktemp -d)
    trap cleanup EXIT
    if command -v flock >/dev/null 2>&1; then
        exec 9<"$CONFIG_DIR"
        flock -n 9 || die "another install.sh --rotate-key is running for this node."
    fi
    say "Noderr node key rotation: node $NODE_ID, control plane $OPT_URL"
    if [[ -n "$CA_FILE" ]]; then say "Trusting the CA certificate in $CA_FILE for the control plane."; fi
    install_sign_helper
    CA_FILE_FOR_CONFIG=$recorded_ca

    if [[ -d "$old" ]]; then
        step "Unfinished key rotation"
        if [[ ! -d "$key" ]]; then
            key_complete "$new" || die "$key is missing and $new is incomplete: no node key to continue with." \
                "The previous key is in $old. Ask the network admins for help (do not delete $old)."
            say "The new key had been accepted; it was being moved into place: finishing."
            mv -T "$new" "$key"
        else
            say "The new key had been accepted and moved into place: finishing."
        fi
        finish_rotation
        return 0
    fi

    if [[ -e "$new" ]]; then
        step "Unfinished key rotation"
        if ! key_complete "$new"; then
            say "Removing the incomplete $new of an earlier run (it was never sent to the control plane)."
            discard_key_dir "$new"
        elif ! key_signs "$new"; then
            # (a TPM key whose TPM was cleared, say): useless even if the control plane took it; the current key may
            # still work
            sed 's/^/       /' "$WORK_DIR/probe.err" >&2
            warn "the key in $new cannot sign: checking the current key."
        elif key_login "$new" "$ROTATE_RERUN"; then
            say "The control plane already has the new key in $new (the answer to an earlier rotation was lost)."
            swap_keys
            return 0
        elif [[ "$(problem_type)" != signature-invalid ]]; then
            fail_with_problem "Logging in with the new key in $new" "$ROTATE_RERUN"
        else
            say "The control plane does not have the key in $new: checking the current key."
        fi
    fi

    step "Current key"
    key_login "$key" "Nothing was changed." ||
        fail_with_problem "Logging in with the current node key" \
            "$([[ -e "$new" ]] && echo "Neither the key in $key nor the one in $new is accepted; both are kept.")"
    say "Node $NODE_ID logged in with its current $(tr -d '[:space:]' <"$key/key-type") key."
    if [[ -e "$new" ]]; then
        say "Removing $new: an earlier rotation did not reach the control plane."
        discard_key_dir "$new"
    fi

    step "New key"
    install -d -m 0700 "$new"
    create_key "$new"
    secure_key_dir "$new"
    request_rotation "$key" "$new"
    swap_keys
}

# request_rotation CURRENT_DIR NEW_DIR: POST /api/v1/auth/rotate with ACCESS_TOKEN; returns when the control plane
# took the new key. A refusal (4xx) removes NEW_DIR; any other failure keeps it for the next run to resolve.
request_rotation() {
    local current=$1 new=$2 new_type by_new by_current body
    step "Rotation"
    new_type=$(tr -d '[:space:]' <"$new/key-type")
    openssl pkey -pubin -in "$new/node-key.pub.pem" -outform DER -out "$WORK_DIR/new-key.der" ||
        die "could not read the new public key from $new/node-key.pub.pem."
    fetch_nonce "Nothing was changed on the control plane. $ROTATE_RERUN"
    sign_with "$new" <"$WORK_DIR/nonce" >"$WORK_DIR/by-new" ||
        die "signing with the new $new_type key in $new failed (messages above)." "$ROTATE_RERUN"
    cat "$WORK_DIR/nonce" "$WORK_DIR/new-key.der" | sign_with "$current" >"$WORK_DIR/by-current" ||
        die "signing with the current key in $current failed (messages above)." "$ROTATE_RERUN"
    by_new=$(base64 <"$WORK_DIR/by-new" | tr -d '\n')
    by_current=$(base64 <"$WORK_DIR/by-current" | tr -d '\n')
    printf -v body '{"nonce":"%s","newPublicKey":"%s","signatureByNewKey":"%s","signatureByCurrentKey":"%s","keyAttestation":{"type":"%s"}}' \
        "$(json_escape "$NONCE")" "$(base64 <"$WORK_DIR/new-key.der" | tr -d '\n')" "$by_new" "$by_current" "$new_type"
    printf 'Authorization: Bearer %s\n' "$ACCESS_TOKEN" >"$WORK_DIR/authorization"
    API_NOTE="The control plane may or may not have taken the new key; both keys are kept. $ROTATE_RERUN"
    api_post /api/v1/auth/rotate "$WORK_DIR/authorization" <<<"$body"
    API_NOTE=$ROTATE_RERUN
    rm -f "$WORK_DIR/authorization"
    ACCESS_TOKEN=""
    if [[ "$HTTP_STATUS" == 200 ]]; then
        say "The control plane took the new $new_type key of node $NODE_ID."
        local recorded
        recorded=$(json_field keyType "$HTTP_BODY")
        if [[ -n "$recorded" && "$recorded" != "$new_type" ]]; then
            warn "The control plane recorded the new key as $recorded, not $new_type: the dashboard shows the node's" \
                "key as $recorded. Tell the network's admins; the key itself works."
        fi
        return 0
    fi
    PROBLEM_HINTS=0 # the login advice does not fit: the current key was accepted moments ago
    if [[ "$HTTP_STATUS" == 4[0-9][0-9] ]]; then
        discard_key_dir "$new"
        fail_with_problem "The key rotation" "The current key stays in use; the new one was removed."
    fi
    fail_with_problem "The key rotation" "The control plane may or may not have taken the new key; both keys are kept." \
        "$ROTATE_RERUN"
}

# The control plane has key.new/: move it to key/, keeping the old key as key.old/ until finish_rotation.
swap_keys() {
    local key=$CONFIG_DIR/key new=$CONFIG_DIR/key.new old=$CONFIG_DIR/key.old
    step "Swap"
    mv -T "$key" "$old"
    mv -T "$new" "$key"
    say "The new key is now $key; the previous one is $old until the new one is checked."
    finish_rotation
}

# key/ holds the key the control plane took and key.old/ the previous one: check key/ logs in, point the agent at
# it, remove key.old/ and restart the agent. Should the control plane refuse key/ (it never took it), the previous
# key is moved back so that the node keeps a working key.
finish_rotation() {
    local key=$CONFIG_DIR/key new=$CONFIG_DIR/key.new old=$CONFIG_DIR/key.old
    step "Check"
    API_NOTE=$ROTATE_RERUN
    if ! key_login "$key" "$ROTATE_RERUN"; then
        if [[ "$(problem_type)" == signature-invalid && -d "$old" && ! -e "$new" ]]; then
            mv -T "$key" "$new"
            mv -T "$old" "$key"
            PROBLEM_HINTS=0 # not "uninstall": the previous key is back, and the re-run checks it
            fail_with_problem "Logging in with the new key" "The previous key is back in $key." "$ROTATE_RERUN"
        fi
        fail_with_problem "Logging in with the new key" "$ROTATE_RERUN"
    fi
    ACCESS_TOKEN=""
    load_key "$key"
    say "Node $NODE_ID logs in with the new $KEY_TYPE key."
    CA_FILE=$CA_FILE_FOR_CONFIG # agent.properties keeps the agent's ca-file whatever this run trusted
    write_config
    API_NOTE=""
    discard_key_dir "$old"
    say "Removed the previous key ($old)."
    restart_agent
    step "Done"
    say "Node key:      $KEY_PATH ($KEY_TYPE)"
    say "Public key:    $key/node-key.pub.pem"
}

# discard_key_dir DIR: removes a key directory. TPM keys are kept as blobs that load only under this TPM's primary
# key and are never made persistent (no handle to evict); flushing drops whatever a stopped run left loaded.
discard_key_dir() {
    [[ -e "$1" ]] || return 0
    if [[ -f "$1/tpm-key.priv" ]] && command -v tpm2_flushcontext >/dev/null 2>&1; then
        TPM2TOOLS_TCTI=${TPM2TOOLS_TCTI:-$(tr -d '[:space:]' <"$1/tpm-tcti" 2>/dev/null || true)} tpm_flush
    fi
    rm -rf -- "$1"
}

# The agent reads its configuration at start: restart the service (only if it runs) so it uses the new key.
restart_agent() {
    if in_prefix; then
        say "Sandbox install: no service. Restart an agent you run yourself so that it reads the new configuration."
        return 0
    fi
    if [[ ! -f "$UNIT_PATH" || ! -d /run/systemd/system ]] || ! command -v systemctl >/dev/null 2>&1; then
        say "No running $SERVICE_NAME: start the agent as before; it uses the new key."
        return 0
    fi
    if systemctl try-restart "$SERVICE_NAME"; then
        say "Restarted $SERVICE_NAME (if it was running): the agent uses the new key."
    else
        warn "could not restart $SERVICE_NAME: run systemctl restart $SERVICE_NAME (see journalctl -u $SERVICE_NAME)."
    fi
}

# key_signs KEY_DIR: the key in KEY_DIR signs, and the signature verifies with its public key. Messages of a failure
# are in $WORK_DIR/probe.err.
key_signs() {
    head -c 32 /dev/urandom >"$WORK_DIR/probe"
    sign_with "$1" <"$WORK_DIR/probe" >"$WORK_DIR/probe.sig" 2>"$WORK_DIR/probe.err" &&
        openssl dgst -sha256 -verify "$1/node-key.pub.pem" -signature "$WORK_DIR/probe.sig" "$WORK_DIR/probe" \
            >>"$WORK_DIR/probe.err" 2>&1
}

problem_type() {
    local type
    type=$(json_field type "$HTTP_BODY")
    printf '%s' "${type##*/}"
}

# ---------------------------------------------------------------------------------------------------- main

cleanup() {
    local rc=$?
    if ((rc != 0 && !REGISTER_SENT)); then undo_created; fi
    if [[ -n "$WORK_DIR" && -d "$WORK_DIR" ]]; then rm -rf "$WORK_DIR"; fi
}

main() {
    parse_args "$@"
    unset NODERR_INSTALL_TOKEN # read into OPT_TOKEN; not passed on to the commands this script runs
    set_layout
    umask 027
    if ((OPT_UNINSTALL)); then
        uninstall
        return 0
    fi
    check_tools
    if ((OPT_ROTATE)); then
        rotate_key
        return 0
    fi
    resolve_ca_file # before asking for the token: a wrong --ca-file is found without typing it first
    check_install_args
    in_prefix || require_root
    WORK_DIR=$(mktemp -d)
    trap cleanup EXIT

    local recorded_id=$RECORDED_ID key_dir=$CONFIG_DIR/key
    say "Noderr node installer: control plane $OPT_URL"
    if in_prefix; then say "Sandbox install under $OPT_PREFIX (no root, no user, no systemd service)."; fi
    if [[ -n "$CA_FILE" ]]; then say "Trusting the CA certificate in $CA_FILE for the control plane."; fi
    if ((!OPT_DRY_RUN)); then check_control_plane; fi
    resolve_token
    if [[ -n "$recorded_id" ]] && [[ -e "$CONFIG_DIR/key.new" || -e "$CONFIG_DIR/key.old" ]]; then
        die "a key rotation of node $recorded_id did not finish ($CONFIG_DIR/key.new or key.old is there)." \
            "Run the installer with --rotate-key: it finds out which key the control plane has and finishes or undoes it."
    fi
    if [[ -n "$recorded_id" ]] && ! key_complete "$key_dir"; then
        die "this machine is registered as $recorded_id but its node key in $key_dir is missing." \
            "Run the installer with --uninstall, then install again with a new install token."
    fi

    check_writable
    run_preflight
    check_prerequisites
    local tier_text="the tier of your install token"
    if [[ -n "$OPT_TIER" ]]; then tier_text="tier $OPT_TIER"; fi
    if [[ -n "$recorded_id" ]]; then tier_text="tier $(read_prop "$CONFIG_DIR/agent.properties" tier)"; fi
    confirm "Install the Noderr node agent for $tier_text into ${OPT_PREFIX:-/etc/noderr, /var/lib/noderr and /opt/noderr}?" \
        "install"

    if ((!OPT_DRY_RUN)); then fetch_agent; fi
    if ! in_prefix; then ensure_user; fi
    make_dirs
    ensure_key
    install_sign_helper
    if ((OPT_DRY_RUN)); then
        say "Dry run: stopping before registration ($KEY_TYPE key, public key $key_dir/node-key.pub.pem)."
        return 0
    fi

    if [[ -n "$recorded_id" ]]; then
        NODE_ID=$recorded_id
        NODE_TIER=$(read_prop "$CONFIG_DIR/agent.properties" tier)
        step "Registration"
        say "Already registered as $NODE_ID (tier $NODE_TIER): skipping registration (re-running is safe)."
        if [[ -n "$OPT_TIER" && "$OPT_TIER" != "$NODE_TIER" ]]; then
            warn "--tier $OPT_TIER ignored: this node is registered in tier $NODE_TIER."
        fi
        OPT_TOKEN=""
    else
        register_node
    fi
    install_ca_file # before agent.properties names it
    write_config    # before authenticating, so that a re-run after a failure here does not register twice
    remove_ca_file  # after agent.properties no longer names it
    authenticate_node

    if [[ "$NODE_TIER" != "$PREFLIGHT_TIER" ]]; then
        step "Preflight for tier $NODE_TIER"
        if ! preflight_table "$NODE_TIER"; then
            warn "this machine is below the $NODE_TIER tier minimums: the node may be unable to run its workload."
        fi
    fi

    install_agent
    install_wrapper
    if in_prefix; then
        say "Sandbox install: no service. Run the agent with:"
        say "  $(wrapper_path) run"
    else
        install_service
    fi
    step "Done"
    say "Configuration: $CONFIG_DIR/agent.properties"
    say "Node key:      $KEY_PATH ($KEY_TYPE)"
    say "State:         $STATE_DIR"
    if [[ -n "$CA_FILE" ]]; then say "Control plane CA: $CA_FILE"; fi
    if ((AGENT_READY)); then
        # What the agent needs, checked now (node key, login, target, chain, Docker, push stream): the first thing to
        # run when the node does not show up or update.
        local run_as=""
        in_prefix || run_as="sudo "
        say "Check it:      $run_as$(wrapper_path) check    (status, rollback, retry: docs/operators.md)"
    fi
}

# ---------------------------------------------------------------------------------------------------- embedded files
# Copies of installers/noderr-sign.sh and installers/noderr-agent.service, used when this script runs without its
# folder (curl ... | bash). installers/tests/run.sh checks that they equal the files.

embedded_sign_helper() {
    cat <<'NODERR_EMBEDDED_EOF'
#!/usr/bin/env bash
# Signs a message with the Noderr node key: ECDSA P-256 over SHA-256, DER-encoded signature.
#
#   noderr-sign.sh <config-dir> < message > signature
#
# <config-dir> is the node's config directory (/etc/noderr, or <prefix>/etc/noderr). Its key/ folder was made by
# install.sh and holds key-type (SOFTWARE or TPM2) and the key files:
#   SOFTWARE  node-key.pem (PKCS#8, 0600)
#   TPM2      tpm-key.pub + tpm-key.priv (the key's blobs, usable only inside this machine's TPM) and, when the
#             installer used a non-default TPM connection, tpm-tcti. The primary key they are loaded under is
#             re-created from the owner hierarchy with the fixed template below (the same TPM gives the same key).
# Both write a DER ECDSA signature (SEQUENCE of r and s) to stdout; nothing else is written to stdout.
set -euo pipefail

if [[ $# -ne 1 || -z "$1" ]]; then
    echo "usage: noderr-sign.sh <config-dir> < message > signature" >&2
    exit 2
fi
key_dir="$1/key"
if [[ ! -r "$key_dir/key-type" ]]; then
    echo "noderr-sign: no node key in $key_dir (missing key-type); run install.sh first" >&2
    exit 1
fi
key_type=$(tr -d '[:space:]' <"$key_dir/key-type")

# The primary key's template; install.sh uses the same one. Keep both in step.
tpm_primary_args=(-C o -g sha256 -G ecc256
    -a 'restricted|decrypt|fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda')

# Without a resource manager (a direct /dev/tpm0 or a simulator) objects stay loaded after each tool exits and the
# TPM runs out of object slots: flush transient objects after every step. With /dev/tpmrm0 this does nothing.
tpm_flush() { tpm2_flushcontext -t >/dev/null 2>&1 || true; }

case "$key_type" in
    SOFTWARE)
        exec openssl dgst -sha256 -sign "$key_dir/node-key.pem"
        ;;
    TPM2)
        if [[ -z "${TPM2TOOLS_TCTI:-}" && -r "$key_dir/tpm-tcti" ]]; then
            TPM2TOOLS_TCTI=$(tr -d '[:space:]' <"$key_dir/tpm-tcti")
            export TPM2TOOLS_TCTI
        fi
        work=$(mktemp -d)
        trap 'tpm_flush; rm -rf "$work"' EXIT
        cat >"$work/message"
        tpm_flush
        tpm2_createprimary -Q "${tpm_primary_args[@]}" -c "$work/primary.ctx" >/dev/null
        tpm_flush
        tpm2_load -Q -C "$work/primary.ctx" -u "$key_dir/tpm-key.pub" -r "$key_dir/tpm-key.priv" \
            -c "$work/key.ctx" >/dev/null
        tpm_flush
        # -f plain: for ECDSA keys tpm2-tools writes the DER SEQUENCE { r, s } that openssl and Java verify.
        tpm2_sign -Q -c "$work/key.ctx" -g sha256 -s ecdsa -f plain -o "$work/signature" "$work/message" >/dev/null
        cat "$work/signature"
        ;;
    *)
        echo "noderr-sign: unknown key type '$key_type' in $key_dir/key-type" >&2
        exit 1
        ;;
esac
NODERR_EMBEDDED_EOF
}

embedded_unit() {
    cat <<'NODERR_EMBEDDED_EOF'
# Noderr node agent. Installed by install.sh as /etc/systemd/system/noderr-agent.service.
# install.sh replaces "/usr/bin/env java" with an absolute path when the java on systemd's PATH is older than 21.
[Unit]
Description=Noderr node agent
Documentation=https://noderr.network/docs/operators
Wants=network-online.target docker.service
After=network-online.target docker.service

[Service]
Type=simple
User=noderr
# JVM flags chosen for a small idle footprint (docs/agent.md, "Footprint"): interpreter only (the agent's work is
# waiting on the network and Docker), serial GC, a heap that starts small and gives memory back, one malloc arena pair.
Environment=MALLOC_ARENA_MAX=2
ExecStart=/usr/bin/env java -Xss256k -XX:+UseSerialGC -Xms8m -Xmx32m -Xmn2m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -Xint -jar /opt/noderr/noderr-agent.jar run --config /etc/noderr/agent.properties
Restart=always
RestartSec=10
# Exit code 3: the metrics port is taken (another agent on this host, most likely). Restarting cannot help until the
# operator acts, and would only repeat the error every 10 s (docs/agent.md, "Exit codes").
RestartPreventExitStatus=3
NoNewPrivileges=true
ProtectSystem=strict
ProtectHome=true
ReadWritePaths=/var/lib/noderr /etc/noderr
PrivateTmp=true

[Install]
WantedBy=multi-user.target
NODERR_EMBEDDED_EOF
}

if [[ "${BASH_SOURCE[0]:-$0}" == "$0" ]]; then
    main "$@"
fi
