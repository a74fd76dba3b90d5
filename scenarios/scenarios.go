// Package scenarios holds the lab's scenario definitions and its catalogue
// of known upstream issues as JSON data, and loads and validates them.
//
// A scenario names the C host to run, its timeout, the checks that judge
// its output, and the expected outcome of the cells where it must not
// simply pass. A known issue names an upstream bug and the signature by
// which the lab recognizes it in a cell's result.
package scenarios

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

//go:embed *.json
var files embed.FS

// knownIssuesFile is the catalogue's file name; every other .json file in
// the folder is one scenario.
const knownIssuesFile = "known-issues.json"

// Checks that a scenario may request.
const (
	// CheckBounds fails a cell when the probe's g0 lower bound lies below
	// the true stack on any call.
	CheckBounds = "bounds"
	// CheckMLeak fails a cell when Ms created grow with the number of C
	// threads that came and went.
	CheckMLeak = "mleak"
	// CheckMainCost fails a cell when callbacks from the main thread cost
	// many times those from another thread.
	CheckMainCost = "maincost"
	// CheckMKept fails a cell when a C thread gives its M back after a
	// call into Go instead of keeping it until it exits.
	CheckMKept = "mkept"
	// CheckPthreadKeys fails a cell when the number of pthread keys in use
	// in the process changes between the host's keys records.
	CheckPthreadKeys = "pthreadkeys"
	// CheckExtraInC fails a cell when Go code runs on an extra M that the
	// runtime marks as running only C code (the nested host reports it).
	CheckExtraInC = "extrainc"
)

var validChecks = []string{CheckBounds, CheckMLeak, CheckMainCost, CheckMKept, CheckPthreadKeys, CheckExtraInC}

// Outcomes that an expectation may name.
const (
	OutcomePass       = "pass"
	OutcomeKnownIssue = "known-issue"
	// OutcomeFail expects a failure with the expectation's own signature:
	// a regression injection that the scenario must catch, or a finding
	// of the lab that has no upstream issue.
	OutcomeFail = "fail"
)

var validOutcomes = []string{OutcomePass, OutcomeKnownIssue, OutcomeFail}

// validBoundsClasses are the bounds classes of the judge package.
var validBoundsClasses = []string{"exact", "conservative", "estimate", "unsafe"}

// Signals a signature may name, as the lab reports a host's death.
var validSignals = []string{"SIGSEGV", "SIGBUS", "SIGABRT", "SIGILL", "SIGKILL", "SIGQUIT", "SIGTRAP"}

// Verdict-based signatures: a check that failed.
var validSignatureVerdicts = []string{"bounds-unsafe", "mleak", "maincost", "mkept", "pthreadkeys", "extrainc", "hang"}

var namePattern = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// Scenario is one scenario file.
type Scenario struct {
	Name    string `json:"name"`
	Summary string `json:"summary"`
	// Host is the C host in hosts/, without .c. A scenario folder has no
	// host field: its host is the folder's .c files.
	Host string   `json:"host,omitempty"`
	Args []string `json:"args,omitempty"`
	// Env holds environment variables set for the host's run.
	Env map[string]string `json:"env,omitempty"`
	// StackLimit is the RLIMIT_STACK soft limit the host starts under, as
	// `ulimit -s` takes it: KiB, or "unlimited". Empty keeps the
	// container's limit.
	StackLimit string   `json:"stack_limit,omitempty"`
	Timeout    Duration `json:"timeout"`
	Smoke      bool     `json:"smoke"`
	// BuildMode is the Go library's -buildmode: "c-archive" or
	// "c-shared". Parse sets "c-archive" when the file leaves it out.
	BuildMode string `json:"buildmode,omitempty"`
	// Load is the host's way to reach a c-shared library: "link" (named
	// at link time, loaded by the program interpreter) or "dlopen"
	// (opened at run time). Parse sets "link" when the file leaves it out.
	Load   string        `json:"load,omitempty"`
	Checks []string      `json:"checks"`
	Expect []Expectation `json:"expect,omitempty"`
	// KnownIssues are known issues that a scenario folder adds to the
	// catalogue for its own expectations.
	KnownIssues []*KnownIssue `json:"known_issues,omitempty"`

	// Dir is the folder of a bring-your-own scenario, "" for a built-in
	// one; Files holds that folder's files (see LoadDir).
	Dir   string            `json:"-"`
	Files map[string][]byte `json:"-"`

	// Benchmark marks a scenario that measures time: its cells run while
	// no other cell or build of the lab runs, so the lab's own load does
	// not disturb the measurement.
	Benchmark bool `json:"benchmark,omitempty"`
}

// Build modes and load methods that a scenario may name.
const (
	BuildModeCArchive = "c-archive"
	BuildModeCShared  = "c-shared"
	LoadLink          = "link"
	LoadDlopen        = "dlopen"
)

var (
	validBuildModes = []string{BuildModeCArchive, BuildModeCShared}
	validLoads      = []string{LoadLink, LoadDlopen}
	envNamePattern  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// Expectation is the expected outcome of the cells it matches. An empty
// Libc, Image, Toolchain or Variant matches every value. Variant matches
// a cell's variant or one of its parts joined with "+", so
// "sticky-bounds" also matches "noargv+sticky-bounds".
type Expectation struct {
	Libc      string `json:"libc,omitempty"`
	Image     string `json:"image,omitempty"`
	Toolchain string `json:"toolchain,omitempty"`
	Variant   string `json:"variant,omitempty"`
	Outcome   string `json:"outcome"`
	Issue     string `json:"issue,omitempty"`
	// Signature is the failure that OutcomeFail expects.
	Signature *Signature `json:"signature,omitempty"`
	// Bounds maps a thread kind to the bounds class that the worst of its
	// calls must have: exact, conservative, estimate or unsafe.
	Bounds map[string]string `json:"bounds,omitempty"`
	Reason string            `json:"reason"`
	// Source names where the expected outcome comes from: an upstream
	// issue or document, or the lab's own model or measurement.
	Source string `json:"source,omitempty"`
}

// Cell names the coordinates an expectation is matched against.
type Cell struct {
	Libc, Image, Toolchain, Variant string
}

// Matches reports whether e applies to cell c.
func (e Expectation) Matches(c Cell) bool {
	return (e.Libc == "" || e.Libc == c.Libc) &&
		(e.Image == "" || e.Image == c.Image) &&
		(e.Toolchain == "" || e.Toolchain == c.Toolchain) &&
		(e.Variant == "" || e.Variant == c.Variant || slices.Contains(strings.Split(c.Variant, "+"), e.Variant))
}

// Expected returns the first expectation that matches the cell, or a pass
// expectation when none does.
func (s *Scenario) Expected(c Cell) Expectation {
	for _, e := range s.Expect {
		if e.Matches(c) {
			return e
		}
	}
	return Expectation{Outcome: OutcomePass}
}

// HasCheck reports whether the scenario requests check.
func (s *Scenario) HasCheck(check string) bool {
	return slices.Contains(s.Checks, check)
}

// KnownIssue is one entry of the known-issue catalogue.
type KnownIssue struct {
	ID        string    `json:"id"`
	Link      string    `json:"link"`
	Title     string    `json:"title"`
	Status    string    `json:"status"`
	Signature Signature `json:"signature"`
}

// Signature is the pattern by which the lab recognizes a known issue or an
// expected failure in a cell's result. Every field that is set must match.
type Signature struct {
	// Signal is the signal that killed the host, for example "SIGSEGV".
	Signal string `json:"signal,omitempty"`
	// BeforeGo is true when the host must have died before any call into
	// Go returned. (The runtime of a c-archive initializes on a thread of
	// its own while main runs, so whether main wrote its start record
	// first is a race.)
	BeforeGo bool `json:"before_go,omitempty"`
	// Stderr is a regular expression that the host's stderr must match.
	Stderr string `json:"stderr,omitempty"`
	// Verdict is a failed check ("bounds-unsafe", "mleak", "maincost",
	// "mkept", "pthreadkeys" or "extrainc") or "hang".
	Verdict string `json:"verdict,omitempty"`
	// AnyOf lists alternatives: the signature matches when one of them
	// does (and every other field set here matches too).
	AnyOf []Signature `json:"any_of,omitempty"`
}

// Duration is a time.Duration written as a string such as "90s".
type Duration struct{ time.Duration }

// UnmarshalJSON parses a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &DurationError{fmt.Sprintf("want a duration string such as \"90s\", got %s", b)}
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return &DurationError{fmt.Sprintf("invalid duration %q: want a form such as \"90s\" or \"2m\"", s)}
	}
	d.Duration = v
	return nil
}

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(d.String())
}

// Set is a validated set of scenarios and known issues.
type Set struct {
	Scenarios   []*Scenario
	KnownIssues []*KnownIssue
}

// Scenario returns the scenario with the given name, or nil.
func (s *Set) Scenario(name string) *Scenario {
	for _, sc := range s.Scenarios {
		if sc.Name == name {
			return sc
		}
	}
	return nil
}

// KnownIssue returns the known issue with the given id, or nil.
func (s *Set) KnownIssue(id string) *KnownIssue {
	for _, ki := range s.KnownIssues {
		if ki.ID == id {
			return ki
		}
	}
	return nil
}

// Names returns the scenario names in order.
func (s *Set) Names() []string {
	var names []string
	for _, sc := range s.Scenarios {
		names = append(names, sc.Name)
	}
	return names
}

// Builtin loads and validates the scenarios embedded in this package.
func Builtin() (*Set, error) {
	return Load(files)
}

// Load reads every scenario file and the known-issue catalogue from fsys
// and validates them.
func Load(fsys fs.FS) (*Set, error) {
	set := &Set{}

	data, err := fs.ReadFile(fsys, knownIssuesFile)
	if err != nil {
		return nil, fmt.Errorf("read known issues: %w", err)
	}
	if err := decodeStrict(data, &set.KnownIssues); err != nil {
		return nil, fmt.Errorf("%s: %w", knownIssuesFile, err)
	}
	for i, ki := range set.KnownIssues {
		if err := ki.validate(); err != nil {
			return nil, fmt.Errorf("%s: entry %d: %w", knownIssuesFile, i, err)
		}
	}

	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	for _, name := range names {
		if name == knownIssuesFile {
			continue
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		sc, err := Parse(name, data, set)
		if err != nil {
			return nil, err
		}
		if prev := set.Scenario(sc.Name); prev != nil {
			return nil, fmt.Errorf("%s: scenario name %q is used twice", name, sc.Name)
		}
		set.Scenarios = append(set.Scenarios, sc)
	}
	if len(set.Scenarios) == 0 {
		return nil, errors.New("no scenario files found")
	}
	return set, nil
}

// Parse decodes and validates one scenario file. Known-issue references
// are checked against set's catalogue. file names the file in errors.
func Parse(file string, data []byte, set *Set) (*Scenario, error) {
	var sc Scenario
	if err := decodeStrict(data, &sc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(sc.KnownIssues) > 0 {
		return nil, fmt.Errorf("%s: field known_issues: only a scenario folder may add known issues; add built-in ones to %s", file, knownIssuesFile)
	}
	if err := sc.validate(set); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if want := strings.TrimSuffix(path.Base(file), ".json"); sc.Name != want {
		return nil, fmt.Errorf("%s: field name: %q must match the file name %q", file, sc.Name, want)
	}
	return &sc, nil
}

func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid JSON: %w", explainDecodeError(data, v, err))
	}
	if dec.More() {
		return errors.New("invalid JSON: extra data after the top-level value")
	}
	return nil
}

func (sc *Scenario) validate(set *Set) error {
	if !namePattern.MatchString(sc.Name) {
		return fmt.Errorf("field name: %q is invalid: use lowercase letters, digits and dashes, starting with a letter", sc.Name)
	}
	if sc.Summary == "" {
		return errors.New("field summary: missing: say in one sentence what the scenario proves")
	}
	switch {
	case sc.Dir != "" && sc.Host != "":
		return fmt.Errorf("field host: %q is not allowed in a scenario folder: the host is the folder's .c files", sc.Host)
	case sc.Dir == "" && !namePattern.MatchString(sc.Host):
		return fmt.Errorf("field host: %q is invalid: name a C host in hosts/ without the .c suffix", sc.Host)
	}
	if !validStackLimit(sc.StackLimit) {
		return fmt.Errorf("field stack_limit: %q is invalid: give KiB as a positive integer, as `ulimit -s` takes it, or \"unlimited\"", sc.StackLimit)
	}
	if sc.Timeout.Duration <= 0 {
		return errors.New("field timeout: missing or not positive: give a duration such as \"90s\"")
	}
	if err := sc.validateLibrary(); err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(sc.Env)) {
		if !envNamePattern.MatchString(k) {
			return fmt.Errorf("field env: variable name %q is invalid: use letters, digits and underscores, not starting with a digit", k)
		}
	}
	for _, c := range sc.Checks {
		if !slices.Contains(validChecks, c) {
			return fmt.Errorf("field checks: unknown check %q: allowed are %s", c, strings.Join(validChecks, ", "))
		}
	}
	for i, e := range sc.Expect {
		if err := e.validate(set); err != nil {
			return fmt.Errorf("field expect[%d]: %w", i, err)
		}
	}
	return nil
}

// validateLibrary checks buildmode and load and fills in their defaults.
func (sc *Scenario) validateLibrary() error {
	if sc.BuildMode == "" {
		sc.BuildMode = BuildModeCArchive
	}
	if sc.Load == "" {
		sc.Load = LoadLink
	}
	if !slices.Contains(validBuildModes, sc.BuildMode) {
		return fmt.Errorf("field buildmode: %q is invalid: allowed are %s", sc.BuildMode, strings.Join(validBuildModes, ", "))
	}
	if !slices.Contains(validLoads, sc.Load) {
		return fmt.Errorf("field load: %q is invalid: allowed are %s", sc.Load, strings.Join(validLoads, ", "))
	}
	if sc.Load == LoadDlopen && sc.BuildMode != BuildModeCShared {
		return fmt.Errorf("field load: %q needs buildmode %q, got %q", LoadDlopen, BuildModeCShared, sc.BuildMode)
	}
	return nil
}

var stackLimitKiB = regexp.MustCompile(`^[1-9][0-9]{0,9}$`)

func validStackLimit(s string) bool {
	return s == "" || s == "unlimited" || stackLimitKiB.MatchString(s)
}

func (e Expectation) validate(set *Set) error {
	if !slices.Contains(validOutcomes, e.Outcome) {
		return fmt.Errorf("outcome %q is invalid: allowed are %s", e.Outcome, strings.Join(validOutcomes, ", "))
	}
	if e.Reason == "" {
		return errors.New("reason: missing: say why this cell is expected to end this way")
	}
	switch {
	case e.Outcome == OutcomeKnownIssue && e.Issue == "":
		return errors.New("issue: missing: a known-issue outcome names an id from known-issues.json")
	case e.Outcome != OutcomeKnownIssue && e.Issue != "":
		return fmt.Errorf("issue: %q is set but outcome is %q: set outcome to %q", e.Issue, e.Outcome, OutcomeKnownIssue)
	case e.Outcome == OutcomeFail && e.Signature == nil:
		return errors.New("signature: missing: a fail outcome needs the signal, stderr pattern or verdict of the failure it expects")
	case e.Outcome != OutcomeFail && e.Signature != nil:
		return fmt.Errorf("signature: set but outcome is %q: only a fail outcome has its own signature", e.Outcome)
	}
	for kind, class := range e.Bounds {
		if !slices.Contains(validBoundsClasses, class) {
			return fmt.Errorf("bounds[%q]: class %q is invalid: allowed are %s", kind, class, strings.Join(validBoundsClasses, ", "))
		}
	}
	if e.Issue != "" && set != nil && set.KnownIssue(e.Issue) == nil {
		var ids []string
		for _, ki := range set.KnownIssues {
			ids = append(ids, ki.ID)
		}
		return fmt.Errorf("issue: %q is not in known-issues.json (or, in a scenario folder, in its known_issues): known ids are %s",
			e.Issue, strings.Join(ids, ", "))
	}
	if e.Signature != nil {
		if err := e.Signature.validate("signature"); err != nil {
			return err
		}
	}
	return nil
}

func (ki *KnownIssue) validate() error {
	if !namePattern.MatchString(ki.ID) {
		return fmt.Errorf("field id: %q is invalid: use lowercase letters, digits and dashes, such as go13492", ki.ID)
	}
	if !strings.HasPrefix(ki.Link, "https://") {
		return fmt.Errorf("field link: %q must be an https URL of the upstream issue", ki.Link)
	}
	if ki.Title == "" {
		return fmt.Errorf("field title: missing for %s", ki.ID)
	}
	return ki.Signature.validate("field signature")
}

func (sig *Signature) validate(field string) error {
	if sig.Signal == "" && !sig.BeforeGo && sig.Stderr == "" && sig.Verdict == "" && len(sig.AnyOf) == 0 {
		return fmt.Errorf("%s: empty: set signal, before_go, stderr, verdict or any_of", field)
	}
	if sig.Signal != "" && !slices.Contains(validSignals, sig.Signal) {
		return fmt.Errorf("%s.signal: %q is invalid: allowed are %s", field, sig.Signal, strings.Join(validSignals, ", "))
	}
	if sig.Stderr != "" {
		if _, err := regexp.Compile(sig.Stderr); err != nil {
			return fmt.Errorf("%s.stderr: invalid regular expression: %w", field, err)
		}
	}
	if sig.Verdict != "" && !slices.Contains(validSignatureVerdicts, sig.Verdict) {
		return fmt.Errorf("%s.verdict: %q is invalid: allowed are %s", field, sig.Verdict, strings.Join(validSignatureVerdicts, ", "))
	}
	for i := range sig.AnyOf {
		if err := sig.AnyOf[i].validate(fmt.Sprintf("%s.any_of[%d]", field, i)); err != nil {
			return err
		}
	}
	return nil
}
