# benches/lib.sh — what the benchmark scripts share; sourced by them, not run.
# Before sourcing, a script sets NAME (its name, for messages) and RUNS.
# Needs bash 5 ($EPOCHREALTIME).

die() { echo "$NAME: $*" >&2; exit 1; }

# need_tools TOOL...: dies naming the apt packages of the missing ones
# (`time` is GNU time, /usr/bin/time).
need_tools() {
  local missing=() tool
  for tool in "$@"; do
    if [[ $tool == time ]]; then [[ -x /usr/bin/time ]] || missing+=(time)
    else command -v "$tool" >/dev/null || missing+=("$tool"); fi
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    die "missing ${missing[*]}; install with: sudo apt-get install ${missing[*]}"
  fi
}

# bench_tmpdir PREFIX: a fresh folder for corpora and outputs, in
# $BENCH_TMPDIR (default /dev/shm, a tmpfs: on a disk, repeated
# delete/rebuild of thousands of folders swamps the result), removed on exit;
# sets TMP (absolute) and BASE.
bench_tmpdir() {
  BASE=${BENCH_TMPDIR:-/dev/shm}
  [[ -d $BASE && -w $BASE ]] || BASE=${TMPDIR:-/tmp}
  BASE=$(cd "$BASE" && pwd) # hugo resolves a relative --destination against --source
  TMP=$(mktemp -d "$BASE/$1.XXXXXX")
  trap 'rm -rf "$TMP"' EXIT
}

# release_binary ROOT: builds guidesite (release) and sets GUIDESITE to a
# private copy in $TMP: a concurrent `cargo build --release` must not swap
# it mid-run.
release_binary() {
  local root=$1 target
  echo "== cargo build --release" >&2
  (cd "$root" && cargo build --release --quiet)
  target=$(cd "$root" && cargo metadata --no-deps --format-version 1 |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
  [[ -x $target/release/guidesite ]] || die "no binary at $target/release/guidesite"
  GUIDESITE=$TMP/guidesite
  cp "$target/release/guidesite" "$GUIDESITE"
}

# measure PREP CHECKFILE CMD...: runs CMD $RUNS times (the command PREP
# first, unmeasured), fails if CMD exits non-zero or CHECKFILE is missing,
# and prints "<median wall seconds> <max RSS in MB>". Wall time is bash's
# $EPOCHREALTIME around /usr/bin/time -v, which counts only centiseconds;
# the RSS is time's "Maximum resident set size".
measure() {
  local prep=$1 check=$2; shift 2
  local walls=() rss=0 i t t0 k
  for ((i = 1; i <= RUNS; i++)); do
    "$prep"
    t0=$EPOCHREALTIME
    if ! /usr/bin/time -v -o "$TMP/time" "$@" >"$TMP/stdout" 2>"$TMP/stderr" || [[ ! -f $check ]]; then
      echo "$NAME: FAILED (run $i): $*" >&2
      [[ -f $check ]] || echo "$NAME: expected output $check is missing" >&2
      echo "--- stderr (first 40 lines) ---" >&2; head -n 40 "$TMP/stderr" >&2
      echo "--- time ---" >&2; head -n 5 "$TMP/time" >&2
      return 1
    fi
    t=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.4f", b - a }')
    k=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$TMP/time")
    walls+=("$t")
    ((k > rss)) && rss=$k
  done
  printf '%s %s\n' \
    "$(printf '%s\n' "${walls[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')" \
    "$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')"
}

# busy WHEN: warns when a compiler runs elsewhere (checked before and after
# measuring).
busy() {
  local re='(^|/)(cargo|rustc|clippy-driver)( |$)'
  if pgrep -f "$re" >/dev/null; then
    echo "$NAME: warning: a build was running $1 measuring, timings are noisy:" >&2
    pgrep -af "$re" | cut -c1-120 >&2 || true
  fi
}
