#!/usr/bin/env bash
# Renders the OAuth pages the daemon serves (templates/oauth_success.html, oauth_error.html) with
# representative text, at phone and desktop widths, into target/screenshots/*.png with Debian's
# headless chromium. Installs chromium with apt-get when it is missing and we are root.
#
# Usage: bash scripts/screenshot-templates.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

out=target/screenshots
mkdir -p "$out"

browser=""
for candidate in chromium chromium-browser; do
    if command -v "$candidate" >/dev/null 2>&1; then browser=$(command -v "$candidate"); break; fi
done
if [[ -z $browser ]]; then
    if [[ $(id -u) == 0 ]]; then
        echo "screenshot-templates: installing chromium" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq </dev/null
        apt-get install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends chromium </dev/null
        browser=$(command -v chromium)
    else
        echo "screenshot-templates: FAILED: chromium is missing; run: sudo apt-get install -y chromium" >&2
        exit 1
    fi
fi

# fill TEMPLATE NAME TITLE MESSAGE ACTION: the daemon's {{...}} substitution, for a preview.
fill() {
    local template=$1 name=$2 title=$3 message=$4 action=$5
    python3 - "$template" "$out/$name.html" "$title" "$message" "$action" <<'PY'
import html, re, sys
src, dst, title, message, action = sys.argv[1:]
text = open(src, encoding="utf-8").read()
# As the daemon does: escape, and show `command` as <code>.
code = lambda v: re.sub(r"`([^`]*)`", r"<code>\1</code>", html.escape(v))
for key, value in (("TITLE", html.escape(title)), ("MESSAGE", code(message)), ("ACTION", code(action))):
    text = text.replace("{{" + key + "}}", value)
open(dst, "w", encoding="utf-8").write(text)
PY
}

fill templates/oauth_success.html oauth_success "Connected to Strava" \
    "Pierre can now read your Strava data (account 134815). Your tokens are stored encrypted on this computer." \
    "You can close this tab and go back to your assistant or terminal."
fill templates/oauth_error.html oauth_error "Link expired" \
    "This Strava sign-in link expired (links last 10 minutes)." \
    "Run \`pierre-authd connect strava\` in a terminal for a new link."

sandbox=()
if [[ $(id -u) == 0 ]]; then sandbox=(--no-sandbox); fi
for page in oauth_success oauth_error; do
    for size in phone:390,844 desktop:1280,800; do
        label=${size%%:*}
        dims=${size#*:}
        png="$out/$page-$label.png"
        rm -f "$png"
        "$browser" --headless "${sandbox[@]}" --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
            --window-size="$dims" --screenshot="$PWD/$png" "file://$PWD/$out/$page.html" >/dev/null 2>&1 || true
        if [[ ! -s $png ]]; then
            echo "screenshot-templates: FAILED: chromium wrote no $png" >&2
            exit 1
        fi
        echo "$png"
    done
done
