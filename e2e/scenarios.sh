# Sourced by e2e/run.sh: runs the tests against the live platform (e2e/live/, mocha and TypeScript:
# the scenarios after the first up, the day-2 phase after the re-preview) and turns what they
# recorded into the summary line's parts. Needs from run.sh: PROJECT, BIN, W, STEP_TIMEOUT, say,
# record_result.

RAY_NS=ray-system
RAYCLUSTER=raycluster-kuberay

# live_tests STACK RESULTS FILE...: mocha over e2e/live/FILE... against STACK (e2e/live/fixture.ts
# reads the environment); its output in $W/logs/STACK-<first file>.log, echoed indented. Then each
# note it recorded is said, and each scenario's result recorded (record_result). Exit status:
# mocha's. ML_GITOPS_E2E_GREP runs only the tests whose title matches (debugging).
live_tests() {
  local stack="$1" results="$2"; shift 2
  local log="$W/logs/$stack-${1%.test.ts}.log" files=() f rc name ok text
  for f in "$@"; do files+=("$PROJECT/e2e/live/$f"); done
  rm -f "$results"
  E2E_STACK="$stack" E2E_PROJECT="$PROJECT" E2E_KUBECTL="$BIN/kubectl" E2E_LOGS="$W/logs" E2E_RESULTS="$results" \
    E2E_STEP_TIMEOUT="$STEP_TIMEOUT" node "$PROJECT/node_modules/mocha/bin/mocha.js" --no-config \
    --require ts-node/register/transpile-only --extension ts --reporter spec --timeout 900000 \
    ${ML_GITOPS_E2E_GREP:+--grep "$ML_GITOPS_E2E_GREP"} "${files[@]}" > "$log" 2>&1; rc=$?
  sed 's/^/    /' "$log" >&2
  # A failing run always fails the e2e, even one that recorded nothing (a crash, a type error).
  [ "$rc" = 0 ] || record_result "${1%.test.ts}" "mocha exited $rc (log: $log)" 1
  [ -f "$results" ] || return "$rc"
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    for (const n of r.notes) console.error(`    ${n}`);
    for (const c of r.changes) console.error(`    day 2: ${c.what}: live when up returned (${c.seconds} s)`);
    for (const [name, s] of Object.entries(r.scenarios)) console.log(`${name}\t${s.ok ? 0 : 1}\t${s.text}`);
  ' "$results" > "$W/live-results.tsv"
  while IFS=$'\t' read -r name ok text; do
    record_result "$name" "$text" "$ok"
    say "$stack: $name: $text $( [ "$ok" = 0 ] || echo '(FAILED)')"
  done < "$W/live-results.tsv"
  return "$rc"
}

# day2 STACK: the day-2 phase: config changes applied with pulumi up to the live platform, each
# asserted on the live objects when up returns: day2-dev.test.ts on a dev-profile stack,
# day2-prod.test.ts (a KubeRay upgrade and the change guard's refusals) on a prod one. Prints the
# summary's part: "day 2: N changes live (slowest T s) · …" (dev) or its parts (prod).
day2() {
  local stack="$1" results="$W/day2-$1.json" spec=dev rc
  grep -q '^  ml-gitops:environment: prod' "$PROJECT/Pulumi.$stack.yaml" && spec=prod
  live_tests "$stack" "$results" "day2-$spec.test.ts" > /dev/null; rc=$?
  node -e '
    const fs = require("fs");
    const [file, rc, spec] = process.argv.slice(1);
    const r = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : { changes: [], slowest: { seconds: 0 }, summary: [] };
    const parts = spec === "dev" ? [`day 2: ${r.changes.length} changes live (slowest ${Math.round(r.slowest.seconds)} s)`, ...r.summary] : [...r.summary];
    if (spec === "prod" && r.changes.length) parts.unshift(`day 2 (prod): ${r.changes.length} change live (${Math.round(r.slowest.seconds)} s)`);
    console.log([...parts, ...(rc === "0" ? [] : [`day 2 (${spec}) FAILED: see its log`])].join(" · "));
  ' "$results" "$rc" "$spec"
  [ "$rc" = 0 ] || { grep -E '^ +[0-9]+\) |Error' "$W/logs/$stack-day2-$spec.log" | head -12 | sed 's/^ */    /' >&2; return 1; }
}
