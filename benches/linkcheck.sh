#!/usr/bin/env bash
# benches/linkcheck.sh — time `guidesite check` against lychee on the same links.
#
# Usage:  benches/linkcheck.sh              (run by hand, not in CI)
#
# What it measures: the throughput of external-link checking, with no network
# noise. examples/link_bench_server.rs listens on PORT on each of 127.0.0.1 …
# 127.0.0.50 (50 "hosts") and answers every request with 200 after 20 ms.
# gen-corpus writes 1,700 guides whose ~5,000 distinct external links are then
# spread over those 50 hosts (http://127.0.0.(N+1):PORT/example-N/...). Both
# tools get the same limits: 64 requests in flight overall, 8 per host, no
# retries, no cache, no delay between requests to one host. With 50 hosts x 8
# = 400 > 64, the overall limit is the binding one, so the best possible rate
# is 64 in flight / 20 ms = 3,200 URLs/s (~1.6 s for 5,000 URLs); "% of limit"
# is the measured URLs/s over that (in practice a tokio sleep of 20 ms answers
# in ~21 ms, so ~95% is the real ceiling). Wall time is the whole process
# (startup, reading and parsing the Markdown included); guidesite's own
# link-phase time (from its `links: N checked, ... in X s` line, 0.1 s
# resolution) is shown under the table.
#
# Each tool runs $RUNS times under /usr/bin/time -v: the table shows the median
# wall time and the largest "Maximum resident set size". The script checks
# that guidesite checked every distinct URL with 0 failures, and that lychee
# (run with --format json) saw the same distinct http(s) URLs with 0 errors;
# its summary counts are printed. lychee counts link occurrences, not URLs, and
# may send a few more requests than distinct URLs (a duplicate requested before
# its in-run cache has the answer): "URLs" in the table is distinct URLs.
# Both the tools and the server share the machine's cores: on a busy machine
# (e.g. a concurrent cargo build) the numbers are noisy.
#
# Environment: GEN_CORPUS  path to gen-corpus (default: <repo>/../shared/bench/gen-corpus)
#              PORT        server port on the 50 loopback addresses (default 8787)
#              RUNS        runs per tool (default 3)
#              LYCHEE      lychee binary (default: lychee on PATH, else ~/.cargo/bin/lychee)
#              NO_LYCHEE=1 measure guidesite only
# Needs: cargo, python3, GNU time (apt-get install time), lychee (cargo install lychee --locked)
set -euo pipefail

die() { echo "linkcheck.sh: $*" >&2; exit 1; }

ROOT=$(git -C "$(dirname "$0")" rev-parse --show-toplevel) || die "not inside the guidesite git repository"
GEN_CORPUS=${GEN_CORPUS:-$ROOT/../shared/bench/gen-corpus}
PORT=${PORT:-8787}
RUNS=${RUNS:-3}
GUIDES=1700
CONCURRENCY=64 PER_HOST=8 DELAY_MS=20 HOSTS=50
LIMIT=$((CONCURRENCY * 1000 / DELAY_MS)) # URLs/s

[[ $PORT =~ ^[1-9][0-9]*$ && $PORT -lt 65536 ]] || die "PORT must be a port number, got '$PORT'"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS'"
[[ -x /usr/bin/time ]] || die "GNU time missing; install with: apt-get install -y time"
command -v python3 >/dev/null || die "python3 missing"
[[ -f $GEN_CORPUS ]] || die "gen-corpus not found at $GEN_CORPUS (set GEN_CORPUS=...)"
if [[ ${NO_LYCHEE:-} != 1 ]]; then
  LYCHEE=${LYCHEE:-$(command -v lychee || echo "$HOME/.cargo/bin/lychee")}
  [[ -x $LYCHEE ]] || die "lychee not found (install: cargo install lychee --locked; or NO_LYCHEE=1)"
fi
if python3 - "$PORT" <<'EOF'; then die "port $PORT is already in use on 127.0.0.1 (set PORT=...)"; fi
import socket, sys
s = socket.socket()
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
EOF

echo "== cargo build --release --bin guidesite --example link_bench_server" >&2
(cd "$ROOT" && cargo build --release --quiet --bin guidesite --example link_bench_server)
TARGET_DIR=$(cd "$ROOT" && cargo metadata --no-deps --format-version 1 |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
GUIDESITE=$TARGET_DIR/release/guidesite
SERVER=$TARGET_DIR/release/examples/link_bench_server
[[ -x $GUIDESITE ]] || die "no binary at $GUIDESITE"
[[ -x $SERVER ]] || die "no binary at $SERVER"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/guidesite-linkbench.XXXXXX")
SERVER_PID=
cleanup() {
  if [[ -n $SERVER_PID ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- corpus ---------------------------------------------------------------
CORPUS=$TMP/corpus
echo "== generating $GUIDES guides" >&2
python3 "$GEN_CORPUS" "$GUIDES" "$CORPUS" --links-base "http://127.0.0.1:$PORT" >/dev/null
# Spread example-N over the 50 loopback hosts; the portal URL stays on
# 127.0.0.1. Prints "<distinct URLs> <distinct hosts>".
read -r URLS NHOSTS < <(python3 - "$CORPUS" "$PORT" "$HOSTS" <<'EOF'
import glob, re, sys
corpus, port, hosts = sys.argv[1], sys.argv[2], int(sys.argv[3])
base = re.compile(r"http://127\.0\.0\.1:%s/example-(\d+)/" % port)
def spread(m):
    n = int(m.group(1))
    if n >= hosts:
        sys.exit(f"example-{n} has no loopback host (only {hosts})")
    return f"http://127.0.0.{n + 1}:{port}/example-{n}/"
urls = set()
for path in glob.glob(f"{corpus}/content/*.md"):
    with open(path, encoding="utf-8") as f:
        text = base.sub(spread, f.read())
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    urls.update(re.findall(r"https?://[^\s)<>\"']+", text))
print(len(urls), len({re.match(r"https?://([^/]+)", u).group(1) for u in urls}))
EOF
)
[[ -n ${URLS:-} ]] || die "could not rewrite the corpus"
echo "distinct external URLs: $URLS on $NHOSTS hosts"

# Merge our settings into gen-corpus's site.yaml (it only sets `title`).
if grep -Eq '^(links|lints|emails):' "$CORPUS/site.yaml"; then
  die "gen-corpus's site.yaml already sets links/lints/emails; update this script"
fi
cat >>"$CORPUS/site.yaml" <<EOF
links: {concurrency: $CONCURRENCY, per_host: $PER_HOST, retries: 0, cache_ttl_secs: 0, timeout_secs: 10}
lints: {link/insecure: allow}
emails: {check_domains: false}   # the corpus's e-mail domains are fake; DNS is not what we measure
EOF

# --- server ---------------------------------------------------------------
"$SERVER" "$PORT" >"$TMP/server.out" 2>"$TMP/server.err" &
SERVER_PID=$!
for ((i = 0; i < 100; i++)); do
  grep -qx ready "$TMP/server.out" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || die "server exited: $(cat "$TMP/server.err")"
  sleep 0.1
done
grep -qx ready "$TMP/server.out" || die "server not ready after 10 s"

# --- measuring ------------------------------------------------------------
# measure NAME CMD...: runs CMD $RUNS times from $TMP under /usr/bin/time -v,
# keeping stdout/stderr of run i in $TMP/NAME.i.{out,err}, and prints
# "<median wall seconds> <max RSS in MB>". Exit statuses are recorded in
# $TMP/NAME.i.status, not judged here.
measure() {
  local name=$1 walls=() rss=0 i t k st; shift
  for ((i = 1; i <= RUNS; i++)); do
    st=0
    (cd "$TMP" && /usr/bin/time -v -o "$TMP/$name.$i.time" "$@" >"$TMP/$name.$i.out" 2>"$TMP/$name.$i.err") || st=$?
    echo "$st" >"$TMP/$name.$i.status"
    # "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:01.23" -> seconds
    t=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0;
          for (j = 1; j <= n; j++) s = s * 60 + p[j]; print s }' "$TMP/$name.$i.time")
    k=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$TMP/$name.$i.time")
    [[ -n $t && -n $k ]] || { echo "linkcheck.sh: no timing for $name run $i:" >&2; cat "$TMP/$name.$i.time" >&2; return 1; }
    echo "   run $i: ${t} s, $((k / 1024)) MB, exit $st" >&2
    walls+=("$t")
    ((k > rss)) && rss=$k
  done
  printf '%s %s\n' "$(median "${walls[@]}")" "$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')"
}
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# row TOOL URLS SECONDS MB
row() {
  awk -v t="$1" -v u="$2" -v s="$3" -v m="$4" -v l="$LIMIT" 'BEGIN {
    r = (s > 0) ? u / s : 0
    printf "| %s | %d | %.2f | %.0f | %.0f%% | %s |\n", t, u, s, r, r / l * 100, m }'
}

echo "== load before measuring: $(uptime)" >&2
if pgrep -a cargo >/dev/null; then
  echo "linkcheck.sh: warning: cargo is running elsewhere, timings will be noisy:" >&2
  pgrep -a cargo >&2 || true
fi

problems=0
rows=()

echo "== guidesite check ($RUNS runs)" >&2
read -r gs_s gs_mb < <(measure guidesite "$GUIDESITE" --root "$CORPUS" check --no-cache --format json) ||
  die "could not time guidesite"
gs_checked=0 phases=()
for ((i = 1; i <= RUNS; i++)); do
  line=$(grep -m1 '^links: ' "$TMP/guidesite.$i.err" || true)
  echo "guidesite run $i: ${line:-<no links: line>} (exit $(cat "$TMP/guidesite.$i.status"))"
  if [[ $line =~ ^links:\ ([0-9]+)\ checked,\ ([0-9]+)\ ok,\ ([0-9]+)\ failed,.*\ in\ ([0-9.]+)\ s ]]; then
    gs_checked=${BASH_REMATCH[1]}
    phases+=("${BASH_REMATCH[4]}")
    if [[ ${BASH_REMATCH[1]} != "$URLS" || ${BASH_REMATCH[3]} != 0 ]]; then
      echo "linkcheck.sh: MISMATCH: expected $URLS checked and 0 failed" >&2; problems=1
    fi
  else
    echo "linkcheck.sh: no parsable 'links:' line; stderr:" >&2; head -n 20 "$TMP/guidesite.$i.err" >&2; problems=1
  fi
  if [[ $(cat "$TMP/guidesite.$i.status") != 0 ]]; then
    echo "linkcheck.sh: guidesite exited non-zero; first diagnostics:" >&2
    python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print("errors", d["errors"], "warnings", d["warnings"])
for x in d["diagnostics"][:10]: print(" ", x["code"], x["file"], x["line"], x["message"])' "$TMP/guidesite.$i.out" >&2 || true
    problems=1
  fi
done
rows+=("$(row guidesite "$gs_checked" "$gs_s" "$gs_mb")")

if [[ ${NO_LYCHEE:-} != 1 ]]; then
  # --scheme http(s): only what guidesite checks (no mailto:, no local files);
  # mail and fragment checks are off by default, said explicitly anyway.
  # --format json: machine-readable summary on stdout. --cache=false: no disk cache.
  LYCHEE_ARGS=(--no-progress --format json --cache=false
    --max-concurrency "$CONCURRENCY" --host-concurrency "$PER_HOST" --host-request-interval 0ms
    --max-retries 0 --timeout 10 --include-fragments=none --include-mail=false
    --scheme http --scheme https
    "$CORPUS/content/*.md")
  echo "== lychee ($RUNS runs): lychee ${LYCHEE_ARGS[*]}" >&2
  read -r ly_s ly_mb < <(measure lychee "$LYCHEE" "${LYCHEE_ARGS[@]}") || die "could not time lychee"
  ly_urls=0
  for ((i = 1; i <= RUNS; i++)); do
    # lychee counts link occurrences: total = successful + errors + excludes
    # + ...; `cached` are occurrences answered from its in-run cache, so
    # requests sent = total - excludes - cached. `unique` counts distinct
    # URLs, the excluded ones (mailto:, file:) included.
    IFS=$'\t' read -r summary ly_urls ly_bad < <(python3 - "$TMP/lychee.$i.out" <<'EOF'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:
    print(f"unreadable JSON ({e.__class__.__name__})\t0\t-1"); sys.exit()
g = lambda k: d.get(k, 0)
keys = ["total", "unique", "successful", "errors", "timeouts", "excludes", "cached", "redirects", "unknown", "unsupported"]
excluded = {e["url"] for v in d.get("excluded_map", {}).values() for e in v}
urls = g("unique") - len(excluded)
summary = ", ".join(f"{k}={d[k]}" for k in keys if k in d)
summary += f" => {urls} distinct http(s) URLs, {g('total') - g('excludes') - g('cached')} requests"
print(f"{summary}\t{urls}\t{g('errors') + g('timeouts') + g('unknown') + g('unsupported')}")
EOF
    )
    echo "lychee run $i: $summary (exit $(cat "$TMP/lychee.$i.status"))"
    if [[ $ly_bad != 0 || $ly_urls != "$URLS" ]]; then
      echo "linkcheck.sh: MISMATCH: expected $URLS distinct URLs and 0 errors; stderr:" >&2
      head -n 20 "$TMP/lychee.$i.err" >&2; problems=1
    fi
  done
  rows+=("$(row lychee "$ly_urls" "$ly_s" "$ly_mb")")
fi

echo
echo "guidesite $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo '+dirty')$([[ ${NO_LYCHEE:-} == 1 ]] || echo ", $("$LYCHEE" --version)"), $(nproc) cores, $URLS distinct URLs on $NHOSTS hosts, median of $RUNS runs, limit $CONCURRENCY in flight / ${DELAY_MS} ms = $LIMIT URLs/s"
echo
echo "| tool | URLs | median s | URLs/s | % of limit | peak MB |"
echo "|---|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
if [[ ${#phases[@]} -gt 0 ]]; then
  echo
  awk -v s="$(median "${phases[@]}")" -v u="$gs_checked" -v l="$LIMIT" 'BEGIN {
    printf "guidesite link phase alone (its own timer, median): %.2f s, %.0f URLs/s, %.0f%% of limit\n", s, u / s, u / s / l * 100 }'
fi
((problems == 0)) || die "some runs did not check every URL cleanly (see above)"
