#!/usr/bin/env bash
# Runs o2c_extension's whole test suite against a real site of a Frappe v15 bench with ERPNext.
#
#   O2C_BENCH      path of the bench            (default: /home/frappe/frappe-bench)
#   O2C_TEST_SITE  site the tests run on         (default: o2c-test.localhost)
#
# It brings this checkout's code into the bench (apps/o2c_extension), creates the test site if it
# does not exist yet (ERPNext + o2c_extension; needs `root_password` in common_site_config.json),
# migrates it and runs pytest over tests/ (pure unit tests and integration tests on the site).
# Extra arguments go to pytest, e.g. `bash tests/run.sh -k credit -x` or `bash tests/run.sh tests/unit`.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="${O2C_BENCH:-/home/frappe/frappe-bench}"
SITE="${O2C_TEST_SITE:-o2c-test.localhost}"

if [ ! -x "$BENCH/env/bin/python" ] || [ ! -d "$BENCH/apps/erpnext" ]; then
	echo "o2c_extension tests: no Frappe bench with ERPNext at $BENCH (set O2C_BENCH to your bench's path)" >&2
	exit 1
fi

OWNER="$(stat -c %U "$BENCH")"
# bench refuses to run as root: run everything as the bench's owner.
as_owner() {
	if [ "$(id -un)" = "$OWNER" ]; then "$@"; else runuser -u "$OWNER" -- "$@"; fi
}
in_bench() { as_owner bash -c "cd '$BENCH' && $*"; }
bench_cmd() { in_bench "PATH=\"\$HOME/bench-cli/bin:\$HOME/.local/bin:\$PATH\" bench $*"; }

# 1. this checkout's code into the bench
APP_DIR="$BENCH/apps/o2c_extension"
if [ "$(realpath -m "$APP_DIR")" != "$(realpath "$REPO")" ]; then
	rm -rf "$APP_DIR"
	mkdir -p "$APP_DIR"
	rsync -a --delete --exclude .git --exclude __pycache__ "$REPO/" "$APP_DIR/"
	chown -R "$OWNER": "$APP_DIR"
fi
INSTALLED_AT="$(in_bench "env/bin/python -c 'import o2c_extension, os; print(os.path.realpath(os.path.dirname(o2c_extension.__file__)))'" 2>/dev/null || true)"
if [ "$INSTALLED_AT" != "$(realpath "$APP_DIR")/o2c_extension" ]; then
	# the build backend the install below uses without isolation (a v16 bench's uv env has none)
	in_bench "env/bin/python -c 'import setuptools' 2>/dev/null || env/bin/python -m pip install -q 'setuptools>=77,<81'"
	in_bench "env/bin/python -m pip install -q --no-deps --no-build-isolation --config-settings editable_mode=compat -e apps/o2c_extension" 2>&1 | grep -v -i -e warning -e "^ " || true
fi
# the app's own dependencies (pyproject.toml), which the --no-deps editable install leaves out
in_bench "env/bin/python -m pip install -q \$(env/bin/python -c \"import tomllib; print(' '.join(d.replace(' ', '') for d in tomllib.load(open('apps/o2c_extension/pyproject.toml', 'rb'))['project']['dependencies']))\")" 2>&1 | grep -v -i -e warning -e "^ " || true
# aiosmtpd: the local SMTP server the mail tests send to and read from (tests/integration/mail_sink.py)
in_bench "env/bin/python -c 'import pytest, hypothesis, freezegun, pytest_timeout, aiosmtpd' 2>/dev/null || env/bin/python -m pip install -q pytest hypothesis freezegun pytest-timeout aiosmtpd"
# Browser tests drive the system Chromium through Playwright; without either they are skipped.
in_bench "env/bin/python -c 'import playwright' 2>/dev/null || env/bin/python -m pip install -q playwright 2>/dev/null" \
	|| echo "o2c_extension tests: playwright could not be installed; browser tests will be skipped"
in_bench "grep -qx o2c_extension sites/apps.txt || printf '\no2c_extension\n' >> sites/apps.txt; sed -i '/^\$/d' sites/apps.txt"

# 2. the test site: created once (about two minutes), then migrated on every run
if [ ! -f "$BENCH/sites/$SITE/site_config.json" ]; then
	echo "o2c_extension tests: creating test site $SITE"
	bench_cmd "new-site '$SITE' --admin-password admin --install-app erpnext"
	bench_cmd "--site '$SITE' execute erpnext.setup.utils.before_tests"
fi
if ! in_bench "cd sites && ../env/bin/python -c \"import frappe; frappe.init(site='$SITE', sites_path='.'); frappe.connect(); import sys; sys.exit(0 if 'o2c_extension' in frappe.get_installed_apps() else 1)\"" 2>/dev/null; then
	bench_cmd "--site '$SITE' install-app o2c_extension"
fi
# the site's encryption key before any test starts a web server: a server that read the site's
# config without it (v16 caches the config) could not decrypt the API secrets the tests set
grep -q '"encryption_key"' "$BENCH/sites/$SITE/site_config.json" \
	|| bench_cmd "--site '$SITE' execute frappe.utils.password.get_encryption_key" >/dev/null
bench_cmd "--site '$SITE' migrate" >/dev/null
echo "o2c_extension tests: bench $BENCH, site $SITE migrated"

# 3. the suite: all of tests/, or the tests/... paths given, plus any other pytest arguments
TARGETS=()
ARGS=()
for arg in "$@"; do
	case "$arg" in
		tests/*) TARGETS+=("$APP_DIR/$arg") ;;
		*) ARGS+=("$arg") ;;
	esac
done
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("$APP_DIR/tests")
as_owner env O2C_BENCH="$BENCH" O2C_TEST_SITE="$SITE" bash -c \
	"cd '$BENCH/sites' && '$BENCH/env/bin/python' -m pytest $(printf '%q ' "${TARGETS[@]}") -p no:cacheprovider -rfEs $(printf '%q ' "${ARGS[@]+"${ARGS[@]}"}")"
