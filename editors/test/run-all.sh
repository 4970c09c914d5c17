#!/usr/bin/env bash
# Runs the editor tests against bin/airshift and prints, per client, each
# check with its result and time:
#   nvim   Neovim (Debian's neovim, 0.7.x) headless, through editors/nvim
#   emacs  Emacs eglot in batch mode, through editors/emacs/airshift-eglot.el
#   node   a protocol client on vscode-languageserver-protocol
#   vsix   `make vsix` and the contents of the VS Code package
# Usage: editors/test/run-all.sh [CLIENT...]   (all four by default)
#
# A missing client is a failure, never a skip. As root (as in CI) the
# script installs missing Debian packages with apt-get; otherwise it stops
# and names them. npm packages are installed from the lockfiles.
# Scratch files, fixture copies and logs go to editors/test/.work.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work="$here/.work"
# Seconds each client may run before timeout stops it.
limit=${AIRSHIFT_EDITOR_TEST_TIMEOUT:-240}

if [ $# -gt 0 ]; then
  clients=("$@")
else
  clients=(nvim emacs node vsix)
fi
for client in "${clients[@]}"; do
  case "$client" in
    nvim | emacs | node | vsix) ;;
    *)
      echo "run-all.sh: unknown client \"$client\"; use nvim, emacs, node or vsix" >&2
      exit 2
      ;;
  esac
done

wants() {
  local client
  for client in "${clients[@]}"; do
    [ "$client" = "$1" ] && return 0
  done
  return 1
}

# Tools that no package manager step here installs.
missing_tools=()
for tool in go node npm git make timeout; do
  command -v "$tool" >/dev/null 2>&1 || missing_tools+=("$tool")
done
if [ ${#missing_tools[@]} -gt 0 ]; then
  echo "editor tests: missing tools: ${missing_tools[*]}. Install them and run again." >&2
  exit 1
fi

emacs_has_eglot() {
  emacs --batch --eval "(require 'eglot)" >/dev/null 2>&1
}

missing_packages=()
if wants nvim && ! command -v nvim >/dev/null 2>&1; then
  missing_packages+=(neovim)
fi
if wants emacs; then
  if ! command -v emacs >/dev/null 2>&1; then
    missing_packages+=(emacs-nox elpa-eglot)
  elif ! emacs_has_eglot; then
    missing_packages+=(elpa-eglot)
  fi
fi
if [ ${#missing_packages[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "editor tests: installing ${missing_packages[*]} with apt-get"
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing_packages[@]}" ||
      { echo "editor tests: apt-get install ${missing_packages[*]} failed" >&2; exit 1; }
  else
    echo "editor tests: missing Debian packages: ${missing_packages[*]}." >&2
    echo "Install them with: sudo apt-get install -y ${missing_packages[*]}" >&2
    exit 1
  fi
fi

# npm ci rewrites node_modules/.package-lock.json, so a copy older than the
# lockfile means the install is out of date.
install_npm_packages() {
  local dir="$1"
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "editor tests: npm ci in ${dir#"$repo"/}"
    (cd "$dir" && npm ci --no-audit --no-fund) || { echo "editor tests: npm ci failed in $dir" >&2; exit 1; }
  fi
}
install_npm_packages "$here/node"

make --no-print-directory -C "$repo" build || { echo "editor tests: make build failed" >&2; exit 1; }
airshift="$repo/bin/airshift"

rm -rf "$work"
mkdir -p "$work/xdg"
node "$here/node/prepare.js" "$repo" "$work" "$airshift" nvim emacs node ||
  { echo "editor tests: preparing the fixture projects failed" >&2; exit 1; }

# Runs one client under the time limit, with its output in WORK/NAME.log and
# "EXIT_CODE WALL_MS" in WORK/NAME.run for report.js.
run_client() {
  local name="$1"
  shift
  local start end status
  echo "editor tests: running $name"
  start=$(date +%s%N)
  env AIRSHIFT_REPO="$repo" AIRSHIFT_BIN="$airshift" AIRSHIFT_WORK="$work/$name" \
    AIRSHIFT_RESULT="$work/$name.json" PATH="$repo/bin:$PATH" \
    XDG_CONFIG_HOME="$work/xdg/config" XDG_DATA_HOME="$work/xdg/data" \
    XDG_STATE_HOME="$work/xdg/state" XDG_CACHE_HOME="$work/xdg/cache" \
    timeout -k 5 "$limit" "$@" >"$work/$name.log" 2>&1 </dev/null
  status=$?
  end=$(date +%s%N)
  echo "$status $(((end - start) / 1000000))" >"$work/$name.run"
}

for client in "${clients[@]}"; do
  case "$client" in
    nvim) run_client nvim nvim --headless --clean -i NONE -u "$here/nvim/test.lua" ;;
    emacs) run_client emacs emacs --batch -l "$here/emacs/test.el" ;;
    node) run_client node node "$here/node/client.js" ;;
    vsix) run_client vsix node "$here/node/vsix.js" ;;
  esac
done

node "$here/report.js" "$work" "${clients[@]}"
