-- Argo CD health check for ray.io/v1 RayCluster (KubeRay 1.5.1 through 1.7.x).
--
-- Written for gopher-lua as Argo CD runs an argocd-cm customization without
-- resource.customizations.useOpenLibs: only the base, table and package libraries (plus a
-- safe os.time/os.date) are open, so this script calls no string, math or os function and no
-- method on a string. Lua 5.1: no goto, no integer division.
--
-- What KubeRay writes (ray-operator/apis/ray/v1/raycluster_types.go; calculateStatus in
-- ray-operator/controllers/ray/raycluster_controller.go):
--   * status.observedGeneration = metadata.generation, but written only with a status that
--     changed otherwise: InconsistentRayClusterStatus (ray-operator/controllers/ray/utils/
--     consistency.go, 1.5.1 to 1.7.0) ignores observedGeneration ("not being well-maintained"),
--     so a spec change that changes no other status field leaves the old generation in the
--     status for good (seen in the e2e after a KubeRay 1.6.2 -> 1.7.0 upgrade).
--   * status.conditions only while the RayClusterStatusConditions feature gate is on: alpha and
--     off by default in 1.2, beta and on by default since 1.3, and still a gate in 1.7, so an
--     operator may run without it (featureGates in the kuberay-operator chart values).
--       RayClusterProvisioned  True once all Pods were ready for the first time, then stays True
--                              (False again only after a suspension).
--       HeadPodReady           the head Pod's Ready condition (HeadPodNotFound when there is none).
--       ReplicaFailure         True while creating or deleting Pods fails; removed on success.
--       RayClusterSuspending / RayClusterSuspended   the spec.suspend state machine.
--   * status.state (deprecated): 1.2+ writes only "ready" (set once all Pods run, never unset
--     except by a suspension) and "suspended" (kept until all Pods run again after a resume).
--     Operators up to 1.1 also wrote "failed" (the error in status.reason) and "unhealthy"
--     (invalid rayStartParams). With conditions present, the conditions decide.
--   * A spec or name KubeRay refuses (InvalidRayClusterSpec/Metadata) only gets an event: the
--     status is never written, or stays at the old generation.

local hs = {}

local function condition_text(c)
  local text = c.type
  if c.reason ~= nil and c.reason ~= "" then
    text = text .. " (" .. c.reason .. ")"
  end
  if c.message ~= nil and c.message ~= "" then
    text = text .. ": " .. c.message
  end
  return text
end

local function workers_text(st)
  return tostring(st.readyWorkerReplicas or 0) .. "/" .. tostring(st.desiredWorkerReplicas or 0) .. " worker Pods ready"
end

local st = obj.status
if st == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the KubeRay operator to report a status (if this persists, check the RayCluster's events, e.g. InvalidRayClusterSpec, and that the operator runs)"
  return hs
end

-- A status at an older generation is the operator's last word, not a stale one: KubeRay does not
-- rewrite its status for a new generation alone (above), so waiting for observedGeneration to
-- catch up would keep the Application Progressing for good. A Healthy verdict says so. (A status
-- without observedGeneration comes from an operator up to 1.1 that failed before its first full
-- status pass: it is judged on its own below but never counts as Healthy.)
local generation = nil
if obj.metadata ~= nil then
  generation = obj.metadata.generation
end

local function healthy(message)
  if generation ~= nil and st.observedGeneration == nil then
    hs.status = "Progressing"
    hs.message = "Waiting for the KubeRay operator to observe generation " .. tostring(generation) .. " (the status has no observedGeneration)"
    return hs
  end
  hs.status = "Healthy"
  hs.message = message
  if generation ~= nil and st.observedGeneration < generation then
    hs.message = message .. " (the status was written at generation " .. tostring(st.observedGeneration) .. ", the spec is at " .. tostring(generation) .. ": KubeRay rewrites its status only when something in it changes)"
  end
  return hs
end

local conds = {}
local has_conditions = false
if st.conditions ~= nil then
  for _, c in ipairs(st.conditions) do
    if c.type == "RayClusterProvisioned" or c.type == "HeadPodReady" or c.type == "ReplicaFailure"
        or c.type == "RayClusterSuspending" or c.type == "RayClusterSuspended" then
      conds[c.type] = c
      has_conditions = true
    end
  end
end

local function is_true(t)
  return conds[t] ~= nil and conds[t].status == "True"
end

local function is_false(t)
  return conds[t] ~= nil and conds[t].status == "False"
end

if has_conditions then
  -- A current Pod creation or deletion error, also one that stalls a suspension.
  if is_true("ReplicaFailure") then
    hs.status = "Degraded"
    hs.message = condition_text(conds["ReplicaFailure"])
    return hs
  end
  if is_true("RayClusterSuspended") then
    hs.status = "Suspended"
    hs.message = "RayCluster is suspended (spec.suspend is true): KubeRay deleted all its Pods"
    return hs
  end
  if is_true("RayClusterSuspending") then
    hs.status = "Suspended"
    hs.message = "RayCluster is suspending (spec.suspend is true): KubeRay is deleting its Pods"
    return hs
  end
  if is_true("RayClusterProvisioned") then
    if is_true("HeadPodReady") then
      return healthy("RayCluster is provisioned and its head Pod is ready; " .. workers_text(st))
    end
    if is_false("HeadPodReady") then
      -- RayClusterProvisioned stays True once reached: the head Pod was ready and is not now.
      hs.status = "Degraded"
      hs.message = "Head Pod is no longer ready: " .. condition_text(conds["HeadPodReady"])
      return hs
    end
    hs.status = "Progressing"
    hs.message = "RayCluster is provisioned; waiting for the KubeRay operator to report HeadPodReady"
    return hs
  end
  hs.status = "Progressing"
  if conds["RayClusterProvisioned"] ~= nil then
    hs.message = condition_text(conds["RayClusterProvisioned"])
  else
    hs.message = "Waiting for all Ray Pods to be ready for the first time"
  end
  if is_false("HeadPodReady") then
    hs.message = hs.message .. "; " .. condition_text(conds["HeadPodReady"])
  end
  hs.message = hs.message .. "; " .. workers_text(st)
  return hs
end

-- No conditions: the RayClusterStatusConditions feature gate is off, or the operator predates
-- it. Only the deprecated status.state is left.
local fallback_note = " (KubeRay writes no status conditions: enable its RayClusterStatusConditions feature gate for head Pod readiness)"

if st.state == "failed" then
  hs.status = "Degraded"
  if st.reason ~= nil and st.reason ~= "" then
    hs.message = "RayCluster state is failed: " .. st.reason
  else
    hs.message = "RayCluster state is failed (no reason recorded: check the RayCluster's events and the KubeRay operator's logs)"
  end
  return hs
end

if st.state == "unhealthy" then
  hs.status = "Degraded"
  hs.message = "RayCluster state is unhealthy: KubeRay found the head group's rayStartParams invalid (see the RayCluster's RayConfigError events)"
  return hs
end

if st.state == "suspended" then
  if obj.spec ~= nil and obj.spec.suspend == true then
    hs.status = "Suspended"
    hs.message = "RayCluster is suspended (spec.suspend is true): KubeRay deleted all its Pods"
    return hs
  end
  hs.status = "Progressing"
  hs.message = "RayCluster is resuming (state suspended, spec.suspend no longer true): waiting for all Ray Pods to be running; " .. workers_text(st) .. fallback_note
  return hs
end

if st.state == "ready" then
  return healthy("RayCluster state is ready; " .. workers_text(st) .. fallback_note)
end

if st.state == nil or st.state == "" then
  hs.status = "Progressing"
  hs.message = "Waiting for all Ray Pods to be running (status.state is not set yet); " .. workers_text(st) .. fallback_note
  return hs
end

hs.status = "Unknown"
hs.message = "Unrecognized RayCluster status.state " .. tostring(st.state) .. fallback_note
return hs
