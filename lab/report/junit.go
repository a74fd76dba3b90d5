package report

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cgohostlab/cgohostlab/lab/judge"
)

// JUnitFile is the name of the JUnit XML file in the report directory.
const JUnitFile = "junit.xml"

// JUnit XML as Jenkins, GitLab and most CI systems read it: one test
// suite per group (image/toolchain/variant), one test case per scenario.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
	SystemErr string        `xml:"system-err,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// junit renders the cells as JUnit XML. Pass, a reproduced known issue
// and a reproduced expected failure are successes; fail and expected
// issue not reproduced are failures; error is an error. The caller holds
// r.mu.
func (r *Report) junit() ([]byte, error) {
	all := junitSuites{Name: "cgohostlab", Time: seconds(r.Duration.Seconds())}
	index := map[string]int{}
	var suiteSeconds []float64
	for _, c := range r.Cells {
		group := c.Image + "/" + c.Toolchain + "/" + c.Variant
		i, ok := index[group]
		if !ok {
			i = len(all.Suites)
			index[group] = i
			all.Suites = append(all.Suites, junitSuite{Name: group})
			suiteSeconds = append(suiteSeconds, 0)
		}
		s := &all.Suites[i]
		tc := junitCase{
			Name:      c.Scenario,
			Classname: group,
			Time:      seconds(c.Duration.Seconds()),
			SystemOut: fmt.Sprintf("verdict: %s\nexpected: %s\n%s\n", c.Verdict, c.Expected, c.Reason),
			SystemErr: c.Stderr,
		}
		problem := &junitProblem{
			Message: fmt.Sprintf("expected %s, got %s: %s", c.Expected, c.Verdict, firstLine(c.Reason)),
			Type:    string(c.Verdict),
			Text:    c.Reason + "\n" + checkLines(c.Checks),
		}
		switch c.Verdict {
		case judge.Pass, judge.KnownIssue, judge.ExpectedFailure:
		case judge.Error:
			problem.Text += c.BuildLog
			tc.Error = problem
			s.Errors++
			all.Errors++
		default:
			tc.Failure = problem
			s.Failures++
			all.Failures++
		}
		s.Tests++
		all.Tests++
		suiteSeconds[i] += c.Duration.Seconds()
		s.Time = seconds(suiteSeconds[i])
		s.Cases = append(s.Cases, tc)
	}
	out, err := xml.MarshalIndent(all, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

func seconds(s float64) string { return fmt.Sprintf("%.3f", s) }

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func checkLines(checks []judge.Check) string {
	var b strings.Builder
	for _, ch := range checks {
		fmt.Fprintf(&b, "check %s: passed=%v: %s\n", ch.Name, ch.Passed, ch.Detail)
	}
	return b.String()
}

// writeExtras writes the benchmark file, the JUnit XML and the charts
// into dir.
func (r *Report) writeExtras(dir string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	files := map[string][]byte{BenchFile: []byte(r.benchText())}
	junit, err := r.junit()
	if err != nil {
		return fmt.Errorf("render JUnit XML: %w", err)
	}
	files[JUnitFile] = junit
	for _, ch := range append(r.costCharts(), r.boundsCharts()...) {
		files[ch.File] = []byte(ch.SVG)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
