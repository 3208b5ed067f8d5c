-- Argo CD health check for ray.io/v1 RayJob (KubeRay 1.5.1 through 1.7.x).
--
-- Written for gopher-lua as Argo CD runs an argocd-cm customization without
-- resource.customizations.useOpenLibs: no string, math or os function, no method on a string.
--
-- What KubeRay writes (ray-operator/apis/ray/v1/rayjob_types.go and
-- controllers/ray/rayjob_controller.go, 1.5.1 to 1.7.0): a RayJob has no status.conditions and no
-- observedGeneration; the state machine is status.jobDeploymentStatus:
--   "" (New) -> Initializing -> Running -> Complete | Failed           (K8sJobMode, HTTPMode, SidecarMode)
--   Initializing -> Waiting (InteractiveMode: until spec.jobId is set) -> Running
--   Initializing | Running -> Suspending -> Suspended -> "" (spec.suspend)
--   Failed with backoffLimit left -> Retrying -> "" (Failed is then never stored; status.failed counts)
--   ValidationFailed: an invalid spec; the operator never leaves it.
-- status.jobStatus is Ray's job status, copied: PENDING, RUNNING, STOPPED, SUCCEEDED, FAILED.
-- Complete comes with SUCCEEDED, or STOPPED (`ray job stop`); Failed with FAILED (AppFailed) or
-- with any job status for SubmissionFailed, DeadlineExceeded, PreRunningDeadlineExceeded (1.6+),
-- JobStatusCheckTimeoutExceeded (1.7+) and JobDeploymentStatusTransitionGracePeriodExceeded
-- (status.reason; status.message says more). docs/design.md has the table and the reasons.

local hs = {}

local function with_detail(text, st)
  if st.reason ~= nil and st.reason ~= "" then
    text = text .. " (" .. st.reason .. ")"
  end
  if st.message ~= nil and st.message ~= "" then
    text = text .. ": " .. st.message
  end
  return text
end

local function attempts(st)
  if st.failed ~= nil and st.failed > 0 then
    return " (failed attempts: " .. tostring(st.failed) .. ")"
  end
  return ""
end

local st = obj.status
if st == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the KubeRay operator to report a status"
  return hs
end

local ds = st.jobDeploymentStatus
local js = st.jobStatus
if js == nil or js == "" then
  js = "not reported yet"
end

if ds == nil or ds == "" then
  hs.status = "Progressing"
  hs.message = "RayJob is starting: KubeRay is about to create its RayCluster" .. attempts(st)
  return hs
end

if ds == "Initializing" then
  hs.status = "Progressing"
  hs.message = "Waiting for the RayCluster " .. tostring(st.rayClusterName or "") .. " to be ready" .. attempts(st)
  return hs
end

if ds == "Waiting" then
  hs.status = "Suspended"
  hs.message = "RayJob waits for its job to be submitted (InteractiveMode: set spec.jobId to the submitted job's id)"
  return hs
end

if ds == "Running" then
  hs.status = "Progressing"
  if js == "FAILED" or js == "SUCCEEDED" or js == "STOPPED" then
    hs.message = "Ray reports the job " .. js .. "; waiting for KubeRay to finish the RayJob"
  else
    hs.message = "The Ray job is running (job status " .. js .. ")"
  end
  if st.jobId ~= nil and st.jobId ~= "" then
    hs.message = hs.message .. "; job " .. st.jobId
  end
  return hs
end

if ds == "Complete" then
  if js == "STOPPED" then
    hs.status = "Degraded"
    hs.message = with_detail("The Ray job was stopped before it finished (job status STOPPED)", st)
    return hs
  end
  hs.status = "Healthy"
  hs.message = with_detail("The Ray job finished (job status " .. js .. ")", st)
  return hs
end

if ds == "Failed" then
  hs.status = "Degraded"
  hs.message = with_detail("RayJob failed (job status " .. js .. ")", st) .. attempts(st)
  return hs
end

if ds == "ValidationFailed" then
  hs.status = "Degraded"
  hs.message = with_detail("KubeRay refused the RayJob's spec; it will not run until the RayJob is recreated", st)
  return hs
end

if ds == "Retrying" then
  hs.status = "Progressing"
  hs.message = with_detail("RayJob is retrying after a failed attempt", st) .. attempts(st)
  return hs
end

if ds == "Suspending" then
  hs.status = "Suspended"
  hs.message = "RayJob is suspending (spec.suspend is true): KubeRay is deleting its RayCluster"
  return hs
end

if ds == "Suspended" then
  hs.status = "Suspended"
  hs.message = "RayJob is suspended (spec.suspend is true)"
  return hs
end

hs.status = "Unknown"
hs.message = "Unrecognized RayJob status.jobDeploymentStatus " .. tostring(ds)
return hs
