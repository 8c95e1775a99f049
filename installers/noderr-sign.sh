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
