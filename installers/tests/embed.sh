#!/usr/bin/env bash
# Copies installers/noderr-sign.sh and installers/noderr-agent.service into the embedded copies at the end of
# installers/install.sh (used when install.sh runs piped from curl, without its folder). Run after editing either;
# tests/run.sh fails while they differ.
set -euo pipefail
dir=$(cd "$(dirname "$0")/.." && pwd)
awk -v sign="$dir/noderr-sign.sh" -v unit="$dir/noderr-agent.service" '
    function emit(file,   line) { while ((getline line < file) > 0) print line; close(file) }
    /^embedded_sign_helper\(\) \{$/ { target = sign }
    /^embedded_unit\(\) \{$/ { target = unit }
    target != "" && /^    cat <<.NODERR_EMBEDDED_EOF.$/ { print; emit(target); skipping = 1; next }
    skipping && /^NODERR_EMBEDDED_EOF$/ { skipping = 0; target = "" }
    !skipping { print }
' "$dir/install.sh" >"$dir/install.sh.new"
chmod --reference="$dir/install.sh" "$dir/install.sh.new"
mv -f "$dir/install.sh.new" "$dir/install.sh"
