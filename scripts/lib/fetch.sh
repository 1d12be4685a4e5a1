# Shared by scripts/fetch-*.sh (sourced): messages, tool checks, `npm pack` of one package
# into a folder, and the closing report that `scripts/demo.sh` and
# `scripts/train-default.sh` parse (`src:` and `lines:` lines on stdout).
# The sourcing script sets NAME (its message prefix) first.

say() { printf '%s: %s\n' "$NAME" "$*" >&2; }

# need CMD HINT: stops with a message when CMD is not on the PATH.
need() {
    command -v "$1" >/dev/null || { say "$1 not found ($2)"; exit 1; }
}

# npm_unpack SPEC TGZ DIR [TAR-ARGS...]: `npm pack SPEC` (no install scripts run) in a
# temporary folder, then the tarball TGZ it writes is unpacked into DIR.
npm_unpack() {
    local spec=$1 tgz=$2 dir=$3 tmp
    shift 3
    need npm "apt-get install npm"
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "$spec" >/dev/null) || { rm -rf "$tmp"; say "npm pack $spec failed"; exit 1; }
    mkdir -p "$dir"
    tar -xzf "$tmp/$tgz" -C "$dir" "$@"
    rm -rf "$tmp"
}

# report COLOR_DIR LINE_DIR CREDIT: counts the SVGs and prints the folders for
# `prep SRC --lines DIR`.
report() {
    local ncolor nline
    ncolor=$(find "$1" -name '*.svg' | wc -l)
    nline=$(find "$2" -name '*.svg' | wc -l)
    say "$ncolor colour SVGs, $nline line-art SVGs ($3)"
    echo "src:   $1"
    echo "lines: $2"
}
