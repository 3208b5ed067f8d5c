// Package harness runs Argo CD resource health checks (health/<group>/<Kind>/health.lua) the
// way Argo CD's util/lua package does, so that they can be tested without Argo CD.
//
// Modelled on argo-cd util/lua/lua.go (v3.4.x: gopher-lua v1.1.1, layeh.com/gopher-json,
// sigs.k8s.io/yaml), not copied from it:
//   - a fresh gopher-lua state per run; the standard libraries are either all open (Argo CD's
//     built-in scripts, or argocd-cm with resource.customizations.useOpenLibs.<group>_<kind>)
//     or, by default for argocd-cm customizations, only package, base and table;
//   - the object becomes the global `obj`: JSON objects as tables, arrays as sequences,
//     numbers as LNumber, json.Number as a string, bools, nil;
//   - a one-second context deadline;
//   - the returned table is encoded to JSON and read as {status, message}; an unknown status
//     becomes Unknown / "Lua returned an invalid health status".
//
// One deliberate difference: Argo CD also registers a safe `os` (os.time and os.date only).
// The sandbox here has no `os` at all, so a health check cannot depend on the clock.
package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	lua "github.com/yuin/gopher-lua"
	luajson "layeh.com/gopher-json"
)

// HealthStatus is what Argo CD reads from a health script (gitops-engine health.HealthStatus).
type HealthStatus struct {
	Status  string `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
}

// Mode is one way Argo CD opens the Lua standard libraries.
type Mode struct {
	Name     string
	OpenLibs bool
}

// Modes: a check must give the same answer in both, since this project may ship it as an
// argocd-cm customization (sandbox) and Argo CD runs built-in ones with all libraries.
var Modes = []Mode{
	{Name: "sandbox", OpenLibs: false},
	{Name: "openlibs", OpenLibs: true},
}

// Argo CD's health status codes (gitops-engine pkg/health).
var validStatuses = map[string]bool{
	"Unknown": true, "Progressing": true, "Healthy": true, "Suspended": true, "Degraded": true, "Missing": true,
}

// ExecuteHealthLua runs script with obj as the global `obj` and returns the health it reports.
func ExecuteHealthLua(script string, obj map[string]any, mode Mode) (*HealthStatus, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: !mode.OpenLibs})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
	} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			return nil, fmt.Errorf("opening %s: %w", lib.name, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)

	l.SetGlobal("obj", toLua(l, obj))
	if err := l.DoString(script); err != nil {
		return nil, err
	}

	ret := l.Get(-1)
	switch ret.Type() {
	case lua.LTNil:
		return &HealthStatus{}, nil
	case lua.LTTable:
		encoded, err := luajson.Encode(ret)
		if err != nil {
			return nil, err
		}
		hs := &HealthStatus{}
		if err := json.Unmarshal(encoded, hs); err != nil {
			// An empty Lua table encodes as [], which Argo CD reads as an empty status.
			var typeErr *json.UnmarshalTypeError
			if errors.As(err, &typeErr) {
				return &HealthStatus{}, nil
			}
			return nil, err
		}
		if !validStatuses[hs.Status] {
			return &HealthStatus{Status: "Unknown", Message: "Lua returned an invalid health status"}, nil
		}
		return hs, nil
	}
	return nil, fmt.Errorf("expect table output from Lua script, not %s", ret.Type())
}

// toLua converts a decoded JSON value into Lua values as Argo CD's decodeValue does.
func toLua(l *lua.LState, value any) lua.LValue {
	switch v := value.(type) {
	case nil:
		return lua.LNil
	case bool:
		return lua.LBool(v)
	case string:
		return lua.LString(v)
	case json.Number:
		return lua.LString(v)
	case float64:
		return lua.LNumber(v)
	case int:
		return lua.LNumber(v)
	case int32:
		return lua.LNumber(v)
	case int64:
		return lua.LNumber(v)
	case []any:
		t := l.CreateTable(len(v), 0)
		for _, item := range v {
			t.Append(toLua(l, item))
		}
		return t
	case map[string]any:
		t := l.CreateTable(0, len(v))
		for key, item := range v {
			t.RawSetH(lua.LString(key), toLua(l, item))
		}
		return t
	}
	return lua.LNil
}
