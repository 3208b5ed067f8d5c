#!/usr/bin/env bash
# End-to-end run: the real Pulumi engine and providers against a real, throw-away Kubernetes API
# server on 127.0.0.1 (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, KWOK fake
# nodes), with the charts and git repositories served from a loopback HTTPS server, and the real
# Argo CD (application controller, repo server, notifications controller) and KubeRay operator
# running as local processes against it while the chart's pods stay fake. See e2e/NOTES.md.
#
# usage: e2e/run.sh [project-dir]        (default: the repository root)
# env:   ML_GITOPS_E2E_CACHE        toolchain cache (default ~/.cache/ml-gitops-e2e)
#        ML_GITOPS_CHARTS_DIR       packaged charts, the offline stand-in for the chart repositories
#                                   (default <project>/../shared/reference/charts)
#        PULUMI_CONFIG_PASSPHRASE   passphrase of the throw-away stack (default: a fixed throw-away one)
#        ML_GITOPS_E2E_REPO_PORT    port of the loopback chart/git server; must match the e2e stack files (18443)
#        ML_GITOPS_E2E_STEP_TIMEOUT seconds allowed to each pulumi step (default 1200)
#        ML_GITOPS_E2E_STACKS       the stacks to run, in order (default "e2e e2e-prod")
#        ML_GITOPS_E2E_DAY2         the stacks the day-2 phase (e2e/live/day2-*.test.ts) runs on (default "e2e e2e-prod"; empty: none)
#        ML_GITOPS_E2E_LANGUAGES    the language programs run after the e2e stack (default none; "python yaml": both)
#        ML_GITOPS_E2E_RAY          the stacks the Ray scenario (e2e/live/ray.test.ts, e2e/ray.sh) runs on (default "e2e"; empty: none)
#        ML_GITOPS_E2E_NICE         side by side, the niceness of the stacks without the Ray scenario (default 10; 0: none)
#        ML_GITOPS_E2E_PARALLEL=0   run the stacks one after the other on one cluster (default: side by side,
#                                   each on its own cluster in its own network namespace, when unshare allows)
#        ML_GITOPS_E2E_GREP         run only the tests against the live platform (e2e/live) whose title matches (mocha --grep); debugging only
#        ML_GITOPS_E2E_ETCD         the etcd binary (default the cache's; Debian's 3.4 works, ten times slower)
#        ML_GITOPS_E2E_SKIP_TOOLCHAIN=1  use the cache as it is;  ML_GITOPS_E2E_STOP_AFTER=cluster  stop once the cluster is up
#        ML_GITOPS_E2E_KEEP=1       keep the work directory (logs, state, kubeconfig) after the run
#        ML_GITOPS_E2E_PAUSE=S      after each up, hold S seconds with everything running (to look at it with
#                                   KUBECONFIG=<work directory>/kubeconfig); debugging only
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROJECT="$(cd "${1:-$HERE/..}" && pwd)"
STACKS="${ML_GITOPS_E2E_STACKS:-e2e e2e-prod}"
LANGUAGES="${ML_GITOPS_E2E_LANGUAGES:-}"
# The language programs run after the e2e stack, so only in a run that has it.
[[ " $STACKS " == *" e2e "* ]] || LANGUAGES=""
CACHE="${ML_GITOPS_E2E_CACHE:-$HOME/.cache/ml-gitops-e2e}"
BIN="$CACHE/bin"
CHARTS_DIR="${ML_GITOPS_CHARTS_DIR:-$PROJECT/../shared/reference/charts}"
REPO_PORT="${ML_GITOPS_E2E_REPO_PORT:-18443}"
STEP_TIMEOUT="${ML_GITOPS_E2E_STEP_TIMEOUT:-1200}"   # seconds, each pulumi step
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-ml-gitops-e2e-throwaway}"

T_START=$(date +%s)
W="$(mktemp -d /tmp/ml-gitops-e2e.XXXXXX)"
CHILDREN=()      # the runs side_by_side started, one per stack
PIDS=()          # processes this script started, stopped in reverse order at exit
FAILED_STEP=""
SUMMARY=""

say() { printf '[e2e %4ss] %s\n' "$(( $(date +%s) - T_START ))" "$*" >&2; }
fail() { FAILED_STEP="$1"; say "FAILED: $1: $2"; echo "e2e: FAILED at $1: $2"; exit 1; }

cleanup() {
  local rc=$?
  set +e
  for p in "${CHILDREN[@]}"; do kill -TERM "$p" 2>/dev/null; done
  [ ${#CHILDREN[@]} = 0 ] || wait   # each run side by side stops its own cluster (its own cleanup)
  [ -n "${STEP_PID:-}" ] && { kill -INT "$STEP_PID" 2>/dev/null; for (( t=0; t<300; t++ )); do kill -0 "$STEP_PID" 2>/dev/null || break; sleep 0.2; done; kill -KILL "$STEP_PID" 2>/dev/null; }
  declare -F stop_controllers >/dev/null && stop_controllers
  for (( i=${#PIDS[@]}-1; i>=0; i-- )); do kill "${PIDS[$i]}" 2>/dev/null; done
  # 2 s, then SIGKILL: a throw-away kube-apiserver drains for over 10 s on SIGTERM, and etcd waits for it
  for (( t=0; t<10; t++ )); do
    local alive=0; for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break; sleep 0.2
  done
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  # the stack file gets an encryptionsalt from `pulumi stack init`: put the checked-in one back
  for st in $STACKS; do [ -f "$W/stack-file.$st.orig" ] && cp "$W/stack-file.$st.orig" "$PROJECT/Pulumi.$st.yaml"; done
  if [ "${ML_GITOPS_E2E_KEEP:-}" = 1 ] || [ $rc -ne 0 ]; then say "work directory kept: $W"; else rm -rf "$W"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start() { # start NAME CMD...: background process with its log in $W/logs/NAME.log
  local name="$1"; shift
  "$@" > "$W/logs/$name.log" 2>&1 &
  PIDS+=("$!"); disown "$!"   # stopped by cleanup, by pid; no job-status lines after the result line
}
wait_for() { # wait_for SECONDS WHAT CMD...: poll CMD until it succeeds
  local secs="$1" what="$2"; shift 2
  local end=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -ge "$end" ] && return 1
    sleep 0.5
  done
}
free_ports() { # free_ports N: N distinct free loopback ports, every socket held until all are bound
  python3 -c '
import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])
for s in ss: s.close()' "$1"
}
port_busy() { python3 -c "import socket,sys; s=socket.socket(); sys.exit(0 if s.connect_ex(('127.0.0.1',$1))==0 else 1)"; }

TOTAL_RES=0; TOTAL_UP=0; TOTAL_DESTROY=0; TOTAL_APPS=0; MAX_APP_S=0; DONE_STACKS=""
declare -A RESULT   # scenario -> its part of the summary line (the first failure's reason wins)
SCENARIO_FAILED=""
record_result() { # record_result NAME TEXT OK(0|1)
  [[ " $SCENARIO_FAILED " == *" $1 "* ]] && return 0   # an earlier stack's failure stays
  RESULT[$1]="$2"
  [ "$3" = 0 ] || SCENARIO_FAILED="$SCENARIO_FAILED $1"
}
LANGUAGE_NOTES=""; PROVIDER_NOTE=""; T_CLUSTER=0

# finish: the summary line of everything recorded (by this run's stacks, or merged from the runs
# side by side); exit 1 when a scenario failed. A run started by side_by_side (ML_GITOPS_E2E_RESULTS
# set) first writes what it recorded there, as tab-separated lines.
finish() {
  if [ -n "${ML_GITOPS_E2E_RESULTS:-}" ]; then
    local k ok
    {
      for k in "${!RESULT[@]}"; do
        ok=0; [[ " $SCENARIO_FAILED " == *" $k "* ]] && ok=1
        printf 'result\t%s\t%s\t%s\n' "$k" "$ok" "${RESULT[$k]}"
      done
      printf 'total\t%s\t%s\n' TOTAL_RES "$TOTAL_RES" TOTAL_UP "$TOTAL_UP" TOTAL_DESTROY "$TOTAL_DESTROY" TOTAL_APPS "$TOTAL_APPS" \
        MAX_APP_S "$MAX_APP_S" DONE_STACKS "$DONE_STACKS" LANGUAGE_NOTES "$LANGUAGE_NOTES" PROVIDER_NOTE "$PROVIDER_NOTE" T_CLUSTER "$T_CLUSTER"
    } > "$ML_GITOPS_E2E_RESULTS"
  fi
  say "stacks:$DONE_STACKS; toolchain ${T_TOOLCHAIN}s, cluster ${T_CLUSTER}s, total $(( $(date +%s) - T_START ))s"
  local notified="${RESULT[notified]:-notified 0 (no stack sends to a Slack stand-in)}"
  echo "e2e: preview ok · up ok ($TOTAL_RES resources, ${TOTAL_UP} s; $TOTAL_APPS apps Synced+Healthy in ${MAX_APP_S} s) · re-preview 0 changes${RESULT[placement]:+ · ${RESULT[placement]}}${RESULT[pods]:+ · ${RESULT[pods]}}${RESULT[least-privilege]:+ · ${RESULT[least-privilege]}}${RESULT[pod-security]:+ · ${RESULT[pod-security]}} · ${RESULT[health]:-health not run} · ${RESULT[autoscaler]:-autoscaler not run} · ${RESULT[denied]:-denied not run}${RESULT[admin-dev]:+ · ${RESULT[admin-dev]}}${RESULT[admin-prod]:+ · ${RESULT[admin-prod]}}${RESULT[sso]:+ · ${RESULT[sso]}}${RESULT[sso-login]:+ · ${RESULT[sso-login]}}${RESULT[sso-rbac]:+ · ${RESULT[sso-rbac]}}${RESULT[chart-rbac]:+ · ${RESULT[chart-rbac]}}${RESULT[ray-job]:+ · ${RESULT[ray-job]}}${RESULT[ray-service]:+ · ${RESULT[ray-service]}}${RESULT[ray-failed]:+ · ${RESULT[ray-failed]}}${RESULT[day2]:+ · ${RESULT[day2]}}${RESULT[day2-guard]:+ · ${RESULT[day2-guard]}} · $notified${RESULT[policy]:+ · ${RESULT[policy]}} · destroy ok (${TOTAL_DESTROY} s) · Argo CD ${ARGOCD_RAN:-unknown}$LANGUAGE_NOTES$PROVIDER_NOTE"
  [ -z "$SCENARIO_FAILED" ] || { for f in $SCENARIO_FAILED; do say "FAILED scenario $f: ${RESULT[$f]}"; done; exit 1; }
}

# netns CMD...: CMD in a network namespace of its own, holding only a loopback interface (up): its
# own 127.0.0.1, so two clusters use the same ports, and no packet reaches the machine's network.
# NETNS_NICE: its niceness (default 0).
netns() { nice -n "${NETNS_NICE:-0}" unshare --net --map-root-user -- sh -c 'ip link set lo up && exec "$@"' netns "$@"; }

# side_by_side: run.sh again for each stack, at once, each in a network namespace of its own (its
# own cluster, controllers and repositories on its own loopback); their lines on stderr prefixed
# with the stack, what each recorded merged here in the order of STACKS (an earlier stack's failed
# scenario stays, as when they run one after the other). A run that stopped at a failed step
# fails this one with its line.
side_by_side() {
  local st rc i=0 failed="" kind k ok text stacks=($STACKS)
  say "stacks side by side, each on its own cluster in its own network namespace: $STACKS"
  # The stacks without the Ray scenario run at a lower CPU priority (nice ML_GITOPS_E2E_NICE, default
  # 10): the one with it is the longest (its Ray heads start CPU-bound, 2 cores shared), and the
  # others finish well before it anyway; the kernel still gives them every cycle it leaves idle.
  local prio
  for st in "${stacks[@]}"; do
    prio=0; [[ " $RAY_STACKS " == *" $st "* ]] || prio="${ML_GITOPS_E2E_NICE:-10}"
    [ "$prio" = 0 ] || say "$st runs at nice $prio (ML_GITOPS_E2E_NICE): the stack with the Ray scenario gets the CPU first"
    ML_GITOPS_E2E_RESULTS="$W/results.$st.tsv" ML_GITOPS_E2E_STACKS="$st" ML_GITOPS_E2E_SKIP_TOOLCHAIN=1 ML_GITOPS_E2E_NETNS=1 \
      NETNS_NICE="$prio" netns bash "$HERE/run.sh" "$PROJECT" > "$W/stdout.$st" 2> >(sed -u "s/^\[e2e /[$st /" >&2) &
    CHILDREN+=("$!")
  done
  for st in "${stacks[@]}"; do
    wait "${CHILDREN[$i]}"; rc=$?; i=$(( i + 1 ))
    if [ ! -f "$W/results.$st.tsv" ]; then
      failed="$failed $(grep -m1 '^e2e: FAILED' "$W/stdout.$st" || echo "e2e: FAILED at $st: exit $rc, no result line")"
      continue
    fi
    while IFS=$'\t' read -r kind k ok text; do
      case "$kind" in
        result) record_result "$k" "$text" "$ok" ;;
        total) case "$k" in
            TOTAL_RES|TOTAL_UP|TOTAL_DESTROY|TOTAL_APPS) printf -v "$k" '%s' "$(( ${!k} + ok ))" ;;
            MAX_APP_S|T_CLUSTER) [ "$ok" -gt "${!k}" ] && printf -v "$k" '%s' "$ok" ;;
            DONE_STACKS|LANGUAGE_NOTES) printf -v "$k" '%s' "${!k}${ok}" ;;
            PROVIDER_NOTE) PROVIDER_NOTE="$ok" ;;
          esac ;;
      esac
    done < "$W/results.$st.tsv"
  done
  CHILDREN=()
  if [ -n "$failed" ]; then FAILED_STEP=side-by-side; say "FAILED:$failed"; echo "${failed# }"; exit 1; fi
}

mkdir -p "$W/logs"
say "work directory $W, project $PROJECT"
# shellcheck source=e2e/controllers.sh
. "$HERE/controllers.sh"
# shellcheck source=e2e/scenarios.sh
. "$HERE/scenarios.sh"
# shellcheck source=e2e/sso.sh
. "$HERE/sso.sh"
# shellcheck source=e2e/ray.sh
. "$HERE/ray.sh"

# ------------------------------------------------------------------ 0. preconditions and toolchain
[ -f "$PROJECT/Pulumi.yaml" ] || fail setup "$PROJECT has no Pulumi.yaml"
for st in $STACKS; do [ -f "$PROJECT/Pulumi.$st.yaml" ] || fail setup "$PROJECT/Pulumi.$st.yaml missing"; done
[ -d "$PROJECT/node_modules/@pulumi/pulumi" ] || fail setup "$PROJECT/node_modules is missing: run npm ci there first"
[ -d "$CHARTS_DIR" ] || fail setup "no packaged charts at $CHARTS_DIR: set ML_GITOPS_CHARTS_DIR to a directory holding argo-cd-*.tgz, kuberay-operator-*.tgz and ray-cluster-*.tgz (the offline stand-in for the chart repositories)"
ls "$CHARTS_DIR"/argo-cd-*.tgz >/dev/null 2>&1 || fail setup "$CHARTS_DIR has no argo-cd-*.tgz"

T0=$(date +%s)
[ "${ML_GITOPS_E2E_SKIP_TOOLCHAIN:-}" = 1 ] || "$HERE/toolchain.sh" || fail toolchain "a toolchain piece did not build (logs in $CACHE/logs)"
# The Argo CD the controllers run, as the binary reports itself (v<version>[-gitops-engine.<tag>]), for the final line.
ARGOCD_RAN="$(ARGOCD_BINARY_NAME=argocd "$BIN/argocd" version --client --short 2>/dev/null | sed -n 's/^argocd: \(v[^+]*\).*/\1/p')"
# The language hosts (and the Python virtualenv) of the language steps asked for (after the e2e
# stack, whose render they are compared with)
if [ -n "$LANGUAGES" ] && [ "${ML_GITOPS_E2E_SKIP_TOOLCHAIN:-}" != 1 ]; then
  # shellcheck disable=SC2086
  "$HERE/toolchain-languages.sh" $LANGUAGES || fail toolchain "a language toolchain piece did not build (logs in $CACHE/logs)"
fi
T_TOOLCHAIN=$(( $(date +%s) - T0 ))
export PATH="$BIN:$PATH"

# ------------------------------------------------------------------ 0b. the stacks side by side
# More than one stack: each runs on a cluster of its own, at the same time (side_by_side), unless
# ML_GITOPS_E2E_PARALLEL=0, ML_GITOPS_E2E_PAUSE (its KUBECONFIG must reach the API server from
# outside) or a machine that gives no network namespace to this user.
if [ -z "${ML_GITOPS_E2E_RESULTS:-}" ] && [ "$(wc -w <<< "$STACKS")" -gt 1 ] && [ "${ML_GITOPS_E2E_PARALLEL:-1}" != 0 ] && [ -z "${ML_GITOPS_E2E_PAUSE:-}" ]; then
  if netns true > /dev/null 2>&1; then side_by_side; finish; exit 0; fi
  say "the stacks one after the other: no network namespace here (unshare --net --map-root-user failed)"
fi
# One stack (or one after the other): the whole run moves into a network namespace of its own too,
# once the toolchain is built (the only part that needs the registries).
if [ -z "${ML_GITOPS_E2E_NETNS:-}" ] && [ -z "${ML_GITOPS_E2E_PAUSE:-}" ] && netns true > /dev/null 2>&1; then
  say "the run moves into a network namespace of its own"
  ML_GITOPS_E2E_NETNS=1 ML_GITOPS_E2E_SKIP_TOOLCHAIN=1 netns bash "$HERE/run.sh" "$PROJECT" &
  CHILDREN+=("$!"); wait "$!"; rc=$?; CHILDREN=()   # stopped by cleanup when this run is
  exit $rc
fi
# In the namespace: nothing but loopback. Its only interface is lo, and a connection to an address
# that is not loopback fails at once (192.0.2.1, TEST-NET-1, never routed anywhere).
if [ -n "${ML_GITOPS_E2E_NETNS:-}" ]; then
  links="$(ip -o link show | awk -F': ' '{print $2}' | tr '\n' ' ')"
  [ "$links" = "lo " ] || fail network "the network namespace has interfaces besides lo: $links"
  unreachable="$(python3 -c 'import socket
try:
    socket.create_connection(("192.0.2.1", 80), timeout=2); print("connected")
except OSError as e:
    print(e.strerror)')"
  [ "$unreachable" = "Network is unreachable" ] || fail network "192.0.2.1:80 from the network namespace: $unreachable"
  say "network: a namespace of its own, only lo; 192.0.2.1:80 is unreachable ($unreachable)"
else
  say "network: the machine's own (no network namespace: ${ML_GITOPS_E2E_PAUSE:+ML_GITOPS_E2E_PAUSE is set}${ML_GITOPS_E2E_PAUSE:-unshare --net --map-root-user failed})"
fi
port_busy "$REPO_PORT" && fail setup "port $REPO_PORT (the repository URLs in the e2e stack files) is in use"

# ------------------------------------------------------------------ 1. certificates and keys
say "certificates"
P="$W/pki"; mkdir -p "$P"
(
  set -e; cd "$P"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj "/CN=ml-gitops-e2e-ca" 2>/dev/null
  sign() { # sign NAME SUBJECT [SAN]
    openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
    if [ -n "${3:-}" ]; then printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$3" > "$1.ext"
    else printf 'extendedKeyUsage=clientAuth\n' > "$1.ext"; fi
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" -days 2 -extfile "$1.ext" 2>/dev/null
  }
  sign apiserver "/CN=kube-apiserver" "IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  sign admin "/O=system:masters/CN=e2e-admin"
  sign repo "/CN=127.0.0.1" "IP:127.0.0.1,DNS:localhost"
  sign pagerduty "/CN=events.pagerduty.com" "DNS:events.pagerduty.com"   # the egress stand-in's (egress_proxy.py)
  sign dex "/CN=127.0.0.1" "IP:127.0.0.1,DNS:localhost"                  # the OIDC provider's (start_dex)
  openssl genrsa -out sa.key 2048 2>/dev/null; openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  cat /etc/ssl/certs/ca-certificates.crt ca.crt > trust.pem 2>/dev/null || cp ca.crt trust.pem
) || fail certificates "openssl failed"
# Go programs (the kubernetes provider fetching the chart, helm) trust the loopback server through this bundle.
export SSL_CERT_FILE="$P/trust.pem"

# ------------------------------------------------------------------ 2. cluster
T0=$(date +%s)
say "cluster: etcd"
# Six distinct ports, chosen at once with every socket held until all are bound: separate
# free_port calls can hand the same port to two components (seen: kwok and kube-scheduler).
read -r ETCD_PORT ETCD_PEER APISERVER_PORT KCM_PORT SCHEDULER_PORT KWOK_PORT < <(free_ports 6)
start etcd "${ML_GITOPS_E2E_ETCD:-$BIN/etcd}" --name e2e --data-dir "$W/etcd" --unsafe-no-fsync \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER" \
  --initial-cluster "e2e=http://127.0.0.1:$ETCD_PEER"
wait_for 30 etcd curl -sf "http://127.0.0.1:$ETCD_PORT/health" || fail cluster "etcd not healthy in 30s (log: $W/logs/etcd.log)"

say "cluster: kube-apiserver"
start kube-apiserver "$BIN/kube-apiserver" \
  --etcd-servers "http://127.0.0.1:$ETCD_PORT" --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$APISERVER_PORT" \
  --tls-cert-file "$P/apiserver.crt" --tls-private-key-file "$P/apiserver.key" --client-ca-file "$P/ca.crt" \
  --service-account-key-file "$P/sa.pub" --service-account-signing-key-file "$P/sa.key" \
  --service-account-issuer https://kubernetes.default.svc --api-audiences https://kubernetes.default.svc \
  --service-cluster-ip-range 10.0.0.0/24 --authorization-mode Node,RBAC --allow-privileged \
  --enable-priority-and-fairness=false --profiling=false \
  --disable-admission-plugins TaintNodesByCondition
# (TaintNodesByCondition would give each new node the not-ready:NoSchedule taint that only the node
# lifecycle controller removes; that controller is off, as KWOK keeps no node leases here.)
cat > "$W/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster: {server: "https://127.0.0.1:$APISERVER_PORT", certificate-authority: "$P/ca.crt"}
users:
- name: admin
  user: {client-certificate: "$P/admin.crt", client-key: "$P/admin.key"}
contexts:
- name: e2e
  context: {cluster: e2e, user: admin}
current-context: e2e
EOF
export KUBECONFIG="$W/kubeconfig"
K() { "$BIN/kubectl" --request-timeout=30s "$@"; }
wait_for 90 apiserver K get --raw /readyz || fail cluster "kube-apiserver not ready in 90s (log: $W/logs/kube-apiserver.log)"

say "cluster: controller manager, scheduler, kwok"
start kube-controller-manager "$BIN/kube-controller-manager" --kubeconfig "$W/kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$KCM_PORT" --leader-elect=false \
  --service-account-private-key-file "$P/sa.key" --root-ca-file "$P/ca.crt" --use-service-account-credentials=false \
  --controllers '*,-nodeipam,-nodelifecycle,-cloud-node-lifecycle,-service-lb-controller,-route' --concurrent-gc-syncs 5
start kube-scheduler "$BIN/kube-scheduler" --kubeconfig "$W/kubeconfig" --bind-address 127.0.0.1 --secure-port "$SCHEDULER_PORT" --leader-elect=false
start kwok "$BIN/kwok" --kubeconfig "$W/kubeconfig" --config "$BIN/kwok-stages.yaml" --manage-all-nodes=false \
  --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake --cidr 10.244.0.1/16 --node-ip 127.0.0.1 \
  --server-address "127.0.0.1:$KWOK_PORT"
# Three plain nodes: the prod profile's redis-ha spreads its three servers and haproxies with hard
# anti-affinity. Two tainted ones beside them, for the placement scenario (the real kube-scheduler
# binds the Ray pods): a GPU node (4 nvidia.com/gpu, as the device plugin would advertise them) and
# a spot node, each with the labels and taint its cloud gives it. KWOK's node-initialize Stage
# keeps the capacity and allocatable given at creation (it fills in defaults only where there are none).
kwok_node() { # kwok_node NAME EXTRA_LABELS TAINTS EXTRA_RESOURCES [EXTRA_SPEC]: a KWOK-managed Node
  cat <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $1
  annotations: {kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0"}
  labels: {kubernetes.io/hostname: $1, kubernetes.io/os: linux, kubernetes.io/arch: amd64, type: kwok$2}
spec: {taints: [$3]${5:-}}
status:
  allocatable: {cpu: "32", memory: 256Gi, pods: "110"$4}
  capacity: {cpu: "32", memory: 256Gi, pods: "110"$4}
---
EOF
}
{
  for n in kwok-node-0 kwok-node-1 kwok-node-2; do kwok_node "$n" "" "" ""; done
  kwok_node gpu-node-0 ', nvidia.com/gpu.present: "true", pool: gpu' '{key: nvidia.com/gpu, value: present, effect: NoSchedule}' ', nvidia.com/gpu: "4"'
  kwok_node spot-node-0 ', cloud.google.com/gke-spot: "true", pool: spot' '{key: cloud.google.com/gke-spot, value: "true", effect: NoSchedule}' ''
  # The Ray scenario's node (e2e/ray.sh): KWOK gives its pods addresses from its pod CIDR, on
  # loopback, where ray_heads.py runs a real Ray head for each head pod. Tainted: only the Ray
  # workloads of the ML platform repository, which tolerate it, land there.
  kwok_node ray-node-0 ', e2e.ml-gitops/pod-network: loopback' '{key: e2e.ml-gitops/pod-network, value: loopback, effect: NoSchedule}' '' ", podCIDR: $RAY_CIDR"
} > "$W/nodes.yaml"
wait_for 60 default-sa K -n default get serviceaccount default || fail cluster "controller manager made no default ServiceAccount in 60s (log: $W/logs/kube-controller-manager.log)"
K apply -f "$W/nodes.yaml" >/dev/null || fail cluster "could not create the KWOK nodes"
wait_for 60 nodes-ready K wait --for=condition=Ready node --all --timeout=5s || fail cluster "KWOK nodes not Ready in 60s (log: $W/logs/kwok.log)"
# KWOK's status must have kept what the scheduler places by: the GPU node's 4 GPUs, both taints.
NODE_FACTS="$(K get node gpu-node-0 spot-node-0 -o jsonpath='{range .items[*]}{.metadata.name} gpu={.status.allocatable.nvidia\.com/gpu} taints={.spec.taints[*].key};{end}')"
[ "$NODE_FACTS" = "gpu-node-0 gpu=4 taints=nvidia.com/gpu;spot-node-0 gpu= taints=cloud.google.com/gke-spot;" ] ||
  fail cluster "the GPU and spot nodes are not as created: $NODE_FACTS"
# Every component still runs (one that died at start, e.g. on a taken port, would only show as a hang later).
for i in "${!PIDS[@]}"; do
  kill -0 "${PIDS[$i]}" 2>/dev/null || fail cluster "a control-plane process exited at start (logs: $W/logs/): $(grep -l -E 'command failed|address already in use' "$W"/logs/*.log 2>/dev/null | tr '\n' ' ')"
done
T_CLUSTER=$(( $(date +%s) - T0 ))
say "cluster up in ${T_CLUSTER}s: $(K version 2>/dev/null | tr '\n' ' ')"

# ------------------------------------------------------------------ 3. loopback chart and git repositories (https)
say "repositories on https://127.0.0.1:$REPO_PORT"
R="$W/repo"; mkdir -p "$R/charts" "$R/git"
cp "$CHARTS_DIR"/*.tgz "$R/charts/"
"$BIN/helm" repo index "$R/charts" --url "https://127.0.0.1:$REPO_PORT/charts" || fail repositories "helm repo index failed"
# The Applications' git sources, with real content (controllers.sh), served with git's smart HTTP
# protocol; the Slack stand-in records what it receives in $R/slack-calls.jsonl.
( set -e; make_git_repos "$R" ) > "$W/logs/git-repos.log" 2>&1 || fail repositories "git repositories: $(tail -3 "$W/logs/git-repos.log")"
start repo python3 "$HERE/https_server.py" "$R" 127.0.0.1 "$REPO_PORT" "$P/repo.crt" "$P/repo.key"
wait_for 20 repo curl -sf --cacert "$P/ca.crt" "https://127.0.0.1:$REPO_PORT/charts/index.yaml" || fail repositories "loopback https server did not answer (log: $W/logs/repo.log)"

# Everything the Argo CD processes send off the machine goes to this stand-in instead (HTTPS_PROXY):
# PagerDuty's Events API is answered there, anything else refused.
read -r EGRESS_PORT < <(free_ports 1)
E2E_PAGERDUTY_KEY="e2e$(openssl rand -hex 14)"   # the prod profile's pagerdutyServiceKey (set_secrets)
start egress python3 "$HERE/egress_proxy.py" "$EGRESS_PORT" "$P/pagerduty.crt" "$P/pagerduty.key" "$W/pagerduty-events.jsonl" \
  "$(printf '%s' "$E2E_PAGERDUTY_KEY" | sha256sum | cut -d' ' -f1)"
wait_for 20 egress port_busy "$EGRESS_PORT" || fail repositories "the egress stand-in did not start (log: $W/logs/egress.log)"

# The OIDC provider of the stacks that log in with SSO (argocd.sso in their stack file): Dex on
# loopback, with a user in ml-platform-admins and one in ml-engineers (start_dex, sso.sh).
for st in $STACKS; do
  if sso_stack "$st"; then start_dex || fail dex "Dex did not start: $(tail -3 "$W/logs/dex.log" 2>/dev/null)"; break; fi
done

if [ "${ML_GITOPS_E2E_STOP_AFTER:-}" = cluster ]; then say "stopping after the cluster (ML_GITOPS_E2E_STOP_AFTER=cluster)"; K get nodes,pods -A >&2
  K get nodes -o custom-columns='NAME:.metadata.name,POOL:.metadata.labels.pool,TAINTS:.spec.taints[*].key,ALLOCATABLE:.status.allocatable' >&2; exit 0; fi

# ------------------------------------------------------------------ 4. pulumi: local backend, plugins
export PULUMI_HOME="$W/pulumi-home" PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true \
       PULUMI_SKIP_CONFIRMATIONS=true PULUMI_BACKEND_URL="file://$W/state" NO_COLOR=1
mkdir -p "$W/state"
cd "$PROJECT"
pulumi login "file://$W/state" > "$W/logs/pulumi-login.log" 2>&1 || fail pulumi "pulumi login failed: $(tail -3 "$W/logs/pulumi-login.log")"
KVER="$(node -p 'require("@pulumi/kubernetes/package.json").version')"; RVER="$(node -p 'require("@pulumi/random/package.json").version')"
pulumi plugin install resource kubernetes "$KVER" --file "$BIN/pulumi-resource-kubernetes" > "$W/logs/plugins.log" 2>&1 || fail pulumi "plugin install kubernetes $KVER: $(tail -3 "$W/logs/plugins.log")"
pulumi plugin install resource random "$RVER" --file "$BIN/pulumi-resource-random" >> "$W/logs/plugins.log" 2>&1 || fail pulumi "plugin install random $RVER: $(tail -3 "$W/logs/plugins.log")"
say "pulumi $(pulumi version), plugins: $(pulumi plugin ls 2>/dev/null | awk 'NR>1 && $1!="" && $1!="TOTAL" {printf "%s %s; ", $1, $3}')"
# Each provider is built from the tag of the version toolchain.sh --versions names (build_kubernetes,
# build_random), which is the version the SDK declares. Should they part (a new SDK whose tag the
# clone lacks, with KUBERNETES_PLUGIN_VERSION or RANDOM_PLUGIN_VERSION set to an older one), it is
# said here and in the final line, not hidden behind the name the plugin is installed under.
while read -r provider built; do
  case "$provider" in kubernetes) sdk="$KVER" ;; random) sdk="$RVER" ;; *) continue ;; esac
  if [ "$built" = "$sdk" ]; then
    say "$provider provider v$built, built from its tag, the version @pulumi/$provider declares"
  else
    PROVIDER_NOTE="$PROVIDER_NOTE · $provider provider v$built as $sdk"
    say "MISMATCH: the $provider provider is built from v$built and installed as $sdk, the version @pulumi/$provider declares: what this run shows of the provider is v$built's behaviour$( [ "$provider" = kubernetes ] && echo " (CRDs from a Release resolvable in preview came in 4.32, create-then-AlreadyExists in 4.29, null values in 4.30)")"
  fi
done < <("$HERE/toolchain.sh" --versions)

# The component package (plugin/) as a Python, Go, .NET or YAML program loads it: through the real
# Node.js language host, which runs Pulumi's analyzer on the components.
if [ -n "$LANGUAGES" ]; then
T0_PLUGIN=$(date +%s)
pulumi package get-schema "$PROJECT/plugin" > "$W/plugin-schema.json" 2> "$W/logs/plugin-schema.log" ||
  fail plugin "pulumi package get-schema ./plugin: $(grep -E 'error' "$W/logs/plugin-schema.log" | head -3 | tr '\n' ' ')"
rm -f "$PROJECT/plugin/package-lock.json"
PLUGIN_RESOURCES="$(node -e 'const s = require(process.argv[1]); console.log(Object.keys(s.resources).filter((k) => s.resources[k].isComponent).sort().join(" "))' "$W/plugin-schema.json")"
[ "$PLUGIN_RESOURCES" = "ml-gitops:index:AppProject ml-gitops:index:Application ml-gitops:index:ArgoCd ml-gitops:index:MlPlatform ml-gitops:index:Notifications" ] ||
  fail plugin "the package schema offers: $PLUGIN_RESOURCES"
say "pulumi package get-schema ./plugin: $PLUGIN_RESOURCES in $(( $(date +%s) - T0_PLUGIN ))s"
fi

# a step: STACK NAME then the pulumi arguments; output in $W/logs/STACK-NAME.log, time in T_<NAME>
step() {
  local stack="$1" name="$2"; shift 2; local t0 rc log="$W/logs/$stack-$name.log"
  say "$stack: pulumi $*"
  t0=$(date +%s)
  # in the background and waited for, so that a signal reaches the trap at once (it stops the step)
  timeout --signal=INT --kill-after=60 "$STEP_TIMEOUT" pulumi "$@" --stack "$stack" --non-interactive --color never > "$log" 2>&1 &
  STEP_PID=$!; wait "$STEP_PID"; rc=$?; STEP_PID=""
  [ $rc -eq 124 ] && echo "error: e2e: pulumi $name did not finish in ${STEP_TIMEOUT}s" >> "$log"
  printf -v "T_${name//-/_}" '%s' "$(( $(date +%s) - t0 ))"
  local tvar="T_${name//-/_}"
  say "$stack: pulumi $name: exit $rc in ${!tvar}s (log: $log)"
  grep -E '^(Resources:|    [-+~]|    [0-9]+ )' "$log" | sed 's/^/    /' >&2
  return $rc
}
errors_of() { grep -E 'error:|Error:|failed' "$W/logs/$1.log" | grep -v '^ *$' | head -8 | sed 's/^ *//' | tr '\n' ' ' | cut -c1-1200; }

# Secrets the prod profile is given through the CLI, as an operator would (`pulumi config set
# --secret`): the kubeconfig with its client key inline, a configured admin password and the two
# notification tokens. Each value is looked for afterwards, in plain text, where it must not be.
E2E_ADMIN_PASSWORD="e2e-admin-$(openssl rand -hex 8)"
E2E_SLACK_TOKEN="xoxb-e2e-$(openssl rand -hex 12)"
"$BIN/kubectl" config view --raw --flatten > "$W/kubeconfig-inline"
E2E_CLIENT_KEY_B64="$(sed -n 's/^ *client-key-data: //p' "$W/kubeconfig-inline")"
set_secrets() { # set_secrets STACK: with SSO, the OIDC client secret instead of an admin password (admin is off)
  local login=(adminPassword "$E2E_ADMIN_PASSWORD")
  sso_stack "$1" && login=(oidcClientSecret "$E2E_OIDC_SECRET")
  pulumi config set --secret --stack "$1" kubeconfig < "$W/kubeconfig-inline" &&
    pulumi config set --secret --stack "$1" "${login[@]}" &&
    pulumi config set --secret --stack "$1" slackToken "$E2E_SLACK_TOKEN" &&
    pulumi config set --secret --stack "$1" pagerdutyServiceKey "$E2E_PAGERDUTY_KEY"
}
# secrets_in FILE...: for each of the five secret values found in plain text in the files, "<its
# first 12 characters>… in <files>;" (paths relative to the work directory); exit 1 when any is
secrets_in() {
  local v hits where=""
  for v in "$E2E_ADMIN_PASSWORD" "$E2E_OIDC_SECRET" "$E2E_SLACK_TOKEN" "$E2E_PAGERDUTY_KEY" "$E2E_CLIENT_KEY_B64"; do
    hits="$(grep -rlF -- "$v" "$@" 2>/dev/null | sed "s|^$W/||" | tr '\n' ' ')"
    [ -z "$hits" ] || where="$where ${v:0:12}… in $hits;"
  done
  printf '%s' "$where"; [ -z "$where" ]
}
# helm_releases STACK: every Helm release Secret (sh.helm.release.v1.<release>.v<N>), decoded into
# $W/STACK-helm-releases/: base64 (the API's) of base64 (Helm's) of gzip of the release JSON, whose
# .config holds the values it was given.
helm_releases() {
  rm -rf "$W/$1-helm-releases"; mkdir -p "$W/$1-helm-releases"
  K get secrets -A -l owner=helm -o json > "$W/$1-helm-secrets.json" || { echo "kubectl get secrets -l owner=helm failed"; return 1; }
  node -e '
    const fs = require("fs"), zlib = require("zlib"), [, src, dir] = process.argv;
    const items = JSON.parse(fs.readFileSync(src, "utf8")).items;
    for (const s of items) {
      const helm = Buffer.from(Buffer.from(s.data.release, "base64").toString(), "base64");
      fs.writeFileSync(`${dir}/${s.metadata.namespace}.${s.metadata.name}.json`, zlib.gunzipSync(helm));
    }
    if (!items.some((s) => s.metadata.name.startsWith("sh.helm.release.v1."))) { console.log("no Helm release Secret found"); process.exit(1); }
  ' "$W/$1-helm-secrets.json" "$W/$1-helm-releases"
}

# plain_texts STACK: what the secret searches read besides the state, the stack file and the logs:
# every ConfigMap in the cluster, and every Helm release Secret, decoded (helm_releases).
plain_texts() {
  K get configmaps -A -o yaml > "$W/$1-configmaps.yaml" || { echo "kubectl get configmaps failed"; return 1; }
  helm_releases "$1"
}

# argocd_secret_owned: argocd-secret is the program's, not Helm's, and argocd-server found what it
# needed there when it started (no argocd-initial-admin-secret of its own).
argocd_secret_owned() {
  [ "$(K -n argocd get secret argocd-secret -o jsonpath='{.metadata.labels.app\.kubernetes\.io/managed-by}')" != "Helm" ] || { echo "argocd-secret is Helm's, not the program's"; return 1; }
  ! K -n argocd get secret argocd-initial-admin-secret > /dev/null 2>&1 || { echo "argocd-initial-admin-secret exists: argocd-server found no hash when it started"; return 1; }
}

# check_admin_hash STACK (a stack with the admin login, after up and plain_texts): the bcrypt hash
# Argo CD checks passwords against (written to $W/STACK-admin-hash) is in plain text nowhere: not in
# a Helm release Secret (decoded), the state, a ConfigMap or a step's log.
check_admin_hash() {
  local stack="$1" hits
  K -n argocd get secret argocd-secret -o go-template='{{index .data "admin.password" | base64decode}}' > "$W/$stack-admin-hash" || { echo "no argocd-secret"; return 1; }
  grep -qE '^\$2[aby]\$' "$W/$stack-admin-hash" || { echo "argocd-secret's admin.password is not a bcrypt hash"; return 1; }
  hits="$(grep -rlF -- "$(cat "$W/$stack-admin-hash")" "$W/state" "$W/$stack-state.json" "$W/$stack-helm-releases" "$W/$stack-configmaps.yaml" "$W"/logs/"$stack"-*.log 2>/dev/null | sed "s|^$W/||" | tr '\n' ' ')"
  [ -z "$hits" ] || { echo "the admin hash in plain text in $hits"; return 1; }
}

# check_secrets STACK (after up, whose state run_stack exported to $W/STACK-state.json): no secret in
# plain text in the state, the stack outputs, any ConfigMap, a Helm release, the stack file or a
# step's log; the tokens are in the live Secret; argocd-secret holds the OIDC client secret (SSO) or
# a hash of the configured admin password, which is itself in plain text nowhere.
check_secrets() {
  local stack="$1" where="" live
  pulumi stack output --stack "$stack" --json > "$W/$stack-outputs.json" 2>>"$W/logs/$stack-secrets.log" || { echo "pulumi stack output failed"; return 1; }
  plain_texts "$stack" || return 1
  [ -n "$E2E_CLIENT_KEY_B64" ] || { echo "the inline kubeconfig has no client-key-data"; return 1; }
  # the state backend's files (checkpoints, history, backups), the export, the outputs, every
  # ConfigMap in the cluster, every Helm release, the stack file and the logs of every step so far
  where="$(secrets_in "$W/state" "$W/$stack-state.json" "$W/$stack-outputs.json" "$W/$stack-configmaps.yaml" "$W/$stack-helm-releases" "$PROJECT/Pulumi.$stack.yaml" "$W"/logs/"$stack"-*.log)" ||
    { echo "secrets in plain text:$where"; return 1; }
  argocd_secret_owned || return 1
  live="$(K -n argocd get secret argocd-notifications-secret -o go-template='{{index .data "slack-token" | base64decode}} {{index .data "pagerduty-service-key" | base64decode}}')" || { echo "no argocd-notifications-secret"; return 1; }
  [ "$live" = "$E2E_SLACK_TOKEN $E2E_PAGERDUTY_KEY" ] || { echo "argocd-notifications-secret does not hold the configured tokens"; return 1; }
  if sso_stack "$stack"; then   # admin off: no password, no hash; the client secret in argocd-secret only
    node -e 'const o = require(process.argv[1]); if ("adminPassword" in o) { console.log("an adminPassword output with admin off"); process.exit(1); }' "$W/$stack-outputs.json" || return 1
    live="$(K -n argocd get secret argocd-secret -o go-template='{{index .data "oidc.clientSecret" | base64decode}}|{{if index .data "admin.password"}}admin.password{{end}}')" || { echo "no argocd-secret"; return 1; }
    [ "$live" = "$E2E_OIDC_SECRET|" ] || { echo "argocd-secret does not hold the configured oidcClientSecret alone (admin.password set, or the client secret differs)"; return 1; }
    return 0
  fi
  node -e 'const o = require(process.argv[1]); if (o.adminPassword !== "[secret]") { console.log("adminPassword output is " + JSON.stringify(o.adminPassword)); process.exit(1); }' "$W/$stack-outputs.json" || return 1
  # The hash itself is secret material too: in argocd-secret only, which Pulumi owns, not Helm.
  check_admin_hash "$stack" || return 1
  node -e 'const b = require("bcryptjs"); const h = require("fs").readFileSync(process.argv[1], "utf8"); process.exit(b.compareSync(process.argv[2], h) ? 0 : 1)' "$W/$stack-admin-hash" "$E2E_ADMIN_PASSWORD" ||
    { echo "argocd-secret's admin.password is not a bcrypt hash of the configured adminPassword"; return 1; }
}

run_scenario() { # run_scenario STACK NAME FUNC ARGS...: its result recorded, its detail logged; never exits
  local stack="$1" name="$2" out rc; shift 2
  "$@" > "$W/scenario.out"; rc=$?; out="$(cat "$W/scenario.out")"   # in this shell: its details stay set
  record_result "$name" "$out" "$rc"
  say "$stack: $name: ${out:-no output} $( [ $rc = 0 ] || echo '(FAILED)')"
}

# The "Policies:" section of a step's log (what the engine printed for each policy pack), indented.
policies_of() { sed -n '/^Policies:/,/^$/p' "$W/logs/$1.log" | sed '/^$/d; s/^/    /'; }

slack_stand_in() { grep -q 'apiURL: https://127.0.0.1' "$PROJECT/Pulumi.$1.yaml"; } # slack_stand_in STACK: it sends to the Slack stand-in

run_stack() { # run_stack STACK: init, preview, up (controllers started), scenarios, re-preview, destroy
  local stack="$1" n_res line
  cp "$PROJECT/Pulumi.$stack.yaml" "$W/stack-file.$stack.orig"
  pulumi stack init "$stack" --secrets-provider passphrase > "$W/logs/$stack-stack-init.log" 2>&1 || fail "$stack: pulumi" "stack init: $(tail -3 "$W/logs/$stack-stack-init.log")"
  local secrets="" ml_repo
  if grep -q '^  ml-gitops:environment: prod' "$PROJECT/Pulumi.$stack.yaml"; then
    secrets=1
    set_secrets "$stack" > "$W/logs/$stack-config-set.log" 2>&1 || fail "$stack: pulumi" "config set --secret: $(tail -3 "$W/logs/$stack-config-set.log")"
    say "$stack: kubeconfig, $(sso_stack "$stack" && echo oidcClientSecret || echo adminPassword), slackToken and pagerdutyServiceKey set with pulumi config set --secret"
  elif slack_stand_in "$stack"; then   # dev, sending to the Slack stand-in
    pulumi config set --secret --stack "$stack" slackToken "$E2E_SLACK_TOKEN" > "$W/logs/$stack-config-set.log" 2>&1 || fail "$stack: pulumi" "config set --secret: $(tail -3 "$W/logs/$stack-config-set.log")"
    say "$stack: slackToken set with pulumi config set --secret"
  fi
  rm -f "$R/slack-calls.jsonl" "$W/pagerduty-events.jsonl"

  # prod: the policy pack, run by the engine in this preview, must pass the shipped program
  local policy=()
  [ -z "$secrets" ] || policy=(--policy-pack "$PROJECT/policy" --policy-pack-config "$PROJECT/policy/config.prod.json")
  step "$stack" preview preview --diff "${policy[@]}" || fail "$stack: preview" "$(errors_of "$stack-preview")"
  [ -z "$secrets" ] || policies_of "$stack-preview" >&2
  # The real controllers start while `up` runs, as soon as what each reads exists; `up` itself
  # waits (sync.wait) until the controller reports every Application Synced and Healthy.
  : > "$W/logs/controllers.log"
  start_controllers "$stack"
  step "$stack" up up --yes --skip-preview || fail "$stack: up" "$(errors_of "$stack-up") $(cat "$W/logs/controllers-failed" 2>/dev/null)"
  sed 's/^/    /' "$W/logs/controllers.log" >&2
  # How long the API server took to establish the RayCluster CRD the CRDs Application applied
  say "$stack: CRD rayclusters.ray.io: created $(K get crd rayclusters.ray.io -o jsonpath='{.metadata.creationTimestamp}'), Established $(K get crd rayclusters.ray.io -o jsonpath='{.status.conditions[?(@.type=="Established")].lastTransitionTime}')"
  app_times
  say "$stack: Synced+Healthy, seconds from each Application's creation:$APP_TIMES"
  TOTAL_APPS=$(( TOTAL_APPS + $(K -n "$ARGOCD_NS" get applications -o name | wc -l) ))
  [ "$APP_MAX" -gt "$MAX_APP_S" ] && MAX_APP_S=$APP_MAX
  # The state after up, exported once: counted here, searched for secrets below.
  pulumi stack export --stack "$stack" > "$W/$stack-state.json" 2>"$W/logs/$stack-export.log" || fail "$stack: up" "pulumi stack export: $(tail -3 "$W/logs/$stack-export.log")"
  n_res="$(node -e 'const r = require(process.argv[1]).deployment.resources || []; console.log(r.filter((x) => !x.type.startsWith("pulumi:providers:") && x.type !== "pulumi:pulumi:Stack").length)' "$W/$stack-state.json")"
  say "$stack: state holds $n_res resources (stack and provider resources not counted)"
  TOTAL_RES=$(( TOTAL_RES + n_res )); TOTAL_UP=$(( TOTAL_UP + T_up ))

  # ---------------------------------------------------------------- 5. render vs live
  say "$stack: offline render, compared with the live objects"
  node start.js render --stack "$stack" --out "$W/render-$stack" > "$W/logs/$stack-render.log" 2>&1 || fail "$stack: compare" "render failed: $(tail -5 "$W/logs/$stack-render.log")"
  node "$HERE/compare.js" "$W/render-$stack/manifests.yaml" "$BIN/kubectl" > "$W/logs/$stack-compare.log" 2>&1; local cmp_rc=$?
  sed 's/^/    /' "$W/logs/$stack-compare.log" >&2
  [ $cmp_rc -eq 0 ] || fail "$stack: compare" "the live objects differ from the render (see above / $W/logs/$stack-compare.log)"

  # The health check Argo CD loads is the file the Lua harness tests, byte for byte.
  K -n argocd get configmap argocd-cm -o go-template='{{index .data "resource.customizations.health.ray.io_RayCluster"}}' > "$W/live-health.lua" 2>>"$W/logs/$stack-compare.log" &&
    cmp -s "$W/live-health.lua" "$PROJECT/health/ray.io/RayCluster/health.lua" || fail "$stack: compare" "argocd-cm's resource.customizations.health.ray.io_RayCluster is not health/ray.io/RayCluster/health.lua"
  say "$stack: argocd-cm carries health/ray.io/RayCluster/health.lua byte for byte ($(wc -c < "$W/live-health.lua") bytes)"

  if [ -z "$secrets" ]; then   # dev: the generated admin password's hash, searched for like prod's secrets
    local why; why="$(plain_texts "$stack" && argocd_secret_owned && check_admin_hash "$stack")" || fail "$stack: secrets" "$why"
    why="$(secrets_in "$W/state" "$W/$stack-state.json" "$W/$stack-configmaps.yaml" "$W/$stack-helm-releases" "$PROJECT/Pulumi.$stack.yaml" "$W"/logs/"$stack"-*.log)" ||
      fail "$stack: secrets" "secrets in plain text:$why"
    say "$stack: argocd-secret, the program's, holds the admin hash (no argocd-initial-admin-secret); the hash is in none of the $(ls "$W/$stack-helm-releases" | wc -l) Helm release Secrets (decoded), the state, a ConfigMap or a step's log"
  fi
  if [ -n "$secrets" ]; then
    local why; why="$(check_secrets "$stack")" || fail "$stack: secrets" "$why"
    if sso_stack "$stack"; then local holds="the configured oidcClientSecret and no admin hash (admin is off)"
    else local holds="a bcrypt hash of the configured password, found in no Helm release"; fi
    say "$stack: no secret in plain text in the state, the outputs, any ConfigMap, the $(ls "$W/$stack-helm-releases" | wc -l) Helm release Secrets (decoded), the stack file or a step's log; the live Secret holds both tokens; argocd-secret, the program's, holds $holds; no argocd-initial-admin-secret"
    # What HA and the Ingress made of the chart, read back from the API server.
    say "$stack: $(K -n argocd get statefulsets,deployments -o jsonpath='{range .items[*]}{.kind}/{.metadata.name}={.status.readyReplicas}/{.spec.replicas} {end}')"
    say "$stack: $(K -n argocd get poddisruptionbudgets -o name | wc -l) PodDisruptionBudgets; Ingress $(K -n argocd get ingress -o jsonpath='{range .items[*]}{.metadata.name} {.spec.rules[0].host} tls={.spec.tls[0].secretName}{end}')"
  fi

  # ---------------------------------------------------------------- 6. the real controllers, made to show it
  if [ -n "${ML_GITOPS_E2E_PAUSE:-}" ]; then say "$stack: holding ${ML_GITOPS_E2E_PAUSE}s (KUBECONFIG=$W/kubeconfig)"; sleep "$ML_GITOPS_E2E_PAUSE"; fi
  say "$stack: Ray pods: $(K -n "$RAY_NS" get pods -l "ray.io/cluster=$RAYCLUSTER" -o jsonpath='{range .items[*]}{.metadata.labels.ray\.io/group}={.status.phase} {end}'); RayCluster: $(K -n "$RAY_NS" get raycluster "$RAYCLUSTER" -o jsonpath='{.status.state} {range .status.conditions[*]}{.type}={.status} {end}')"
  # The scenarios (e2e/live/scenarios.test.ts): placement, pods, least-privilege, pod-security, health, autoscaler, denied, drift.
  # A scenario that fails records its reason; the run goes on and exits 1 at the end.
  live_tests "$stack" "$W/scenarios-$stack.json" scenarios.test.ts > /dev/null || say "$stack: a scenario failed (log: $W/logs/$stack-scenarios.log)"
  # argocd-server, live: the admin login (dev: works; prod: refused), and with SSO a browser login of
  # each Dex user and what the API lets each do (e2e/live/sso.test.ts)
  sso_scenario "$stack" || say "$stack: the SSO scenario failed (log: $W/logs/$stack-sso.log)"
  # What ML teams ship: a RayJob and a RayService from the ML platform repository, on a real Ray (e2e/ray.sh)
  ray_scenario "$stack" || say "$stack: the Ray scenario failed (log: $W/logs/$stack-ray.log)"
  ml_repo="$(K -n "$ARGOCD_NS" get application ml-platform -o jsonpath='{.spec.source.repoURL}')"
  # Notifications: where the stack sends to Slack, what its subscriptions name must have arrived.
  if slack_stand_in "$stack"; then
    sleep 2   # the notifications controller reacts to the last Degraded within its informer's latency
    say "$stack: the stand-ins received:"   # notified.js lists it on stderr, its result on stdout
    run_scenario "$stack" notified node "$HERE/notified.js" "$PROJECT/Pulumi.$stack.yaml" "$R/slack-calls.jsonl" "$W/pagerduty-events.jsonl"
  fi

  if [ -n "$secrets" ]; then
    # The policy pack under the real engine, against a program that bypasses the config schema (e2e/live/policy.test.ts).
    E2E_ML_REPO="$ml_repo" live_tests "$stack" "$W/policy-$stack.json" policy.test.ts > /dev/null || say "$stack: the policy scenario failed"
  fi

  if [ -n "$secrets" ]; then   # what the real controllers and the stand-ins wrote, too
    local where
    where="$(secrets_in "$W"/logs/*.log "$R/slack-calls.jsonl" "$W/pagerduty-events.jsonl")" || fail "$stack: secrets" "secrets in plain text:$where"
    say "$stack: no secret in plain text in the controllers' logs or what the stand-ins received"
  fi

  step "$stack" re-preview preview --expect-no-changes --diff || fail "$stack: re-preview" "changes after up: $(grep -E '^ *[-+~]' "$W/logs/$stack-re-preview.log" | head -10 | tr '\n' ' ') $(errors_of "$stack-re-preview")"

  # ---------------------------------------------------------------- 6b. day 2: config changes to the live platform
  # On the stacks named by ML_GITOPS_E2E_DAY2 (default: both), after the re-preview: the changes
  # move the stack's config away from the checked-in file (restored by cleanup and below).
  if [[ " ${ML_GITOPS_E2E_DAY2-e2e e2e-prod} " == *" $stack "* ]]; then
    if [ -n "$secrets" ]; then run_scenario "$stack" day2-guard day2 "$stack"; else run_scenario "$stack" day2 day2 "$stack"; fi
  fi

  # ---------------------------------------------------------------- 7. destroy, the real finalizers cascading
  step "$stack" destroy destroy --yes --skip-preview || fail "$stack: destroy" "$(errors_of "$stack-destroy")"
  TOTAL_DESTROY=$(( TOTAL_DESTROY + T_destroy ))

  local left="" n ns crds
  for kind in applications.argoproj.io appprojects.argoproj.io rayclusters.ray.io clusterroles/kuberay-operator clusterroles/e2e-denied clusterrolebindings/e2e-ray-admin; do
    n="$(K get "$kind" -A -o name 2>/dev/null | wc -l)"; [ "$n" = 0 ] || left="$left $n $kind;"
  done
  ns="$(K get namespaces -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' | grep -vE '^(default|kube-system|kube-public|kube-node-lease)$' | tr '\n' ' ')"
  [ -z "$ns" ] || left="$left namespaces: $ns;"
  crds="$(K get crd -o name 2>/dev/null | sed 's|.*/||' | tr '\n' ' ')"
  say "$stack: left on purpose: CRDs: ${crds:-none}"
  [ -z "$left" ] || fail "$stack: destroy" "left behind after destroy:$left"
  # The controllers ran as their charts' ServiceAccounts from up to destroy: none was refused.
  local refused; refused="$(check_chart_rbac "$stack")"
  [ -z "$refused" ] || fail "$stack: chart RBAC" "a controller was refused what its chart's RBAC does not grant: $refused"
  say "$stack: chart RBAC: the application controller, repo server, notifications controller, argocd-server and KubeRay operator ran as their charts' ServiceAccounts, refused nothing"
  record_result chart-rbac "chart RBAC" 0
  stop_controllers

  pulumi stack rm "$stack" --yes --force > "$W/logs/$stack-stack-rm.log" 2>&1
  cp "$W/stack-file.$stack.orig" "$PROJECT/Pulumi.$stack.yaml"
  say "$stack: preview ${T_preview}s, up ${T_up}s, re-preview ${T_re_preview}s, destroy ${T_destroy}s"
  DONE_STACKS="$DONE_STACKS $stack"
}

for st in $STACKS; do run_stack "$st"; done

# ------------------------------------------------------------------ 8. Python and YAML: the same platform through the component package
# examples/python and examples/yaml declare one MlPlatform with the e2e stack's settings, through
# `pulumi package add` of plugin/ at a git tag (e2e/language.sh). Each one's objects must equal the
# e2e stack's render, field by field, as the TypeScript program's did. Needs the e2e stack's render
# (it ran) and the language's toolchain (e2e/toolchain-languages.sh, not built by toolchain.sh).
# Each language is its own step: a failure names it.
for lang in $LANGUAGES; do
  if [[ " $DONE_STACKS " != *" e2e "* ]]; then continue; fi
  if ! "$HERE/toolchain-languages.sh" --check "$lang" > /dev/null 2>&1; then
    say "$lang: not run (its toolchain is not in the cache: bash e2e/toolchain-languages.sh $lang)"; continue
  fi
  : > "$W/logs/controllers.log"
  start_controllers "e2e-$lang"
  lang_out="$(W="$W" P="$P" REPO_PORT="$REPO_PORT" PROJECT="$PROJECT" E2E_SLACK_TOKEN="$E2E_SLACK_TOKEN" bash "$HERE/language.sh" "$lang" up)" || fail "$lang" "$lang_out"
  node "$HERE/compare.js" "$W/render-e2e/manifests.yaml" "$BIN/kubectl" > "$W/logs/$lang-compare.log" 2>&1; lang_rc=$?
  sed 's/^/    /' "$W/logs/$lang-compare.log" >&2
  [ $lang_rc -eq 0 ] || fail "$lang: compare" "the $lang program's objects differ from the e2e stack's render ($W/logs/$lang-compare.log)"
  lang_out="$(W="$W" P="$P" REPO_PORT="$REPO_PORT" PROJECT="$PROJECT" E2E_SLACK_TOKEN="$E2E_SLACK_TOKEN" bash "$HERE/language.sh" "$lang" down)" || fail "$lang" "$lang_out"
  stop_controllers
  note="$lang ok"
  # the YAML host is not the one the CLI bundles (toolchain-languages.sh): said, not hidden
  if [ "$lang" = yaml ]; then
    host="$(cd "$BIN/stamps" && ls yaml-langhost-v* 2>/dev/null | sed 's/^yaml-langhost-v//' | head -1)"
    bundled="$(cat "$BIN/stamps/yaml-langhost-bundled" 2>/dev/null || echo unknown)"
    [ "$host" = "$bundled" ] || note="$lang ok (host v$host; the CLI bundles v$bundled)"
  fi
  LANGUAGE_NOTES="$LANGUAGE_NOTES · $note"
  say "$lang: the same objects as the e2e stack's render; re-preview 0 changes; destroyed"
done
finish
