# shellcheck shell=bash
# What e2e/toolchain.sh and e2e/toolchain-languages.sh share: sourced by both after they set CACHE,
# BIN, LOGS and MANIFEST and define log(); CHECK_ONLY is read when run_piece runs.

first_existing() { for p in "$@"; do [ -n "$p" ] && [ -d "$p" ] && { echo "$p"; return; }; done; echo ""; }
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$MANIFEST"; }   # piece, what was built, where its source came from
# stamp PIECE VERSION: bin/stamps/PIECE-vVERSION says which version of PIECE is built (the marker
# run_piece looks for); another version's stamp of PIECE goes
stamp() { mkdir -p "$BIN/stamps"; rm -f "$BIN/stamps/$1-v"*; touch "$BIN/stamps/$1-v$2"; }

# run_piece NAME MARKER FUNC: skip when MARKER (the binary, or a version stamp) exists; otherwise run
# FUNC with its output in logs/NAME.log, and add its build time to build-times.tsv. A piece that is
# missing (--check) or fails sets PIECES_STATUS (3, or its exit status), which the script exits with.
# FUNC runs under `set -e`, so its first failing command fails the piece; bash ignores `set -e` in
# anything run from a `||`, `&&` or `if` list, even in a subshell that sets it again, so run_piece
# must be called as a plain command, with errexit off (it refuses otherwise).
PIECES_STATUS=0
run_piece() {
  local name="$1" marker="$2" fn="$3" t0 rc
  case $- in *e*) log "run_piece $name: called with set -e on (call it under set +e, never after || or &&)"; exit 2 ;; esac
  if [ -e "$marker" ]; then log "$name: cached ($marker)"; return 0; fi
  if [ -n "$CHECK_ONLY" ]; then log "$name: not in the cache ($marker)"; PIECES_STATUS=3; return 3; fi
  log "$name: building (log: $LOGS/$name.log)"
  t0=$(date +%s)
  ( set -euo pipefail; "$fn" ) > "$LOGS/$name.log" 2>&1
  rc=$?
  if [ $rc -ne 0 ]; then
    log "$name: FAILED after $(( $(date +%s) - t0 ))s; tail of $LOGS/$name.log:"; tail -n 15 "$LOGS/$name.log" >&2
    PIECES_STATUS=$rc; return $rc
  fi
  log "$name: built in $(( $(date +%s) - t0 ))s"
  printf '%s\t%ss\n' "$name" "$(( $(date +%s) - t0 ))" >> "$CACHE/build-times.tsv"
}

git_dir_of() { if [ -d "$1/.git" ]; then echo "$1/.git"; else echo "$1"; fi; }
# git_export GITDIR REF SUBDIR... DEST: the tree of REF (only SUBDIRs) into DEST
git_export() {
  local gitdir="$1" ref="$2" dest="${*: -1}"; local subdirs=("${@:3:$#-3}")
  rm -rf "$dest"; mkdir -p "$dest"
  git --git-dir="$(git_dir_of "$gitdir")" archive "$ref" "${subdirs[@]}" | tar -x -C "$dest"
}
# git_checkout_tree GITDIR TREEISH DEST [PATH...]: the tree TREEISH (a ref, or REF:SUBDIR) into DEST, but
# the PATHs: for blobs the clone lacks, on which `git archive` fails whatever it is asked for
git_checkout_tree() {
  local gitdir="$1" tree="$2" dest="$3"; shift 3
  local idx; idx="$(mktemp -u "${TMPDIR:-/tmp}/ml-gitops-index.XXXXXX")"
  local g=(git --git-dir="$(git_dir_of "$gitdir")" --work-tree="$dest")
  rm -rf "$dest"; mkdir -p "$dest"
  GIT_INDEX_FILE="$idx" "${g[@]}" read-tree "$tree"
  [ $# -eq 0 ] || GIT_INDEX_FILE="$idx" "${g[@]}" update-index --force-remove "$@"
  GIT_INDEX_FILE="$idx" "${g[@]}" checkout-index -a --prefix="$dest/"
  rm -f "$idx"
}
git_desc() { git --git-dir="$(git_dir_of "$1")" log -1 --format='%H %cs' "$2"; }
