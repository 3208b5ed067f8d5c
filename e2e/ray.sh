# shellcheck shell=bash
# Sourced by e2e/run.sh: the Ray scenario (e2e/live/ray.test.ts), on a real Ray. Needs from run.sh
# and controllers.sh: W, R, P, BIN, CACHE, HERE, PROJECT, OWN_HOSTS, ctl_start, live_tests,
# record_result, say.
#
# The KubeRay operator's head pods for a RayJob or RayService land on the KWOK node whose pod CIDR
# is RAY_CIDR (kwok_node ray-node-0 in run.sh, tainted so that nothing else does); ray_heads.py
# runs a Ray head on each one's address and maps its head Service's name to it in the operator's
# hosts file (own_hosts, controllers.sh).

RAY_VENV="$CACHE/ray-venv"
RAY_CIDR=127.1.0.0/24
RAY_STACKS="${ML_GITOPS_E2E_RAY-e2e}"   # the stacks the Ray scenario runs on (the one whose ML platform tracks main)

# ray_scenario STACK: on the stacks RAY_STACKS names; says why when it cannot run here.
ray_scenario() {
  local stack="$1" why=""
  [[ " $RAY_STACKS " == *" $stack "* ]] || return 0
  [ -x "$RAY_VENV/bin/ray" ] || why="no Ray in the cache (bash e2e/toolchain.sh ray)"
  [ -n "$OWN_HOSTS" ] || why="no mount namespace for the operator's hosts file (the run has no user and network namespace of its own)"
  if [ -n "$why" ]; then
    record_result ray-job "Ray scenario not run: $why" 0
    say "$stack: the Ray scenario did not run: $why"
    return 0
  fi
  local admin_password; admin_password="$(pulumi stack output adminPassword --show-secrets --stack "$stack" 2>/dev/null)"
  mkdir -p "$W/ray"
  ctl_start ray-heads python3 "$HERE/ray_heads.py" "$BIN/kubectl" "$RAY_VENV" "$W/ray" "$W/operator-hosts" "$RAY_CIDR" "$P/trust.pem"
  local rc=0
  E2E_ML_REPO_SRC="$W/git-src-ml-platform-config" E2E_ML_REPO_BARE="$R/git/ml-platform-config.git" E2E_RAY_FILES="$HERE/ray" \
    E2E_RAY_DIR="$W/ray" E2E_SLACK_LOG="$R/slack-calls.jsonl" E2E_ARGOCD_SERVER="127.0.0.1:$ARGOCD_SERVER_PORT" E2E_ADMIN_PASSWORD="$admin_password" live_tests "$stack" "$W/ray-$stack.json" ray.test.ts > /dev/null || rc=$?
  sed 's/^/    /' "$W/logs/ray-heads.log" >&2
  say "$stack: Ray stand-ins: a Ray head process per head pod on ray-node-0, on the pod's loopback address (ray_heads.py, for the kubelet); the RayJob's worker pod is KWOK's alone, its tasks ran on the head; head Service names in the operator's own hosts file (no cluster DNS); the serve Service's EndpointSlice written by ray_heads.py (loopback addresses are refused in EndpointSlices); the code from the repository's archive URL (a Ray working_dir), as GitHub serves one"
  return $rc
}
