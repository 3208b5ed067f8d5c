# shellcheck shell=bash
# The SSO login and the API's RBAC, live (sourced by run.sh): Dex, a real OIDC provider, on
# loopback (https://127.0.0.1:5556/dex, its certificate from the run's CA), with two users whose ID
# tokens carry their groups; the stacks whose stack file enables argocd.sso log in through it.
# e2e/live/sso.test.ts then logs in with a real browser and drives the argocd CLI.
# Needs from run.sh: W, BIN, P (pki), PROJECT, start, wait_for, say.

DEX_PORT=5556   # the issuer in Pulumi.e2e-prod.yaml (argocd.sso.issuer)
DEX_ISSUER="https://127.0.0.1:$DEX_PORT/dex"
# The OIDC client Argo CD is to Dex: its id is argocd.sso.clientID in the stack file; its secret is
# set with `pulumi config set --secret oidcClientSecret` (set_secrets) and searched for like the rest.
DEX_CLIENT_ID=argo-cd
E2E_OIDC_SECRET="e2e-oidc-$(openssl rand -hex 12)"
# The users, their passwords made for this run: admin@e2e.test in ml-platform-admins (role:admin
# through argocd.rbac.groups), engineer@e2e.test in ml-engineers (the ML project's ml-engineer role).
E2E_SSO_ADMIN_PASSWORD="admin-$(openssl rand -hex 8)"
E2E_SSO_ENGINEER_PASSWORD="engineer-$(openssl rand -hex 8)"
# The URL a browser opens Argo CD at: the prod profile's Ingress host. No Ingress controller runs
# here: argocd-server itself answers on 127.0.0.1:443 (TLS, its own certificate), the stand-in for it.
ARGOCD_SERVER_PORT=443

sso_stack() { grep -q '^    sso:' "$PROJECT/Pulumi.$1.yaml"; }

# start_dex: Dex with its in-memory storage, the static client and the two users (bcrypt hashes)
start_dex() {
  local d="$W/dex" hashes
  mkdir -p "$d"
  hashes="$(node -e 'const b = require(process.argv[1]); for (const p of process.argv.slice(2)) console.log(b.hashSync(p, 10))' \
    "$PROJECT/node_modules/bcryptjs" "$E2E_SSO_ADMIN_PASSWORD" "$E2E_SSO_ENGINEER_PASSWORD")" || return 1
  local admin_hash engineer_hash
  admin_hash="$(sed -n 1p <<< "$hashes")"; engineer_hash="$(sed -n 2p <<< "$hashes")"
  cat > "$d/config.yaml" <<EOF
issuer: $DEX_ISSUER
storage:
  type: memory
web:
  https: 127.0.0.1:$DEX_PORT
  tlsCert: $P/dex.crt
  tlsKey: $P/dex.key
logger:
  level: info
  format: text
oauth2:
  skipApprovalScreen: true
  responseTypes: [code]
staticClients:
  - id: $DEX_CLIENT_ID
    name: Argo CD
    secret: $E2E_OIDC_SECRET
    redirectURIs:
      - https://argocd.e2e.localhost/auth/callback
enablePasswordDB: true
staticPasswords:
  - email: admin@e2e.test
    hash: "$admin_hash"
    username: admin
    userID: 5c0f7a4e-0000-4000-8000-000000000001
    groups: [ml-platform-admins]
  - email: engineer@e2e.test
    hash: "$engineer_hash"
    username: engineer
    userID: 5c0f7a4e-0000-4000-8000-000000000002
    groups: [ml-engineers]
EOF
  start dex "$BIN/dex" serve "$d/config.yaml"
  wait_for 30 dex curl -sf --cacert "$P/ca.crt" "$DEX_ISSUER/.well-known/openid-configuration" || return 1
  say "dex $("$BIN/dex" version 2>/dev/null | sed -n 's/^Dex Version: //p') at $DEX_ISSUER: admin@e2e.test (ml-platform-admins), engineer@e2e.test (ml-engineers)"
}

# sso_scenario STACK: e2e/live/sso.test.ts against this stack's argocd-server: with SSO, the browser
# login of both users and what the API lets each do; in every stack, the admin login (refused
# where admin is off). Its results are recorded like the other scenarios'.
sso_scenario() {
  local stack="$1" admin_password=""
  wait_for 60 argocd-server curl -skf "https://127.0.0.1:$ARGOCD_SERVER_PORT/healthz" ||
    { record_result sso "argocd-server did not answer on 127.0.0.1:$ARGOCD_SERVER_PORT (log: $W/logs/$stack-server.log)" 1; return 1; }
  if ! sso_stack "$stack"; then
    admin_password="$(pulumi stack output adminPassword --show-secrets --stack "$stack" 2>/dev/null)"
  fi
  # The browser's last page, kept after the run: out/e2e/ (ignored by git)
  mkdir -p "$W/argocd-cli" "$PROJECT/out/e2e"
  E2E_ARGOCD_CLI="$BIN/argocd" E2E_ARGOCD_SERVER="127.0.0.1:$ARGOCD_SERVER_PORT" E2E_ARGOCD_CLI_HOME="$W/argocd-cli" \
    E2E_ARGOCD_URL="$(sso_stack "$stack" && echo https://argocd.e2e.localhost)" E2E_DEX_ISSUER="$DEX_ISSUER" \
    E2E_SSO_ADMIN_PASSWORD="$E2E_SSO_ADMIN_PASSWORD" E2E_SSO_ENGINEER_PASSWORD="$E2E_SSO_ENGINEER_PASSWORD" \
    E2E_ADMIN_PASSWORD="$admin_password" E2E_SCREENSHOT="$PROJECT/out/e2e/argocd-applications-$stack.png" \
    live_tests "$stack" "$W/sso-$stack.json" sso.test.ts > /dev/null
}
