# Sourced by e2e/run.sh: the real controllers as local processes against the loopback API server
# (Argo CD's application controller, repo server and notifications controller, redis, the KubeRay
# operator), the git repositories they read, and the scenarios run against them. The chart's own
# pods stay fake (KWOK). Argo CD's own e2e runs its components the same way (its Procfile): one
# binary, the component chosen by ARGOCD_BINARY_NAME.
#
# Needs from run.sh: W, BIN, P (pki), K, say, fail, wait_for, free_ports, REPO_PORT, CHARTS_DIR.

ARGOCD_NS=argocd
CTL_PIDS="$W/controller-pids"     # pid per line; stopped by stop_controllers and by run.sh's cleanup

# ------------------------------------------------------------------ git repositories with real content
# make_git_repos: the KubeRay CRDs at the path and tag the CRDs Application reads (taken from the
# kuberay-operator chart of each supported version, which carries the same files), and the ML
# platform's config repository: a helm chart per environment path (the value files each stack
# names) that deploys one ConfigMap, plus `denied/`, a ClusterRole no project admits (for the
# least-privilege scenario; the KubeRay repository has a `denied/` too, a ClusterRoleBinding). Served with git's smart HTTP protocol by https_server.py.
make_git_repos() {
  local R="$1" t v
  t="$W/git-src-kuberay"; git init -q -b master "$t"
  echo "# e2e stand-in for ray-project/kuberay: the CRDs of each tag, from the kuberay-operator chart" > "$t/README.md"
  # In every tag: a ClusterRoleBinding the Ray project does not admit by name (cluster-admin for
  # the Ray namespace's default ServiceAccount), for the least-privilege scenario.
  mkdir -p "$t/denied"
  cat > "$t/denied/clusterrolebinding.yaml" <<'EOF'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: e2e-ray-admin
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - kind: ServiceAccount
    name: default
    namespace: ray-system
EOF
  git -C "$t" add -A; git -C "$t" -c user.name=e2e -c user.email=e2e@localhost commit -qm "e2e stand-in"
  for c in "$CHARTS_DIR"/kuberay-operator-*.tgz; do
    v="$(basename "$c" .tgz)"; v="${v#kuberay-operator-}"
    rm -rf "$t/helm-chart"; mkdir -p "$t/helm-chart/kuberay-operator/crds"
    tar -xzf "$c" -C "$W" kuberay-operator/crds && mv "$W"/kuberay-operator/crds/*.yaml "$t/helm-chart/kuberay-operator/crds/" && rm -rf "$W/kuberay-operator"
    git -C "$t" add -A; git -C "$t" -c user.name=e2e -c user.email=e2e@localhost commit -qm "CRDs of v$v"
    git -C "$t" tag "v$v"
  done
  git clone -q --bare "$t" "$R/git/kuberay.git"

  t="$W/git-src-ml-platform-config"; git init -q -b main "$t"
  for env in dev production; do
    mkdir -p "$t/environments/$env/templates"
    printf 'apiVersion: v2\nname: ml-platform\nversion: 1.0.0\ndescription: e2e stand-in of the ML platform config (%s)\n' "$env" > "$t/environments/$env/Chart.yaml"
    printf 'environment: %s\nmodelServer: triton\nreplicas: "1"\n' "$env" > "$t/environments/$env/values.yaml"
    cat > "$t/environments/$env/templates/configmap.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: ml-platform
data:
  environment: {{ .Values.environment | quote }}
  modelServer: {{ .Values.modelServer | quote }}
  replicas: {{ .Values.replicas | quote }}
EOF
  done
  mkdir -p "$t/denied"
  cat > "$t/denied/clusterrole.yaml" <<'EOF'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: e2e-denied
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["get"]
EOF
  git -C "$t" add -A; git -C "$t" -c user.name=e2e -c user.email=e2e@localhost commit -qm "e2e stand-in"
  git -C "$t" tag v1.0.0
  git clone -q --bare "$t" "$R/git/ml-platform-config.git"
}

# ------------------------------------------------------------------ identities
# sa_kubeconfig NAMESPACE ACCOUNT FILE: a kubeconfig for the cluster that authenticates as the
# ServiceAccount, with a token from a TokenRequest (as the kubelet would mount in its pod): the
# controllers run with what their charts grant, not as the e2e's administrator.
sa_kubeconfig() {
  local token
  token="$(K -n "$1" create token "$2" --duration=24h)" || return 1
  cp "$W/kubeconfig" "$3"
  KUBECONFIG="$3" "$BIN/kubectl" config set-credentials "$1:$2" --token="$token" >/dev/null &&
    KUBECONFIG="$3" "$BIN/kubectl" config set-context e2e --user="$1:$2" >/dev/null || return 1
  # The API server says who this kubeconfig is (a SelfSubjectReview): the account, not the administrator.
  local who; who="$(KUBECONFIG="$3" "$BIN/kubectl" --request-timeout=30s auth whoami -o jsonpath='{.status.userInfo.username}')"
  [ "$who" = "system:serviceaccount:$1:$2" ] || { echo "$3 authenticates as '$who', not $1/$2" >&2; return 1; }
}

# ------------------------------------------------------------------ processes
ctl_start() { # ctl_start NAME CMD...: like run.sh's start, the pid in CTL_PIDS
  local name="$1"; shift
  "$@" > "$W/logs/$name.log" 2>&1 &
  echo "$!" >> "$CTL_PIDS"; disown "$!"
}

# start_controllers STACK: in the background, as soon as what each one reads exists: redis and
# the three Argo CD components once the Release has created argocd-cm and the Application CRD,
# the KubeRay operator once the CRDs Application has synced the RayCluster CRD. Logs the times.
start_controllers() {
  local stack="$1"
  : > "$CTL_PIDS"
  read -r REDIS_PORT RS_PORT RS_METRICS CTL_METRICS NOTIF_METRICS KR_METRICS KR_PROBE SERVER_METRICS < <(free_ports 8)
  mkdir -p "$W/argocd/tls" "$W/argocd/ssh" "$W/argocd/gpg" "$W/argocd/home" "$W/argocd/tmp" "$W/argocd/static"
  (
    local t0; t0=$(date +%s)
    wait_for 600 argocd-config K -n "$ARGOCD_NS" get configmap argocd-cm ||
      { echo "argocd-cm did not appear in 600 s" > "$W/logs/controllers-failed"; exit 1; }
    wait_for 60 argocd-crd K wait --for=condition=Established crd/applications.argoproj.io crd/appprojects.argoproj.io --timeout=5s ||
      { echo "the Argo CD CRDs were not established" > "$W/logs/controllers-failed"; exit 1; }
    # Each Argo CD component as its chart's ServiceAccount (release argocd), with what the chart's
    # Roles and ClusterRoles grant it: a permission the chart lacks shows as "forbidden" in its log,
    # which fails the run (check_chart_rbac).
    local sa
    for sa in argocd-application-controller argocd-repo-server argocd-notifications-controller argocd-server; do
      wait_for 60 "sa-$sa" K -n "$ARGOCD_NS" get serviceaccount "$sa" && sa_kubeconfig "$ARGOCD_NS" "$sa" "$W/kubeconfig-$sa" ||
        { echo "no token for the chart's ServiceAccount $ARGOCD_NS/$sa" > "$W/logs/controllers-failed"; exit 1; }
    done
    # ARGOCD_FAKE_IN_CLUSTER with KUBECONFIG: https://kubernetes.default.svc is the cluster of
    # that kubeconfig. Empty TLS and SSH data folders: the loopback repository is trusted through
    # SSL_CERT_FILE (Go: go-git, helm, the Slack client) and GIT_SSL_CAINFO (the git CLI).
    local common_env=(env HOME="$W/argocd/home" TMPDIR="$W/argocd/tmp" ARGOCD_ASK_PASS_SOCK="$W/argocd/ask-pass.sock"
      ARGOCD_FAKE_IN_CLUSTER=true ARGOCD_TLS_DATA_PATH="$W/argocd/tls" ARGOCD_SSH_DATA_PATH="$W/argocd/ssh"
      ARGOCD_GNUPGHOME="$W/argocd/gpg" ARGOCD_GPG_ENABLED=false
      GIT_SSL_CAINFO="$P/trust.pem" SSL_CERT_FILE="$P/trust.pem" KUBECONFIG="$W/kubeconfig"
      HTTPS_PROXY="http://127.0.0.1:$EGRESS_PORT" HTTP_PROXY="http://127.0.0.1:$EGRESS_PORT" NO_PROXY=127.0.0.1,localhost)
    ctl_start redis "$BIN/redis" "$REDIS_PORT"
    ctl_start "$stack-repo-server" "${common_env[@]}" KUBECONFIG="$W/kubeconfig-argocd-repo-server" PATH="$BIN/helm3:$PATH" ARGOCD_BINARY_NAME=argocd-repo-server \
      "$BIN/argocd" --address 127.0.0.1 --port "$RS_PORT" --metrics-address 127.0.0.1 --metrics-port "$RS_METRICS" \
      --redis "127.0.0.1:$REDIS_PORT" --loglevel info --logformat text
    ctl_start "$stack-application-controller" "${common_env[@]}" KUBECONFIG="$W/kubeconfig-argocd-application-controller" ARGOCD_BINARY_NAME=argocd-application-controller \
      "$BIN/argocd" --namespace "$ARGOCD_NS" --redis "127.0.0.1:$REDIS_PORT" --repo-server "127.0.0.1:$RS_PORT" \
      --metrics-port "$CTL_METRICS" --app-resync "${ML_GITOPS_E2E_APP_RESYNC:-20}" --app-resync-jitter 0 --self-heal-backoff-timeout-seconds 0 \
      --loglevel info --logformat text
    ctl_start "$stack-notifications" "${common_env[@]}" KUBECONFIG="$W/kubeconfig-argocd-notifications-controller" ARGOCD_BINARY_NAME=argocd-notifications \
      "$BIN/argocd" --namespace "$ARGOCD_NS" --argocd-repo-server "127.0.0.1:$RS_PORT" \
      --metrics-port "$NOTIF_METRICS" --loglevel info --logformat text
    # argocd-server: the API, the UI's backend and the SSO callback, as its chart's ServiceAccount.
    # It terminates TLS itself on 127.0.0.1:443 (the certificate it writes into argocd-secret on its
    # first start), the stand-in for the prod profile's Ingress, which no controller serves here.
    # The UI is the one bin/argocd-ui embeds (the optional argocd-ui piece; the same Argo CD); without
    # it, argocd-server answers page loads with an error, as the binary built from the module zip
    # embeds no UI (see NOTES.md).
    local server_bin="$BIN/argocd"; [ -e "$BIN/argocd-ui" ] && server_bin="$BIN/argocd-ui"
    ctl_start "$stack-server" "${common_env[@]}" KUBECONFIG="$W/kubeconfig-argocd-server" ARGOCD_BINARY_NAME=argocd-server \
      "$server_bin" --namespace "$ARGOCD_NS" --address 127.0.0.1 --port "$ARGOCD_SERVER_PORT" --metrics-port "$SERVER_METRICS" \
      --redis "127.0.0.1:$REDIS_PORT" --repo-server "127.0.0.1:$RS_PORT" --staticassets "$W/argocd/static" \
      --loglevel info --logformat text
    echo "argo cd controllers and argocd-server started $(( $(date +%s) - t0 ))s after up began" >> "$W/logs/controllers.log"
    wait_for 900 ray-crd K wait --for=condition=Established crd/rayclusters.ray.io --timeout=5s ||
      { echo "the RayCluster CRD was not established in 900 s" > "$W/logs/controllers-failed"; exit 1; }
    ctl_start "$stack-kuberay-operator" kuberay_operator "127.0.0.1:$KR_METRICS" "127.0.0.1:$KR_PROBE"
    echo "kuberay operator started $(( $(date +%s) - t0 ))s after up began" >> "$W/logs/controllers.log"
  ) &
  LAUNCHER_PID=$!
}

# kuberay_operator METRICS PROBE: the KubeRay operator as a kubelet would run it, a stand-in for its
# pod: the binary of the version in the image of the kuberay-operator Deployment that Argo CD synced
# (quay.io/kuberay/operator:v<version>), restarted when that image changes, as the Deployment's
# rollout would (a kuberay.version upgrade, e2e/live/day2-prod.test.ts). bin/kuberay-operator is the
# program's default version (toolchain.sh), bin/kuberay-operator-<version> another.
kuberay_operator() {
  local metrics="$1" probe="$2" default running="" pid="" image want bin account="" uid
  default="$("$HERE/toolchain.sh" --versions | sed -n 's/^kuberay-operator //p')"
  trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid"; exit 0' TERM INT
  while :; do
    image="$(K -n "$RAY_NS" get deployment -l app.kubernetes.io/name=kuberay-operator -o jsonpath='{.items[0].spec.template.spec.containers[0].image}' 2>/dev/null)"
    want="${image##*:v}"
    # As the chart's ServiceAccount (kuberay-operator): a token of the account as it is now, so a
    # replaced account (a rename, an upgrade) restarts the operator with a valid one.
    uid="$(K -n "$RAY_NS" get serviceaccount kuberay-operator -o jsonpath='{.metadata.uid}' 2>/dev/null)"
    if [ -n "$image" ] && [ -n "$uid" ] && { [ "$want" != "$running" ] || [ "$uid" != "$account" ]; }; then
      bin="$BIN/kuberay-operator-$want"; [ "$want" = "$default" ] && bin="$BIN/kuberay-operator"
      if [ ! -x "$bin" ]; then
        [ "$want" = "${missing:-}" ] || echo "e2e: no operator binary for $image ($bin); still running v${running:-none}"; missing="$want"
      else
        [ -n "$pid" ] && { kill "$pid"; wait "$pid"; echo "e2e: operator v$running stopped: the Deployment's image is now $image, its ServiceAccount ${uid:0:8}"; }
        sa_kubeconfig "$RAY_NS" kuberay-operator "$W/kubeconfig-kuberay-operator" || { echo "e2e: no token for $RAY_NS/kuberay-operator"; sleep 1 & wait $!; continue; }
        own_hosts env KUBECONFIG="$W/kubeconfig-kuberay-operator" "$bin" --metrics-addr "$metrics" --health-probe-bind-address "$probe" --enable-leader-election=false &
        pid=$!; running="$want"; account="$uid"
        echo "e2e: operator v$want started ($bin), as the Deployment's image $image"
      fi
    fi
    sleep 1 & wait $!
  done
}

# own_hosts CMD...: CMD in a mount namespace of its own in which $W/operator-hosts is /etc/hosts (a
# bind mount): the KubeRay operator reaches a Ray head's dashboard by its head Service's DNS name,
# and with no cluster DNS here, e2e/ray_heads.py writes that name with the real head's loopback
# address into this file. The machine's /etc/hosts is untouched. Where no mount namespace can be
# made (no user namespace: the run is not in a network namespace of its own either), CMD as it is,
# and the Ray scenario does not run (OWN_HOSTS empty). It execs CMD, so run it with `&` (a subshell):
# $! is then CMD itself, which kuberay_operator stops (a child left behind would outlive the run).
OWN_HOSTS=""
if [ -n "${ML_GITOPS_E2E_NETNS:-}" ] && unshare --mount -- true 2>/dev/null; then OWN_HOSTS=1; fi
own_hosts() {
  [ -f "$W/operator-hosts" ] || cp /etc/hosts "$W/operator-hosts"
  if [ -n "$OWN_HOSTS" ]; then
    exec unshare --mount -- sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$W/operator-hosts" "$@"
  else
    exec "$@"
  fi
}

# check_chart_rbac STACK: the controllers' logs name no request the API server's authorizer refused
# their ServiceAccount (`… is forbidden: User "system:serviceaccount:…" cannot …`): what the charts
# grant them is what they need. Prints the refused lines, if any. (Other "Forbidden" errors, such
# as a validation's, are not RBAC's.)
check_chart_rbac() {
  grep -h -E 'is forbidden: User \\?"system:serviceaccount:' "$W/logs/$1-application-controller.log" "$W/logs/$1-repo-server.log" "$W/logs/$1-notifications.log" \
    "$W/logs/$1-server.log" "$W/logs/$1-kuberay-operator.log" 2>/dev/null | head -5
}

stop_controllers() {
  [ -n "${LAUNCHER_PID:-}" ] && { kill "$LAUNCHER_PID" 2>/dev/null; wait "$LAUNCHER_PID" 2>/dev/null; LAUNCHER_PID=""; }
  [ -f "$CTL_PIDS" ] || return 0
  local p pids; pids="$(tac "$CTL_PIDS")"
  for p in $pids; do kill "$p" 2>/dev/null; done
  for (( t=0; t<50; t++ )); do
    local alive=0; for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break; sleep 0.2
  done
  for p in $pids; do kill -9 "$p" 2>/dev/null; done
  # a Ray head ray_heads.py had no time to stop (each Ray process names its temp folder, under $W/ray)
  pkill -KILL -f "$W/ray/r[0-9]" 2>/dev/null
  : > "$CTL_PIDS"
}

# ------------------------------------------------------------------ reading Applications
app_field() { K -n "$ARGOCD_NS" get application "$1" -o jsonpath="$2" 2>/dev/null; }
app_state() { app_field "$1" '{.status.sync.status}/{.status.health.status}'; }
epoch() { date -d "$1" +%s 2>/dev/null || echo 0; }

# app_times: one line per Application: seconds from its creation to Synced+Healthy (the later of
# its last sync's end and its health's last transition), and the slowest.
app_times() {
  local name created finished health end secs max=0 out=""
  while read -r name created finished health; do
    [ -n "$name" ] || continue
    finished="$(epoch "$finished")"; health="$(epoch "$health")"
    end=$(( finished > health ? finished : health ))
    secs=$(( end - $(epoch "$created") )); [ $secs -gt $max ] && max=$secs
    out="$out $name ${secs}s;"
  done < <(K -n "$ARGOCD_NS" get applications -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.metadata.creationTimestamp}{" "}{.status.operationState.finishedAt}{" "}{.status.health.lastTransitionTime}{"\n"}{end}')
  APP_TIMES="$out"; APP_MAX=$max
}

