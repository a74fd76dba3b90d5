package overlay

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
)

// Patch is a proposed change to a toolchain's sources: one or more
// unified diffs against the GOROOT tree (the form `git diff` writes, with
// paths such as a/src/runtime/proc.go), applied in order. The lab applies
// it to copies of the files it touches and passes them to
// `go build -overlay`, so a patched build never writes into a GOROOT.
type Patch struct {
	Name string
	// Sources are the diff files, in the order they apply.
	Sources []string
	files   []patchFile
}

// patchFile is the diff of one file of the GOROOT tree.
type patchFile struct {
	source string // the diff file it came from
	path   string // relative to GOROOT, starting with src/
	diff   *gitdiff.File
}

var patchName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// PatchNameFromFile returns the patch name that a diff file gives by
// default: its base name without a .diff or .patch extension, in lower
// case.
func PatchNameFromFile(file string) string {
	base := strings.ToLower(path.Base(strings.ReplaceAll(file, `\`, "/")))
	for _, ext := range []string{".diff", ".patch"} {
		base = strings.TrimSuffix(base, ext)
	}
	return base
}

// LoadPatch reads and checks the diff files of a patch named name. An
// empty name takes the first file's (see PatchNameFromFile). Each error
// names the file and, where one is to blame, the hunk.
func LoadPatch(name string, files ...string) (*Patch, error) {
	if len(files) == 0 {
		return nil, errors.New("patch: no diff file given")
	}
	if name == "" {
		name = PatchNameFromFile(files[0])
	}
	if !patchName.MatchString(name) {
		return nil, fmt.Errorf("invalid patch name %q: use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit", name)
	}
	p := &Patch{Name: name}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("patch %s: %w", name, err)
		}
		parsed, err := parseDiff(file, data)
		if err != nil {
			return nil, err
		}
		p.Sources = append(p.Sources, file)
		p.files = append(p.files, parsed...)
	}
	return p, nil
}

// parseDiff parses one diff file and checks that every file it changes is
// a text file under src/ that it modifies or creates.
func parseDiff(source string, data []byte) ([]patchFile, error) {
	diffs, _, err := gitdiff.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: invalid unified diff: %w", source, err)
	}
	if len(diffs) == 0 {
		return nil, fmt.Errorf("%s: not a unified diff: no file header such as "+
			"'--- a/src/runtime/proc.go' and '+++ b/src/runtime/proc.go' followed by a hunk '@@ -l,s +l,s @@'", source)
	}
	var out []patchFile
	for _, d := range diffs {
		name := d.NewName
		if d.IsDelete {
			name = d.OldName
		}
		hunk := ""
		if len(d.TextFragments) > 0 {
			hunk = ", hunk " + strings.TrimSpace(d.TextFragments[0].Header())
		}
		rel, ok := gorootPath(name)
		if !ok {
			return nil, fmt.Errorf("%s: file %s%s: the path is outside src/; "+
				"a patch changes the toolchain's sources, with paths such as a/src/runtime/proc.go", source, name, hunk)
		}
		switch {
		case d.IsBinary:
			return nil, fmt.Errorf("%s: file %s: binary diffs are not supported", source, name)
		case d.IsDelete:
			return nil, fmt.Errorf("%s: file %s: deletes the file, which a patch trial does not support; change the file instead", source, name)
		case d.IsRename || d.IsCopy:
			return nil, fmt.Errorf("%s: file %s: renames and copies are not supported; write the new file as added", source, name)
		case rel == ProbeFile:
			return nil, fmt.Errorf("%s: file %s: the lab's probe uses this path", source, name)
		case len(d.TextFragments) == 0:
			return nil, fmt.Errorf("%s: file %s: no hunk; mode changes alone do not change a build", source, name)
		}
		out = append(out, patchFile{source: source, path: rel, diff: d})
	}
	return out, nil
}

// gorootPath returns name relative to GOROOT with git's a/ or b/ prefix
// removed, and whether it lies under src/.
func gorootPath(name string) (string, bool) {
	for _, prefix := range []string{"a/", "b/"} {
		if strings.HasPrefix(name, prefix+"src/") {
			name = strings.TrimPrefix(name, prefix)
		}
	}
	clean := path.Clean(name)
	return clean, clean == name && strings.HasPrefix(clean, "src/") && !strings.Contains(clean, "..")
}

// PatchError is a patch that does not apply to a toolchain: a hunk whose
// lines are not in the file, or a file the toolchain does not have.
type PatchError struct {
	Patch  string
	Source string // the diff file
	Path   string // relative to GOROOT
	// Hunk is the rejected hunk as the diff wrote it; empty when the file
	// itself is missing.
	Hunk   string
	Reason string
}

func (e *PatchError) Error() string {
	msg := fmt.Sprintf("patch %s does not apply: %s (from %s): %s", e.Patch, e.Path, e.Source, e.Reason)
	if e.Hunk != "" {
		msg += "\nrejected hunk:\n" + e.Hunk
	}
	return msg
}

// Apply applies the patch to the toolchain that read reads and returns
// the changed and added files, keyed by path relative to GOROOT. It
// returns a *PatchError when the patch does not apply.
//
// Like `git apply`, a hunk applies where its context and removed lines
// match the file: at the line the diff names, or else at the nearest line
// where they match. Toolchains of other versions hold the same code at
// other lines. The hunks, once placed, are applied by
// go-gitdiff, which checks every line.
func (p *Patch) Apply(read ReadFunc) (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, pf := range p.files {
		src, ok := files[pf.path]
		if !ok {
			b, err := read(pf.path)
			switch {
			case err == nil:
				src = b
			case errors.Is(err, fs.ErrNotExist) && pf.diff.IsNew:
				src = nil
			case errors.Is(err, fs.ErrNotExist):
				return nil, &PatchError{Patch: p.Name, Source: pf.source, Path: pf.path, Hunk: pf.diff.TextFragments[0].String(),
					Reason: "the toolchain has no such file"}
			default:
				return nil, fmt.Errorf("patch %s: read %s: %w", p.Name, pf.path, err)
			}
		}
		if pf.diff.IsNew && src != nil {
			return nil, &PatchError{Patch: p.Name, Source: pf.source, Path: pf.path, Hunk: pf.diff.TextFragments[0].String(),
				Reason: "the diff creates the file, but the toolchain already has it"}
		}
		out, err := p.applyFile(pf, src)
		if err != nil {
			return nil, err
		}
		files[pf.path] = out
	}
	return files, nil
}

// applyFile places each hunk of pf in src and applies them.
func (p *Patch) applyFile(pf patchFile, src []byte) ([]byte, error) {
	lines := splitLines(src)
	placed := *pf.diff
	placed.TextFragments = nil
	frags := append([]*gitdiff.TextFragment(nil), pf.diff.TextFragments...)
	sort.SliceStable(frags, func(i, j int) bool { return frags[i].OldPosition < frags[j].OldPosition })

	next := 0 // the first line that a later hunk may use
	for _, f := range frags {
		at, ok := locate(lines, f, next)
		if !ok {
			return nil, &PatchError{Patch: p.Name, Source: pf.source, Path: pf.path, Hunk: f.String(),
				Reason: "the hunk's context and removed lines are not in the file"}
		}
		shifted := *f
		if f.OldLines > 0 {
			delta := int64(at+1) - f.OldPosition
			shifted.OldPosition += delta
			shifted.NewPosition += delta
		}
		placed.TextFragments = append(placed.TextFragments, &shifted)
		next = at + int(f.OldLines)
	}

	var out bytes.Buffer
	if err := gitdiff.Apply(&out, bytes.NewReader(src), &placed); err != nil {
		hunk := ""
		var ae *gitdiff.ApplyError
		if errors.As(err, &ae) && ae.Fragment > 0 && ae.Fragment <= len(placed.TextFragments) {
			hunk = placed.TextFragments[ae.Fragment-1].String()
		}
		return nil, &PatchError{Patch: p.Name, Source: pf.source, Path: pf.path, Hunk: hunk, Reason: err.Error()}
	}
	return out.Bytes(), nil
}

// locate returns the 0-based line at which fragment f's context and
// removed lines appear in lines, at or after line from, preferring the
// line the diff names and then the nearest one. A hunk without such lines
// (a pure addition without context) stays where the diff puts it.
func locate(lines []string, f *gitdiff.TextFragment, from int) (int, bool) {
	var pre []string
	for _, l := range f.Lines {
		if l.Old() {
			pre = append(pre, l.Line)
		}
	}
	want := int(f.OldPosition) - 1
	if len(pre) == 0 {
		at := int(f.OldPosition)
		return at, at >= from && at <= len(lines)
	}
	matches := func(at int) bool {
		if at < from || at+len(pre) > len(lines) {
			return false
		}
		for i, l := range pre {
			if lines[at+i] != l {
				return false
			}
		}
		return true
	}
	for d := 0; d <= len(lines); d++ {
		if matches(want - d) {
			return want - d, true
		}
		if d > 0 && matches(want+d) {
			return want + d, true
		}
	}
	return 0, false
}

// splitLines splits src after each newline; the last line may lack one.
func splitLines(src []byte) []string {
	var lines []string
	for len(src) > 0 {
		i := bytes.IndexByte(src, '\n')
		if i < 0 {
			lines = append(lines, string(src))
			break
		}
		lines = append(lines, string(src[:i+1]))
		src = src[i+1:]
	}
	return lines
}

// WithPatch returns v with patch p applied to the toolchain's sources
// before v's own edits, named "VARIANT+patch=NAME".
func (v Variant) WithPatch(p *Patch) Variant {
	v.Name += "+patch=" + p.Name
	v.Summary += fmt.Sprintf(" Patch %s (%s) applied to the toolchain's sources first.", p.Name, strings.Join(p.Sources, ", "))
	v.Patch = p
	return v
}
