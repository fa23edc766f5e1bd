# SPDX-License-Identifier: MIT
# Shared by scripts/demo, scripts/test and bench/run (sourced, not run).
# Checks what the build and the tests need, one probe per need
# (command -v, pkg-config, a Python import, a file), and installs only
# the Debian packages that are missing: apt-get update once, then one
# apt-get install -y. Nothing is installed when everything is there.

XF_MISSING_PKGS=()

xf_log() { printf '==> %s\n' "$*" >&2; }
xf_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

xf_missing() {
    local p
    for p in "${XF_MISSING_PKGS[@]}"; do [[ $p == "$1" ]] && return 0; done
    XF_MISSING_PKGS+=("$1")
}

# xf_need_cmd COMMAND PACKAGE
xf_need_cmd() { command -v "$1" >/dev/null 2>&1 || xf_missing "$2"; }

# xf_need_pc PKG-CONFIG-NAME PACKAGE (pkg-config itself must be checked first)
xf_need_pc() {
    if command -v pkg-config >/dev/null 2>&1; then
        pkg-config --exists "$1" || xf_missing "$2"
    else
        xf_missing "$2"
    fi
}

# xf_need_py MODULE PACKAGE: a module for Debian's /usr/bin/python3, which
# is what the tests run with (not whatever python3 comes first on PATH)
xf_need_py() {
    if [[ -x /usr/bin/python3 ]]; then
        /usr/bin/python3 -c "import $1" >/dev/null 2>&1 || xf_missing "$2"
    else
        xf_missing "$2"
    fi
}

# xf_need_glob GLOB PACKAGE: some file matching GLOB must exist
xf_need_glob() {
    local f
    for f in $1; do [[ -e $f ]] && return 0; done
    xf_missing "$2"
}

# What building xform needs (unit tests included: cmocka is required).
xf_need_build() {
    xf_need_cmd meson meson
    xf_need_cmd ninja ninja-build
    xf_need_cmd pkg-config pkg-config
    xf_need_cmd gcc gcc
    xf_need_glob /usr/include/stdio.h libc6-dev
    xf_need_pc yaml-0.1 libyaml-dev
    xf_need_pc sqlite3 libsqlite3-dev
    xf_need_pc libpcre2-8 libpcre2-dev
    xf_need_pc jansson libjansson-dev
    xf_need_pc libpq libpq-dev
    xf_need_pc libcrypto libssl-dev
    xf_need_pc cmocka libcmocka-dev
    xf_need_pc libmicrohttpd libmicrohttpd-dev # xform docs serve
    xf_need_pc zlib zlib1g-dev                 # the docs site's compressed data
    xf_need_pc libcurl libcurl4-openssl-dev    # xform deps: the package hub over HTTP(S)
    xf_need_pc libarchive libarchive-dev       # xform deps: package tarballs
    xf_need_cmd git git                        # xform deps: git packages (run, as dbt does)
}

# What the test suites need on top of the build.
xf_need_tests() {
    xf_need_cmd /usr/bin/python3 python3
    xf_need_py pytest python3-pytest
    xf_need_py jsonschema python3-jsonschema
    xf_need_glob '/usr/lib/postgresql/*/bin/initdb' postgresql
    xf_need_cmd psql postgresql-client
    xf_need_cmd sqlite3 sqlite3
    # the JUnit report validated against tests/e2e/schemas/junit.xsd
    xf_need_cmd xmllint libxml2-utils
    # the docs tests: lineage --format dot rendered, the site in headless Chromium
    # (driven by playwright-core, which the test installs with npm under the build)
    xf_need_cmd dot graphviz
    xf_need_cmd chromium chromium
    xf_need_cmd node nodejs
    xf_need_cmd npm npm
}

# Installs whatever the xf_need_* calls found missing.
xf_install_missing() {
    ((${#XF_MISSING_PKGS[@]} == 0)) && return 0
    xf_log "installing missing packages: ${XF_MISSING_PKGS[*]}"
    local sudo=()
    if ((EUID != 0)); then
        command -v sudo >/dev/null 2>&1 ||
            xf_die "not root and no sudo: install these packages first: ${XF_MISSING_PKGS[*]}"
        sudo=(sudo)
    fi
    command -v apt-get >/dev/null 2>&1 ||
        xf_die "no apt-get here: install these packages first: ${XF_MISSING_PKGS[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${XF_MISSING_PKGS[@]}"
    XF_MISSING_PKGS=()
    hash -r
}

# xf_build DIR [meson setup options...]: configures DIR when it is not
# configured yet, then builds it.
xf_build() {
    local dir=$1
    shift
    if [[ ! -f $dir/build.ninja ]]; then
        xf_log "meson setup $dir $*"
        meson setup "$dir" "$@"
    fi
    xf_log "ninja -C $dir"
    ninja -C "$dir"
}

# What the fuzz harnesses need: clang and libFuzzer (Debian ships it in
# libclang-rt-<version>-dev, for the clang that `clang` is).
xf_need_fuzz() {
    xf_need_cmd clang clang
    local v
    v=$(clang -dumpversion 2>/dev/null | cut -d. -f1)
    if [[ -n $v ]]; then
        xf_need_glob "/usr/lib/llvm-$v/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a" \
            "libclang-rt-$v-dev"
    else
        # no clang yet: Debian's default clang and the libFuzzer that goes with it
        xf_need_glob "/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a" \
            "libclang-rt-dev"
    fi
}

# xf_build_fuzz: the clang build with the harnesses (build-fuzz/, or
# XF_FUZZ_BUILD_DIR); only the harnesses and what they link are built.
xf_build_fuzz() {
    local dir=${XF_FUZZ_BUILD_DIR:-build-fuzz}
    if [[ ! -f $dir/build.ninja ]]; then
        xf_log "CC=clang meson setup $dir -Dfuzz=true"
        CC=clang meson setup "$dir" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
    fi
    xf_log "ninja -C $dir (fuzz harnesses)"
    ninja -C "$dir" tests/fuzz/fuzz_template tests/fuzz/fuzz_yaml tests/fuzz/fuzz_project \
        tests/fuzz/fuzz_csv tests/fuzz/fuzz_select
}
