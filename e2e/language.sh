#!/usr/bin/env bash
# A program in another language, end to end: examples/<language> (one MlPlatform with the settings of
# Pulumi.e2e.yaml) deployed by the real language host, through the component package (plugin/)
# fetched from a git repository at a tag, as a user adds it:
#   pulumi package add https://<host>/<owner>/ml-gitops.git/plugin@v<version>
#   python: package add generates a Python SDK into sdks/, which the program imports;
#   yaml:   package add writes a package lock file into sdks/ and a `packages:` entry into
#           Pulumi.yaml; the program names the component by its schema token, ml-gitops:index:MlPlatform.
#
# usage: e2e/language.sh LANGUAGE up     publish, package add (python: pip install), stack init, preview, up
#        e2e/language.sh LANGUAGE down   preview --expect-no-changes, destroy, stack rm
#        e2e/language.sh LANGUAGE all    up, then down (default)
#        LANGUAGE: python | yaml
# Between up and down the objects stay in the cluster, for a comparison (e.g. compare.js with the
# e2e stack's render). up waits for Argo CD (sync.wait is on in the e2e settings): start the
# controllers around it as run.sh does for the e2e stack (start_controllers, stop_controllers).
#
# The repository is served by a second https_server.py on port 443 of a loopback address of its own
# (127.x.y.z, chosen per run), because the Pulumi CLI 3.259.0 cannot use a git package whose URL has
# a port: `package add` panics after generating the SDK (package_add.go:224, nil pointer) and the
# engine then finds no plugin for it ("no resource plugin 'pulumi-resource-ml-gitops' found in the
# workspace at version v0.1.0 ... from git://127.0.0.1:<port>/..."). Port 443 needs root (or
# CAP_NET_BIND_SERVICE). The server only runs during package add: the plugin is installed in
# PULUMI_HOME from then on.
#
# Needs the environment run.sh sets up (it is meant to be called from run.sh, after its
# "pulumi: local backend, plugins" section):
#   W                         the run's work directory (this script uses $W/<language>*, $W/git-src-ml-gitops, $W/logs)
#   P                         run.sh's pki directory (default $W/pki): ca.crt and ca.key sign the server's certificate
#   PATH                      the toolchain's bin/ first (pulumi, pulumi-language-nodejs, and the language's host)
#   PULUMI_HOME, PULUMI_BACKEND_URL (logged in), PULUMI_CONFIG_PASSPHRASE, PULUMI_SKIP_UPDATE_CHECK,
#   PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION   as run.sh exports them; the kubernetes and random plugins installed
#   KUBECONFIG                the cluster (the default kubernetes provider reads it)
#   SSL_CERT_FILE             a bundle that trusts $P/ca.crt (go-git in the CLI clones through it)
#   REPO_PORT                 the port of run.sh's chart/git server (default 18443): the program's repoBase
# Optional: PROJECT (default: this repository), ML_GITOPS_E2E_CACHE, ML_GITOPS_E2E_STEP_TIMEOUT (1200),
#   ML_GITOPS_E2E_LANG_STACK (default e2e-<language>), ML_GITOPS_E2E_LANG_TAG (default v<plugin/package.json version>),
#   ML_GITOPS_E2E_LANG_GIT_HOST (default a random 127.x.y.z),
#   ML_GITOPS_E2E_LANG_SOURCE what to add instead (no server is started), e.g. $PROJECT/plugin, or
#                             https://127.0.0.1:18443/git/ml-gitops.git/plugin@v0.1.0 to see the port bug,
# Output: one line per step on stderr, each step's log in $W/logs/<language>-<step>.log; on failure
# "<language>: FAILED at <step>: <reason>" on stdout and exit 1.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROJECT="${PROJECT:-$(cd "$HERE/.." && pwd)}"
CACHE="${ML_GITOPS_E2E_CACHE:-$HOME/.cache/ml-gitops-e2e}"
LANG_NAME="${1:-}"
case "$LANG_NAME" in
  python) PROGRAM_FILES=(__main__.py Pulumi.yaml requirements.txt)
          HOSTS=(pulumi-language-python pulumi-language-python-exec) ;;
  yaml)   PROGRAM_FILES=(Pulumi.yaml)
          HOSTS=(pulumi-language-yaml) ;;
  *) echo "usage: e2e/language.sh python|yaml [up|down|all]" >&2; exit 2 ;;
esac
: "${W:?W: the e2e work directory}"
P="${P:-$W/pki}"
REPO_PORT="${REPO_PORT:-${ML_GITOPS_E2E_REPO_PORT:-18443}}"
STEP_TIMEOUT="${ML_GITOPS_E2E_STEP_TIMEOUT:-1200}"
STACK="${ML_GITOPS_E2E_LANG_STACK:-e2e-$LANG_NAME}"
PLUGIN_VERSION="$(node -p 'require(process.argv[1]).version' "$PROJECT/plugin/package.json" 2>/dev/null)"
TAG="${ML_GITOPS_E2E_LANG_TAG:-v$PLUGIN_VERSION}"
GIT_HOST="${ML_GITOPS_E2E_LANG_GIT_HOST:-127.$(( RANDOM % 250 + 1 )).$(( RANDOM % 250 + 1 )).$(( RANDOM % 250 + 2 ))}"
GIT_DIR_SERVED="$W/$LANG_NAME-git"     # https_server.py's DIR: git/ml-gitops.git
REPO_URL="https://$GIT_HOST/git/ml-gitops.git"
SOURCE="${ML_GITOPS_E2E_LANG_SOURCE:-$REPO_URL/plugin@$TAG}"
PROG="$W/$LANG_NAME"                   # the copy of examples/<language> the steps run in
VENV="$PROG/venv"                      # python: Pulumi.yaml's virtualenv option (relative: venv)
CACHE_VENV="$CACHE/python-venv"
SERVER_PID=""
mkdir -p "$W/logs"

T_START=$(date +%s)
say() { printf '[%s %4ss] %s\n' "$LANG_NAME" "$(( $(date +%s) - T_START ))" "$*" >&2; }
stop_server() { [ -n "$SERVER_PID" ] && { kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=""; }; return 0; }
trap stop_server EXIT
fail() { stop_server; say "FAILED: $1: $2"; echo "$LANG_NAME: FAILED at $1: $2"; exit 1; }
log_of() { echo "$W/logs/$LANG_NAME-$1.log"; }
errors_of() { # the distinct error lines of a step's log (pulumi's progress lines repeat them)
  grep -E '^ *error:|^ *Error|failed to|Traceback|Panic:|\.go:[0-9]+ |[A-Za-z]+Error: ' "$(log_of "$1")" | grep -v -E 'warning: using|^ *[-+~] ' |
    sed 's/^ *//' | awk '!seen[$0]++' | head -8 | tr '\n' ' ' | cut -c1-1500
}
# run STEP CMD...: in $PROG, output in $W/logs/<language>-STEP.log, its time said
run() {
  local name="$1" t0 rc log; shift
  log="$(log_of "$name")"; t0=$(date +%s)
  ( cd "$PROG" && timeout --signal=INT --kill-after=60 "$STEP_TIMEOUT" "$@" ) > "$log" 2>&1; rc=$?
  [ $rc -eq 124 ] && echo "error: language.sh: $name did not finish in ${STEP_TIMEOUT}s" >> "$log"
  say "$name: exit $rc in $(( $(date +%s) - t0 ))s (log: $log)"
  return $rc
}
pulumi_step() { # pulumi_step STEP ARGS...: a pulumi command on the language's stack
  local name="$1"; shift
  run "$name" pulumi "$@" --stack "$STACK" --non-interactive --color never
}

# python: the program's virtualenv, a venv of its own whose site-packages reach the cached one's (a
# .pth file), so the Pulumi SDK is not downloaded again and nothing is installed into the cache.
# PULUMI_PYTHON_CMD: the interpreter the language host re-runs `-m venv` with is the one the cached
# venv was made from.
python_venv() {
  local base purelib
  base="$("$CACHE_VENV/bin/python" -c 'import sys; print(sys._base_executable)')" || fail setup "$CACHE_VENV/bin/python does not run"
  export PULUMI_PYTHON_CMD="$base"
  "$base" -m venv --without-pip "$VENV" > "$(log_of venv)" 2>&1 || fail setup "python -m venv: $(tail -3 "$(log_of venv)")"
  purelib="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  "$CACHE_VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' > "$purelib/ml-gitops-e2e-cache.pth"
  "$VENV/bin/python" -c 'import pulumi, pip' 2>> "$(log_of venv)" || fail setup "the venv does not see the cached SDK: $(tail -3 "$(log_of venv)")"
}

# python: the SDK package add generated, into the venv (package add has installed requirements.txt
# already: this checks it and makes the step explicit), the program's import of it, and its name
# in the stack's config (examples/python/Pulumi.yaml's `sdk`)
python_sdk() {
  local sdk_dir module
  sdk_dir="$(find "$PROG/sdks" -mindepth 1 -maxdepth 1 -type d | head -1)"
  [ -n "$sdk_dir" ] || fail "package add" "no SDK under $PROG/sdks"
  module="$(sed -n 's/^ *import \([A-Za-z0-9_]*\) as .*/\1/p' "$(log_of package-add)" | head -1)"
  [ -n "$module" ] || fail "package add" "no \"import ... as ...\" instruction in its output"
  say "package add: SDK $sdk_dir (python package $module)"
  run pip-install "$VENV/bin/python" -m pip install --disable-pip-version-check "$sdk_dir" || fail "pip install" "$(errors_of pip-install)"
  run import env ML_GITOPS_SDK="$module" "$VENV/bin/python" -c 'import importlib, os; m = importlib.import_module(os.environ["ML_GITOPS_SDK"]); print(m.__file__, m.MlPlatform)' ||
    fail import "$(errors_of import)"
  run config pulumi config set --stack "$STACK" sdk "$module" || fail config "$(errors_of config)"
}

# yaml: package add writes a lock file, sdks/<owner>-ml-gitops/ml-gitops-<version>.yaml (the package's
# name, version and download URL), in place of an SDK
yaml_lock() {
  local lock
  lock="$(find "$PROG/sdks" -name "ml-gitops-$PLUGIN_VERSION.yaml" 2>/dev/null | head -1)"
  [ -n "$lock" ] || fail "package add" "no sdks/*/ml-gitops-$PLUGIN_VERSION.yaml (the YAML host's package lock file)"
  say "package add: lock file ${lock#"$PROG/"}: $(tr -s ' \n' ' ' < "$lock")"
}

# ------------------------------------------------------------------ up
do_up() {
  # 0. what this needs
  [ -n "$PLUGIN_VERSION" ] || fail setup "no version in $PROJECT/plugin/package.json"
  for b in pulumi pulumi-language-nodejs "${HOSTS[@]}"; do
    command -v "$b" > /dev/null || fail setup "$b is not on PATH (the toolchain's bin/; e2e/toolchain.sh and e2e/toolchain-languages.sh build them)"
  done
  "$HERE/toolchain-languages.sh" --check "$LANG_NAME" 2> "$(log_of toolchain)" ||
    fail setup "the $LANG_NAME toolchain is not in the cache: $(tr '\n' ' ' < "$(log_of toolchain)") (run e2e/toolchain-languages.sh)"
  if [ "$LANG_NAME" = python ]; then
    [ "$(pulumi version)" = "v$("$CACHE_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("pulumi"))')" ] ||
      fail setup "the CLI is $(pulumi version) but $CACHE_VENV holds pulumi $("$CACHE_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("pulumi"))')"
  fi

  # 1. the component package as a user finds it: the repository at a tag, served over https. The
  #    tree is this checkout as it is (tracked and untracked files, .gitignore honoured: no
  #    node_modules), so uncommitted work is what is tested.
  if [ -z "${ML_GITOPS_E2E_LANG_SOURCE:-}" ]; then
    say "publish: $PROJECT as $REPO_URL, tag $TAG"
    local src="$W/git-src-ml-gitops"
    (
      set -e
      rm -rf "$src" "$GIT_DIR_SERVED"; mkdir -p "$src" "$GIT_DIR_SERVED/git"
      git -C "$PROJECT" ls-files -z --cached --others --exclude-standard |
        (cd "$PROJECT" && xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh) |
        (cd "$PROJECT" && xargs -0 cp --parents -t "$src")
      git -C "$src" init -q -b main
      git -C "$src" add -A
      git -C "$src" -c user.name=e2e -c user.email=e2e@localhost commit -qm "ml-gitops at $(git -C "$PROJECT" rev-parse --short HEAD) + working tree"
      git -C "$src" tag "$TAG"
      git clone -q --bare "$src" "$GIT_DIR_SERVED/git/ml-gitops.git"
      # the server's certificate, from run.sh's CA
      cd "$P"
      openssl req -newkey rsa:2048 -nodes -keyout "$LANG_NAME-git.key" -out "$LANG_NAME-git.csr" -subj "/CN=$GIT_HOST" 2>/dev/null
      printf 'subjectAltName=IP:%s\nextendedKeyUsage=serverAuth\n' "$GIT_HOST" > "$LANG_NAME-git.ext"
      openssl x509 -req -in "$LANG_NAME-git.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$LANG_NAME-git.crt" -days 2 -extfile "$LANG_NAME-git.ext" 2>/dev/null
    ) > "$(log_of publish)" 2>&1 || fail publish "$(tail -3 "$(log_of publish)")"
    python3 "$HERE/https_server.py" "$GIT_DIR_SERVED" "$GIT_HOST" 443 "$P/$LANG_NAME-git.crt" "$P/$LANG_NAME-git.key" > "$(log_of git-server)" 2>&1 &
    SERVER_PID=$!
    local t; for (( t=0; t<40; t++ )); do
      curl -sf --max-time 5 --cacert "$P/ca.crt" "$REPO_URL/info/refs?service=git-upload-pack" 2>/dev/null | grep -q "refs/tags/$TAG" && break
      kill -0 "$SERVER_PID" 2>/dev/null || fail publish "https_server.py on $GIT_HOST:443 exited: $(tail -2 "$(log_of git-server)") (port 443 needs root or CAP_NET_BIND_SERVICE)"
      sleep 0.5
    done
    [ $t -lt 40 ] || fail publish "$REPO_URL does not advertise refs/tags/$TAG (log: $(log_of git-server))"
  fi

  # 2. the program
  rm -rf "$PROG"; mkdir -p "$PROG"
  for f in "${PROGRAM_FILES[@]}"; do cp "$PROJECT/examples/$LANG_NAME/$f" "$PROG/" || fail setup "examples/$LANG_NAME has no $f"; done
  [ "$LANG_NAME" != python ] || python_venv

  # 3. package add at the tag: clones the repository (go-git), installs the plugin's npm
  #    dependencies, asks it for its schema through the Node.js language host, has the program's
  #    language host generate its package (python: an SDK in sdks/, recorded in requirements.txt
  #    and installed into the venv; yaml: a lock file in sdks/), and records the package in Pulumi.yaml.
  say "pulumi package add $SOURCE"
  if ! run package-add pulumi package add "$SOURCE"; then
    local hint=""
    grep -q 'node_modules directory is missing' "$(log_of package-add)" &&
      hint=" -- the plugin's clone has no node_modules: plugin/ imports ../components, whose dependencies are the repository root's, and Pulumi installs only plugin/'s own unless the root package.json declares plugin/ a workspace (it should: \"workspaces\": [\"plugin\"])"
    fail "package add" "$(errors_of package-add)$hint"
  fi
  stop_server
  say "package add: Pulumi.yaml packages: $(awk '/^packages:/ { on = 1; next } /^[^ ]/ { on = 0 } on' "$PROG/Pulumi.yaml" | tr -s ' \n' ' ')"

  # 4. the stack (python: the SDK installed and imported, its name in the stack's config), its
  #    repoBase (run.sh's chart/git server), preview, up
  run stack-init pulumi stack init "$STACK" --secrets-provider passphrase || fail "stack init" "$(errors_of stack-init)"
  case "$LANG_NAME" in python) python_sdk ;; yaml) yaml_lock ;; esac
  run config pulumi config set --stack "$STACK" repoBase "https://127.0.0.1:$REPO_PORT" || fail config "$(errors_of config)"
  # the e2e stack's Slack bot token (run.sh's), so that both make the same notifications Secret
  run config-secret pulumi config set --secret --stack "$STACK" slackToken "$E2E_SLACK_TOKEN" || fail config "$(errors_of config-secret)"
  pulumi_step preview preview --diff || fail preview "$(errors_of preview)"
  pulumi_step up up --yes --skip-preview || fail up "$(errors_of up)"
  grep -E '^(Resources:|    [-+~]|    [0-9]+ )' "$(log_of up)" | sed 's/^/    /' >&2
  ( cd "$PROG" && pulumi stack output --stack "$STACK" --json ) > "$W/$LANG_NAME-outputs.json" 2>> "$(log_of up)" ||
    fail up "pulumi stack output: $(tail -2 "$(log_of up)")"
  say "up: outputs $(tr -d '\n ' < "$W/$LANG_NAME-outputs.json" | cut -c1-400)"
  # The type tokens in the state: the schema names the component ml-gitops:index:MlPlatform (what
  # the program asks the engine to construct); the component registers itself with its own token.
  ( cd "$PROG" && pulumi stack export --stack "$STACK" ) > "$W/$LANG_NAME-state.json" 2>> "$(log_of up)" || fail up "pulumi stack export: $(tail -2 "$(log_of up)")"
  say "up: component types in the state: $(node -e 'const r = require(process.argv[1]).deployment.resources || []; console.log([...new Set(r.map((x) => x.type).filter((t) => t.startsWith("ml-gitops:")))].sort().join(" "))' "$W/$LANG_NAME-state.json")"
}

# ------------------------------------------------------------------ down
do_down() {
  [ -f "$PROG/Pulumi.yaml" ] || fail setup "$PROG/Pulumi.yaml missing: run language.sh $LANG_NAME up first"
  if [ "$LANG_NAME" = python ] && [ -z "${PULUMI_PYTHON_CMD:-}" ]; then
    PULUMI_PYTHON_CMD="$("$CACHE_VENV/bin/python" -c 'import sys; print(sys._base_executable)')"; export PULUMI_PYTHON_CMD
  fi
  pulumi_step re-preview preview --expect-no-changes --diff ||
    fail re-preview "changes after up: $(grep -E '^ *[-+~]' "$(log_of re-preview)" | head -10 | tr '\n' ' ') $(errors_of re-preview)"
  pulumi_step destroy destroy --yes --skip-preview || fail destroy "$(errors_of destroy)"
  run stack-rm pulumi stack rm "$STACK" --yes --force || fail "stack rm" "$(errors_of stack-rm)"
}

case "${2:-all}" in
  up) do_up ;;
  down) do_down ;;
  all) do_up; do_down ;;
  *) echo "usage: e2e/language.sh python|yaml [up|down|all]" >&2; exit 2 ;;
esac
say "$LANG_NAME: ${2:-all} ok"
