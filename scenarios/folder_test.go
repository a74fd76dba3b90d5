package scenarios

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// folderFS returns a scenario folder with a valid host and Go package and
// the given scenario file.
func folderFS(scenarioFile string) fstest.MapFS {
	return fstest.MapFS{
		FolderFile:           {Data: []byte(scenarioFile)},
		"main.c":             {Data: []byte("int main(void) { return 0; }\n")},
		"golib/lib.go":       {Data: []byte("package main\n\nfunc main() {}\n")},
		"golib/README.txt":   {Data: []byte("copied too\n")},
		"notes.md":           {Data: []byte("not copied\n")},
		"helper.h":           {Data: []byte("/* copied */\n")},
		"other/ignored.c":    {Data: []byte("/* not part of the host */\n")},
		"golib/sub/nested.c": {Data: []byte("/* copied with the package tree */\n")},
	}
}

func TestLoadFolderMalformed(t *testing.T) {
	const file = "byo/demo/scenario.json"
	tests := []struct {
		name string
		json string
		// field and allowed must each appear in the message, after the file.
		field, allowed string
	}{
		{"unknown field", `{"name":"demo","summary":"s","timeout":"1s","checks":[],"colour":"red"}`,
			`unknown field "colour" in the top level`, "allowed fields are name, summary, host, args, env, stack_limit, timeout"},
		{"unknown nested field", `{"name":"demo","summary":"s","timeout":"1s","checks":[],"expect":[{"outcome":"pass","reason":"r","cpu":"arm"}]}`,
			`unknown field "cpu" in expect[0]`, "allowed fields are libc, image, toolchain, variant, outcome, issue, signature, bounds, reason"},
		{"bad buildmode", `{"name":"demo","summary":"s","timeout":"1s","checks":[],"buildmode":"c-dynamic"}`,
			`field buildmode: "c-dynamic" is invalid`, "allowed are c-archive, c-shared"},
		{"bad load", `{"name":"demo","summary":"s","timeout":"1s","checks":[],"buildmode":"c-shared","load":"preload"}`,
			`field load: "preload" is invalid`, "allowed are link, dlopen"},
		{"dlopen of c-archive", `{"name":"demo","summary":"s","timeout":"1s","checks":[],"load":"dlopen"}`,
			`field load: "dlopen" needs buildmode "c-shared"`, `got "c-archive"`},
		{"host in folder", `{"name":"demo","summary":"s","host":"startup","timeout":"1s","checks":[]}`,
			`field host: "startup" is not allowed in a scenario folder`, "the host is the folder's .c files"},
		{"bad env name", `{"name":"demo","summary":"s","timeout":"1s","checks":[],"env":{"1WORKERS":"8"}}`,
			`field env: variable name "1WORKERS" is invalid`, "use letters, digits and underscores"},
		{"env value not a string", `{"name":"demo","summary":"s","timeout":"1s","checks":[],"env":{"WORKERS":8}}`,
			"Scenario.env", "of type string"},
		{"bad timeout", `{"name":"demo","summary":"s","timeout":"soon","checks":[]}`,
			`field timeout: invalid duration "soon"`, `a form such as "90s"`},
		{"unknown check", `{"name":"demo","summary":"s","timeout":"1s","checks":["speed"]}`,
			`field checks: unknown check "speed"`, "allowed are bounds, mleak"},
		{"bad outcome", `{"name":"demo","summary":"s","timeout":"1s","checks":[],"expect":[{"outcome":"flaky","reason":"r"}]}`,
			`field expect[0]: outcome "flaky" is invalid`, "allowed are pass, known-issue, fail"},
		{"unknown issue", `{"name":"demo","summary":"s","timeout":"1s","checks":[],"expect":[{"outcome":"known-issue","issue":"mine","reason":"r"}]}`,
			`field expect[0]: issue: "mine" is not in known-issues.json`, "in its known_issues"},
		{"own issue without link", `{"name":"demo","summary":"s","timeout":"1s","checks":[],"known_issues":[{"id":"mine","link":"example.test/1","title":"t","signature":{"signal":"SIGSEGV"}}]}`,
			`field known_issues[0]: field link: "example.test/1"`, "must be an https URL"},
		{"own issue bad signal", `{"name":"demo","summary":"s","timeout":"1s","checks":[],"known_issues":[{"id":"mine","link":"https://example.test/1","title":"t","signature":{"signal":"SEGV"}}]}`,
			`field known_issues[0]: field signature.signal: "SEGV" is invalid`, "allowed are SIGSEGV, SIGBUS"},
		{"own issue id taken", `{"name":"demo","summary":"s","timeout":"1s","checks":[],"known_issues":[{"id":"go1","link":"https://example.test/1","title":"t","signature":{"signal":"SIGSEGV"}}]}`,
			`field known_issues[0]: id "go1" is already taken`, "choose another id"},
		{"name taken", `{"name":"taken","summary":"s","timeout":"1s","checks":[]}`,
			`field name: "taken" is already the name of another scenario`, "choose another name"},
		{"bad name", `{"name":"Demo Scenario","summary":"s","timeout":"1s","checks":[]}`,
			`field name: "Demo Scenario" is invalid`, "use lowercase letters, digits and dashes"},
	}
	set := &Set{
		Scenarios:   []*Scenario{{Name: "taken"}},
		KnownIssues: []*KnownIssue{{ID: "go1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadFolder(folderFS(tt.json), filepath.Dir(file), set)
			if err == nil {
				t.Fatalf("expected an error naming %s, got none", tt.field)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, file+": ") {
				t.Errorf("expected the message to start with the file %q, got:\n%s", file, msg)
			}
			if !strings.Contains(msg, tt.field) {
				t.Errorf("expected the message to name the field as %q, got:\n%s", tt.field, msg)
			}
			if !strings.Contains(msg, tt.allowed) {
				t.Errorf("expected the message to say what is allowed, %q, got:\n%s", tt.allowed, msg)
			}
		})
	}
	if len(set.Scenarios) != 1 || len(set.KnownIssues) != 1 {
		t.Errorf("expected a failed load to leave the set unchanged, got %d scenarios and %d known issues", len(set.Scenarios), len(set.KnownIssues))
	}
}

func TestLoadFolderLayoutErrors(t *testing.T) {
	valid := `{"name":"demo","summary":"s","timeout":"1s","checks":[]}`
	noC := folderFS(valid)
	delete(noC, "main.c")
	noGo := folderFS(valid)
	delete(noGo, "golib/lib.go")
	noFile := folderFS(valid)
	delete(noFile, FolderFile)
	tests := []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{"no scenario file", noFile, "scenario folder byo/demo: scenario.json not found"},
		{"no C file", noC, "scenario folder byo/demo: no .c file: put the C host's .c files beside scenario.json"},
		{"no Go file", noGo, "scenario folder byo/demo: no .go file in golib/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadFolder(tt.fsys, "byo/demo", &Set{})
			if err == nil {
				t.Fatalf("expected an error containing %q, got none", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("expected an error containing %q, got:\n%v", tt.want, err)
			}
		})
	}
}

func TestLoadFolderValid(t *testing.T) {
	data := `{"name":"demo","summary":"s","timeout":"1s","checks":["bounds"],"buildmode":"c-shared","load":"dlopen",
		"env":{"WORKERS":"8"},
		"known_issues":[{"id":"mine","link":"https://example.test/1","title":"t","signature":{"stderr":"boom"}}],
		"expect":[{"libc":"musl","outcome":"known-issue","issue":"mine","reason":"r"}]}`
	sc, err := loadFolder(folderFS(data), "byo/demo", &Set{})
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for p := range sc.Files {
		files = append(files, p)
	}
	slices.Sort(files)
	want := []string{"golib/README.txt", "golib/lib.go", "golib/sub/nested.c", "helper.h", "main.c"}
	if !slices.Equal(files, want) {
		t.Errorf("expected files %v, got %v", want, files)
	}
	if sc.BuildMode != BuildModeCShared || sc.Load != LoadDlopen {
		t.Errorf("expected c-shared and dlopen, got %q and %q", sc.BuildMode, sc.Load)
	}
}

func TestLoadFolderDefaults(t *testing.T) {
	sc, err := loadFolder(folderFS(`{"name":"demo","summary":"s","timeout":"1s","checks":[]}`), "byo/demo", &Set{})
	if err != nil {
		t.Fatal(err)
	}
	if sc.BuildMode != BuildModeCArchive || sc.Load != LoadLink {
		t.Errorf("expected defaults c-archive and link, got %q and %q", sc.BuildMode, sc.Load)
	}
}

// TestExampleFoldersLoad loads every folder under examples/ as the lab
// does, so the README's example stays valid.
func TestExampleFoldersLoad(t *testing.T) {
	set, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	dirs, err := os.ReadDir("examples")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		sc, err := set.LoadDir(filepath.Join("examples", d.Name()))
		if err != nil {
			t.Errorf("example %s: %v", d.Name(), err)
			continue
		}
		if set.Scenario(sc.Name) != sc {
			t.Errorf("example %s: scenario %q not added to the set", d.Name(), sc.Name)
		}
	}
}
