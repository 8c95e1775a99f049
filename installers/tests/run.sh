#!/usr/bin/env bash
# Tests for the Linux installer, in plain bash: installers/tests/run.sh [name-filter]   (VERBOSE=1: show all output)
#
# Everything runs in sandbox installs (--prefix) under a temporary directory: argument errors, the preflight table
# (pass / fail / --force through the NODERR_PREFLIGHT_* overrides), the Docker/Java checks (with stand-in docker and
# java commands), software keys, TPM keys in a real software TPM (swtpm), signatures of noderr-sign.sh checked with
# openssl, re-runs, uninstall, shellcheck, an unreachable control plane, plain http refused, the agent jar's SHA-256
# (served with a digest by a local python3 http.server) and the install token from a file, the environment or the
# terminal, never on a command line (a curl wrapper looks through every process's /proc/<pid>/cmdline), and
# --ca-file against a stand-in control plane over HTTPS whose certificate comes from a throwaway CA, and --rotate-key
# against the same stand-in (the request's signatures checked with openssl, the swap, a lost answer, software <-> TPM).
# Registration, challenge/verify and the key rotation against the real control plane, and the root layout
# (tests/system-layout.sh), run in the Java InstallerIT.
# Needs: bash, openssl, shellcheck, swtpm, tpm2-tools, python3 (installed with apt-get when missing, as root).
# The last line is "N passed, N failed"; the exit code is non-zero when a test failed.
# shellcheck disable=SC2015 # "check && check || fail ..." is meant: fail also runs after an earlier check failed
set -uo pipefail

TESTS_DIR=$(cd "$(dirname "$0")" && pwd)
INSTALLERS=$(dirname "$TESTS_DIR")
INSTALL=$INSTALLERS/install.sh
FILTER=${1:-}
TMP=$(mktemp -d)
PASSED=0
FAILED=0
FAILED_NAMES=()
T="" # the running test's directory
SWTPM_PID=""
SWTPM_PORT=""
HTTP_PID=""
HTTP_PORT=""
REAL_CURL=$(command -v curl)
# An install token in the form the control plane issues (nit_ and 43 base64url characters); the control plane is a
# stand-in or unreachable in these tests, so it is never checked further.
TOK=nit_$(printf 'A%.0s' {1..43})

cleanup() {
    stop_swtpm
    stop_http
    rm -rf "$TMP"
}
trap cleanup EXIT

# ------------------------------------------------------------------------------------------------ helpers

fail() {
    printf '    %s\n' "$@" >&2
    return 1
}

# run NAME: runs test_NAME in a subshell with its own directory $T; output of failing tests is shown.
run() {
    local name=$1
    if [[ -n "$FILTER" && "$name" != *"$FILTER"* ]]; then return 0; fi
    local dir=$TMP/$name
    mkdir -p "$dir"
    # swtpm started by a test is stopped by its PID when the test ends.
    T=$dir
    if (cd "$dir" && "test_$name"; rc=$?; stop_swtpm; stop_http; exit "$rc") >"$dir/test.log" 2>&1; then
        PASSED=$((PASSED + 1))
        printf 'ok     %s\n' "$name"
        if [[ -n "${VERBOSE:-}" ]]; then sed 's/^/    | /' "$dir/test.log"; fi
    else
        FAILED=$((FAILED + 1))
        FAILED_NAMES+=("$name")
        printf 'FAILED %s\n' "$name"
        sed 's/^/    | /' "$dir/test.log" | tail -n 40
    fi
}

# inst ARGS...: runs install.sh with stand-in docker/java that work (those in $FAKE, default $FAKE_OK), without a
# terminal (setsid: nothing to prompt on); sets RC, OUT (stdout+stderr), ERR (stderr).
inst() {
    local stdout=$T/.stdout stderr=$T/.stderr fake=${FAKE:-$FAKE_OK}
    PATH=$fake:$PATH NODERR_JAVA=$fake/java setsid -w bash "$INSTALL" "$@" >"$stdout" 2>"$stderr" </dev/null
    RC=$?
    ERR=$(cat "$stderr")
    OUT=$(cat "$stdout" "$stderr")
}

# A dry run (preflight + key, no control plane) in the sandbox $T/p, on a machine that passes every tier.
dry() {
    NODERR_PREFLIGHT_CPU=${CPU:-16} NODERR_PREFLIGHT_MEM_GB=${MEM:-64} NODERR_PREFLIGHT_DISK_GB=${DISK:-500} \
        inst --prefix "$T/p" --token "$TOK" --url http://127.0.0.1:9 --yes --dry-run "$@"
}

expect_rc() {
    [[ "$RC" == "$1" ]] || fail "expected exit code $1, got $RC; output:" "$OUT"
}

expect_out() {
    [[ "$OUT" == *"$1"* ]] || fail "expected output to contain: $1" "output was:" "$OUT"
}

expect_no_out() {
    [[ "$OUT" != *"$1"* ]] || fail "output must not contain: $1" "output was:" "$OUT"
}

mode_of() { stat -c %a "$1"; }

# Verifies a signature file over a message file with a PEM public key.
verify_sig() { # pub.pem message signature
    openssl dgst -sha256 -verify "$1" -signature "$3" "$2" >/dev/null 2>&1
}

# Prints a port P with P and P+1 free on 127.0.0.1, below the kernel's ephemeral range: a port in that range can be
# held by a client connection (or its TIME_WAIT), which a connect does not see but a server's bind fails on.
free_port() {
    local p low=10000 high
    high=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
    ((high > low + 1000)) || high=32768
    for _ in $(seq 1 50); do
        p=$((low + RANDOM % (high - low - 2)))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && ! (exec 3<>"/dev/tcp/127.0.0.1/$((p + 1))") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

wait_port() {
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    return 1
}

# A real software TPM for one test (state in $T/swtpm, kept across a restart within the test).
start_swtpm() {
    mkdir -p "$T/swtpm"
    local fresh=0 attempt
    [[ -n "$SWTPM_PORT" ]] || fresh=1 # a restart keeps its port: the key's recorded connection names it
    for attempt in 1 2 3 4 5; do
        ((fresh)) && SWTPM_PORT=$(free_port)
        swtpm socket --tpm2 --tpmstate "dir=$T/swtpm" \
            --server "type=tcp,port=$SWTPM_PORT,bindaddr=127.0.0.1" \
            --ctrl "type=tcp,port=$((SWTPM_PORT + 1)),bindaddr=127.0.0.1" \
            --flags not-need-init,startup-clear >"$T/swtpm.log" 2>&1 &
        SWTPM_PID=$!
        if wait_port "$SWTPM_PORT"; then
            export TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$SWTPM_PORT"
            return 0
        fi
        kill "$SWTPM_PID" 2>/dev/null
        wait "$SWTPM_PID" 2>/dev/null
        SWTPM_PID=""
        # Taken between the check and the bind (or still held after a restart): another try.
        grep -q 'Address already in use' "$T/swtpm.log" || break
        ((fresh)) || sleep 1
    done
    echo "swtpm did not start (attempt $attempt):" && cat "$T/swtpm.log"
    return 1
}

stop_swtpm() {
    if [[ -n "$SWTPM_PID" ]]; then
        kill "$SWTPM_PID" 2>/dev/null
        wait "$SWTPM_PID" 2>/dev/null
        SWTPM_PID=""
    fi
}

# serve_health: the control plane's health check (GET /api/v1/health-check) as a file under $T/www.
serve_health() {
    mkdir -p "$T/www/api/v1"
    printf '{"status":"ok","timestamp":"2026-01-01T00:00:00Z"}' >"$T/www/api/v1/health-check"
}

# type_at_token_prompt CMD TEXT: runs CMD in a terminal (script) and, once its install token prompt is up, types TEXT
# and Enter, as a person would. Sets RC and OUT (what the terminal showed).
type_at_token_prompt() {
    : >"$T/tty.log"
    RC=0
    {
        for _ in $(seq 1 200); do
            if grep -q "Install token" "$T/tty.log"; then break; fi
            sleep 0.1
        done
        sleep 0.5
        printf '%s\n' "$2"
    } | script -qfec "$1" "$T/tty.log" >/dev/null || RC=$?
    OUT=$(cat "$T/tty.log")
}

# A plain web server for $T/www on 127.0.0.1 (stands in for the control plane's health check and downloads; its
# POST answers 501); sets HTTP_PORT.
start_http() {
    mkdir -p "$T/www/downloads"
    serve_health
    HTTP_PORT=$(free_port)
    python3 -m http.server --bind 127.0.0.1 --directory "$T/www" "$HTTP_PORT" >"$T/http.log" 2>&1 &
    HTTP_PID=$!
    wait_port "$HTTP_PORT" || { echo "http.server did not start:" && cat "$T/http.log"; return 1; }
}

stop_http() {
    if [[ -n "$HTTP_PID" ]]; then
        kill "$HTTP_PID" 2>/dev/null
        wait "$HTTP_PID" 2>/dev/null
        HTTP_PID=""
    fi
}

# A stand-in control plane over HTTPS on 127.0.0.1 (stops with stop_http; sets HTTP_PORT): serves $T/www like
# start_http and answers register, challenge and verify with fixed bodies (the real ones are tested in InstallerIT).
# Its certificate is $T/server.pem, issued by the throwaway CA $T/ca.pem (see make_tls).
start_https() {
    mkdir -p "$T/www/downloads"
    serve_health
    HTTP_PORT=$(free_port)
    python3 "$HTTPS_SERVER" "$T/www" "$HTTP_PORT" "$T/server.pem" "$T/server.key" >"$T/http.log" 2>&1 &
    HTTP_PID=$!
    wait_port "$HTTP_PORT" || { echo "the https server did not start:" && cat "$T/http.log"; return 1; }
}

# make_ca NAME: a throwaway CA certificate $T/NAME.pem with its key $T/NAME.key.
make_ca() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/$1.key" -out "$T/$1.pem" \
        -days 2 -subj "/CN=Noderr test CA $1" -addext basicConstraints=critical,CA:TRUE \
        -addext keyUsage=critical,keyCertSign,cRLSign 2>"$T/openssl.log" || { cat "$T/openssl.log"; return 1; }
}

# make_tls: the CA $T/ca.pem and a server certificate for 127.0.0.1 issued by it ($T/server.pem, $T/server.key).
make_tls() {
    make_ca ca && make_server_cert ca server
}

# make_server_cert CA NAME: a server certificate for 127.0.0.1 issued by the CA $T/CA.pem: $T/NAME.pem, $T/NAME.key.
make_server_cert() {
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/$2.key" \
        -out "$T/$2.csr" -subj /CN=127.0.0.1 2>>"$T/openssl.log" &&
        openssl x509 -req -in "$T/$2.csr" -CA "$T/$1.pem" -CAkey "$T/$1.key" -CAcreateserial -days 2 \
            -out "$T/$2.pem" -extfile <(printf '%s\n' subjectAltName=IP:127.0.0.1 basicConstraints=CA:FALSE \
                extendedKeyUsage=serverAuth) 2>>"$T/openssl.log" ||
        { cat "$T/openssl.log"; return 1; }
}

# serve_agent [DIGEST]: puts an agent jar (a file starting with the zip magic) under $T/www/downloads with its
# SHA-256 file (DIGEST instead of the real one when given; "none": no digest file). Sets JAR_SHA256.
serve_agent() {
    printf 'PK\003\004 stand-in agent jar %s\n' "$RANDOM" >"$T/www/downloads/noderr-agent.jar"
    JAR_SHA256=$(sha256sum "$T/www/downloads/noderr-agent.jar" | cut -d ' ' -f 1)
    rm -f "$T/www/downloads/noderr-agent.jar.sha256"
    if [[ "${1:-}" != none ]]; then
        printf '%s  noderr-agent.jar\n' "${1:-$JAR_SHA256}" >"$T/www/downloads/noderr-agent.jar.sha256"
    fi
}

# A curl wrapper in $T/bin: before running the real curl it looks for the text in $T/secret in the command line of
# every process (/proc/<pid>/cmdline, which any local user can read) and appends the matches to $T/seen; request
# bodies (stdin) go to $T/bodies. The secret is read from a file, so it is on no command line itself.
spy_curl() {
    mkdir -p "$T/bin"
    : >"$T/seen"
    : >"$T/bodies"
    cat >"$T/bin/curl" <<EOF
#!/usr/bin/env bash
for f in /proc/[0-9]*/cmdline; do
    if tr '\\0' ' ' <"\$f" 2>/dev/null | grep -qFf "$T/secret"; then printf '%s\n' "\$f" >>"$T/seen"; fi
done
if [[ " \$* " == *" --data-binary "* ]]; then
    body=\$(cat)
    printf '%s\n' "\$body" >>"$T/bodies"
    printf '%s' "\$body" | "$REAL_CURL" "\$@"
    exit "\${PIPESTATUS[1]}"
fi
exec "$REAL_CURL" "\$@"
EOF
    chmod +x "$T/bin/curl"
}


# ------------------------------------------------------------------------------------------------ tests: basics

test_shellcheck() {
    shellcheck -x "$INSTALL" "$INSTALLERS/noderr-sign.sh" "$TESTS_DIR"/*.sh
}

test_embedded_copies_match_files() {
    diff <(bash -c 'source "$1"; embedded_sign_helper' _ "$INSTALL") "$INSTALLERS/noderr-sign.sh" &&
        diff <(bash -c 'source "$1"; embedded_unit' _ "$INSTALL") "$INSTALLERS/noderr-agent.service" ||
        fail "embedded copies in install.sh differ from the files: run installers/tests/embed.sh"
}

test_help() {
    inst --help
    expect_rc 0 && expect_out "Usage: install.sh --url" && expect_out "--token-file FILE" && expect_out "--uninstall" &&
        expect_out "--ca-file FILE"
}

test_args_errors_exit_2_with_usage() {
    local args
    while IFS= read -r args; do
        # shellcheck disable=SC2086 # word splitting wanted
        inst $args
        expect_rc 2 || fail "for: install.sh $args" || return 1
        [[ "$ERR" == *"Usage: install.sh"* ]] || fail "no usage on stderr for: install.sh $args" || return 1
    done <<'EOF'

--bogus
--token
--token --url http://127.0.0.1:9
--token t
--token t --url ftp://x
--token t --url http://127.0.0.1:9 --tier PLATINUM
--token t --url http://127.0.0.1:9 --key-type hsm
--token t --url http://127.0.0.1:9 --yes=1
--token t --url http://127.0.0.1:9 --agent-jar /nonexistent/agent.jar
--token t --url http://127.0.0.1:9 --ca-file
--token t --url http://127.0.0.1:9 --ca-file /nonexistent/ca.pem
EOF
    inst --token "$TOK" --url http://127.0.0.1:9 --bogus
    expect_out "unknown argument: --bogus"
    # a missing token says just that, and how to pass it (no usage text)
    inst --url http://127.0.0.1:9
    expect_rc 2 && expect_out "missing install token" && expect_out "--token-file FILE" &&
        expect_out "NODERR_INSTALL_TOKEN" && expect_out "no terminal to ask for it on" && expect_no_out "Usage:" || return 1
    inst --token "$TOK" --url http://127.0.0.1:9 ndr_positional_secret
    expect_rc 2 && expect_no_out "ndr_positional_secret" && expect_out "unexpected argument (not shown"
    NODERR_PREFLIGHT_CPU=many inst --token "$TOK" --url http://127.0.0.1:9 --prefix "$T/p"
    expect_rc 2 && expect_out "NODERR_PREFLIGHT_CPU must be a whole number"
}

test_piped_install_uses_embedded_files() {
    local rc=0
    OUT=$(NODERR_PREFLIGHT_CPU=16 NODERR_PREFLIGHT_MEM_GB=64 NODERR_PREFLIGHT_DISK_GB=500 PATH=$FAKE_OK:$PATH \
        NODERR_JAVA=$FAKE_OK/java bash -s -- --prefix "$T/p" --token "$TOK" --url http://127.0.0.1:9 --yes --dry-run \
        --key-type software <"$INSTALL" 2>&1) || rc=$?
    RC=$rc
    expect_rc 0 || return 1
    cmp -s "$T/p/etc/noderr/noderr-sign.sh" "$INSTALLERS/noderr-sign.sh" || fail "embedded sign helper differs"
}

test_equals_form_and_case_insensitive_tier() {
    dry --tier=oracle --key-type=software
    expect_rc 0 && expect_out "against the ORACLE tier minimums"
}

test_root_required_without_prefix() {
    if [[ "$(id -u)" -ne 0 ]]; then
        inst --token "$TOK" --url http://127.0.0.1:9 --yes
    elif id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
        # piped in, as with curl ... | bash
        RC=0
        OUT=$(cd / && setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
            bash -s -- --token "$TOK" --url http://127.0.0.1:9 --yes <"$INSTALL" 2>&1) || RC=$?
    else
        return 0
    fi
    expect_rc 1 && expect_out "must run as root" && expect_out "--prefix"
}

test_no_tty_without_yes_fails() {
    local rc=0
    start_http || return 1
    OUT=$(NODERR_PREFLIGHT_CPU=16 NODERR_PREFLIGHT_MEM_GB=64 NODERR_PREFLIGHT_DISK_GB=500 PATH=$FAKE_OK:$PATH \
        NODERR_JAVA=$FAKE_OK/java setsid -w bash "$INSTALL" --prefix "$T/p" --token "$TOK" --url "http://127.0.0.1:$HTTP_PORT" \
        </dev/null 2>&1) || rc=$?
    RC=$rc
    expect_rc 1 && expect_out "pass --yes" && [[ ! -e "$T/p/etc/noderr/key" ]] || fail "changed something before confirming"
}

test_prompt_on_terminal() {
    if ! command -v script >/dev/null; then return 0; fi
    local env_args="NODERR_PREFLIGHT_CPU=16 NODERR_PREFLIGHT_MEM_GB=64 NODERR_PREFLIGHT_DISK_GB=500 PATH=$FAKE_OK:$PATH NODERR_JAVA=$FAKE_OK/java"
    local args="--prefix $T/p --token $TOK --url http://127.0.0.1:9 --dry-run --key-type software --tier ORACLE"
    OUT=$(printf 'n\n' | script -qec "env $env_args bash $INSTALL $args" /dev/null)
    expect_out "Install the Noderr node agent for tier ORACLE into $T/p? [y/N]" && expect_out "Aborted: nothing was changed" ||
        return 1
    [[ ! -e "$T/p" ]] || fail "changed something after no"
    # piped in (curl ... | bash): the answer comes from the terminal, not from stdin
    OUT=$(printf 'y\n' | script -qec "env $env_args bash -s -- $args <$INSTALL" /dev/null)
    expect_out "Dry run: stopping before registration" && [[ -f "$T/p/etc/noderr/key/node-key.pem" ]] || fail "no key after yes"
}

# ------------------------------------------------------------------------------------------------ tests: preflight

test_preflight_pass_table() {
    CPU=2 MEM=4 DISK=20 dry --key-type software
    expect_rc 0 && expect_out "Requirement   | Needed" && expect_out "--tier not given: checking against the ALL" &&
        expect_out "Preflight passed" && expect_out "not measured" && expect_no_out "FAIL"
    grep -Eq 'CPU cores +\| 2 +\| 2 \(override\) +\| ok' <<<"$OUT" || fail "CPU row" "$OUT"
    grep -Eq 'Memory +\| 4 GB +\| 4 GB \(override\) +\| ok' <<<"$OUT" || fail "memory row" "$OUT"
    grep -Eq 'Free disk +\| 20 GB +\| 20 GB free \(override\) +\| ok' <<<"$OUT" || fail "disk row" "$OUT"
    grep -Eq 'Network +\| 10 Mbps +\| not measured +\| not checked' <<<"$OUT" || fail "network row" "$OUT"
}

test_preflight_detects_real_values() {
    local stdout rc=0
    stdout=$(PATH=$FAKE_OK:$PATH NODERR_JAVA=$FAKE_OK/java NODERR_PREFLIGHT_CPU='' NODERR_PREFLIGHT_MEM_GB='' \
        NODERR_PREFLIGHT_DISK_GB='' bash "$INSTALL" --prefix "$T/p" --token "$TOK" --url http://127.0.0.1:9 --yes --force \
        --dry-run --key-type software 2>&1) || rc=$?
    [[ $rc == 0 ]] || fail "rc $rc" "$stdout" || return 1
    grep -Eq "CPU cores +\| 2 +\| $(nproc) +\|" <<<"$stdout" || fail "nproc not shown" "$stdout"
    grep -Eq "Free disk +\| 20 GB +\| [0-9]+ GB free +\|" <<<"$stdout" || fail "df not shown" "$stdout"
    grep -q "(free disk measured on /" <<<"$stdout" || fail "df location not shown" "$stdout"
    grep -Eq "Memory +\| 4 GB +\| $(awk '/^MemTotal:/ { print int(($2 + 524288) / 1048576) }' /proc/meminfo) GB +\|" \
        <<<"$stdout" || fail "MemTotal not shown" "$stdout"
}

test_preflight_fail_exits_1_before_changes() {
    CPU=2 MEM=8 DISK=50 dry --tier ORACLE --key-type software
    expect_rc 1 && expect_out "does not meet the ORACLE tier minimums" && expect_out "--force" || return 1
    grep -Eq 'CPU cores +\| 4 +\| 2 \(override\) +\| FAIL' <<<"$OUT" || fail "CPU row" "$OUT"
    grep -Eq 'Memory +\| 8 GB .*\| ok' <<<"$OUT" || fail "memory row" "$OUT"
    [[ ! -e "$T/p/etc/noderr" ]] || fail "created files although the preflight failed"
}

test_preflight_guardian_boundaries() {
    CPU=8 MEM=16 DISK=100 dry --tier GUARDIAN --key-type software
    expect_rc 0 || return 1
    CPU=8 MEM=16 DISK=99 dry --tier GUARDIAN --key-type software
    expect_rc 1 && grep -Eq 'Free disk +\| 100 GB +\| 99 GB free \(override\) +\| FAIL' <<<"$OUT" || fail "disk row" "$OUT"
    CPU=8 MEM=15 DISK=100 dry --tier GUARDIAN --key-type software
    expect_rc 1
}

test_preflight_force_warns_and_continues() {
    CPU=1 MEM=2 DISK=5 dry --key-type software --force
    expect_rc 0 && expect_out "FAIL" && [[ "$ERR" == *"WARNING: this machine is below the ALL tier minimums"* ]] ||
        fail "no warning on stderr" "$OUT" || return 1
    [[ -f "$T/p/etc/noderr/key/node-key.pem" ]] || fail "no key after --force"
}

test_docker_and_java_missing() {
    mkdir -p bin
    printf '#!/bin/sh\nexit 1\n' >bin/docker
    printf '#!/bin/sh\necho '\''openjdk version "17.0.9" 2023-10-17'\'' >&2\n' >bin/java
    chmod +x bin/docker bin/java
    local rc=0
    OUT=$(PATH=$T/bin:$PATH NODERR_JAVA=$T/bin/java NODERR_PREFLIGHT_CPU=16 NODERR_PREFLIGHT_MEM_GB=64 \
        NODERR_PREFLIGHT_DISK_GB=500 bash "$INSTALL" --prefix "$T/p" --token "$TOK" --url http://127.0.0.1:9 --yes --dry-run 2>&1) || rc=$?
    RC=$rc
    expect_rc 1 && expect_out "'docker info' fails" && expect_out "apt-get install docker.io" &&
        expect_out "found only Java 17" && expect_out "openjdk-21-jre-headless" && expect_out "Temurin" || return 1
    rc=0
    OUT=$(PATH=$T/bin:$PATH NODERR_JAVA=$T/bin/java NODERR_PREFLIGHT_CPU=16 NODERR_PREFLIGHT_MEM_GB=64 \
        NODERR_PREFLIGHT_DISK_GB=500 bash "$INSTALL" --prefix "$T/p" --token "$TOK" --url http://127.0.0.1:9 --yes --dry-run \
        --force --key-type software 2>&1) || rc=$?
    RC=$rc
    expect_rc 0 && expect_out "WARNING: continuing without a working Docker engine and Java 21 because of --force"
}

# ------------------------------------------------------------------------------------------------ tests: keys

test_software_key() {
    dry --key-type software
    expect_rc 0 && expect_out "Created a SOFTWARE ECDSA P-256 node key" || return 1
    local key=$T/p/etc/noderr/key/node-key.pem
    [[ "$(mode_of "$key")" == 600 ]] || fail "key mode $(mode_of "$key"), expected 600"
    [[ "$(mode_of "$T/p/etc/noderr/key")" == 700 ]] || fail "key dir mode $(mode_of "$T/p/etc/noderr/key")"
    [[ "$(head -n 1 "$key")" == "-----BEGIN PRIVATE KEY-----" ]] || fail "not PKCS#8 PEM"
    openssl pkey -in "$key" -noout -text 2>/dev/null | grep -Eq 'prime256v1|P-256' || fail "not a P-256 key"
    [[ "$(cat "$T/p/etc/noderr/key/key-type")" == SOFTWARE ]] || fail "key-type"
    openssl pkey -in "$key" -pubout -outform DER >spki.der 2>/dev/null || fail "no SPKI"
    [[ "$(stat -c %s spki.der)" == 91 ]] || fail "P-256 SPKI DER must be 91 bytes"
    openssl asn1parse -inform DER -in spki.der | grep -q id-ecPublicKey || fail "SPKI is not an EC key"
    cmp -s spki.der <(openssl pkey -pubin -in "$T/p/etc/noderr/key/node-key.pub.pem" -outform DER) ||
        fail "node-key.pub.pem does not match the key"
    [[ -x "$T/p/etc/noderr/noderr-sign.sh" ]] || fail "sign helper not installed next to the config"
    [[ ! -e "$T/p/etc/noderr/agent.properties" ]] || fail "dry run wrote the agent config"
}

test_software_signature_verifies() {
    dry --key-type software
    expect_rc 0 || return 1
    head -c 32 /dev/urandom >nonce
    bash "$T/p/etc/noderr/noderr-sign.sh" "$T/p/etc/noderr" <nonce >sig || fail "signing failed" || return 1
    verify_sig "$T/p/etc/noderr/key/node-key.pub.pem" nonce sig || fail "signature does not verify"
    openssl asn1parse -inform DER -in sig >/dev/null 2>&1 || fail "signature is not DER"
    printf 'other' >other
    ! verify_sig "$T/p/etc/noderr/key/node-key.pub.pem" other sig || fail "signature verifies another message"
}

test_rerun_keeps_key() {
    dry --key-type software
    local before
    before=$(sha256sum "$T/p/etc/noderr/key/node-key.pem")
    dry --key-type tpm
    expect_rc 0 && expect_out "Keeping the existing SOFTWARE node key" && expect_out "--key-type tpm ignored" || return 1
    [[ "$(sha256sum "$T/p/etc/noderr/key/node-key.pem")" == "$before" ]] || fail "key changed on re-run"
}

test_tpm_required_but_missing() {
    if [[ -e /dev/tpmrm0 ]]; then return 0; fi
    TPM2TOOLS_TCTI="" dry --key-type tpm
    expect_rc 1 && expect_out "no usable TPM 2.0"
}

test_tpm_key_and_signature() {
    start_swtpm || return 1
    dry --key-type tpm
    expect_rc 0 && expect_out "Created a TPM2 ECDSA P-256 node key" || return 1
    local k=$T/p/etc/noderr/key
    [[ "$(cat "$k/key-type")" == TPM2 ]] || fail "key-type"
    [[ -s "$k/tpm-key.pub" && -s "$k/tpm-key.priv" ]] || fail "TPM blobs missing"
    [[ "$(mode_of "$k/tpm-key.priv")" == 600 ]] || fail "blob mode"
    [[ "$(cat "$k/tpm-tcti")" == "$TPM2TOOLS_TCTI" ]] || fail "tcti not recorded"
    [[ ! -e "$k/node-key.pem" ]] || fail "a software key was written too"
    openssl pkey -pubin -in "$k/node-key.pub.pem" -noout -text | grep -Eq 'prime256v1|P-256' || fail "not P-256"
    head -c 32 /dev/urandom >nonce
    bash "$T/p/etc/noderr/noderr-sign.sh" "$T/p/etc/noderr" <nonce >sig || fail "TPM signing failed" || return 1
    verify_sig "$k/node-key.pub.pem" nonce sig || fail "TPM signature does not verify"
    # The helper re-creates the primary key and reloads the blobs: signing still works after the TPM restarts,
    # and without TPM2TOOLS_TCTI set (the recorded connection is used).
    stop_swtpm
    start_swtpm || return 1
    head -c 32 /dev/urandom >nonce2
    env -u TPM2TOOLS_TCTI bash "$T/p/etc/noderr/noderr-sign.sh" "$T/p/etc/noderr" <nonce2 >sig2 ||
        fail "signing after a TPM restart failed" || return 1
    verify_sig "$k/node-key.pub.pem" nonce2 sig2 || fail "signature after restart does not verify"
    for _ in 1 2 3 4 5; do # no object slots leak
        bash "$T/p/etc/noderr/noderr-sign.sh" "$T/p/etc/noderr" <nonce >/dev/null || fail "repeated signing failed"
    done
}

test_tpm_auto_prefers_tpm() {
    start_swtpm || return 1
    dry
    expect_rc 0 && [[ "$(cat "$T/p/etc/noderr/key/key-type")" == TPM2 ]] || fail "auto did not use the TPM" "$OUT"
}

test_tpm_unreachable_auto_falls_back() {
    local port
    port=$(free_port)
    TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$port" dry
    expect_rc 0 && expect_out "using a software key instead" || return 1
    [[ "$(cat "$T/p/etc/noderr/key/key-type")" == SOFTWARE ]] || fail "key-type"
    [[ -z "$(find "$T/p/etc/noderr/key" -name '.new.*')" ]] || fail "left temporary TPM files"
    TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$port" dry --key-type tpm
    expect_rc 0 || return 1 # an existing key is kept
    rm -rf "$T/p"
    TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$port" dry --key-type tpm
    expect_rc 1 && expect_out "could not create the key in the TPM"
}

# ------------------------------------------------------------------------------------------------ tests: uninstall

test_uninstall_prefix() {
    mkdir -p "$T/p"
    echo keep >"$T/p/operator-file"
    dry --key-type software
    expect_rc 0 || return 1
    inst --uninstall --prefix "$T/p" --yes
    expect_rc 0 && expect_out "Removed:" && expect_out "$T/p/etc/noderr" || return 1
    [[ "$(find "$T/p" -mindepth 1)" == "$T/p/operator-file" ]] || fail "left behind:" "$(find "$T/p")"
    inst --uninstall --prefix "$T/p" --yes
    expect_rc 0 && expect_out "Nothing to remove"
    [[ -f "$T/p/operator-file" ]] || fail "removed a file the installer did not make"
}

test_uninstall_needs_yes_without_tty() {
    dry --key-type software
    local rc=0
    OUT=$(setsid -w bash "$INSTALL" --uninstall --prefix "$T/p" </dev/null 2>&1) || rc=$?
    RC=$rc
    expect_rc 1 && expect_out "pass --yes" && [[ -f "$T/p/etc/noderr/key/node-key.pem" ]] || fail "removed without confirmation"
}

# A re-run of a registered node rewrites the keys install.sh owns, keeps the tunable values, and keeps every other
# setting and comment of the operator's agent.properties as it was (the control plane is unreachable here, so the run
# stops at authentication, after writing the file).
test_rerun_keeps_operator_settings() {
    dry --key-type software || return 1
    local port conf=$T/p/etc/noderr/agent.properties first line key
    start_http || return 1 # its POSTs answer 501: the login fails
    port=$HTTP_PORT
    cat >"$conf" <<EOF
# Noderr node agent configuration, written by install.sh on 2026-01-01T00:00:00Z.
# Re-running install.sh rewrites this file and keeps the values of the tunable settings below.
control-plane-url=http://127.0.0.1:$port
node-id=node-keep-1
tier=ORACLE
key-type=TPM2
key-path=/old/key.pem
sign-command=/old/noderr-sign.sh
state-dir=/old/state
service=noderr-agent
# tunable
docker-host=unix:///run/other.sock
check-interval=PT1M
health-check-url=http://127.0.0.1:8080/health
rollback-timeout=PT5M
auto-update=false
# pinned by the operator
beacon-address=0x00000000000000000000000000000000000000ab
beacon-rpc-url = https://rpc.example.org
maintenance-window=02:00-04:00
jitter=PT10S
update-lock-file=/run/noderr/hold
metrics-port=9200
container=my-node
health-window=PT3M
EOF
    chmod 0600 "$conf"
    NODERR_PREFLIGHT_CPU=16 NODERR_PREFLIGHT_MEM_GB=64 NODERR_PREFLIGHT_DISK_GB=500 inst --prefix "$T/p" --yes
    expect_rc 1 && expect_out "Already registered as node-keep-1" || return 1
    # service: a sandbox install has none (the agent's status then says to start noderr-agent run, not systemctl)
    for line in "node-id=node-keep-1" "tier=ORACLE" "control-plane-url=http://127.0.0.1:$port" "key-type=SOFTWARE" \
        "service=none" \
        "docker-host=unix:///run/other.sock" "check-interval=PT1M" "auto-update=false" "# pinned by the operator" \
        "beacon-address=0x00000000000000000000000000000000000000ab" "beacon-rpc-url = https://rpc.example.org" \
        "maintenance-window=02:00-04:00" "jitter=PT10S" "update-lock-file=/run/noderr/hold" "metrics-port=9200" \
        "container=my-node" "health-window=PT3M"; do
        grep -qxF -- "$line" "$conf" || fail "missing after the re-run: $line" "$(cat "$conf")" || return 1
    done
    for key in control-plane-url node-id tier key-type key-path sign-command state-dir service docker-host \
        check-interval health-check-url rollback-timeout auto-update beacon-address maintenance-window metrics-port; do
        [[ "$(grep -c "^$key *=" "$conf")" == 1 ]] || fail "$key is not there exactly once:" "$(cat "$conf")" || return 1
    done
    ! grep -q '/old/' "$conf" || fail "a key install.sh owns kept its old value:" "$(cat "$conf")" || return 1
    [[ "$(grep -c 'written by install.sh' "$conf")" == 1 ]] || fail "header repeated:" "$(cat "$conf")" || return 1
    [[ "$(mode_of "$conf")" == 640 ]] || fail "mode $(mode_of "$conf"), expected 640" || return 1
    # Another re-run changes nothing but the date.
    first=$(tail -n +2 "$conf")
    NODERR_PREFLIGHT_CPU=16 NODERR_PREFLIGHT_MEM_GB=64 NODERR_PREFLIGHT_DISK_GB=500 inst --prefix "$T/p" --yes
    expect_rc 1 || return 1
    [[ "$(tail -n +2 "$conf")" == "$first" ]] ||
        fail "a second re-run changed the file:" "$(diff <(echo "$first") <(tail -n +2 "$conf"))"
}

# Registration and authentication run against the real control plane in the Java InstallerIT, which also
# runs tests/system-layout.sh (the root layout in a private mount namespace) with a real install token.

# The control plane's health check comes first: a wrong --url stops the run, saying why, before a token is asked for
# or anything is created.
test_unreachable_control_plane() {
    local port
    port=$(free_port)
    NODERR_PREFLIGHT_CPU=16 NODERR_PREFLIGHT_MEM_GB=64 NODERR_PREFLIGHT_DISK_GB=500 \
        inst --prefix "$T/p" --url "http://127.0.0.1:$port" --yes --token nit_secret-token --key-type software
    expect_rc 1 && expect_out "ERROR: cannot connect to 127.0.0.1:$port: connection refused: nothing was changed." &&
        expect_no_out "nit_secret-token" && expect_no_out "HTTP 000" || return 1
    [[ ! -e "$T/p" ]] || fail "created:" "$(find "$T/p")" || return 1
    # a web server that is not a control plane (no health check)
    start_http || return 1
    rm -f "$T/www/api/v1/health-check"
    inst_at "http://127.0.0.1:$HTTP_PORT" --token "$TOK"
    expect_rc 1 && expect_out "http://127.0.0.1:$HTTP_PORT is not a Noderr control plane" &&
        expect_out "answered HTTP 404" && expect_no_out "without an error description" || return 1
    [[ ! -e "$T/p" ]] || fail "created:" "$(find "$T/p")" || return 1
    ! grep -q '"POST ' "$T/http.log" || fail "sent a request beyond the health check" || return 1
    # an address with a path whose health check redirects (a control plane sends unknown paths to its login; this
    # server sends a folder's path to the same path with a slash)
    mkdir -p "$T/www/noderr/api/v1/health-check"
    inst_at "http://127.0.0.1:$HTTP_PORT/noderr" --token "$TOK"
    rm -rf "$T/www/noderr"
    expect_rc 1 && expect_out "its health check redirects (HTTP 301) to http://127.0.0.1:$HTTP_PORT/noderr/api/v1/health-check/" &&
        expect_out "The --url has a path (/noderr): pass the control plane's address without it, e.g. http://127.0.0.1:$HTTP_PORT." ||
        return 1
    [[ ! -e "$T/p" ]] || fail "created:" "$(find "$T/p")" || return 1
    # https against a plain http server
    inst_at "https://127.0.0.1:$HTTP_PORT" --token "$TOK"
    expect_rc 1 && expect_out "wrong version number" && expect_out "may speak plain http" || return 1
    [[ ! -e "$T/p" ]] || fail "created:" "$(find "$T/p")" || return 1
    # with its health check the run goes on (to the registration, which this server cannot do)
    serve_health
    inst_at "http://127.0.0.1:$HTTP_PORT" --token "$TOK" --agent-jar "$INSTALL"
    expect_rc 1 && expect_out "Control plane at http://127.0.0.1:$HTTP_PORT: answering." && expect_out "Registration failed" ||
        return 1
    # a download that gets no answer says curl's reason, not "HTTP 000"
    mkdir -p "$T/bin"
    cat >"$T/bin/curl" <<EOF
#!/usr/bin/env bash
if [[ " \$* " == *"/downloads/"* ]]; then echo "curl: (56) Recv failure: Connection reset by peer" >&2; exit 56; fi
exec "$REAL_CURL" "\$@"
EOF
    chmod +x "$T/bin/curl"
    PATH=$T/bin:$PATH inst_at "http://127.0.0.1:$HTTP_PORT" --token "$TOK"
    expect_out "the agent is not available at http://127.0.0.1:$HTTP_PORT/downloads/noderr-agent.jar (no answer: Recv failure: Connection reset by peer)" &&
        expect_no_out "HTTP 000"
}

# ------------------------------------------------------------------------------------------------ tests: transport

# inst_at URL ARGS...: a non-dry sandbox install with a software key on a machine that passes every tier.
inst_at() {
    local url=$1
    shift
    NODERR_PREFLIGHT_CPU=16 NODERR_PREFLIGHT_MEM_GB=64 NODERR_PREFLIGHT_DISK_GB=500 \
        inst --prefix "$T/p" --url "$url" --yes --key-type software "$@"
}

test_plain_http_refused_for_a_remote_control_plane() {
    local url
    for url in http://control.example.org http://127.example.org:8080 http://10.0.0.5 http://localhost.example.org; do
        inst_at "$url" --token "$TOK"
        expect_rc 2 && expect_out "refusing the plain http control plane URL $url" && expect_out "--insecure-http" ||
            fail "for $url" || return 1
        [[ ! -e "$T/p" ]] || fail "changed something for $url" || return 1
    done
    inst_at http://127.0.0.1@control.example.org --token "$TOK"
    expect_rc 2 && expect_out "must not contain a user name" || return 1
    # loopback addresses and https are fine; --insecure-http allows a remote http one, with a warning
    for url in http://127.0.0.1:9 http://localhost:9 "http://[::1]:9" https://control.example.org; do
        dry --key-type software --url "$url"
        expect_rc 0 && expect_no_out "plain http" || fail "for $url" || return 1
    done
    dry --key-type software --url http://control.example.org --insecure-http
    expect_rc 0 && [[ "$ERR" == *"WARNING: the control plane URL is plain http (allowed by --insecure-http)"* ]] ||
        fail "no warning on stderr" "$OUT"
}

test_agent_digest_mismatch_aborts_before_installing() {
    start_http || return 1
    local url=http://127.0.0.1:$HTTP_PORT
    serve_agent "$(printf '0%.0s' {1..64})"
    inst_at "$url" --token "$TOK"
    expect_rc 1 && expect_out "does not match the SHA-256 the control plane publishes: nothing was installed" &&
        expect_out "published: 0000000000000000" && expect_out "download:  $JAR_SHA256" || return 1
    [[ ! -e "$T/p" ]] || fail "changed something:" "$(find "$T/p")" || return 1
    ! grep -q POST "$T/http.log" || fail "registered although the agent did not match" || return 1
    # no digest published: refused too, unless pinned with --agent-sha256
    serve_agent none
    inst_at "$url" --token "$TOK"
    expect_rc 1 && expect_out "publishes no SHA-256 for its agent jar" && expect_out "--agent-sha256 HEX" || return 1
    [[ ! -e "$T/p" ]] || fail "changed something without a digest" || return 1
    inst_at "$url" --token "$TOK" --agent-sha256 "$JAR_SHA256"
    expect_rc 1 && expect_out "matches --agent-sha256" || return 1
    # the published digest matches: the install goes on (to registration, which this web server cannot do)
    serve_agent
    inst_at "$url" --token "$TOK"
    expect_rc 1 && expect_out "Agent jar SHA-256 $JAR_SHA256: matches the digest the control plane publishes." &&
        expect_out "Registration failed" && [[ -d "$T/p/etc/noderr/key" ]] || fail "did not go on" "$OUT"
}

test_agent_sha256_pin_must_match() {
    start_http || return 1
    local url=http://127.0.0.1:$HTTP_PORT other
    serve_agent
    other=$(printf 'f%.0s' {1..64})
    inst_at "$url" --token "$TOK" --agent-sha256 "$other"
    expect_rc 1 && expect_out "does not match --agent-sha256: nothing was installed" &&
        expect_out "expected (--agent-sha256): $other" && expect_out "agent jar:                 $JAR_SHA256" || return 1
    [[ ! -e "$T/p" ]] || fail "changed something" || return 1
    # upper case is accepted; both digests checked
    inst_at "$url" --token "$TOK" --agent-sha256 "${JAR_SHA256^^}"
    expect_rc 1 && expect_out "matches the digest the control plane publishes and --agent-sha256" || return 1
    rm -rf "$T/p"
    # a local --agent-jar is checked against the pin too
    cp "$T/www/downloads/noderr-agent.jar" own.jar
    inst_at "$url" --token "$TOK" --agent-jar own.jar --agent-sha256 "$other"
    expect_rc 1 && expect_out "the agent jar own.jar does not match --agent-sha256" && [[ ! -e "$T/p" ]] || return 1
    inst_at "$url" --token "$TOK" --agent-jar own.jar --agent-sha256 "$JAR_SHA256"
    expect_rc 1 && expect_out "matches --agent-sha256" && expect_out "Registration failed" || return 1
    inst_at "$url" --token "$TOK" --agent-sha256 abc
    expect_rc 2 && expect_out "--agent-sha256 must be 64 hexadecimal digits"
}

# The install token from --token-file, NODERR_INSTALL_TOKEN or the terminal reaches the control plane (in the
# request body) and is on no process's command line while the installer runs; --token is (the control).
test_token_from_file_env_or_terminal_stays_off_command_lines() {
    local port secret
    start_http || return 1 # its POSTs answer 501: the registration fails once the token was sent
    port=$HTTP_PORT
    spy_curl
    secret=nit_file-$RANDOM$RANDOM$RANDOM
    printf '%s\n' "$secret" >"$T/secret"
    printf '  %s \n' "$secret" >token-file
    chmod 600 token-file
    PATH=$T/bin:$PATH inst_at "http://127.0.0.1:$port" --token-file token-file
    expect_rc 1 && expect_out "Registration failed" && expect_no_out "$secret" || return 1
    grep -qF "\"installToken\":\"$secret\"" "$T/bodies" || fail "token from the file not sent:" "$(cat "$T/bodies")" ||
        return 1
    [[ ! -s "$T/seen" ]] || fail "token on a command line:" "$(cat "$T/seen")" || return 1

    secret=nit_env-$RANDOM$RANDOM$RANDOM
    printf '%s\n' "$secret" >"$T/secret"
    NODERR_INSTALL_TOKEN=$secret PATH=$T/bin:$PATH inst_at "http://127.0.0.1:$port"
    expect_rc 1 && expect_out "Registration failed" && expect_no_out "$secret" || return 1
    grep -qF "\"installToken\":\"$secret\"" "$T/bodies" || fail "token from the environment not sent" || return 1
    [[ ! -s "$T/seen" ]] || fail "token on a command line:" "$(cat "$T/seen")" || return 1

    if command -v script >/dev/null; then
        secret=nit_tty-$RANDOM$RANDOM$RANDOM
        printf '%s\n' "$secret" >"$T/secret"
        local cmd="env NODERR_PREFLIGHT_CPU=16 NODERR_PREFLIGHT_MEM_GB=64 NODERR_PREFLIGHT_DISK_GB=500"
        cmd+=" PATH=$T/bin:$FAKE_OK:$PATH NODERR_JAVA=$FAKE_OK/java bash $INSTALL --prefix $T/p"
        cmd+=" --url http://127.0.0.1:$port --yes --key-type software"
        # typed after the prompt is up, as a person would (echo is off by then)
        type_at_token_prompt "$cmd" "$(cat "$T/secret")"
        expect_out "Install token (from your approval; not shown while typed):" &&
            expect_out "Registration failed" || return 1
        expect_no_out "$secret" || fail "the typed token was echoed" || return 1
        grep -qF "\"installToken\":\"$secret\"" "$T/bodies" || fail "typed token not sent" || return 1
        [[ ! -s "$T/seen" ]] || fail "token on a command line:" "$(cat "$T/seen")" || return 1
    fi

    # the control: with --token it is on the installer's command line, and the wrapper sees it
    PATH=$T/bin:$PATH inst_at "http://127.0.0.1:$port" --token "$secret"
    expect_rc 1 && [[ -s "$T/seen" ]] || fail "the wrapper did not see --token on the command line" || return 1

    inst_at "http://127.0.0.1:$port" --token "$TOK" --token-file token-file
    expect_rc 2 && expect_out "--token and --token-file: pass only one" || return 1
    : >empty
    inst_at "http://127.0.0.1:$port" --token-file empty
    expect_rc 2 && expect_out "is empty" || return 1
    inst_at "http://127.0.0.1:$port" --token-file "$T/missing"
    expect_rc 2 && expect_out "--token-file: cannot read"
}

# ------------------------------------------------------------------------------------------------ tests: private CA

# A --ca-file that is not PEM certificates is refused before anything is changed or requested.
test_ca_file_refused_up_front() {
    make_tls && start_https || return 1
    serve_agent
    local url=https://127.0.0.1:$HTTP_PORT
    printf 'not a certificate\n' >notcert.txt
    cat "$T/ca.pem" "$T/ca.key" >with-key.pem
    sed '3,4d' "$T/ca.pem" >broken.pem                           # two body lines short: the DER does not parse
    { cat "$T/ca.pem"; sed '3,4d' "$T/ca.pem"; } >one-broken.pem # a readable certificate and a broken one
    openssl x509 -in "$T/ca.pem" -outform DER -out ca.der
    : >empty.pem
    local file expected
    while IFS='|' read -r file expected; do
        inst_at "$url" --token "$TOK" --ca-file "$file"
        expect_rc 1 && expect_out "--ca-file: $T/$file $expected: nothing was installed" || fail "for $file" || return 1
        [[ ! -e "$T/p" ]] || fail "changed something for $file:" "$(find "$T/p")" || return 1
    done <<'CASES'
notcert.txt|holds no PEM certificate (-----BEGIN CERTIFICATE-----)
empty.pem|holds no PEM certificate (-----BEGIN CERTIFICATE-----)
with-key.pem|contains a private key
broken.pem|has a certificate openssl cannot read
one-broken.pem|has a certificate openssl cannot read
ca.der|is a DER certificate; a PEM one is needed
CASES
    expect_out "openssl x509 -inform DER -in $T/ca.der -out ca.pem" || return 1
    # before the token is asked for (there is no terminal here: asking would fail with "missing install token")
    inst_at "$url" --ca-file notcert.txt
    expect_rc 1 && expect_out "holds no PEM certificate" && expect_no_out "install token" || return 1
    inst_at "$url" --token "$TOK" --ca-file missing.pem
    expect_rc 2 && expect_out "--ca-file: cannot read missing.pem" || return 1
    ! grep -Eq '"(GET|POST) ' "$T/http.log" || fail "requests were made:" "$(cat "$T/http.log")" || return 1
    # the check itself: two good certificates pass (the run then stops at the dry-run point)
    make_ca other || return 1
    cat "$T/ca.pem" "$T/other.pem" >two.pem
    dry --key-type software --ca-file two.pem
    expect_rc 0 && expect_out "Trusting the CA certificate in $T/two.pem for the control plane."
}

# A control plane whose certificate comes from a private CA: without --ca-file the installer stops with a TLS hint;
# with it every request trusts the CA and the agent gets a copy (ca-file=); re-runs keep it, --ca-file none removes it.
test_ca_file_for_a_private_ca_control_plane() {
    make_tls && make_ca other && start_https || return 1
    serve_agent
    local url=https://127.0.0.1:$HTTP_PORT conf=$T/p/etc/noderr/agent.properties
    local copy=$T/p/etc/noderr/control-plane-ca.pem
    # the download fails first, before anything is changed
    inst_at "$url" --token "$TOK"
    expect_rc 1 && expect_out "TLS with the control plane at $url failed: SSL certificate problem" &&
        expect_out "pass that CA's certificate (PEM) with --ca-file FILE" || return 1
    [[ ! -e "$T/p" ]] || fail "changed something:" "$(find "$T/p")" || return 1
    # registration, when the jar is given
    cp "$T/www/downloads/noderr-agent.jar" own.jar
    inst_at "$url" --token "$TOK" --agent-jar own.jar
    expect_rc 1 && expect_out "TLS with the control plane at $url failed" && expect_out "--ca-file FILE" || return 1
    [[ ! -e "$conf" ]] || fail "wrote agent.properties" || return 1
    rm -rf "$T/p"
    # a CA that did not issue the server's certificate
    inst_at "$url" --token "$TOK" --ca-file "$T/other.pem"
    expect_rc 1 && expect_out "failed with the CA in $T/other.pem" || return 1
    ! grep -Eq '"(GET|POST) ' "$T/http.log" || fail "a request got through:" "$(cat "$T/http.log")" || return 1

    cp "$T/ca.pem" ca-given.pem
    inst_at "$url" --token "$TOK" --ca-file ca-given.pem
    expect_rc 0 && expect_out "Installed the control plane's CA certificate as $copy" &&
        expect_out "registered (tier ALL, key: SOFTWARE) and authenticated" || return 1
    grep -q '"POST /api/v1/auth/verify' "$T/http.log" || fail "no verify request" "$(cat "$T/http.log")" || return 1
    cmp -s "$T/p/opt/noderr/noderr-agent.jar" "$T/www/downloads/noderr-agent.jar" || fail "agent jar not installed" ||
        return 1
    [[ "$(grep -c '^ca-file=' "$conf")" == 1 ]] && grep -qxF "ca-file=$copy" "$conf" ||
        fail "ca-file is not the installed copy:" "$(cat "$conf")" || return 1
    cmp -s "$copy" ca-given.pem || fail "the installed copy differs from --ca-file" || return 1
    [[ "$(mode_of "$copy")" == 644 ]] || fail "copy mode $(mode_of "$copy"), expected 644" || return 1
    if [[ "$(id -u)" -eq 0 ]]; then
        [[ "$(stat -c %U "$copy")" == root ]] || fail "copy owned by $(stat -c %U "$copy")" || return 1
    fi

    # a re-run without --ca-file keeps it (and needs it: the requests go over TLS again)
    inst_at "$url"
    expect_rc 0 && expect_out "Already registered" && expect_out "Trusting the CA certificate in $copy" || return 1
    grep -qxF "ca-file=$copy" "$conf" && cmp -s "$copy" ca-given.pem || fail "not kept:" "$(cat "$conf")" || return 1
    # the recorded file is checked like --ca-file
    mv "$copy" "$T/copy.bak"
    inst_at "$url"
    expect_rc 1 && expect_out "ca-file in $T/p/etc/noderr/agent.properties: cannot read $copy" &&
        expect_out "--ca-file none" || return 1
    mv "$T/copy.bak" "$copy"

    # --ca-file none: curl's default CAs, which do not know this CA: stops with nothing changed ...
    inst_at "$url" --ca-file none
    expect_rc 1 && expect_out "TLS with the control plane at $url failed" || return 1
    grep -qxF "ca-file=$copy" "$conf" && [[ -f "$copy" ]] || fail "changed on a failed run:" "$(cat "$conf")" || return 1
    # ... and removes the setting and the copy once the control plane is trusted another way
    CURL_CA_BUNDLE=$T/ca.pem inst_at "$url" --ca-file none
    expect_rc 0 && expect_out "Removed $copy" || return 1
    ! grep -q '^ca-file' "$conf" && [[ ! -e "$copy" ]] || fail "not removed:" "$(cat "$conf")" || return 1

    # a ca-file the operator set by hand is kept too, and --ca-file none leaves the operator's file alone
    printf 'ca-file=%s\n' "$T/ca.pem" >>"$conf"
    inst_at "$url"
    expect_rc 0 && [[ "$(grep -c '^ca-file=' "$conf")" == 1 ]] && grep -qxF "ca-file=$T/ca.pem" "$conf" ||
        fail "hand-set ca-file not kept once:" "$(cat "$conf")" || return 1
    CURL_CA_BUNDLE=$T/ca.pem inst_at "$url" --ca-file none
    expect_rc 0 && ! grep -q '^ca-file' "$conf" && [[ -f "$T/ca.pem" ]] || fail "--ca-file none" "$(cat "$conf")" ||
        return 1

    # uninstall removes the copy with the configuration
    inst_at "$url" --ca-file ca-given.pem
    expect_rc 0 && [[ -f "$copy" ]] || return 1
    inst --uninstall --prefix "$T/p" --yes
    expect_rc 0 && [[ ! -e "$copy" && ! -e "$T/p/etc" ]] || fail "left behind:" "$(find "$T/p")"
}

# --ca-file adds the control plane's CA to the default CAs rather than replacing them, as the agent does: a download
# the control plane redirects to a host whose certificate a public CA issued still works. The default bundle, which
# stands in for the system's, is CURL_CA_BUNDLE here.
test_ca_file_adds_to_the_default_cas() {
    make_tls && make_ca public && make_server_cert public mirror && start_https || return 1
    serve_agent
    mkdir -p "$T/mirror"
    cp "$T/www/downloads/noderr-agent.jar" "$T/mirror/"
    local mirror_port mirror_pid rc=0
    mirror_port=$(free_port)
    python3 "$HTTPS_SERVER" "$T/mirror" "$mirror_port" "$T/mirror.pem" "$T/mirror.key" >"$T/mirror.log" 2>&1 &
    mirror_pid=$!
    wait_port "$mirror_port" || { echo "the mirror did not start:" && cat "$T/mirror.log"; kill "$mirror_pid"; return 1; }
    printf 'https://127.0.0.1:%s/noderr-agent.jar' "$mirror_port" >"$T/www/redirect-noderr-agent.jar"
    CURL_CA_BUNDLE=$T/public.pem inst_at "https://127.0.0.1:$HTTP_PORT" --token "$TOK" --ca-file "$T/ca.pem"
    expect_rc 0 && expect_out "registered (tier ALL, key: SOFTWARE) and authenticated" || rc=1
    kill "$mirror_pid" 2>/dev/null
    wait "$mirror_pid" 2>/dev/null
    ((rc == 0)) || return 1
    grep -q '"GET /noderr-agent.jar' "$T/mirror.log" || fail "not downloaded from the mirror:" "$(cat "$T/mirror.log")" ||
        return 1
    cmp -s "$T/p/opt/noderr/noderr-agent.jar" "$T/mirror/noderr-agent.jar" || fail "agent jar not installed"
}

# ------------------------------------------------------------------------------------------------ tests: key rotation
# The rotation against the real control plane (its checks of both signatures, the database) runs in InstallerIT.

test_rotate_key_argument_errors() {
    local args
    while IFS= read -r args; do
        # shellcheck disable=SC2086 # word splitting wanted
        inst --rotate-key --prefix "$T/p" --yes $args
        expect_rc 2 && [[ "$ERR" == *"Usage: install.sh"* ]] || fail "for: --rotate-key $args" || return 1
    done <<'EOF'
--token t
--token-file /etc/hostname
--url http://127.0.0.1:9
--uninstall
--tier ORACLE
--dry-run
--agent-sha256 0000000000000000000000000000000000000000000000000000000000000000
--key-type rsa
--rotate-key=yes
EOF
    inst --rotate-key --prefix "$T/p" --yes --url http://127.0.0.1:9
    expect_out "--rotate-key uses the control plane in agent.properties" || return 1
    inst --help
    expect_rc 0 && expect_out "install.sh --rotate-key [--key-type TYPE]" && expect_out "--rotate-key      replace the node key"
}

test_rotate_key_needs_an_installed_node() {
    inst --rotate-key --prefix "$T/p" --yes
    expect_rc 1 && expect_out "no installed node to rotate the key of: $T/p/etc/noderr/agent.properties has no node-id" ||
        return 1
    [[ ! -e "$T/p" ]] || fail "created files:" "$(find "$T/p")" || return 1
    dry --key-type software # a key, but never registered
    inst --rotate-key --prefix "$T/p" --yes
    expect_rc 1 && expect_out "no installed node to rotate the key of" || return 1
    printf 'node-id=node-x\ncontrol-plane-url=http://127.0.0.1:9\n' >"$T/p/etc/noderr/agent.properties"
    rm -rf "$T/p/etc/noderr/key"
    inst --rotate-key --prefix "$T/p" --yes
    expect_rc 1 && expect_out "node node-x has no complete node key in $T/p/etc/noderr/key" || return 1
    if [[ "$(id -u)" -eq 0 ]] && id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
        RC=0
        OUT=$(cd / && setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
            bash -s -- --rotate-key --yes <"$INSTALL" 2>&1) || RC=$?
        expect_rc 1 && expect_out "must run as root" || return 1
    fi
}

# rotate_check_signatures OLD_PUB NEW_PUB: the last rotate request to the stand-in carries a bearer token, the new
# public key, its signature over the nonce and the old key's signature over the nonce followed by the new key's SPKI.
rotate_check_signatures() {
    python3 - "$T/www/requests.jsonl" "$T" <<'PYTHON' || return 1
import base64, json, sys
rotations = [r for r in map(json.loads, open(sys.argv[1])) if r["path"] == "/api/v1/auth/rotate"]
last = rotations[-1]
assert last["authorization"] == "Bearer stand-in", last["authorization"]
body = json.loads(last["body"])
for name in ("nonce", "newPublicKey", "signatureByNewKey", "signatureByCurrentKey"):
    open(f"{sys.argv[2]}/rot.{name}", "wb").write(base64.b64decode(body[name]))
open(f"{sys.argv[2]}/rot.type", "w").write(body["keyAttestation"]["type"])
PYTHON
    cmp -s "$T/rot.newPublicKey" <(openssl pkey -pubin -in "$2" -outform DER) || fail "newPublicKey is not the new key" ||
        return 1
    verify_sig "$2" "$T/rot.nonce" "$T/rot.signatureByNewKey" || fail "signatureByNewKey does not verify" || return 1
    cat "$T/rot.nonce" "$T/rot.newPublicKey" >"$T/rot.signed"
    verify_sig "$1" "$T/rot.signed" "$T/rot.signatureByCurrentKey" ||
        fail "signatureByCurrentKey is not the old key's signature over nonce || new SPKI" || return 1
    ! verify_sig "$1" "$T/rot.nonce" "$T/rot.signatureByCurrentKey" || fail "signatureByCurrentKey covers the nonce only"
}

key_complete_dir() { bash -c 'source "$1"; key_complete "$2"' _ "$INSTALL" "$1"; }

# Against the stand-in control plane over HTTPS (its CA recorded by the install as ca-file): the requests, the swap,
# a refusal with the server's detail, a lost answer and the re-run that finishes it; software to TPM and back.
test_rotate_key_with_a_stand_in_control_plane() {
    make_tls && start_https || return 1
    serve_agent
    local url=https://127.0.0.1:$HTTP_PORT k=$T/p/etc/noderr/key conf=$T/p/etc/noderr/agent.properties rotations
    cp "$T/ca.pem" ca-given.pem
    inst_at "$url" --token "$TOK" --ca-file ca-given.pem
    expect_rc 0 && expect_out "Check it:      $T/p/bin/noderr-agent check" || return 1
    cp "$k/node-key.pub.pem" old.pub.pem
    cp "$conf" conf.before

    inst --rotate-key --prefix "$T/p" --yes --key-type software
    expect_rc 0 && expect_out "The control plane took the new SOFTWARE key of node node-tls-1" &&
        expect_out "Removed the previous key" && expect_out "Sandbox install: no service" || return 1
    ! cmp -s "$k/node-key.pub.pem" old.pub.pem || fail "the key did not change" || return 1
    [[ ! -e "$T/p/etc/noderr/key.new" && ! -e "$T/p/etc/noderr/key.old" ]] || fail "left key.new or key.old" || return 1
    [[ "$(mode_of "$k")" == 700 && "$(mode_of "$k/node-key.pem")" == 600 ]] || fail "key modes" || return 1
    rotate_check_signatures old.pub.pem "$k/node-key.pub.pem" || return 1
    [[ "$(cat "$T/rot.type")" == SOFTWARE ]] || fail "keyAttestation $(cat "$T/rot.type")" || return 1
    diff <(grep -v '^# Noderr node agent configuration' conf.before) \
        <(grep -v '^# Noderr node agent configuration' "$conf") || fail "agent.properties changed beyond its date" ||
        return 1
    head -c 32 /dev/urandom >m
    bash "$T/p/etc/noderr/noderr-sign.sh" "$T/p/etc/noderr" <m >s && verify_sig "$k/node-key.pub.pem" m s ||
        fail "the sign helper does not sign with the new key" || return 1

    # a control plane that records another key type than the one sent: said, the rotation stands
    printf '%s' '{"status": 200, "body": {"nodeId": "node-tls-1", "keyType": "TPM2",
        "rotatedAt": "2026-01-01T00:00:00Z"}}' >"$T/www/answer-rotate.json"
    inst --rotate-key --prefix "$T/p" --yes --key-type software
    expect_rc 0 && expect_out "The control plane took the new SOFTWARE key of node node-tls-1" &&
        expect_out "recorded the new key as TPM2, not SOFTWARE" || return 1
    rm "$T/www/answer-rotate.json"

    # --ca-file none: this run trusts the default CAs only, so TLS fails and nothing changes
    cp "$k/node-key.pub.pem" before.pub.pem
    inst --rotate-key --prefix "$T/p" --yes --ca-file none
    expect_rc 1 && expect_out "TLS with the control plane at $url failed" || return 1
    cmp -s "$k/node-key.pub.pem" before.pub.pem && [[ ! -e "$T/p/etc/noderr/key.new" ]] || fail "changed the key" ||
        return 1

    # refused: the server's detail is shown, the new key thrown away, the current one kept
    printf '%s' '{"status": 409, "body": {"type": "https://noderr.network/problems/public-key-in-use",
        "title": "Public key in use", "detail": "Another node has this key."}}' >"$T/www/answer-rotate.json"
    inst --rotate-key --prefix "$T/p" --yes --key-type software
    expect_rc 1 && expect_out "The key rotation failed: Public key in use (HTTP 409)" &&
        expect_out "Another node has this key." && expect_out "The current key stays in use" || return 1
    cmp -s "$k/node-key.pub.pem" before.pub.pem && [[ ! -e "$T/p/etc/noderr/key.new" ]] || fail "changed the key" ||
        return 1

    # the answer is lost: both keys kept, a plain re-run refuses to go on, a --rotate-key re-run finishes
    printf '%s' '{"status": "drop"}' >"$T/www/answer-rotate.json"
    inst --rotate-key --prefix "$T/p" --yes --key-type software
    expect_rc 1 && expect_out "cannot reach the control plane" && expect_out "both keys are kept" &&
        expect_out "Run install.sh --rotate-key again" || return 1
    cmp -s "$k/node-key.pub.pem" before.pub.pem && key_complete_dir "$T/p/etc/noderr/key.new" ||
        fail "not both keys:" "$(find "$T/p/etc/noderr")" || return 1
    cp "$T/p/etc/noderr/key.new/node-key.pub.pem" pending.pub.pem
    inst_at "$url"
    expect_rc 1 && expect_out "a key rotation of node node-tls-1 did not finish" && expect_out "--rotate-key" || return 1
    rm "$T/www/answer-rotate.json"
    rotations=$(grep -c '"/api/v1/auth/rotate"' "$T/www/requests.jsonl")
    inst --rotate-key --prefix "$T/p" --yes
    expect_rc 0 && expect_out "The control plane already has the new key" || return 1
    cmp -s "$k/node-key.pub.pem" pending.pub.pem || fail "the pending key was not swapped in" || return 1
    [[ "$(grep -c '"/api/v1/auth/rotate"' "$T/www/requests.jsonl")" == "$rotations" ]] ||
        fail "rotated again instead of finishing" || return 1

    # an interrupted swap (stopped between the two renames) is finished
    mv "$k" "$T/p/etc/noderr/key.old"
    cp -a "$T/p/etc/noderr/key.old" "$T/p/etc/noderr/key.new"
    inst --rotate-key --prefix "$T/p" --yes
    expect_rc 0 && expect_out "it was being moved into place: finishing" && cmp -s "$k/node-key.pub.pem" pending.pub.pem &&
        [[ ! -e "$T/p/etc/noderr/key.old" && ! -e "$T/p/etc/noderr/key.new" ]] || fail "not finished" "$OUT" || return 1

    # the control plane refuses the swapped-in key (it never took it): the previous key goes back to key/
    local refused='{"status": 401, "body": {"type": "https://noderr.network/problems/signature-invalid",
        "title": "Invalid signature", "detail": "The signature does not verify."}}'
    cp -a "$k" "$T/p/etc/noderr/key.old"
    cp "$k/node-key.pub.pem" before.pub.pem
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$k/node-key.pem" 2>/dev/null &&
        openssl pkey -in "$k/node-key.pem" -pubout -out "$k/node-key.pub.pem" || return 1
    cp "$k/node-key.pub.pem" unknown.pub.pem
    printf '%s' "$refused" >"$T/www/answer-verify.json"
    inst --rotate-key --prefix "$T/p" --yes
    expect_rc 1 && expect_out "Logging in with the new key failed: Invalid signature (HTTP 401)" &&
        expect_out "The previous key is back in $k" && expect_no_out "--uninstall" || return 1
    cmp -s "$k/node-key.pub.pem" before.pub.pem && cmp -s "$T/p/etc/noderr/key.new/node-key.pub.pem" unknown.pub.pem &&
        [[ ! -e "$T/p/etc/noderr/key.old" ]] || fail "the previous key is not back:" "$(find "$T/p/etc/noderr")" ||
        return 1
    # neither key accepted: the run stops and keeps both
    inst --rotate-key --prefix "$T/p" --yes
    expect_rc 1 && expect_out "The control plane does not have the key in $T/p/etc/noderr/key.new" &&
        expect_out "Logging in with the current node key failed" && expect_out "both are kept" || return 1
    cmp -s "$k/node-key.pub.pem" before.pub.pem && [[ -e "$T/p/etc/noderr/key.new" ]] || fail "a key was removed" ||
        return 1
    rm "$T/www/answer-verify.json"

    # a pending key that cannot sign (its private half does not match its public key) is not swapped in
    rm -rf "$T/p/etc/noderr/key.new"
    cp -a "$k" "$T/p/etc/noderr/key.new"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/p/etc/noderr/key.new/node-key.pem" 2>/dev/null
    cp "$k/node-key.pub.pem" before.pub.pem
    inst --rotate-key --prefix "$T/p" --yes --key-type software
    expect_rc 0 && expect_out "the key in $T/p/etc/noderr/key.new cannot sign: checking the current key" &&
        expect_out "an earlier rotation did not reach the control plane" && expect_no_out "already has the new key" ||
        return 1
    ! cmp -s "$k/node-key.pub.pem" before.pub.pem && [[ ! -e "$T/p/etc/noderr/key.new" ]] || fail "not rotated" || return 1

    # into the TPM and back
    start_swtpm || return 1
    cp "$k/node-key.pub.pem" before.pub.pem
    inst --rotate-key --prefix "$T/p" --yes --key-type tpm
    expect_rc 0 && expect_out "took the new TPM2 key" || return 1
    [[ "$(cat "$k/key-type")" == TPM2 && ! -e "$k/node-key.pem" ]] || fail "not a TPM key" || return 1
    grep -qxF "key-type=TPM2" "$conf" && grep -qxF "key-path=$k" "$conf" && grep -qxF "tpm-tcti=$TPM2TOOLS_TCTI" "$conf" ||
        fail "agent.properties not pointed at the TPM key:" "$(cat "$conf")" || return 1
    rotate_check_signatures before.pub.pem "$k/node-key.pub.pem" || return 1
    [[ "$(cat "$T/rot.type")" == TPM2 ]] || fail "keyAttestation $(cat "$T/rot.type")" || return 1
    cp "$k/node-key.pub.pem" tpm.pub.pem
    inst --rotate-key --prefix "$T/p" --yes --key-type software
    expect_rc 0 && [[ "$(cat "$k/key-type")" == SOFTWARE ]] || fail "not back to software" "$OUT" || return 1
    rotate_check_signatures tpm.pub.pem "$k/node-key.pub.pem" || return 1
    grep -qxF "key-path=$k/node-key.pem" "$conf" && ! grep -q '^tpm-tcti' "$conf" ||
        fail "agent.properties not pointed at the software key:" "$(cat "$conf")"
}

# ------------------------------------------------------------------------------------------------ tests: operator QA

# fake_tools: stand-ins in $T/fake: docker works and names the active context's endpoint $T/context-endpoint (when
# the file is there); java is 21 and writes its arguments and MALLOC_ARENA_MAX to $T/java.args when it runs a jar.
fake_tools() {
    mkdir -p "$T/fake"
    cat >"$T/fake/docker" <<EOF
#!/bin/sh
if [ "\$1" = context ] && [ -f "$T/context-endpoint" ]; then cat "$T/context-endpoint"; fi
exit 0
EOF
    cat >"$T/fake/java" <<EOF
#!/bin/sh
if [ "\$1" = -version ]; then echo 'openjdk version "21.0.5" 2024-10-15' >&2; exit 0; fi
printf '%s\n' "\$@" >"$T/java.args"
echo "MALLOC_ARENA_MAX=\$MALLOC_ARENA_MAX" >>"$T/java.args"
EOF
    chmod +x "$T/fake/docker" "$T/fake/java"
}

# The Docker engine the installer checked is the one agent.properties names: DOCKER_HOST, else the active docker
# context's endpoint; a re-run keeps a docker-host already in the file (and says that it differs).
test_docker_host_is_the_engine_checked() {
    make_tls && start_https || return 1
    serve_agent
    fake_tools
    cp "$T/ca.pem" ca.pem
    local url=https://127.0.0.1:$HTTP_PORT conf=$T/p/etc/noderr/agent.properties
    DOCKER_HOST=unix:///run/engine/docker.sock FAKE=$T/fake inst_at "$url" --token "$TOK" --ca-file ca.pem
    expect_rc 0 && expect_out "Docker engine: running (unix:///run/engine/docker.sock)" || return 1
    grep -qxF docker-host=unix:///run/engine/docker.sock "$conf" || fail "docker-host:" "$(cat "$conf")" || return 1
    # a re-run that reaches another engine keeps the file's value, and says so
    echo unix:///run/ctx/docker.sock >"$T/context-endpoint"
    FAKE=$T/fake inst_at "$url"
    expect_rc 0 && expect_out "Docker engine: running (unix:///run/ctx/docker.sock)" &&
        expect_out "kept docker-host=unix:///run/engine/docker.sock" || return 1
    grep -qxF docker-host=unix:///run/engine/docker.sock "$conf" || fail "not kept:" "$(cat "$conf")" || return 1
    # a new install without DOCKER_HOST names the docker context's engine
    inst --uninstall --prefix "$T/p" --yes
    FAKE=$T/fake inst_at "$url" --token "$TOK" --ca-file ca.pem
    expect_rc 0 && grep -qxF docker-host=unix:///run/ctx/docker.sock "$conf" || fail "context:" "$(cat "$conf")" ||
        return 1
    # no DOCKER_HOST and no context endpoint: the default socket
    rm -f "$T/context-endpoint"
    inst --uninstall --prefix "$T/p" --yes
    FAKE=$T/fake inst_at "$url" --token "$TOK" --ca-file ca.pem
    expect_rc 0 && grep -qxF docker-host=unix:///var/run/docker.sock "$conf" || fail "default:" "$(cat "$conf")"
}

# The noderr-agent command runs the installed jar with this node's configuration; uninstall removes it and names
# the node id to suspend. A re-run of the registered node checks its registered tier and does not use a token.
test_agent_command_rerun_and_uninstall() {
    make_tls && start_https || return 1
    serve_agent
    fake_tools
    cp "$T/ca.pem" ca.pem
    local url=https://127.0.0.1:$HTTP_PORT conf=$T/p/etc/noderr/agent.properties cmd=$T/p/bin/noderr-agent
    FAKE=$T/fake inst_at "$url" --token "$TOK" --ca-file ca.pem
    expect_rc 0 && expect_out "Installed the command $cmd" && expect_out "Check it:      $cmd check" || return 1
    [[ -x "$cmd" ]] || fail "no executable $cmd" || return 1
    "$cmd" status -v || fail "$cmd status failed" || return 1
    diff <(printf '%s\n' -Xss256k -XX:+UseSerialGC -Xms8m -Xmx64m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 \
        -jar "$T/p/opt/noderr/noderr-agent.jar" status --config "$conf" -v MALLOC_ARENA_MAX=2) "$T/java.args" ||
        fail "noderr-agent status ran java with other arguments" || return 1
    # the daemon: exactly the flags of the service's ExecStart (installers/noderr-agent.service)
    "$cmd" run || fail "$cmd run failed" || return 1
    diff <(grep '^ExecStart=' "$INSTALLERS/noderr-agent.service" | sed 's/^ExecStart=\/usr\/bin\/env java //; s/ -jar .*//' |
        tr ' ' '\n'; printf '%s\n' -jar "$T/p/opt/noderr/noderr-agent.jar" run --config "$conf" MALLOC_ARENA_MAX=2) \
        "$T/java.args" || fail "noderr-agent run did not run java with the service's flags" || return 1
    "$cmd" rollback --config other.properties --yes && grep -qxF other.properties "$T/java.args" &&
        [[ "$(grep -c -- --config "$T/java.args")" == 1 ]] ||
        fail "a --config given was not used alone:" "$(cat "$T/java.args")" || return 1
    "$cmd" --version && ! grep -q -- --config "$T/java.args" || fail "--version got a --config" || return 1

    # re-run with a token: not used, and said so; the registered tier is the preflight's
    printf '%s\n' "$TOK" >token
    sed -i 's/^tier=ALL$/tier=GUARDIAN/' "$conf"
    NODERR_PREFLIGHT_CPU=8 NODERR_PREFLIGHT_MEM_GB=16 NODERR_PREFLIGHT_DISK_GB=100 FAKE=$T/fake \
        inst --prefix "$T/p" --yes --token-file token
    expect_rc 0 &&
        expect_out "The install token from --token-file token was not used: this machine is already registered as node-tls-1" &&
        expect_out "If it has not registered a node yet, it stays valid" &&
        expect_out "against the GUARDIAN tier minimums (node node-tls-1 is registered in tier GUARDIAN)" &&
        expect_no_out "decides the" && expect_no_out "Preflight for tier" || return 1
    [[ "$(grep -c "$TOK" "$T/www/requests.jsonl")" == 1 ]] || fail "the token was sent on the re-run" || return 1
    NODERR_PREFLIGHT_CPU=4 NODERR_PREFLIGHT_MEM_GB=16 NODERR_PREFLIGHT_DISK_GB=100 FAKE=$T/fake \
        inst --prefix "$T/p" --yes
    expect_rc 1 && expect_out "does not meet the GUARDIAN tier minimums" || return 1

    inst --uninstall --prefix "$T/p" --yes
    expect_rc 0 && expect_out "$cmd" && expect_out "ask the network admins to suspend node node-tls-1" || return 1
    [[ ! -e "$cmd" && ! -e "$T/p/bin" ]] || fail "left behind:" "$(find "$T/p")"
}

# A prefix that cannot be written stops the run before anything is made, saying why; a run that fails later, before
# the registration request, removes what it made (and nothing else).
test_unwritable_prefix_and_failed_runs_leave_nothing() {
    if [[ "$(id -u)" -eq 0 ]] && command -v unshare >/dev/null; then
        mkdir -p "$T/ro"
        RC=0
        # shellcheck disable=SC2016 # expanded by the inner bash
        OUT=$(NODERR_PREFLIGHT_CPU=16 NODERR_PREFLIGHT_MEM_GB=64 NODERR_PREFLIGHT_DISK_GB=500 PATH=$FAKE_OK:$PATH \
            NODERR_JAVA=$FAKE_OK/java unshare -m bash -c 'mount -t tmpfs -o ro tmpfs "$1" && shift && exec "$@"' _ \
            "$T/ro" bash "$INSTALL" --prefix "$T/ro/node" --url http://127.0.0.1:9 --token "$TOK" --yes --dry-run \
            --force </dev/null 2>&1) || RC=$?
        expect_rc 1 &&
            expect_out "ERROR: cannot write to $T/ro (for $T/ro/node/etc/noderr): read-only file system: nothing was installed." &&
            expect_out "is on a read-only file system: install on a writable one" && expect_no_out "install: cannot" ||
            return 1
    fi
    if [[ ! -e /dev/tpmrm0 ]]; then
        # fails at the key (after the directories were made): they go again
        TPM2TOOLS_TCTI="" dry --key-type tpm
        expect_rc 1 && expect_out "no usable TPM 2.0" && expect_out "Removed $T/p (made by this run)" || return 1
        [[ ! -e "$T/p" ]] || fail "left behind:" "$(find "$T/p")" || return 1
        mkdir -p "$T/p"
        echo keep >"$T/p/operator-file"
        TPM2TOOLS_TCTI="" dry --key-type tpm
        expect_rc 1 || return 1
        [[ "$(find "$T/p" -mindepth 1)" == "$T/p/operator-file" ]] || fail "left behind:" "$(find "$T/p")" || return 1
    fi
}

# The install token: a missing or empty one says just that (no usage text); one that is not an install token is
# refused before anything is made; a refusal by the control plane is explained once.
test_token_input_errors() {
    inst_at http://127.0.0.1:9 --token ghp_notAnInstallToken
    expect_rc 2 && expect_out "is not an install token: it does not start with nit_" &&
        expect_no_out "ghp_notAnInstallToken" && expect_no_out "Usage:" && [[ ! -e "$T/p" ]] || return 1
    NODERR_INSTALL_TOKEN='nit_abc"def' inst_at http://127.0.0.1:9
    expect_rc 2 && expect_out "token from NODERR_INSTALL_TOKEN is not an install token: it has characters" || return 1
    make_tls && start_https || return 1
    serve_agent
    cp "$T/ca.pem" ca.pem
    local url=https://127.0.0.1:$HTTP_PORT
    if command -v script >/dev/null; then
        local cmd="env NODERR_PREFLIGHT_CPU=16 NODERR_PREFLIGHT_MEM_GB=64 NODERR_PREFLIGHT_DISK_GB=500"
        cmd+=" PATH=$FAKE_OK:$PATH NODERR_JAVA=$FAKE_OK/java bash $INSTALL --prefix $T/p --url $url --ca-file ca.pem"
        cmd+=" --yes --key-type software"
        type_at_token_prompt "$cmd" ""
        expect_rc 2 && expect_out "no install token was entered" && expect_no_out "Usage:" && [[ ! -e "$T/p" ]] || return 1
    fi
    cat >"$T/www/answer-register.json" <<'EOF'
{"status": 401, "body": {"type": "https://noderr.network/problems/install-token-revoked", "title": "Install token revoked",
 "status": 401, "detail": "This install token was revoked by an administrator. Ask them for a new one."}}
EOF
    inst_at "$url" --token "$TOK" --ca-file ca.pem
    expect_rc 1 && expect_out "Registration failed: Install token revoked (HTTP 401)" || return 1
    [[ "$(grep -c "new one" <<<"$OUT")" == 1 ]] || fail "the advice is repeated:" "$OUT"
}

# ------------------------------------------------------------------------------------------------ main

ensure_tools() {
    local missing=() tool
    for tool in openssl shellcheck swtpm tpm2_createprimary setsid python3; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
    ((${#missing[@]} == 0)) && return 0
    if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "Installing test tools with apt-get (missing: ${missing[*]})"
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            openssl shellcheck swtpm swtpm-tools tpm2-tools util-linux python3 >/dev/null
    else
        echo "Missing tools: ${missing[*]} (Debian: apt-get install openssl shellcheck swtpm swtpm-tools tpm2-tools python3)"
    fi
}

ensure_tools
# Stand-ins for a working Docker engine and Java 21, so that the tests do not depend on this machine's.
FAKE_OK=$TMP/fake-ok
mkdir -p "$FAKE_OK"
printf '#!/bin/sh\nexit 0\n' >"$FAKE_OK/docker"
printf '#!/bin/sh\necho '\''openjdk version "21.0.5" 2024-10-15'\'' >&2\n' >"$FAKE_OK/java"
chmod +x "$FAKE_OK/docker" "$FAKE_OK/java"
export FAKE_OK
# The stand-in control plane of start_https: python3's http.server on a TLS socket.
HTTPS_SERVER=$TMP/https-server.py
cat >"$HTTPS_SERVER" <<'PYTHON'
import base64, http.server, json, os, ssl, sys

root, port, cert, key = sys.argv[1:5]


ANSWERS = {
    "/api/v1/auth/register": lambda: (201, {"nodeId": "node-tls-1", "tier": "ALL"}),
    "/api/v1/auth/challenge": lambda: (200, {"nonce": base64.b64encode(os.urandom(32)).decode()}),
    "/api/v1/auth/verify": lambda: (200, {"accessToken": "stand-in"}),
    "/api/v1/auth/rotate": lambda: (200, {"nodeId": "node-tls-1", "keyType": "SOFTWARE",
                                          "rotatedAt": "2026-01-01T00:00:00Z"}),
}


def answer(path):
    # <root>/answer-<last path segment>.json, when there, replaces the fixed answer: {"status": 401, "body": {...}},
    # or {"status": "drop"} (the request is read, then the connection closed without an answer)
    override = os.path.join(root, "answer-" + path.rsplit("/", 1)[-1] + ".json")
    if os.path.exists(override):
        with open(override) as f:
            data = json.load(f)
        return data["status"], data.get("body", {})
    return ANSWERS.get(path, lambda: (404, {"title": "Not Found"}))()


class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=root, **kwargs)

    def do_GET(self):
        # <root>/redirect-<last path segment>, when there, holds the URL the request is redirected to (302)
        target = os.path.join(root, "redirect-" + self.path.split("?")[0].rsplit("/", 1)[-1])
        if os.path.exists(target):
            with open(target) as f:
                location = f.read().strip()
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_GET()

    def do_POST(self):
        request = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        # every request's path, Authorization header and body, one JSON line each (the tests look at them)
        with open(os.path.join(root, "requests.jsonl"), "a") as f:
            f.write(json.dumps({"path": self.path, "authorization": self.headers.get("Authorization"),
                                "body": request.decode()}) + "\n")
        status, body = answer(self.path)
        if status == "drop":
            self.close_connection = True
            return
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server = http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), Handler)
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
PYTHON
unset TPM2TOOLS_TCTI NODERR_INSTALL_TOKEN NODERR_JAVA NODERR_PREFLIGHT_CPU NODERR_PREFLIGHT_MEM_GB NODERR_PREFLIGHT_DISK_GB

run shellcheck
run embedded_copies_match_files
run help
run args_errors_exit_2_with_usage
run piped_install_uses_embedded_files
run equals_form_and_case_insensitive_tier
run root_required_without_prefix
run no_tty_without_yes_fails
run prompt_on_terminal
run preflight_pass_table
run preflight_detects_real_values
run preflight_fail_exits_1_before_changes
run preflight_guardian_boundaries
run preflight_force_warns_and_continues
run docker_and_java_missing
run software_key
run software_signature_verifies
run rerun_keeps_key
run tpm_required_but_missing
run tpm_key_and_signature
run tpm_auto_prefers_tpm
run tpm_unreachable_auto_falls_back
run uninstall_prefix
run uninstall_needs_yes_without_tty
run unreachable_control_plane
run plain_http_refused_for_a_remote_control_plane
run agent_digest_mismatch_aborts_before_installing
run agent_sha256_pin_must_match
run token_from_file_env_or_terminal_stays_off_command_lines
run rerun_keeps_operator_settings
run ca_file_refused_up_front
run ca_file_for_a_private_ca_control_plane
run ca_file_adds_to_the_default_cas
run rotate_key_argument_errors
run rotate_key_needs_an_installed_node
run rotate_key_with_a_stand_in_control_plane
run docker_host_is_the_engine_checked
run agent_command_rerun_and_uninstall
run unwritable_prefix_and_failed_runs_leave_nothing
run token_input_errors

if ((FAILED)); then echo "Failed: ${FAILED_NAMES[*]}"; fi
echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
