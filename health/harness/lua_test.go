package harness

import "testing"

// The harness itself: the sandbox must refuse what Argo CD's sandbox refuses, and results must
// be read as Argo CD reads them.
func TestSandbox(t *testing.T) {
	sandbox, openLibs := Modes[0], Modes[1]
	obj := map[string]any{"status": map[string]any{"observedGeneration": int64(3), "ready": true}}
	for _, tc := range []struct {
		name, script string
		sandboxFails bool
		want         HealthStatus
	}{
		{"base and table", `local t = {} table.insert(t, tostring(obj.status.observedGeneration)) return {status = "Healthy", message = t[1]}`, false, HealthStatus{"Healthy", "3"}},
		{"string library", `return {status = "Healthy", message = string.format("%d", 1)}`, true, HealthStatus{"Healthy", "1"}},
		{"string method", `local s = "abc" return {status = "Healthy", message = s:upper()}`, true, HealthStatus{"Healthy", "ABC"}},
		{"math library", `return {status = "Healthy", message = tostring(math.floor(1.5))}`, true, HealthStatus{"Healthy", "1"}},
		{"os library", `return {status = "Healthy", message = tostring(os.getenv("HOME") ~= nil)}`, true, HealthStatus{"Healthy", "true"}},
		{"invalid status", `return {status = "Fine"}`, false, HealthStatus{"Unknown", "Lua returned an invalid health status"}},
		{"nil result", `return nil`, false, HealthStatus{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ExecuteHealthLua(tc.script, obj, sandbox)
			if tc.sandboxFails {
				if err == nil {
					t.Errorf("sandbox ran it: %+v", got)
				}
			} else if err != nil || *got != tc.want {
				t.Errorf("sandbox: got %+v, %v; want %+v", got, err, tc.want)
			}
			got, err = ExecuteHealthLua(tc.script, obj, openLibs)
			if err != nil || *got != tc.want {
				t.Errorf("openlibs: got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}
