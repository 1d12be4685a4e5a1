#!/usr/bin/env bash
# Set-up of the browser test (tests/it/serve/browser.rs), idempotent: Debian's chromium and
# chromium-driver, node + npm, and playwright-core (the version pinned in
# tests/browser/package-lock.json) in tests/browser/node_modules. `make test` runs it; a
# second run only checks, and says so.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup-browser: %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        say "need root for: $*"; exit 1
    fi
}

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]} with apt-get (Chromium is about 100 MB to download)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    say "installed: $(/usr/bin/chromium --version 2>/dev/null || echo '?')"
else
    say "chromium, chromium-driver, node and npm are installed: nothing to install"
fi

# npm ci when node_modules is missing or older than the lock file.
mods=tests/browser/node_modules
if [ ! -d "$mods/playwright-core" ] || [ tests/browser/package-lock.json -nt "$mods/.package-lock.json" ]; then
    say "installing playwright-core into $mods (npm ci, about 10 MB; it drives /usr/bin/chromium)"
    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
else
    say "$mods is up to date"
fi
