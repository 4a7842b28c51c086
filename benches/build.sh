#!/usr/bin/env bash
# benches/build.sh — time `guidesite build` against Hugo on synthetic corpora.
#
# Usage:  benches/build.sh [N ...]          (default: 1000 10000)
#
# For each N it generates two equivalent corpora of N guides with gen-corpus
# (guidesite and hugo flavors, same seed, same bytes), then measures, 3 runs each:
#   guidesite --root DIR build                    full build, validation on
#   hugo --source DIR --destination DIR/public    the same pages with Hugo
#   zola --root DIR build                         the same pages with Zola, when
#                                                 $ZOLA or `zola` on PATH names one
# Every run is under /usr/bin/time -v; the table shows the median wall time and
# the largest "Maximum resident set size" of the 3 runs. The output folder
# (dist/ or public/) is deleted before each run. Run by hand, not in CI; on a
# busy machine (e.g. a concurrent cargo build) the numbers are noisy.
# (where a build's time goes, stage by stage: `cargo bench --bench stages`;
# guides with screenshots, image variants and their cache against Hugo's image
# processing: benches/images.sh)
# speedup × = hugo s / guidesite s (above 1: guidesite is faster).
#
# Environment: GEN_CORPUS  path to gen-corpus
#                          (default: <repo>/../shared/bench/gen-corpus)
#              RUNS        runs per measurement (default 3)
#              ZOLA        a zola binary (optional; build it from a fetched
#                          snapshot, `cargo build --release`, never commit it)
#              BENCH_TMPDIR where corpora and outputs go (default /dev/shm, a tmpfs;
#                          on a disk, repeated delete/rebuild of 10k folders
#                          slows every run after the first and swamps the result)
# Needs: cargo, python3, hugo, GNU time (/usr/bin/time) — apt-get install hugo time
set -euo pipefail

die() { echo "build.sh: $*" >&2; exit 1; }

ROOT=$(git -C "$(dirname "$0")" rev-parse --show-toplevel) || die "not inside the guidesite git repository"
GEN_CORPUS=${GEN_CORPUS:-$ROOT/../shared/bench/gen-corpus}
RUNS=${RUNS:-3}
SIZES=("$@")
[[ ${#SIZES[@]} -gt 0 ]] || SIZES=(1000 10000)

missing=()
[[ -x /usr/bin/time ]] || missing+=(time)
command -v hugo >/dev/null || missing+=(hugo)
if [[ ${#missing[@]} -gt 0 ]]; then
  die "missing ${missing[*]}; install with: sudo apt-get install ${missing[*]}"
fi
ZOLA=${ZOLA:-$(command -v zola || true)}
[[ -f $GEN_CORPUS ]] || die "gen-corpus not found at $GEN_CORPUS (set GEN_CORPUS=...)"
for n in "${SIZES[@]}"; do [[ $n =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer, got '$n'"; done

echo "== cargo build --release" >&2
(cd "$ROOT" && cargo build --release --quiet)
TARGET_DIR=$(cd "$ROOT" && cargo metadata --no-deps --format-version 1 |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
[[ -x $TARGET_DIR/release/guidesite ]] || die "no binary at $TARGET_DIR/release/guidesite"

BASE=${BENCH_TMPDIR:-/dev/shm}
[[ -d $BASE && -w $BASE ]] || BASE=${TMPDIR:-/tmp}
TMP=$(mktemp -d "$BASE/guidesite-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
# A private copy: a concurrent `cargo build --release` must not swap it mid-run.
GUIDESITE=$TMP/guidesite
cp "$TARGET_DIR/release/guidesite" "$GUIDESITE"

# measure OUTDIR CHECKFILE CMD...: runs CMD $RUNS times (OUTDIR removed first),
# fails if CMD exits non-zero or CHECKFILE is missing, and prints
# "<median wall seconds> <max RSS in MB>".
measure() {
  local outdir=$1 check=$2; shift 2
  local walls=() rss=0 i t k
  for ((i = 1; i <= RUNS; i++)); do
    rm -rf "$outdir"
    if ! /usr/bin/time -v -o "$TMP/time" "$@" >"$TMP/stdout" 2>"$TMP/stderr" || [[ ! -f $check ]]; then
      echo "build.sh: FAILED (run $i): $*" >&2
      [[ -f $check ]] || echo "build.sh: expected output $check is missing" >&2
      echo "--- stderr (first 40 lines) ---" >&2; head -n 40 "$TMP/stderr" >&2
      echo "--- time ---" >&2; head -n 5 "$TMP/time" >&2
      return 1
    fi
    # "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:01.23" -> seconds
    t=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0;
          for (j = 1; j <= n; j++) s = s * 60 + p[j]; print s }' "$TMP/time")
    k=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$TMP/time")
    walls+=("$t")
    ((k > rss)) && rss=$k
  done
  printf '%s %s\n' \
    "$(printf '%s\n' "${walls[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')" \
    "$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')"
}

busy() { # warns when a compiler runs elsewhere (checked before and after measuring)
  local re='(^|/)(cargo|rustc|clippy-driver)( |$)'
  if pgrep -f "$re" >/dev/null; then
    echo "build.sh: warning: a build was running $1 measuring, timings are noisy:" >&2
    pgrep -af "$re" | cut -c1-120 >&2 || true
  fi
}
busy before

rows=()
for n in "${SIZES[@]}"; do
  gs=$TMP/gs-$n hg=$TMP/hugo-$n
  echo "== N=$n: generating corpora" >&2
  python3 "$GEN_CORPUS" "$n" "$gs" >/dev/null
  python3 "$GEN_CORPUS" --flavor hugo "$n" "$hg" >/dev/null
  # One unmeasured build first: the corpus was just written, and the runs
  # measured first would otherwise pay for cold caches.
  "$GUIDESITE" --root "$gs" build >/dev/null 2>&1 || true
  rm -rf "$gs/dist"
  echo "== N=$n: guidesite build" >&2
  read -r gs_s gs_mb < <(measure "$gs/dist" "$gs/dist/manifest.json" \
    "$GUIDESITE" --root "$gs" build) || die "guidesite build failed on N=$n"
  echo "== N=$n: hugo" >&2
  read -r hg_s hg_mb < <(measure "$hg/public" "$hg/public/index.html" \
    hugo --source "$hg" --destination "$hg/public" --quiet --noBuildLock) || die "hugo failed on N=$n"
  zl_s=0 zl_mb=n/a
  if [[ -n $ZOLA ]]; then
    zl=$TMP/zola-$n
    python3 "$GEN_CORPUS" --flavor zola "$n" "$zl" >/dev/null
    echo "== N=$n: zola" >&2
    read -r zl_s zl_mb < <(measure "$zl/public" "$zl/public/index.html" \
      "$ZOLA" --root "$zl" build --output-dir "$zl/public" --force) || die "zola failed on N=$n"
  fi
  rows+=("$(awk -v n="$n" -v g="$gs_s" -v gm="$gs_mb" -v h="$hg_s" -v hm="$hg_mb" \
    -v z="$zl_s" -v zm="$zl_mb" 'BEGIN {
    sp = (g > 0) ? sprintf("%.1f×", h / g) : "n/a"
    zs = (z > 0) ? sprintf("%.2f", z) : "n/a"
    zp = (z > 0 && g > 0) ? sprintf("%.1f×", z / g) : "n/a"
    printf "| %s | %.2f | %s | %.2f | %s | %s | %s | %s | %s |", n, g, gm, h, hm, sp, zs, zm, zp }')")
done

busy after
echo
echo "guidesite $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo '+dirty'), $(hugo version | awk '{ print $1, $2 }'), $(nproc) cores, median of $RUNS runs, in $BASE ($(stat -f -c %T "$TMP"))"
echo
[[ -n $ZOLA ]] && echo "zola: $("$ZOLA" --version)"
echo "| N | guidesite s | guidesite MB | hugo s | hugo MB | speedup × | zola s | zola MB | vs zola × |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
