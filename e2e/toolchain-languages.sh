#!/usr/bin/env bash
# Builds what the e2e's Python and YAML programs need into the toolchain cache (reused when present):
#   python-langhost  bin/pulumi-language-python (+ its executor shim bin/pulumi-language-python-exec),
#                    built from the pulumi repo at v$PULUMI_VERSION as toolchain.sh builds the Node.js host:
#                    the module proxy does not serve github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3.
#   python-venv      a virtualenv, $CACHE/python-venv, holding from PyPI the `pulumi` Python SDK ==$PULUMI_VERSION
#                    and `pulumi-kubernetes` ==$KUBERNETES_VERSION (the SDK `pulumi package add` generates from
#                    plugin/ depends on it: the package schema references the kubernetes package), with pip,
#                    setuptools and wheel. e2e/language.sh layers a venv of its own over it (nothing is installed here).
#   yaml-langhost    bin/pulumi-language-yaml v$YAML_VERSION, built from a clone of github.com/pulumi/pulumi-yaml at
#                    that tag (every dependency from the module proxy). The CLI 3.259.0 bundles v1.38.3
#                    (the pulumi repo's scripts/get-language-providers.sh); neither source has it: the clone's
#                    newest tag is v1.38.1 and the proxy serves only v1.11.1 and v1.25.0. So v1.38.1, the
#                    closest, and the e2e says so (bin/stamps/yaml-langhost-bundled holds the CLI's version).
# The CLI itself (bin/pulumi) is toolchain.sh's; the Python host must be at its version.
#
# usage: e2e/toolchain-languages.sh [--check] [piece ...]   (default: python-langhost python-venv yaml-langhost)
#        a piece may be a language: python (python-langhost python-venv) or yaml (yaml-langhost)
#        --check builds nothing: exits 0 when every piece is in the cache, else 3 naming what is missing.
# env:   ML_GITOPS_E2E_CACHE      the cache (default ~/.cache/ml-gitops-e2e)
#        PULUMI_VERSION           default: the exact @pulumi/pulumi in package.json's devDependencies
#                                 (which must be the `pulumi` that `toolchain.sh --versions` builds)
#        KUBERNETES_VERSION       default: the exact @pulumi/kubernetes in package.json's devDependencies
#        ML_GITOPS_E2E_PULUMI_GIT clone of github.com/pulumi/pulumi (default /work/.mirror/pulumi+pulumi/repo)
#        PYTHON                   the interpreter the venv is made from (default python3; the SDK needs >= 3.9)
#        YAML_VERSION             the pulumi-yaml tag to build (default 1.38.1)
#        ML_GITOPS_E2E_PULUMI_YAML_GIT clone of github.com/pulumi/pulumi-yaml (default /work/.mirror/pulumi+pulumi-yaml/repo)
# A piece is cached when its stamp bin/stamps/<piece>-v<version> exists (bin/stamps/python-langhost-v$PULUMI_VERSION,
# bin/stamps/python-venv-v$PULUMI_VERSION-kubernetes-$KUBERNETES_VERSION, bin/stamps/yaml-langhost-v$YAML_VERSION):
# a new @pulumi/pulumi or @pulumi/kubernetes rebuilds it.
# Its own lock ($CACHE/.lock-languages): it never waits for, or blocks, toolchain.sh's $CACHE/.lock.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROJECT="$(cd "$HERE/.." && pwd)"
CACHE="${ML_GITOPS_E2E_CACHE:-$HOME/.cache/ml-gitops-e2e}"
BIN="$CACHE/bin"; SRC="$CACHE/src"; LOGS="$CACHE/logs"
VENV="$CACHE/python-venv"
PYTHON="${PYTHON:-python3}"

log() { echo "toolchain-languages: $*" >&2; }
if [ -z "${PULUMI_VERSION:-}" ]; then
  PULUMI_VERSION="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["devDependencies"]["@pulumi/pulumi"])' "$PROJECT/package.json")"
  [[ "$PULUMI_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { log "package.json's devDependencies pin no exact @pulumi/pulumi ($PULUMI_VERSION): set PULUMI_VERSION"; exit 2; }
  CLI_VERSION="$("$HERE/toolchain.sh" --versions | sed -n 's/^pulumi //p')"
  [ "$CLI_VERSION" = "$PULUMI_VERSION" ] || { log "package.json pins @pulumi/pulumi $PULUMI_VERSION but toolchain.sh builds the CLI at $CLI_VERSION: the language host must match the CLI; set PULUMI_VERSION"; exit 2; }
fi
KUBERNETES_VERSION="${KUBERNETES_VERSION:-$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["devDependencies"]["@pulumi/kubernetes"])' "$PROJECT/package.json")}"
[[ "$KUBERNETES_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { log "package.json's devDependencies pin no exact @pulumi/kubernetes ($KUBERNETES_VERSION): set KUBERNETES_VERSION"; exit 2; }
VENV_KEY="$PULUMI_VERSION-kubernetes-$KUBERNETES_VERSION"
YAML_VERSION="${YAML_VERSION:-1.38.1}"

CHECK_ONLY=""; [ "${1:-}" = --check ] && { CHECK_ONLY=1; shift; }
mkdir -p "$BIN/stamps" "$SRC" "$LOGS"
if [ -z "$CHECK_ONLY" ]; then
  exec 9>"$CACHE/.lock-languages"
  if ! flock -n 9; then log "another run holds $CACHE/.lock-languages; waiting for it"; flock 9; fi
fi

MANIFEST="$CACHE/toolchain.tsv"
# shellcheck source=e2e/toolchain-lib.sh
. "$HERE/toolchain-lib.sh"
PULUMI_GIT="$(first_existing "${ML_GITOPS_E2E_PULUMI_GIT:-}" /work/.mirror/pulumi+pulumi/repo)"
PULUMI_YAML_GIT="$(first_existing "${ML_GITOPS_E2E_PULUMI_YAML_GIT:-}" /work/.mirror/pulumi+pulumi-yaml/repo)"

# ---------------------------------------------------------------- pulumi-language-python
# Its go.mod replaces pkg/v3 and sdk/v3 with the repo's own directories: those become the published
# modules at v$PULUMI_VERSION (everything else from the module proxy). The host runs Python programs
# through pulumi-language-python-exec, which it expects next to its own binary.
build_python_langhost() {
  if go mod download "github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3@v$PULUMI_VERSION" 2>/dev/null; then
    GOBIN="$BIN" go install -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
      "github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3@v$PULUMI_VERSION"
    from=proxy
  else
    [ -n "$PULUMI_GIT" ] || { echo "pulumi-language-python is not on the module proxy; set ML_GITOPS_E2E_PULUMI_GIT to a clone of github.com/pulumi/pulumi"; exit 1; }
    local d="$SRC/pulumi-python-$PULUMI_VERSION"
    git_export "$PULUMI_GIT" "v$PULUMI_VERSION" sdk/python/cmd/pulumi-language-python sdk/python/cmd/pulumi-language-python-exec "$d"
    cd "$d/sdk/python/cmd/pulumi-language-python"
    go mod edit -dropreplace github.com/pulumi/pulumi/pkg/v3 -dropreplace github.com/pulumi/pulumi/sdk/v3 \
      -require "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION" -require "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION"
    go mod tidy
    go build -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
      -o "$BIN/pulumi-language-python.tmp" .
    mv "$BIN/pulumi-language-python.tmp" "$BIN/pulumi-language-python"
    from=git
  fi
  git --git-dir="$(git_dir_of "${PULUMI_GIT:?}")" show "v$PULUMI_VERSION:sdk/python/cmd/pulumi-language-python-exec" > "$BIN/pulumi-language-python-exec"
  chmod 0755 "$BIN/pulumi-language-python-exec"
  record python-langhost "pulumi/pulumi sdk/python/cmd/pulumi-language-python (+ -exec) @ v$PULUMI_VERSION ($(git_desc "$PULUMI_GIT" "v$PULUMI_VERSION"))" "$from" -
  stamp python-langhost "$PULUMI_VERSION"
}

# ---------------------------------------------------------------- the virtualenv with the Pulumi Python SDK
build_python_venv() {
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --disable-pip-version-check --upgrade pip setuptools wheel
  "$VENV/bin/python" -m pip install --disable-pip-version-check "pulumi==$PULUMI_VERSION" "pulumi-kubernetes==$KUBERNETES_VERSION"
  local got; got="$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("pulumi"), m.version("pulumi-kubernetes"))')"
  [ "$got" = "$PULUMI_VERSION $KUBERNETES_VERSION" ] || { echo "the venv holds pulumi, pulumi-kubernetes $got, not $PULUMI_VERSION $KUBERNETES_VERSION"; exit 1; }
  "$VENV/bin/python" -m pip freeze > "$VENV/requirements.lock"
  record python-venv "$VENV: pulumi==$PULUMI_VERSION pulumi-kubernetes==$KUBERNETES_VERSION (PyPI) on $("$VENV/bin/python" --version 2>&1)" pypi -
  stamp python-venv "$VENV_KEY"
}

# ---------------------------------------------------------------- pulumi-language-yaml
# From the clone at v$YAML_VERSION, which replaces nothing in its go.mod; the version the CLI at
# v$PULUMI_VERSION bundles goes to bin/stamps/yaml-langhost-bundled, for the e2e to print beside it.
build_yaml_langhost() {
  [ -n "$PULUMI_YAML_GIT" ] || { echo "set ML_GITOPS_E2E_PULUMI_YAML_GIT to a clone of github.com/pulumi/pulumi-yaml"; exit 1; }
  local d="$SRC/pulumi-yaml-$YAML_VERSION" bundled=""
  git_export "$PULUMI_YAML_GIT" "v$YAML_VERSION" . "$d"
  cd "$d"
  go build -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=v$YAML_VERSION" \
    -o "$BIN/pulumi-language-yaml.tmp" ./cmd/pulumi-language-yaml
  mv "$BIN/pulumi-language-yaml.tmp" "$BIN/pulumi-language-yaml"
  [ -z "$PULUMI_GIT" ] || bundled="$(git --git-dir="$(git_dir_of "$PULUMI_GIT")" show "v$PULUMI_VERSION:scripts/get-language-providers.sh" 2>/dev/null |
    sed -n 's/^ *"yaml v\([0-9.]*\)".*/\1/p')"
  record yaml-langhost "pulumi/pulumi-yaml cmd/pulumi-language-yaml @ v$YAML_VERSION ($(git_desc "$PULUMI_YAML_GIT" "v$YAML_VERSION")); the CLI v$PULUMI_VERSION bundles v${bundled:-?}" git -
  stamp yaml-langhost "$YAML_VERSION"
  echo "${bundled:-unknown}" > "$BIN/stamps/yaml-langhost-bundled"
}

# a language's name stands for its pieces (e2e/run.sh and e2e/language.sh ask by language)
[ $# -gt 0 ] || set -- python yaml
pieces=()
for p in "$@"; do
  case "$p" in python) pieces+=(python-langhost python-venv) ;; yaml) pieces+=(yaml-langhost) ;; *) pieces+=("$p") ;; esac
done
set +e   # see run_piece: each piece runs under set -e of its own
for p in "${pieces[@]}"; do
  case "$p" in
    # cached: the stamp of this version, and what it stands for still there
    python-langhost) f="$BIN/stamps/python-langhost-v$PULUMI_VERSION"
                     for b in pulumi-language-python pulumi-language-python-exec; do [ -x "$BIN/$b" ] || f="$BIN/$b"; done
                     run_piece python-langhost "$f" build_python_langhost ;;
    python-venv)     f="$BIN/stamps/python-venv-v$VENV_KEY"
                     [ -x "$VENV/bin/python" ] || f="$VENV/bin/python"
                     run_piece python-venv "$f" build_python_venv ;;
    yaml-langhost)   f="$BIN/stamps/yaml-langhost-v$YAML_VERSION"
                     [ -x "$BIN/pulumi-language-yaml" ] || f="$BIN/pulumi-language-yaml"
                     run_piece yaml-langhost "$f" build_yaml_langhost ;;
    *) log "unknown piece $p"; PIECES_STATUS=2 ;;
  esac
done
exit $PIECES_STATUS
