#!/bin/bash
# Rebuilds the console's SIP library, examples/src/console/assets/vendor/jssip.min.js, from the
# npm registry: JsSIP at the version pinned below (its tarball checked against the pinned
# integrity), its dependencies at the versions of scripts/vendor-jssip/package-lock.json (npm ci
# checks every tarball against the lock), bundled for the browser by esbuild (pinned in the same
# lock) into one script that defines `window.JsSIP`. The licences of everything bundled go to
# vendor/LICENSES.txt.
#
#   scripts/refresh-vendor.sh           rebuild, check the result against BUNDLE_SHA256, write it
#   scripts/refresh-vendor.sh --check   rebuild and compare with the committed files; write nothing
#   scripts/refresh-vendor.sh --update  after changing a version in vendor-jssip/package.json and
#                                       JSSIP_VERSION: refresh the lock, rebuild, write, and print
#                                       the new JSSIP_INTEGRITY and BUNDLE_SHA256 to pin here
#
# Needs node and npm (Debian: apt-get install nodejs npm). Nothing is installed outside a
# temporary directory.
set -euo pipefail

JSSIP_VERSION=3.13.8
JSSIP_INTEGRITY=sha512-ErxEdy13vXR5izGo42fpXOU64UmC2VF7Shg4oYG7R2NzZF0FTPeYikffkIIQa9w+/11YvTlgezG1nSaycWYXPA==
# sha256 of the bundle this script writes (the same inputs give the same bytes).
BUNDLE_SHA256=e6df508ec6d508466ff6482a69c42ce9e9717bceda5cb60e427b7f487d9a2ede

MODE=${1:-write}
case "$MODE" in write | --check | --update) ;; *)
  echo "usage: $0 [--check | --update]" >&2
  exit 2
  ;;
esac

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PINS="$ROOT/scripts/vendor-jssip"
VENDOR="$ROOT/examples/src/console/assets/vendor"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cp "$PINS/package.json" "$PINS/package-lock.json" "$WORK/"
cd "$WORK"
if [ "$MODE" = --update ]; then
  npm install --package-lock-only --ignore-scripts --no-audit --no-fund >/dev/null
fi
npm ci --ignore-scripts --no-audit --no-fund >/dev/null

# The pinned JsSIP, and only it.
node -e '
const lock = require("./package-lock.json").packages["node_modules/jssip"];
const [version, integrity, mode] = process.argv.slice(1);
if (!lock || lock.version !== version) {
  console.error(`the lock has jssip ${lock && lock.version}, the script pins ${version}`);
  process.exit(1);
}
if (mode !== "--update" && lock.integrity !== integrity) {
  console.error(`jssip ${version}: the lock has integrity ${lock.integrity}, the script pins ${integrity}`);
  process.exit(1);
}
console.log(lock.integrity);
' "$JSSIP_VERSION" "$JSSIP_INTEGRITY" "$MODE" >integrity.txt
installed=$(node -p 'require("./node_modules/jssip/package.json").version')
[ "$installed" = "$JSSIP_VERSION" ] || {
  echo "npm installed jssip $installed, not $JSSIP_VERSION" >&2
  exit 1
}

mkdir out
{
  printf '/*! JsSIP %s (MIT, https://jssip.net), bundled with its dependencies by\n' "$JSSIP_VERSION"
  printf ' * scripts/refresh-vendor.sh; licences in vendor/LICENSES.txt. */\n'
} >out/header.js
./node_modules/.bin/esbuild node_modules/jssip/lib/JsSIP.js \
  --bundle --minify --format=iife --global-name=JsSIP --platform=browser --target=es2020 \
  --legal-comments=none --charset=utf8 --log-level=warning --outfile=out/body.js
cat out/header.js out/body.js >out/jssip.min.js

{
  echo "Licences of the code bundled in jssip.min.js (JsSIP $JSSIP_VERSION and its dependencies)."
  for pkg in jssip debug ms events sdp-transform; do
    dir="node_modules/$pkg"
    version=$(node -p "require('./$dir/package.json').version")
    echo
    echo "==== $pkg $version ===================================================================="
    licence=$(ls "$dir" | grep -iE '^(licen[cs]e|copying)' | head -n 1 || true)
    if [ -n "$licence" ]; then
      cat "$dir/$licence"
    else
      echo "License: $(node -p "require('./$dir/package.json').license") (no licence file in the package)"
    fi
  done
} >out/LICENSES.txt

sum=$(sha256sum out/jssip.min.js | cut -d' ' -f1)
case "$MODE" in
--check)
  cmp -s out/jssip.min.js "$VENDOR/jssip.min.js" || {
    echo "vendor/jssip.min.js differs from a rebuild of JsSIP $JSSIP_VERSION (sha256 $sum)" >&2
    exit 1
  }
  cmp -s out/LICENSES.txt "$VENDOR/LICENSES.txt" || {
    echo "vendor/LICENSES.txt differs from the rebuild's" >&2
    exit 1
  }
  echo "vendor/jssip.min.js is JsSIP $JSSIP_VERSION as pinned (sha256 $sum)"
  ;;
write)
  [ "$sum" = "$BUNDLE_SHA256" ] || {
    echo "the rebuilt bundle has sha256 $sum, the script pins $BUNDLE_SHA256" >&2
    echo "(a changed esbuild or dependency? use --update to accept it)" >&2
    exit 1
  }
  ;&
--update)
  mkdir -p "$VENDOR"
  cp out/jssip.min.js out/LICENSES.txt "$VENDOR/"
  [ "$MODE" = --update ] && cp package-lock.json "$PINS/package-lock.json"
  echo "wrote $VENDOR/jssip.min.js (JsSIP $JSSIP_VERSION, $(wc -c <out/jssip.min.js) bytes, sha256 $sum)"
  if [ "$MODE" = --update ]; then
    echo "pin in $0:"
    echo "JSSIP_INTEGRITY=$(cat integrity.txt)"
    echo "BUNDLE_SHA256=$sum"
  fi
  ;;
esac
