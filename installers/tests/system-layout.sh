#!/usr/bin/env bash
# The installer's real system layout (no --prefix), checked as root inside a private mount namespace so the host
# is left unchanged: /etc, /opt and /usr/local/bin are bind-mounted copies, /var/lib an overlay. Registers against a REAL control
# plane with a real install token (InstallerIT passes both), then re-runs, rotates the key and uninstalls.
#
#   system-layout.sh <control-plane-url> <install-token>
#
# Exits 0 when every check passes, 77 when it cannot run here (not root, no unshare), 1 otherwise.
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: system-layout.sh <control-plane-url> <install-token>" >&2
    exit 2
fi
if [[ "$(id -u)" -ne 0 ]] || ! command -v unshare >/dev/null; then
    echo "skipped: needs root and unshare"
    exit 77
fi
URL=$1
export NODERR_INSTALL_TOKEN=$2 # the installer reads it from the environment, so it is not on a command line
INSTALL="$(cd "$(dirname "$0")/.." && pwd)/install.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"
mkdir -p etc opt up work jar bin
cp -a /etc/. etc/
if [[ -d /usr/local/bin ]]; then cp -a /usr/local/bin/. bin/; fi
# The installer only copies the agent jar; its content does not matter for the layout.
printf 'placeholder agent jar\n' >jar/noderr-agent.jar

cat >inner.sh <<'INNER'
set -u
check() { if ! eval "$1"; then echo "check failed: $1"; exit 1; fi; }
mount --make-rprivate / && mount --bind "$T/etc" /etc && mount --bind "$T/opt" /opt &&
    mkdir -p /usr/local/bin && mount --bind "$T/bin" /usr/local/bin &&
    mount -t overlay overlay -o "lowerdir=/var/lib,upperdir=$T/up,workdir=$T/work" /var/lib || exit 3
uid_free=0
getent passwd 1001 >/dev/null || uid_free=1
id noderr >/dev/null 2>&1 && { echo "a user noderr exists already in this machine's /etc"; exit 3; }
out=$(bash "$INSTALL" --url "$URL" --yes --force --key-type software --agent-jar "$T/jar/noderr-agent.jar" 2>&1)
rc=$?
echo "$out"
check '[[ $rc == 0 ]]'
check '[[ "$out" == *"registered (tier "*", key: SOFTWARE) and authenticated"* ]]'
check '[[ "$out" != *"$NODERR_INSTALL_TOKEN"* ]]'
check 'id noderr'
check '(( uid_free == 0 )) || [[ "$(id -u noderr)" == 1001 ]]'
check '[[ "$(stat -c "%U:%G %a" /etc/noderr)" == "root:noderr 750" ]]'
check '[[ "$(stat -c "%U:%G %a" /etc/noderr/key)" == "noderr:noderr 700" ]]'
check '[[ "$(stat -c "%U %a" /etc/noderr/key/node-key.pem)" == "noderr 600" ]]'
check '[[ "$(stat -c "%U:%G %a" /etc/noderr/agent.properties)" == "root:noderr 640" ]]'
check '[[ "$(stat -c "%U:%G" /var/lib/noderr)" == "noderr:noderr" ]]'
check '! grep -rqF "$NODERR_INSTALL_TOKEN" /etc/noderr /var/lib/noderr /opt/noderr'
check 'grep -qxF "key-path=/etc/noderr/key/node-key.pem" /etc/noderr/agent.properties'
check 'grep -qxF "state-dir=/var/lib/noderr" /etc/noderr/agent.properties'
# the daemon runs as the systemd unit: the agent's status names it (a sandbox install writes service=none)
check 'grep -qxF "service=noderr-agent" /etc/noderr/agent.properties'
check '[[ -f /opt/noderr/noderr-agent.jar ]]'
check 'grep -qxF "User=noderr" /etc/systemd/system/noderr-agent.service'
check 'grep -qF "created-user=noderr" /etc/noderr/.installer-state'
# the noderr-agent command runs the agent as the noderr user, with this node's configuration
check '[[ "$(stat -c "%U %a" /usr/local/bin/noderr-agent)" == "root 755" ]]'
check 'grep -qF "runuser -u noderr --" /usr/local/bin/noderr-agent'
check 'grep -qxF "config='\''/etc/noderr/agent.properties'\''" /usr/local/bin/noderr-agent'
# the agent's user can sign with the key
check 'head -c 32 /dev/urandom >/tmp/noderr-test-nonce-$$ && chmod 644 /tmp/noderr-test-nonce-$$'
check 'runuser -u noderr -- bash /etc/noderr/noderr-sign.sh /etc/noderr </tmp/noderr-test-nonce-$$ >/tmp/noderr-test-sig-$$'
check 'openssl dgst -sha256 -verify /etc/noderr/key/node-key.pub.pem -signature /tmp/noderr-test-sig-$$ /tmp/noderr-test-nonce-$$'
rm -f /tmp/noderr-test-nonce-$$ /tmp/noderr-test-sig-$$
# The re-run takes the agent the control plane serves (InstallerIT has it serve a small jar).
out=$(NODERR_INSTALL_TOKEN= bash "$INSTALL" --url "$URL" --yes --force 2>&1)
check '[[ $? == 0 && "$out" == *"Already registered"* ]]'
check '[[ "$out" == *"Downloaded the agent from $URL/downloads/noderr-agent.jar"* ]]'
check '[[ "$(head -c 2 /opt/noderr/noderr-agent.jar)" == PK ]]'
# --rotate-key as root: the new key gets the same owner and modes, agent.properties keeps its owner and mode, the
# agent's user signs with the new key, and nothing of the previous key is left.
cp /etc/noderr/key/node-key.pub.pem "$T/old.pub.pem"
out=$(bash "$INSTALL" --rotate-key --yes --key-type software 2>&1)
rc=$?
echo "$out"
check '[[ $rc == 0 && "$out" == *"The control plane took the new SOFTWARE key"* ]]'
check '! cmp -s /etc/noderr/key/node-key.pub.pem "$T/old.pub.pem"'
check '[[ ! -e /etc/noderr/key.new && ! -e /etc/noderr/key.old ]]'
check '[[ "$(stat -c "%U:%G %a" /etc/noderr/key)" == "noderr:noderr 700" ]]'
check '[[ "$(stat -c "%U %a" /etc/noderr/key/node-key.pem)" == "noderr 600" ]]'
check '[[ "$(stat -c "%U:%G %a" /etc/noderr/agent.properties)" == "root:noderr 640" ]]'
check 'head -c 32 /dev/urandom >/tmp/noderr-test-nonce-$$ && chmod 644 /tmp/noderr-test-nonce-$$'
check 'runuser -u noderr -- bash /etc/noderr/noderr-sign.sh /etc/noderr </tmp/noderr-test-nonce-$$ >/tmp/noderr-test-sig-$$'
check 'openssl dgst -sha256 -verify /etc/noderr/key/node-key.pub.pem -signature /tmp/noderr-test-sig-$$ /tmp/noderr-test-nonce-$$'
rm -f /tmp/noderr-test-nonce-$$ /tmp/noderr-test-sig-$$
out=$(bash "$INSTALL" --uninstall --yes 2>&1)
echo "$out"
check '[[ "$out" == *"user noderr"* ]]'
check '! id noderr 2>/dev/null'
check '[[ ! -e /etc/noderr && ! -e /var/lib/noderr && ! -e /opt/noderr && ! -e /etc/systemd/system/noderr-agent.service ]]'
check '[[ ! -e /usr/local/bin/noderr-agent ]]'
check '[[ "$out" == *"suspend node "* ]]'
out=$(bash "$INSTALL" --uninstall --yes 2>&1)
check '[[ "$out" == *"Nothing to remove"* ]]'
echo "system layout: all checks passed"
INNER
T=$T INSTALL=$INSTALL URL=$URL unshare -m bash inner.sh
