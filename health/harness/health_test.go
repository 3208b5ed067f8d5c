package harness

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// root is health/, seen from health/harness.
const root = ".."

// testFile is Argo CD's health_test.yaml: tests: [{healthStatus: {status, message}, inputPath}].
type testFile struct {
	Tests []testCase `json:"tests"`
}

type testCase struct {
	HealthStatus HealthStatus `json:"healthStatus"`
	InputPath    string       `json:"inputPath"`
}

// kindDirs returns every health/<group>/<Kind> directory holding a health.lua or a
// health_test.yaml (the harness's own directory is not one).
func kindDirs(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{}
	for _, pattern := range []string{"*/*/health.lua", "*/*/health_test.yaml"} {
		matches, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range matches {
			dir := filepath.Dir(m)
			if group := filepath.Base(filepath.Dir(dir)); group == "harness" {
				continue
			}
			seen[dir] = true
		}
	}
	dirs := make([]string, 0, len(seen))
	for d := range seen {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	return dirs
}

func TestHealthChecks(t *testing.T) {
	dirs := kindDirs(t)
	if len(dirs) == 0 {
		t.Fatalf("no health/<group>/<Kind>/health.lua found under %s", root)
	}
	for _, dir := range dirs {
		group, kind := filepath.Base(filepath.Dir(dir)), filepath.Base(dir)
		t.Run(group+"/"+kind, func(t *testing.T) { testKind(t, dir, group, kind) })
	}
}

func testKind(t *testing.T, dir, group, kind string) {
	script, err := os.ReadFile(filepath.Join(dir, "health.lua"))
	if err != nil {
		t.Fatalf("%s has a health_test.yaml but no readable health.lua: %v", dir, err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "health_test.yaml"))
	if err != nil {
		t.Fatalf("%s/health.lua has no readable health_test.yaml beside it: %v", dir, err)
	}
	var tf testFile
	if err := yaml.UnmarshalStrict(raw, &tf); err != nil {
		t.Fatalf("%s/health_test.yaml: %v", dir, err)
	}
	if len(tf.Tests) < 1 {
		t.Fatalf("%s/health_test.yaml has no test case", dir)
	}

	used := map[string]bool{}
	for _, tc := range tf.Tests {
		tc := tc
		if tc.InputPath == "" || filepath.IsAbs(tc.InputPath) || strings.HasPrefix(filepath.Clean(tc.InputPath), "..") {
			t.Errorf("inputPath %q must be a path inside %s", tc.InputPath, dir)
			continue
		}
		used[filepath.Clean(tc.InputPath)] = true
		obj := loadObject(t, filepath.Join(dir, tc.InputPath), group, kind)
		if obj == nil {
			continue
		}
		for _, mode := range Modes {
			mode := mode
			t.Run(tc.InputPath+"/"+mode.Name, func(t *testing.T) {
				got, err := ExecuteHealthLua(string(script), obj, mode)
				if err != nil {
					t.Fatalf("health.lua failed: %v", err)
				}
				t.Logf("%s/%s %s [%s]: %s %q", group, kind, tc.InputPath, mode.Name, got.Status, got.Message)
				if got.Status != tc.HealthStatus.Status {
					t.Errorf("status: got %q, want %q", got.Status, tc.HealthStatus.Status)
				}
				if got.Message != tc.HealthStatus.Message {
					t.Errorf("message:\n got  %q\n want %q", got.Message, tc.HealthStatus.Message)
				}
			})
		}
	}

	// Every fixture must be a test case: an unreferenced one tests nothing.
	fixtures, _ := filepath.Glob(filepath.Join(dir, "testdata", "*"))
	for _, f := range fixtures {
		rel, _ := filepath.Rel(dir, f)
		if !used[rel] {
			t.Errorf("%s is not the inputPath of any case in %s/health_test.yaml", rel, dir)
		}
	}
}

// loadObject reads a fixture as Argo CD's own test does (YAML → JSON → map[string]any) and
// checks that it is an object of the directory's group and kind.
func loadObject(t *testing.T, path, group, kind string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("%v", err)
		return nil
	}
	obj := map[string]any{}
	if err := yaml.Unmarshal(raw, &obj); err != nil {
		t.Errorf("%s: %v", path, err)
		return nil
	}
	apiVersion, _ := obj["apiVersion"].(string)
	gotGroup := ""
	if i := strings.LastIndex(apiVersion, "/"); i >= 0 {
		gotGroup = apiVersion[:i]
	}
	if gotGroup != group || obj["kind"] != kind {
		t.Errorf("%s: apiVersion %q, kind %v is not a %s %s", path, apiVersion, obj["kind"], group, kind)
		return nil
	}
	return obj
}
