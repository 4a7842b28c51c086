#!/usr/bin/env bash
# benches/images.sh — time `guidesite build` on guides with screenshots, against
# Hugo processing the same images to the same widths (issue 15).
#
# Usage:  benches/images.sh
#
# Generates once, with gen-corpus and benches/gen-screenshots.py (same seed,
# same bytes): IMAGES_GUIDES guides with IMAGES_PER_GUIDE full-HD PNG screenshots
# each, as a guidesite site, the same site without the screenshots, and a Hugo
# site (each guide a leaf bundle holding its images). Then measures, RUNS runs each:
#   guidesite first    `guidesite --root DIR build`, dist/ and the image cache
#                      (DIR/.guidesite/cache/images) deleted before each run
#   guidesite cached   the same, dist/ deleted, cache kept (after one warm-up build)
#   guidesite no-img   the same guides without the screenshots, dist/ deleted
#   hugo first         hugo with its resource cache (resources/_gen, --cacheDir)
#                      and public/ deleted before each run
#   hugo cached        the same, public/ deleted, caches kept (after one warm-up)
# Hugo makes the variants in layouts/_default/_markup/render-image.html: each
# image is `.Page.Resources.GetMatch .Destination`, resized with
#   "800x webp text q100 Lanczos" and "1600x webp text q100 Lanczos"
# and written as <img srcset> linked to the original. Hugo (v0.111) can only
# encode lossy WebP (VP8); the `text` hint (libwebp's TEXT preset: no spatial
# noise shaping, no loop filter) at q100 is its closest to lossless for
# screenshots, and Lanczos its sharpest filter (the default, Box, blurs text).
# When the installed Hugo cannot encode WebP (not the extended build), PNG
# variants are made instead and the table says so.
# Every run is under /usr/bin/time -v; the table shows the median wall time
# (bash's $EPOCHREALTIME around it: time -v counts only centiseconds, too coarse
# for a guidesite build of 100 guides) and the largest "Maximum resident set
# size" of the runs, the two ratios issue 15
# targets (hugo first / guidesite first above 1: guidesite is faster; guidesite
# cached / no-img at most 1.10), and the bytes of the variants each tool wrote.
# Run by hand, not in CI; on a busy machine (e.g. a concurrent cargo build) the
# numbers are noisy.
#
# Environment: IMAGES_GUIDES    guides (default 100)
#              IMAGES_PER_GUIDE screenshots per guide (default 2)
#              RUNS             runs per measurement (default 3)
#              GEN_CORPUS       path to gen-corpus
#                               (default: <repo>/../shared/bench/gen-corpus)
#              BENCH_TMPDIR     where corpora and outputs go (default /dev/shm, a tmpfs)
# Needs: bash 5, cargo, python3, hugo (extended, for WebP), GNU time (/usr/bin/time)
#        — apt-get install hugo time
set -euo pipefail

NAME=images.sh
source "$(dirname "$0")/lib.sh"

ROOT=$(git -C "$(dirname "$0")" rev-parse --show-toplevel) || die "not inside the guidesite git repository"
GEN_CORPUS=${GEN_CORPUS:-$ROOT/../shared/bench/gen-corpus}
GEN_SCREENSHOTS=$ROOT/benches/gen-screenshots.py
RUNS=${RUNS:-3}
GUIDES=${IMAGES_GUIDES:-100}
PER_GUIDE=${IMAGES_PER_GUIDE:-2}

need_tools time hugo
command -v python3 >/dev/null || die "python3 not found"
[[ -f $GEN_CORPUS ]] || die "gen-corpus not found at $GEN_CORPUS (set GEN_CORPUS=...)"
positive() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer, got '$2'"; }
positive RUNS "$RUNS"
positive IMAGES_GUIDES "$GUIDES"
positive IMAGES_PER_GUIDE "$PER_GUIDE"

bench_tmpdir guidesite-images
release_binary "$ROOT"

GS=$TMP/gs PLAIN=$TMP/plain HG=$TMP/hugo HUGO_CACHE=$TMP/hugo-cache
HUGO=(hugo --source "$HG" --destination "$HG/public" --cacheDir "$HUGO_CACHE" --quiet --noBuildLock)

gs_cold() { rm -rf "$GS/dist" "$GS/.guidesite/cache/images"; }
gs_warm() { rm -rf "$GS/dist"; }
plain_fresh() { rm -rf "$PLAIN/dist"; }
hugo_cold() { rm -rf "$HG/public" "$HG/resources/_gen" "$HUGO_CACHE"; }
hugo_warm() { rm -rf "$HG/public"; }

# write_hook FORMAT: Hugo's image render hook making 800w and 1600w variants.
write_hook() {
  mkdir -p "$HG/layouts/_default/_markup"
  cat >"$HG/layouts/_default/_markup/render-image.html" <<EOF
{{- \$img := .Page.Resources.GetMatch .Destination -}}
{{- if not \$img -}}{{- errorf "image %q of %s is not a resource of its page bundle" .Destination .Page.File.Path -}}{{- end -}}
{{- \$s := \$img.Resize "800x $1 text q100 Lanczos" -}}
{{- \$l := \$img.Resize "1600x $1 text q100 Lanczos" -}}
<a href="{{ \$img.RelPermalink }}"><img src="{{ \$s.RelPermalink }}" srcset="{{ \$s.RelPermalink }} 800w, {{ \$l.RelPermalink }} 1600w, {{ \$img.RelPermalink }} {{ \$img.Width }}w" sizes="(max-width: 1600px) 100vw, 1600px" width="{{ \$img.Width }}" height="{{ \$img.Height }}" alt="{{ .Text }}" loading="lazy" decoding="async"></a>
{{- /**/ -}}
EOF
}

# bytes_of DIR PATTERN: "<files> <bytes>" of the files named like PATTERN under DIR.
bytes_of() {
  find "$1" -type f -name "$2" -printf '%s\n' | awk '{ n++; s += $1 } END { printf "%d %d\n", n, s }'
}


echo "== generating $GUIDES guides with $PER_GUIDE screenshots each" >&2
python3 "$GEN_CORPUS" "$GUIDES" "$GS" >/dev/null 2>&1
python3 "$GEN_CORPUS" "$GUIDES" "$PLAIN" >/dev/null 2>&1
python3 "$GEN_CORPUS" --flavor hugo "$GUIDES" "$HG" >/dev/null 2>&1
SHA=$(python3 "$GEN_SCREENSHOTS" "$GS" "$PER_GUIDE" --also "$HG")
read -r n_png png_bytes < <(bytes_of "$GS/content" '*.png')

# The links must resolve, or guidesite would measure an error report.
"$GUIDESITE" --root "$GS" check --offline --format json >"$TMP/check.json" 2>/dev/null ||
  die "guidesite check --offline fails on the generated site: $(head -c 600 "$TMP/check.json")"
if grep -q '"link/broken"' "$TMP/check.json"; then
  die "the screenshot links are broken: $(head -c 600 "$TMP/check.json")"
fi

# Hugo: WebP when it can encode it (an unmeasured build that also warms the
# file system cache), else PNG.
FORMAT=webp
write_hook webp
if ! "${HUGO[@]}" >"$TMP/stdout" 2>"$TMP/stderr" ||
  [[ -z $(find "$HG/public" -name '*.webp' -print -quit) ]]; then
  echo "images.sh: this hugo does not encode WebP ($(head -n 3 "$TMP/stderr")); PNG variants instead" >&2
  FORMAT=png
  write_hook png
  hugo_cold
  "${HUGO[@]}" >/dev/null || die "hugo fails on the generated site"
fi
first_webp=$(find "$HG/public" -name '*.webp' -print -quit)
if [[ $FORMAT == webp ]] && [[ $(head -c 12 "$first_webp" | tail -c 4) != WEBP ]]; then
  die "hugo wrote $first_webp, which is not a WebP file"
fi
# The same for guidesite, on both sites.
"$GUIDESITE" --root "$GS" build >/dev/null 2>&1 || true
"$GUIDESITE" --root "$PLAIN" build >/dev/null 2>&1 || true

busy before
echo "== guidesite first build" >&2
read -r first_s first_mb < <(measure gs_cold "$GS/dist/manifest.json" "$GUIDESITE" --root "$GS" build) ||
  die "guidesite build failed"
echo "== guidesite cached rebuild" >&2
"$GUIDESITE" --root "$GS" build >/dev/null 2>&1 || die "guidesite warm-up build failed"
read -r cached_s cached_mb < <(measure gs_warm "$GS/dist/manifest.json" "$GUIDESITE" --root "$GS" build) ||
  die "guidesite cached build failed"
echo "== guidesite build without images" >&2
read -r plain_s plain_mb < <(measure plain_fresh "$PLAIN/dist/manifest.json" "$GUIDESITE" --root "$PLAIN" build) ||
  die "guidesite build without images failed"
echo "== hugo first build" >&2
read -r hfirst_s hfirst_mb < <(measure hugo_cold "$HG/public/index.html" "${HUGO[@]}") || die "hugo failed"
echo "== hugo cached rebuild" >&2
"${HUGO[@]}" >/dev/null || die "hugo warm-up build failed"
read -r hcached_s hcached_mb < <(measure hugo_warm "$HG/public/index.html" "${HUGO[@]}") || die "hugo failed"
busy after

# Variants: guidesite's are WebP; Hugo's carry its `_hu<hash>_` resource names.
read -r gs_n gs_bytes < <(bytes_of "$GS/dist" '*.webp')
read -r hg_n hg_bytes < <(bytes_of "$HG/public" "*_hu*.$FORMAT")

mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }
echo
echo "guidesite $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo '+dirty'), $(hugo version | awk '{ print $1, $2 }'), $(nproc) cores, median of $RUNS runs, in $BASE ($(stat -f -c %T "$TMP"))"
echo "$GUIDES guides, $n_png screenshots 1920x1080 ($(mb "$png_bytes") MB of PNG, $SHA); hugo variants: $FORMAT text q100 Lanczos"
echo
echo "| build | s | max RSS MB |"
echo "|---|---:|---:|"
printf '| guidesite first (no image cache) | %.3f | %s |\n' "$first_s" "$first_mb"
printf '| guidesite cached rebuild | %.3f | %s |\n' "$cached_s" "$cached_mb"
printf '| guidesite, same guides without images | %.3f | %s |\n' "$plain_s" "$plain_mb"
printf '| hugo first (no resource cache) | %.3f | %s |\n' "$hfirst_s" "$hfirst_mb"
printf '| hugo cached rebuild | %.3f | %s |\n' "$hcached_s" "$hcached_mb"
echo
awk -v hf="$hfirst_s" -v f="$first_s" -v c="$cached_s" -v p="$plain_s" 'BEGIN {
  printf "hugo first / guidesite first:    %s (target: above 1)\n", (f > 0) ? sprintf("%.2f×", hf / f) : "n/a"
  printf "guidesite cached / no images:    %s (target: at most 1.10)\n", (p > 0) ? sprintf("%.2f×", c / p) : "n/a" }'
echo "variants written: guidesite $gs_n files *.webp, $(mb "$gs_bytes") MB; hugo $hg_n files *.$FORMAT, $(mb "$hg_bytes") MB"
