# Sourced by e2e/run.sh: what the real controllers are made to show after `pulumi up`, each
# scenario printing its part of the summary line on success, or why it failed (and returning 1).
# Needs from run.sh and controllers.sh: K, wait_for, ARGOCD_NS, app_field, app_state.

RAY_NS=ray-system
RAYCLUSTER=raycluster-kuberay
AUTOSCALER_GROUP=standard-worker   # the worker group the autoscaler scenario scales, by name (the e2e stacks and the default all declare it)
GPU_NODE=gpu-node-0                # run.sh's KWOK nodes: the only one with nvidia.com/gpu (tainted nvidia.com/gpu=present:NoSchedule)
SPOT_NODE=spot-node-0              # and the spot one (tainted cloud.google.com/gke-spot=true:NoSchedule)

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

# autoscaler: one worker group's replicas ($AUTOSCALER_GROUP's) patched on the live RayCluster, as
# the Ray autoscaler does (a JSON patch under its own field manager), then Argo CD made to sync,
# three ways:
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
# The worker groups are addressed by name: the RayCluster lists them in name order, so index 0 is
# whichever group sorts first (gpu-worker in both e2e stacks), not the one the scenario means.
group_field() { # group_field JSONPATH-TAIL: of the live RayCluster's $AUTOSCALER_GROUP, e.g. replicas
  K -n "$RAY_NS" get raycluster "$RAYCLUSTER" -o jsonpath="{.spec.workerGroupSpecs[?(@.groupName==\"$AUTOSCALER_GROUP\")].$1}"
}
replicas() { group_field replicas; }
group_index() { # the position of $AUTOSCALER_GROUP in spec.workerGroupSpecs (what a JSON patch path needs)
  local i
  i="$(K -n "$RAY_NS" get raycluster "$RAYCLUSTER" -o jsonpath='{range .spec.workerGroupSpecs[*]}{.groupName}{"\n"}{end}' | grep -nxF -- "$AUTOSCALER_GROUP" | cut -d: -f1)"
  [ -n "$i" ] && echo $(( i - 1 ))
}
autoscale() { # autoscale N: what the Ray autoscaler writes (it too patches the group's index, found by its name)
  local i; i="$(group_index)" || return 1
  K -n "$RAY_NS" patch raycluster "$RAYCLUSTER" --type=json --field-manager=ray-autoscaler \
    -p "[{\"op\":\"test\",\"path\":\"/spec/workerGroupSpecs/$i/groupName\",\"value\":\"$AUTOSCALER_GROUP\"},{\"op\":\"replace\",\"path\":\"/spec/workerGroupSpecs/$i/replicas\",\"value\":$1}]" >/dev/null
}
sync_op() { # sync_op USER OPTIONS_JSON: request a sync operation and wait for it to succeed
  K -n "$ARGOCD_NS" patch application raycluster --type=merge \
    -p "{\"operation\":{\"initiatedBy\":{\"username\":\"$1\"},\"sync\":{\"syncStrategy\":{\"hook\":{}},\"syncOptions\":$2}}}" >/dev/null &&
    wait_for 120 sync app_is raycluster '{.status.operationState.operation.initiatedBy.username}/{.status.operationState.phase}' "$1/Succeeded"
}
scenario_autoscaler() {
  local r0 r1 r2 r lo hi c options version
  local g="{.spec.workerGroupSpecs[?(@.groupName==\"$AUTOSCALER_GROUP\")]"
  read -r r0 lo hi < <(K -n "$RAY_NS" get raycluster "$RAYCLUSTER" -o jsonpath="$g.replicas} $g.minReplicas} $g.maxReplicas}")
  [ -n "$hi" ] || { echo "no worker group $AUTOSCALER_GROUP in RayCluster $RAY_NS/$RAYCLUSTER (groups: $(K -n "$RAY_NS" get raycluster "$RAYCLUSTER" -o jsonpath='{.spec.workerGroupSpecs[*].groupName}' 2>&1))"; return 1; }
  # two values the autoscaler could choose (within min and max), both other than the declared one
  r1=""; r2=""
  for c in $(( r0 + 1 )) $(( r0 - 1 )) $(( r0 + 2 )) $(( r0 - 2 )); do
    [ "$c" -ge "$lo" ] && [ "$c" -le "$hi" ] || continue
    if [ -z "$r1" ]; then r1=$c; elif [ -z "$r2" ]; then r2=$c; fi
  done
  [ -n "$r2" ] || { echo "worker group $AUTOSCALER_GROUP's minReplicas..maxReplicas ($lo..$hi) leaves no room to scale"; return 1; }
  options="$(K -n "$ARGOCD_NS" get application raycluster -o jsonpath='{.spec.syncPolicy.syncOptions}')"
  [ -n "$options" ] || options='[]'
  AUTOSCALER_DETAIL="replicas of worker group $AUTOSCALER_GROUP $r0"

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

# placement: the real kube-scheduler binds the pods KubeRay created for the RayCluster to run.sh's
# KWOK nodes by their nodeSelector, tolerations and extended resources. Waits (90 s) until every
# pod of the cluster has a spec.nodeName (and KWOK runs it), reads it back from the API server, one line per group in
# PLACEMENT_LINES, and fails when a gpu-worker pod is not on $GPU_NODE (or stays unscheduled), a
# spot-worker pod is not on $SPOT_NODE, or any pod that requests no nvidia.com/gpu (the head, the
# standard and spot workers, anything else in the cluster) is on $GPU_NODE.
ray_pods() { # one line per pod of the RayCluster not being deleted: name|node-type:group|node|phase|GPUs requested|nodeSelector|PodScheduled message
  local pods
  pods="$(K -n "$RAY_NS" get pods -l "ray.io/cluster=$RAYCLUSTER" -o jsonpath='{range .items[*]}{.metadata.deletionTimestamp}|{.metadata.name}|{.metadata.labels.ray\.io/node-type}:{.metadata.labels.ray\.io/group}|{.spec.nodeName}|{.status.phase}|{.spec.containers[*].resources.requests.nvidia\.com/gpu}|{.spec.nodeSelector}|{.status.conditions[?(@.type=="PodScheduled")].message}{"\n"}{end}')" || return 1
  sed -n 's/^|//p' <<< "$pods"
}
expected_ray_pods() { # the head plus each worker group's replicas (none while suspended)
  local n=1 r
  for r in $(K -n "$RAY_NS" get raycluster "$RAYCLUSTER" -o jsonpath='{range .spec.workerGroupSpecs[*]}{.suspend}:{.replicas}{" "}{end}'); do
    [ "${r%%:*}" = true ] || n=$(( n + ${r#*:} ))
  done
  echo "$n"
}
ray_pods_bound() { # every expected pod exists, has a node, and runs there (KWOK's pod-ready Stage, once bound)
  local pods; pods="$(ray_pods)" || return 1
  [ "$(grep -c . <<< "$pods")" -ge "$(expected_ray_pods)" ] && ! cut -d'|' -f3 <<< "$pods" | grep -qx '' && ! cut -d'|' -f4 <<< "$pods" | grep -qvx Running
}
# the stack has something to place: a worker group with replicas and a nodeSelector (the e2e stack's gpu-worker and spot-worker)
has_placed_groups() {
  K -n "$RAY_NS" get raycluster "$RAYCLUSTER" -o jsonpath='{range .spec.workerGroupSpecs[*]}{.replicas}|{.template.spec.nodeSelector}{"\n"}{end}' 2>/dev/null | grep -qE '^[1-9][0-9]*\|.'
}
scenario_placement() {
  local t0 pods name group node phase gpus selector why problems="" g nodes placed="" others
  PLACEMENT_LINES=""; PLACEMENT_DETAIL=""
  t0=$(date +%s)
  K -n "$RAY_NS" get raycluster "$RAYCLUSTER" >/dev/null || { echo "no RayCluster $RAY_NS/$RAYCLUSTER"; return 1; }
  if wait_for 90 placement ray_pods_bound; then PLACEMENT_DETAIL="every pod bound and Running $(( $(date +%s) - t0 ))s after the scenario began"
  else PLACEMENT_DETAIL="not every pod bound and Running in 90 s"; fi
  pods="$(ray_pods)" || { echo "could not list the pods of RayCluster $RAY_NS/$RAYCLUSTER"; return 1; }
  [ -n "$pods" ] || { echo "no pods of RayCluster $RAY_NS/$RAYCLUSTER (label ray.io/cluster=$RAYCLUSTER)"; return 1; }
  [ "$(grep -c . <<< "$pods")" -ge "$(expected_ray_pods)" ] ||
    problems="$problems $(grep -c . <<< "$pods") pods of the $(expected_ray_pods) the RayCluster asks for;"
  while IFS='|' read -r name group node phase gpus selector why; do
    [ -n "$name" ] || continue
    case "$group" in head:*) group=head ;; *) group="${group#*:}" ;; esac
    [ -n "$node" ] || { problems="$problems $group pod $name unscheduled ($phase: ${why:-no PodScheduled message});"; continue; }
    [ "$phase" = Running ] || problems="$problems $group pod $name bound to $node but $phase;"
    case "$group" in
      gpu-worker) [ "$node" = "$GPU_NODE" ] || problems="$problems gpu-worker pod $name on $node, not $GPU_NODE;" ;;
      spot-worker) [ "$node" = "$SPOT_NODE" ] || problems="$problems spot-worker pod $name on $node, not $SPOT_NODE;" ;;
    esac
    [ "$node" = "$GPU_NODE" ] && [ -z "${gpus// /}" ] && problems="$problems $group pod $name requests no GPU but is on $GPU_NODE;"
  done <<< "$pods"
  # Nothing else in the cluster that requests no GPU may be on the GPU node either (its taint keeps it off).
  others="$(K get pods -A --field-selector "spec.nodeName=$GPU_NODE" -l "ray.io/cluster!=$RAYCLUSTER" -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name}|{.spec.containers[*].resources.requests.nvidia\.com/gpu}{"\n"}{end}' | grep -E '\|$' | cut -d'|' -f1 | tr '\n' ' ')"
  [ -z "$others" ] || problems="$problems on $GPU_NODE without a GPU request: $others;"
  # One line per group (worker groups in the RayCluster's order, then the head): its pods' nodes.
  for g in $(K -n "$RAY_NS" get raycluster "$RAYCLUSTER" -o jsonpath='{.spec.workerGroupSpecs[*].groupName}') head; do
    nodes="$(while IFS='|' read -r name group node phase _; do
      case "$group" in head:*) group=head ;; *) group="${group#*:}" ;; esac
      [ "$group" = "$g" ] && printf '%s\n' "${node:-(unscheduled: $phase)}"; done <<< "$pods" | sort | paste -sd, -)"
    PLACEMENT_LINES="$PLACEMENT_LINES$g → ${nodes:-(no pod)}"$'\n'
    # the summary names the groups placed by a nodeSelector
    grep -E "^[^|]*\|[^|]*:$g\|" <<< "$pods" | cut -d'|' -f6 | grep -q . && placed="$placed $g→${nodes:-none}"
  done
  [ -z "$problems" ] || { echo "placement FAILED:$problems"; return 1; }
  echo "placed${placed:- nothing by a nodeSelector}"
}

# pods: what the real KubeRay operator made of the pod settings beyond scheduling. Every pod of
# the RayCluster runs as the ServiceAccount the program created (rayCluster.serviceAccount, create:
# true), which exists with its annotation; each has exactly one volume mounted at /dev/shm: the
# gpu-worker's is the program's own, sized by its shmSize ($SHM_SIZE), and KubeRay adds none; the
# others' are KubeRay's own `shared-mem`, memory-backed and sized to the container's memory.
scenario_pods() {
  local sa="$1" want_shm="$2" pods name group account mounts medium size problems="" shm_lines=""
  K -n "$RAY_NS" get serviceaccount "$sa" -o jsonpath='{.metadata.annotations.e2e\.ml-gitops/identity}' | grep -qx ray-workloads ||
    problems="$problems ServiceAccount $RAY_NS/$sa missing or without its annotation;"
  pods="$(K -n "$RAY_NS" get pods -l "ray.io/cluster=$RAYCLUSTER" -o jsonpath='{range .items[*]}{.metadata.name}|{.metadata.labels.ray\.io/group}|{.spec.serviceAccountName}|{.spec.containers[0].volumeMounts[?(@.mountPath=="/dev/shm")].name}{"\n"}{end}')" || { echo "could not list the Ray pods"; return 1; }
  while IFS='|' read -r name group account mounts; do
    [ -n "$name" ] || continue
    [ "$account" = "$sa" ] || problems="$problems $group pod $name runs as ${account:-default}, not $sa;"
    [ "$(wc -w <<< "$mounts")" = 1 ] || { problems="$problems $group pod $name has $(wc -w <<< "$mounts") volumes at /dev/shm ($mounts);"; continue; }
    read -r medium size < <(K -n "$RAY_NS" get pod "$name" -o jsonpath="{.spec.volumes[?(@.name==\"$mounts\")].emptyDir.medium} {.spec.volumes[?(@.name==\"$mounts\")].emptyDir.sizeLimit}")
    [ "$medium" = Memory ] || problems="$problems $group pod $name: /dev/shm ($mounts) is not memory-backed;"
    [ "$group" = gpu-worker ] && [ "$size" != "$want_shm" ] && problems="$problems gpu-worker pod $name: /dev/shm sized ${size:-unset}, not $want_shm;"
    shm_lines="$shm_lines ${group:-head}:${size:-unsized}"
  done <<< "$pods"
  [ -z "$problems" ] || { echo "pods FAILED:$problems"; return 1; }
  echo "pods as $sa, one /dev/shm each ($(tr ' ' '\n' <<< "$shm_lines" | sort -u | paste -sd' ' - | sed 's/^ //'))"
}
