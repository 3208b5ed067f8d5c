-- Argo CD health check for ray.io/v1 RayService (KubeRay 1.5.1 through 1.7.x).
--
-- Written for gopher-lua as Argo CD runs an argocd-cm customization without
-- resource.customizations.useOpenLibs: no string, math or os function, no method on a string.
--
-- What KubeRay writes (ray-operator/apis/ray/v1/rayservice_types.go and
-- controllers/ray/rayservice_controller.go, calculateConditions, 1.5.1 to 1.7.0):
--   Ready              True (NonZeroServeEndpoints) means one ready Serve endpoint, nothing more:
--                      it stays True while an app is UNHEALTHY and while an upgrade runs. False:
--                      Initializing, InitializingTimeout (terminal), ZeroServeEndpoints,
--                      ValidationFailed (1.6+), SuspendInProgress / SuspendComplete (1.7).
--   UpgradeInProgress  True (BothActivePendingClustersExist) while a pending cluster exists;
--                      False (NoPendingCluster, Initializing); Unknown (NoActiveCluster).
--   RollbackInProgress True while an incremental upgrade rolls back (1.6+: TargetClusterChanged,
--                      1.7: DesiredClusterSpecChanged); removed when done.
--   Suspending / Suspended (1.7: spec.suspend).
-- A stuck upgrade sets no condition: UpgradeInProgress stays True, Ready stays True (the old
-- cluster serves), and the pending cluster's applications report DEPLOY_FAILED or UNHEALTHY
-- (pendingServiceStatus.applicationStatuses; kuberay#5088). Application statuses are Ray Serve's:
-- NOT_STARTED, DEPLOYING, RUNNING, DEPLOY_FAILED, DELETING, UNHEALTHY. Without conditions (an
-- operator before them) only the deprecated serviceStatus is left: Running or nothing.
-- docs/design.md has the table and the reasons.

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

-- The first application of a cluster's status that failed: "<app> DEPLOY_FAILED: <message>", or nil.
local function failed_app(status)
  if status == nil or status.applicationStatuses == nil then
    return nil
  end
  local found = nil
  for name, app in pairs(status.applicationStatuses) do
    if app.status == "DEPLOY_FAILED" or app.status == "UNHEALTHY" then
      local text = name .. " " .. app.status
      if app.message ~= nil and app.message ~= "" then
        text = text .. ": " .. app.message
      end
      -- pairs has no order: keep the least name, so the message is the same every time
      if found == nil or name < found.name then
        found = { name = name, text = text }
      end
    end
  end
  if found == nil then
    return nil
  end
  return found.text
end

local st = obj.status
if st == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the KubeRay operator to report a status"
  return hs
end

local conds = {}
local has_conditions = false
if st.conditions ~= nil then
  for _, c in ipairs(st.conditions) do
    conds[c.type] = c
    has_conditions = true
  end
end

local function is_true(t)
  return conds[t] ~= nil and conds[t].status == "True"
end

if not has_conditions then
  if st.serviceStatus == "Running" then
    hs.status = "Healthy"
    hs.message = "RayService is running (serviceStatus; KubeRay wrote no conditions)"
    return hs
  end
  hs.status = "Progressing"
  hs.message = "Waiting for the KubeRay operator to report the RayService's conditions"
  return hs
end

if is_true("Suspended") then
  hs.status = "Suspended"
  hs.message = "RayService is suspended (spec.suspend is true): KubeRay deleted its RayClusters"
  return hs
end
if is_true("Suspending") then
  hs.status = "Suspended"
  hs.message = "RayService is suspending (spec.suspend is true): KubeRay is deleting its RayClusters"
  return hs
end

local ready = conds["Ready"]
-- A ValidationFailed that KubeRay has since moved past: after the spec is fixed, Ready keeps the
-- reason until an endpoint is ready, but the status has observed a newer generation than it.
local stale_validation = ready ~= nil and ready.reason == "ValidationFailed" and st.observedGeneration ~= nil
  and (ready.observedGeneration or 0) < st.observedGeneration
if ready ~= nil and ready.status == "False" and not stale_validation then
  if ready.reason == "InitializingTimeout" or ready.reason == "ValidationFailed" then
    hs.status = "Degraded"
    hs.message = condition_text(ready)
    return hs
  end
  if ready.reason == "SuspendInProgress" or ready.reason == "SuspendComplete" then
    hs.status = "Suspended"
    hs.message = condition_text(ready)
    return hs
  end
end

if is_true("RollbackInProgress") then
  hs.status = "Progressing"
  hs.message = "Rolling back an upgrade: " .. condition_text(conds["RollbackInProgress"])
  return hs
end

local pending_failed = failed_app(st.pendingServiceStatus)
if is_true("UpgradeInProgress") then
  if pending_failed ~= nil then
    hs.status = "Degraded"
    hs.message = "Upgrade stuck: the new RayCluster " .. tostring(st.pendingServiceStatus.rayClusterName or "") .. "'s application " .. pending_failed
    return hs
  end
  hs.status = "Progressing"
  hs.message = "Upgrading: waiting for the new RayCluster " .. tostring(st.pendingServiceStatus and st.pendingServiceStatus.rayClusterName or "") .. "'s applications to run"
  return hs
end

local active_failed = failed_app(st.activeServiceStatus)
if ready ~= nil and ready.status == "True" then
  if active_failed ~= nil then
    hs.status = "Degraded"
    hs.message = "Serving, but the application " .. active_failed
    return hs
  end
  hs.status = "Healthy"
  hs.message = "RayService is serving: " .. tostring(st.numServeEndpoints or 0) .. " Serve endpoint(s) ready"
  return hs
end

if ready ~= nil and ready.reason == "ZeroServeEndpoints" then
  hs.status = "Degraded"
  hs.message = condition_text(ready)
  return hs
end

local failed = pending_failed or active_failed
if failed ~= nil then
  hs.status = "Degraded"
  hs.message = "The application " .. failed
  return hs
end

hs.status = "Progressing"
if stale_validation then
  hs.message = "The spec KubeRay refused was fixed; waiting for the RayService to serve (" .. condition_text(ready) .. ", written at an older generation)"
elseif ready ~= nil then
  hs.message = condition_text(ready)
else
  hs.message = "Waiting for the KubeRay operator to report the Ready condition"
end
return hs
