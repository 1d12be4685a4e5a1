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

# apt_unpack PACKAGE DEST WHAT: `apt-get download PACKAGE` (running `apt-get update` first if
# the lists do not know it yet) and `dpkg -x` into DEST (replaced); nothing is installed
# system-wide. WHAT describes the download in the message ("about 130 MB").
apt_unpack() {
    local pkg=$1 dest=$2 what=$3 tmp
    tmp=$(mktemp -d)
    say "downloading the Debian package $pkg ($what)"
    if ! (cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>&1); then
        say "not in the apt lists yet: running apt-get update first"
        apt-get update -qq
        (cd "$tmp" && apt-get download -q "$pkg" >/dev/null) || { rm -rf "$tmp"; exit 1; }
    fi
    say "unpacking with dpkg -x into $dest"
    rm -rf "$dest"
    mkdir -p "$dest"
    dpkg -x "$tmp/${pkg}"_*.deb "$dest"
    rm -rf "$tmp"
}

# dicebear_modules DIR VERSION PKG...: `npm pack`s @dicebear/PKG@VERSION for each PKG into
# DIR/@dicebear/PKG (a node_modules folder node can import from), once per VERSION.
dicebear_modules() {
    local dir=$1 version=$2 pkg
    shift 2
    if [ -f "$dir/.complete-$version" ]; then
        say "$dir already holds @dicebear/{$(IFS=,; echo "$*")} $version"
        return
    fi
    rm -rf "$dir"
    for pkg in "$@"; do
        say "downloading @dicebear/$pkg@$version with npm pack"
        npm_unpack "@dicebear/$pkg@$version" "dicebear-$pkg-$version.tgz" \
            "$dir/@dicebear/$pkg" --strip-components=1
    done
    touch "$dir/.complete-$version"
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
