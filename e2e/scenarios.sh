# Sourced by e2e/run.sh: what the real controllers are made to show after `pulumi up`, each
# scenario printing its part of the summary line on success, or why it failed (and returning 1).
# Needs from run.sh and controllers.sh: K, wait_for, ARGOCD_NS, app_field, app_state.

RAY_NS=ray-system
RAYCLUSTER=raycluster-kuberay

app_is() { [ "$(app_field "$1" "$2")" = "$3" ]; }   # app_is APP JSONPATH VALUE

head_condition() { K -n "$RAY_NS" get raycluster "$RAYCLUSTER" -o jsonpath='HeadPodReady={.status.conditions[?(@.type=="HeadPodReady")].status} ({.status.conditions[?(@.type=="HeadPodReady")].reason})'; }
set_pod_ready() { # set_pod_ready POD True|False: the Ready and ContainersReady conditions, as a kubelet reports them
  K -n "$RAY_NS" patch pod "$1" --subresource=status --type=strategic \
    -p "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"$2\"},{\"type\":\"ContainersReady\",\"status\":\"$2\"}]}}" >/dev/null
}

# health: the KubeRay operator created the head and worker pods, KWOK made them ready, and Argo CD,
# running our Lua, reports the raycluster Application Healthy. The head pod made unready (a status
# patch, as a kubelet writes it): Degraded, read from the Application's .status.health; ready
# again: Healthy.
scenario_health() {
  local head t0
  app_is raycluster '{.status.health.status}' Healthy ||
    { echo "raycluster is $(app_state raycluster) before the scenario: $(head_condition)"; return 1; }
  head="$(K -n "$RAY_NS" get pods -l ray.io/node-type=head -o jsonpath='{.items[0].metadata.name}')"
  [ -n "$head" ] || { echo "no head pod in $RAY_NS"; return 1; }
  set_pod_ready "$head" False || { echo "could not patch the head pod's status"; return 1; }
  t0=$(date +%s)
  wait_for 90 degraded app_is raycluster '{.status.health.status}' Degraded ||
    { echo "raycluster stayed $(app_state raycluster) with the head pod unready: $(head_condition)"; return 1; }
  HEALTH_DETAIL="Degraded after $(( $(date +%s) - t0 ))s (the RayCluster's $(head_condition))"
  set_pod_ready "$head" True || { echo "could not patch the head pod's status back"; return 1; }
  t0=$(date +%s)
  wait_for 90 healthy app_is raycluster '{.status.health.status}' Healthy ||
    { echo "raycluster stayed $(app_state raycluster) with the head pod ready again: $(head_condition)"; return 1; }
  HEALTH_DETAIL="$HEALTH_DETAIL, Healthy again after $(( $(date +%s) - t0 ))s"
  echo "health Healthy→Degraded→Healthy"
}

# autoscaler: one worker group's replicas patched on the live RayCluster, as the Ray autoscaler
# does (a JSON patch under its own field manager), then Argo CD made to sync, three ways:
#   1. a sync operation as `argocd app sync` and the UI write it (the API server copies the
#      Application's syncOptions into the operation): the replicas must stay as patched;
#   2. selfHeal: a field Argo CD owns is changed beside the replicas, so the Application goes
#      OutOfSync and the automated sync runs (with the Application's syncOptions): that field must
#      be restored and the replicas kept;
#   3. an operation without the Application's syncOptions (a hand-written one, or `argocd app sync
#      --sync-option X`, which replaces the list): recorded, not required. Argo CD honours
#      RespectIgnoreDifferences only when the operation itself carries it.
# After 1 and 2 the Application must be Synced.
chart_label_is() { [ "$(K -n "$RAY_NS" get raycluster "$RAYCLUSTER" -o jsonpath='{.metadata.labels.helm\.sh/chart}')" = "$1" ]; }
replicas() { K -n "$RAY_NS" get raycluster "$RAYCLUSTER" -o jsonpath='{.spec.workerGroupSpecs[0].replicas}'; }
autoscale() { # autoscale N: what the Ray autoscaler writes
  K -n "$RAY_NS" patch raycluster "$RAYCLUSTER" --type=json --field-manager=ray-autoscaler \
    -p "[{\"op\":\"replace\",\"path\":\"/spec/workerGroupSpecs/0/replicas\",\"value\":$1}]" >/dev/null
}
sync_op() { # sync_op USER OPTIONS_JSON: request a sync operation and wait for it to succeed
  K -n "$ARGOCD_NS" patch application raycluster --type=merge \
    -p "{\"operation\":{\"initiatedBy\":{\"username\":\"$1\"},\"sync\":{\"syncStrategy\":{\"hook\":{}},\"syncOptions\":$2}}}" >/dev/null &&
    wait_for 120 sync app_is raycluster '{.status.operationState.operation.initiatedBy.username}/{.status.operationState.phase}' "$1/Succeeded"
}
scenario_autoscaler() {
  local r0 r1 r2 r lo hi c options version
  read -r r0 lo hi < <(K -n "$RAY_NS" get raycluster "$RAYCLUSTER" -o jsonpath='{.spec.workerGroupSpecs[0].replicas} {.spec.workerGroupSpecs[0].minReplicas} {.spec.workerGroupSpecs[0].maxReplicas}')
  [ -n "$hi" ] || { echo "no RayCluster $RAY_NS/$RAYCLUSTER with a worker group"; return 1; }
  # two values the autoscaler could choose (within min and max), both other than the declared one
  r1=""; r2=""
  for c in $(( r0 + 1 )) $(( r0 - 1 )) $(( r0 + 2 )) $(( r0 - 2 )); do
    [ "$c" -ge "$lo" ] && [ "$c" -le "$hi" ] || continue
    if [ -z "$r1" ]; then r1=$c; elif [ -z "$r2" ]; then r2=$c; fi
  done
  [ -n "$r2" ] || { echo "the first worker group's minReplicas..maxReplicas ($lo..$hi) leaves no room to scale"; return 1; }
  options="$(K -n "$ARGOCD_NS" get application raycluster -o jsonpath='{.spec.syncPolicy.syncOptions}')"
  [ -n "$options" ] || options='[]'
  AUTOSCALER_DETAIL="replicas of the first worker group $r0"

  autoscale "$r1" || { echo "could not patch the replicas"; return 1; }
  sleep 2   # the controller sees the change
  sync_op e2e-argocd-app-sync "$options" || { echo "the sync did not succeed: $(app_field raycluster '{.status.operationState.phase}: {.status.operationState.message}')"; return 1; }
  r="$(replicas)"; AUTOSCALER_DETAIL="$AUTOSCALER_DETAIL; →$r1 by the autoscaler, after a sync as argocd app sync requests it $r"
  [ "$r" = "$r1" ] || { echo "autoscaler replicas RESET by a sync ($AUTOSCALER_DETAIL)"; return 1; }

  if [ "$(app_field raycluster '{.spec.syncPolicy.automated.selfHeal}')" = true ]; then
    version="$(K -n "$RAY_NS" get raycluster "$RAYCLUSTER" -o jsonpath='{.metadata.labels.helm\.sh/chart}')"
    autoscale "$r2" && K -n "$RAY_NS" label raycluster "$RAYCLUSTER" --overwrite helm.sh/chart=drifted >/dev/null ||
      { echo "could not patch the RayCluster"; return 1; }
    wait_for 60 selfheal chart_label_is "$version" ||
      { echo "selfHeal did not restore the RayCluster's helm.sh/chart label"; return 1; }
    sleep 2
    r="$(replicas)"; AUTOSCALER_DETAIL="$AUTOSCALER_DETAIL; →$r2 with a label drifted, after selfHeal restored the label $r"
    [ "$r" = "$r2" ] || { echo "autoscaler replicas RESET by selfHeal ($AUTOSCALER_DETAIL)"; return 1; }
  fi
  app_is raycluster '{.status.sync.status}' Synced || { echo "autoscaler replicas kept but the app is $(app_state raycluster)"; return 1; }
  # No sync loop: the automated syncs of raycluster in the controller's log (its first sync, the
  # one or two the drift above needs) stay few; a loop syncs about once a second.
  AUTOSYNCS="$(grep -c 'msg="Initiated automated sync.*app-namespace=argocd application=raycluster ' "$CONTROLLER_LOG")"
  AUTOSCALER_DETAIL="$AUTOSCALER_DETAIL; automated syncs of raycluster so far: $AUTOSYNCS"
  [ "$AUTOSYNCS" -le 5 ] || { echo "raycluster syncs in a loop ($AUTOSCALER_DETAIL)"; return 1; }

  local kept; kept="$(replicas)"
  sync_op e2e-operation-without-options '[]' || { echo "the sync without options did not succeed"; return 1; }
  r="$(replicas)"
  if [ "$r" = "$kept" ]; then AUTOSCALER_NOTE="an operation without the Application's syncOptions kept them too ($r)"
  else AUTOSCALER_NOTE="an operation without the Application's syncOptions (a hand-written one, or argocd app sync --sync-option X, which replaces the list) reset them $kept→$r"; fi
  echo "autoscaler replicas kept"
}

# denied: a throw-away Application in the ML project whose source holds a ClusterRole, a kind the
# project does not admit: the real controller must refuse it with Argo CD's own "... is not
# permitted in project ..." and the ClusterRole must not exist. Then it is deleted (no finalizer).
denied_said() { # the throw-away Application's status, kept in DENIED_STATUS; true once it says "not permitted"
  DENIED_STATUS="$(app_field e2e-denied '{.status.operationState.message} {.status.conditions[*].message} {.status.operationState.syncResult.resources[*].message}')"
  [[ "$DENIED_STATUS" == *"not permitted in project"* ]]
}
scenario_denied() {
  local project="$1" repo="$2"
  printf '%s\n' "apiVersion: argoproj.io/v1alpha1" "kind: Application" \
    "metadata: {name: e2e-denied, namespace: $ARGOCD_NS}" \
    "spec:" "  project: $project" "  source: {repoURL: \"$repo\", targetRevision: v1.0.0, path: denied}" \
    "  destination: {server: \"https://kubernetes.default.svc\", namespace: ml-serving}" "  syncPolicy: {automated: {}}" |
    K apply -f - >/dev/null || { echo "could not create the throw-away Application"; return 1; }
  wait_for 90 denied denied_said
  DENIED_DETAIL="$(printf '%s' "$DENIED_STATUS" | grep -o '[^.;:]*not permitted in project[^.;,]*' | head -1)"
  if K get clusterrole e2e-denied >/dev/null 2>&1; then K delete clusterrole e2e-denied >/dev/null 2>&1; echo "the ClusterRole was created although the project does not admit it"; return 1; fi
  K -n "$ARGOCD_NS" delete application e2e-denied --wait=true --timeout=60s >/dev/null 2>&1
  [ -n "$DENIED_DETAIL" ] || { echo "no 'not permitted' from Argo CD in 90 s (status: $DENIED_STATUS)"; return 1; }
  echo "denied by project"
}

# drift: a field of the ML platform's ConfigMap, which Argo CD owns, changed by hand; selfHeal must
# restore it.
model_server() { K -n ml-serving get configmap ml-platform -o jsonpath='{.data.modelServer}'; }
model_server_is() { [ "$(model_server)" = "$1" ]; }
scenario_drift() {
  local was t0
  was="$(model_server)"
  [ -n "$was" ] || { echo "no ConfigMap ml-serving/ml-platform"; return 1; }
  K -n ml-serving patch configmap ml-platform --type=merge -p '{"data":{"modelServer":"drifted"}}' >/dev/null || { echo "could not change the ConfigMap"; return 1; }
  t0=$(date +%s)
  wait_for 90 drift model_server_is "$was" || { echo "drift not restored in 90 s"; return 1; }
  DRIFT_DETAIL="restored in $(( $(date +%s) - t0 ))s"
  echo "drift restored"
}
