#!/usr/bin/env bash
# The whole test suite, on a fresh machine too: installs what the tests need (Debian's chromium
# for the browser tests, a Java runtime for the Nu HTML Checker, Node.js, the npm test packages),
# then runs formatting and lint checks, the Rust tests and the JavaScript and browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v java >/dev/null || missing+=(default-jre-headless)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $sudo apt-get update -q
  $sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)

cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
cargo build --locked
cargo test --locked
node --test tests/js/ tests/browser/
