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
# Every run is under /usr/bin/time -v (benches/lib.sh); the table shows the median wall time and
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
# Needs: bash 5, cargo, python3, hugo, GNU time (/usr/bin/time) — apt-get install hugo time
set -euo pipefail

NAME=build.sh
source "$(dirname "$0")/lib.sh"

ROOT=$(git -C "$(dirname "$0")" rev-parse --show-toplevel) || die "not inside the guidesite git repository"
GEN_CORPUS=${GEN_CORPUS:-$ROOT/../shared/bench/gen-corpus}
RUNS=${RUNS:-3}
SIZES=("$@")
[[ ${#SIZES[@]} -gt 0 ]] || SIZES=(1000 10000)

need_tools time hugo
ZOLA=${ZOLA:-$(command -v zola || true)}
[[ -f $GEN_CORPUS ]] || die "gen-corpus not found at $GEN_CORPUS (set GEN_CORPUS=...)"
for n in "${SIZES[@]}"; do [[ $n =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer, got '$n'"; done

bench_tmpdir guidesite-bench
release_binary "$ROOT"

# The output folder each measured run starts without.
OUTDIR=
fresh() { rm -rf "$OUTDIR"; }

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
  OUTDIR=$gs/dist
  read -r gs_s gs_mb < <(measure fresh "$gs/dist/manifest.json" \
    "$GUIDESITE" --root "$gs" build) || die "guidesite build failed on N=$n"
  echo "== N=$n: hugo" >&2
  OUTDIR=$hg/public
  read -r hg_s hg_mb < <(measure fresh "$hg/public/index.html" \
    hugo --source "$hg" --destination "$hg/public" --quiet --noBuildLock) || die "hugo failed on N=$n"
  zl_s=0 zl_mb=n/a
  if [[ -n $ZOLA ]]; then
    zl=$TMP/zola-$n
    python3 "$GEN_CORPUS" --flavor zola "$n" "$zl" >/dev/null
    echo "== N=$n: zola" >&2
    OUTDIR=$zl/public
    read -r zl_s zl_mb < <(measure fresh "$zl/public/index.html" \
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
