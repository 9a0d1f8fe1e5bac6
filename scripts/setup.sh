# Sourced by scripts/demo and scripts/test: installs what trustdesk's build and tests need on a
# fresh Debian machine, skipping whatever is already there. Nothing here downloads a prebuilt
# binary from outside the package registries.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

CARGO_LEPTOS_VERSION="0.3.10"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# One target directory shared by every clone on this machine, so a second checkout (or CI)
# reuses the first one's build.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/trustdesk/target}"
mkdir -p "$CARGO_TARGET_DIR"
# Two cores and an 8 GB compile for aws-sdk-ec2: never more than two jobs.
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
export PATH="$HOME/.cargo/bin:$PATH"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "apt-get install ${missing[*]}"
  if [ $apt_updated = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

setup_rust() {
  command -v cargo >/dev/null || { echo "Rust is needed: install it with rustup first." >&2; exit 1; }
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt
  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    # --debug builds the tool 2.5x faster and it works the same (see shared/TOOLCHAIN.md).
    say "cargo install cargo-leptos $CARGO_LEPTOS_VERSION (about 10 minutes, once)"
    cargo install cargo-leptos --locked --version "$CARGO_LEPTOS_VERSION" --debug
  fi
  # cargo-leptos would download wasm-bindgen from GitHub; build the exact version the lock file
  # pins instead (without --locked: a dependency it locks is not on the registry).
  local wbg
  wbg=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
  if ! wasm-bindgen --version 2>/dev/null | grep -q "$wbg"; then
    say "cargo install wasm-bindgen-cli $wbg (about 5 minutes, once)"
    cargo install wasm-bindgen-cli --version "$wbg"
  fi
}

setup_node() {
  command -v npm >/dev/null || apt_install nodejs npm
  # Tailwind's CLI and binaryen's wasm-opt (cargo-leptos finds both in node_modules/.bin; Debian's
  # binaryen 108 writes release bundles whose externref table breaks hydration), and Playwright.
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    # Not `npm ci`: npm 11 leaves Tailwind's optional per-platform packages out of the lock file
    # and then refuses it. `install --no-save` installs the locked versions and writes nothing.
    say "npm install (locked versions)"
    npm install --no-save --no-audit --no-fund --loglevel=error
  fi
}

setup_python() {
  # boto3 drives the emulator's second conformance suite, aiosmtpd is the SMTP server the
  # server's mail tests deliver to; they live in a virtualenv of their own.
  apt_install python3 python3-venv openssl
  export TRUSTDESK_VENV="${TRUSTDESK_VENV:-$HOME/.cache/trustdesk/venv}"
  local requirements=(emulator/conformance/requirements.txt server/tests/requirements.txt)
  if [ ! -x "$TRUSTDESK_VENV/bin/python" ]; then
    say "python3 -m venv $TRUSTDESK_VENV"
    python3 -m venv "$TRUSTDESK_VENV"
  fi
  if ! cat "${requirements[@]}" | cmp -s - "$TRUSTDESK_VENV/.installed-requirements"; then
    say "pip install -r ${requirements[*]}"
    "$TRUSTDESK_VENV/bin/pip" install --quiet --disable-pip-version-check "${requirements[@]/#/-r}"
    cat "${requirements[@]}" >"$TRUSTDESK_VENV/.installed-requirements"
  fi
}

setup_browser() {
  # Debian's Chromium; Playwright must never download a browser of its own. nginx-light is the
  # proxy the server's client-address tests put in front of trustdesk, as docs/deployment.md sets it up.
  apt_install chromium sqlite3 nginx-light
}

build_site() {
  if [ "${1:-}" = --release ]; then
    # A release binary embeds the site (server/build.rs), so the site must be complete, gzip
    # copies included, before the server compiles: cargo-leptos builds both at once otherwise.
    # Type-erased views (what cargo-leptos uses for debug builds) make the optimised wasm a
    # third smaller. The server must render with the same flag, or its HTML does not match what
    # the browser hydrates (tachys panics: "entered unreachable code"); so both steps get it,
    # and scripts/bench-server builds with it too (a flag difference recompiles every crate).
    export RUSTFLAGS="--cfg erase_components"
    say "cargo leptos build --release --frontend-only (wasm bundle, Tailwind CSS)"
    cargo leptos build "$@" --frontend-only
    precompress_site
    say "cargo leptos build --release --server-only (the binary, with the site built in)"
    cargo leptos build "$@" --server-only
  else
    say "cargo leptos build (server, wasm bundle, Tailwind CSS)"
    cargo leptos build "$@"
    precompress_site
  fi
}

# gzip copies beside the bundle, which the server sends to browsers that accept them.
precompress_site() {
  local f
  for f in target/site/pkg/*.wasm target/site/pkg/*.js target/site/pkg/*.css; do
    [ -f "$f" ] && gzip -9 -k -f "$f"
  done
  return 0
}
