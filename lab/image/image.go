// Package image provides the lab's Docker images without a registry:
// Debian base root filesystems bootstrapped with mmdebstrap and loaded with
// `docker import`, and the lab images built on them from images/NAME.
//
// Every tag carries a content hash of what went into it, so an unchanged
// image is found in the engine and never rebuilt.
package image

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"

	cgohostlab "github.com/cgohostlab/cgohostlab"
	"github.com/cgohostlab/cgohostlab/lab/engine"
)

// recipeVersion changes when the way bases are bootstrapped changes in a
// way their package list does not show.
const recipeVersion = "1"

// Base is a Debian root filesystem with everything the lab images need,
// installed at bootstrap so that no image build needs a network.
type Base struct {
	Name  string // tag prefix, for example "bookworm"
	Suite string // Debian suite given to mmdebstrap
	// ExtraSuites are further suites of the same mirror that packages may
	// come from, for example "bookworm-backports".
	ExtraSuites []string
	// Packages are installed on top of the apt variant; "name/suite"
	// takes a package from one of the extra suites.
	Packages []string
	Notes    string
	// Arch is the Debian architecture of the root filesystem; empty means
	// amd64. Another architecture is bootstrapped and run through
	// qemu-user (see lab/binfmt) and imported with its platform.
	Arch string
	// ForeignArches are further Debian architectures whose packages may
	// be installed as "name:arch" (dpkg multiarch).
	ForeignArches []string
	// Variant is the mmdebstrap variant; empty means apt.
	Variant string
}

// common are the packages every base has: the C toolchains of the glibc
// and musl images and readelf, which reports each host's interpreter.
var common = []string{"gcc", "libc6-dev", "musl-tools", "make", "binutils", "ca-certificates"}

// Bases lists the base root filesystems. Each holds the Debian Go
// packages of its release and that release's backports.
var Bases = []Base{
	{
		Name:  "bullseye",
		Suite: "bullseye",
		// Debian packages no Go with C-thread Ms for bullseye. The Go
		// packages of bookworm-backports install here: they depend only
		// on their sources, and their binaries are static.
		ExtraSuites: []string{"bookworm-backports"},
		Packages: append(slices.Clone(common),
			"golang-1.21-go/bookworm-backports", "golang-1.22-go/bookworm-backports"),
		Notes: "Debian 11: glibc 2.31, musl 1.2.2, and Go 1.21 and 1.22 from bookworm-backports.",
	},
	{
		Name:        "bookworm",
		Suite:       "bookworm",
		ExtraSuites: []string{"bookworm-backports"},
		Packages: append(slices.Clone(common), "golang-1.19-go",
			"golang-1.21-go/bookworm-backports", "golang-1.22-go/bookworm-backports", "golang-1.23-go/bookworm-backports"),
		Notes: "Debian 12: glibc 2.36, musl 1.2.3, Go 1.19 and, from backports, Go 1.21 to 1.23.",
	},
	{
		Name:        "trixie",
		Suite:       "trixie",
		ExtraSuites: []string{"trixie-backports"},
		Packages: append(slices.Clone(common), "golang-1.24-go",
			"golang-1.25-go/trixie-backports", "golang-1.26-go/trixie-backports"),
		Notes: "Debian 13: glibc 2.41, musl 1.2.5, Go 1.24 and, from backports, Go 1.25 and 1.26.",
	},
}

// Salts for the content hashes. A salt gives every base or lab image a
// tag that the engine does not have, so the next request builds it anew
// while the images of other runs stay where they are. The interruption
// test uses them to reach the cold paths, and so can a cold timing.
const (
	BaseSaltEnv  = "CGOHOSTLAB_BASE_SALT"
	ImageSaltEnv = "CGOHOSTLAB_IMAGE_SALT"
)

// Tag returns the base's content-addressed image reference.
func (b Base) Tag() string {
	h := sha256.New()
	pkgs := slices.Clone(b.Packages)
	slices.Sort(pkgs)
	fmt.Fprintf(h, "recipe=%s\nsuite=%s\nextra=%s\npackages=%s\n", recipeVersion, b.Suite,
		strings.Join(b.ExtraSuites, ","), strings.Join(pkgs, ","))
	if salt := os.Getenv(BaseSaltEnv); salt != "" {
		fmt.Fprintf(h, "salt=%s\n", salt)
	}
	// Written only when set, so the tags of the amd64 bases stay as they
	// were before bases had these fields.
	if b.Arch != "" {
		fmt.Fprintf(h, "arch=%s\n", b.Arch)
	}
	if len(b.ForeignArches) > 0 {
		fmt.Fprintf(h, "foreign=%s\n", strings.Join(b.ForeignArches, ","))
	}
	if b.Variant != "" {
		fmt.Fprintf(h, "variant=%s\n", b.Variant)
	}
	return "cgohostlab-base:" + b.Name + "-" + hex.EncodeToString(h.Sum(nil))[:12]
}

// Image is a lab image: a folder images/DIR with a Dockerfile built FROM
// a base (passed as the build argument BASE). Images of one C library on
// several Debian releases share a folder.
type Image struct {
	Name string
	Dir  string // folder under images/
	Base string // Base.Name
	CC   string // C compiler of the image
	Libc string // "glibc" or "musl"
	// Arch is the Debian architecture of the hosts; empty means amd64,
	// built and run in one container of this image. For another
	// architecture this image cross-compiles and a container of RunBase,
	// that architecture's root filesystem, runs the hosts.
	Arch    string
	RunBase string
}

// Builder provides images. Within one process it builds each image at
// most once, even when groups request it concurrently (sync.Once per image).
type Builder struct {
	Engine *engine.Engine
	// Mirror is the Debian mirror for mmdebstrap.
	Mirror string
	// Registry, when set, is tried for a base before mmdebstrap: the base
	// is pulled as REGISTRY/TAG.
	Registry string
	// Mmdebstrap is the mmdebstrap command; empty means look it up in PATH.
	Mmdebstrap string

	mu   sync.Mutex
	once map[string]*onceResult
}

type onceResult struct {
	once sync.Once
	tag  string
	err  error
}

// NewBuilder returns a builder configured from the environment:
// CGOHOSTLAB_DEBIAN_MIRROR and CGOHOSTLAB_REGISTRY.
func NewBuilder(e *engine.Engine) *Builder {
	mirror := os.Getenv("CGOHOSTLAB_DEBIAN_MIRROR")
	if mirror == "" {
		mirror = "http://deb.debian.org/debian"
	}
	return &Builder{Engine: e, Mirror: mirror, Registry: os.Getenv("CGOHOSTLAB_REGISTRY")}
}

func (b *Builder) do(key string, f func() (string, error)) (string, error) {
	b.mu.Lock()
	if b.once == nil {
		b.once = map[string]*onceResult{}
	}
	r, ok := b.once[key]
	if !ok {
		r = &onceResult{}
		b.once[key] = r
	}
	b.mu.Unlock()
	r.once.Do(func() { r.tag, r.err = f() })
	return r.tag, r.err
}

// Image returns the tag of the lab image im, building it and its base if
// the engine does not have them.
func (b *Builder) Image(ctx context.Context, im Image) (string, error) {
	return b.do("image/"+im.Name, func() (string, error) {
		base, err := BaseByName(im.Base)
		if err != nil {
			return "", err
		}
		baseTag, err := b.Base(ctx, base)
		if err != nil {
			return "", err
		}
		tag, err := b.buildImage(ctx, im, baseTag)
		if err != nil {
			return "", fmt.Errorf("build image %s: %w", im.Name, err)
		}
		return tag, nil
	})
}

// BaseByName returns the base with the given name.
func BaseByName(name string) (Base, error) {
	for _, b := range Bases {
		if b.Name == name {
			return b, nil
		}
	}
	return Base{}, fmt.Errorf("unknown base %q", name)
}

// Base returns the tag of base, taking it from the engine, else from the
// registry, else bootstrapping it with mmdebstrap.
func (b *Builder) Base(ctx context.Context, base Base) (string, error) {
	return b.do("base/"+base.Name, func() (string, error) {
		tag := base.Tag()
		if b.exists(ctx, tag) {
			b.Engine.Log.Info("base image present", "tag", tag)
			return tag, nil
		}
		var pullErr error
		if b.Registry != "" {
			if pullErr = b.pull(ctx, tag); pullErr == nil {
				return tag, nil
			}
			b.Engine.Log.Warn("pull base image failed; trying mmdebstrap", "tag", tag, "err", pullErr)
		}
		if err := b.bootstrap(ctx, base, tag); err != nil {
			if pullErr != nil {
				err = errors.Join(pullErr, err)
			}
			return "", fmt.Errorf("bootstrap base %s: %w", base.Name, err)
		}
		return tag, nil
	})
}

func (b *Builder) exists(ctx context.Context, tag string) bool {
	_, err := b.Engine.Client.ImageInspect(ctx, tag)
	return err == nil
}

func (b *Builder) pull(ctx context.Context, tag string) error {
	remote := strings.TrimSuffix(b.Registry, "/") + "/" + tag
	b.Engine.Log.Info("pull base image", "ref", remote)
	resp, err := b.Engine.Client.ImagePull(ctx, remote, client.ImagePullOptions{})
	if err != nil {
		return fmt.Errorf("pull %s: %w", remote, err)
	}
	if err := resp.Wait(ctx); err != nil {
		return fmt.Errorf("pull %s: %w", remote, err)
	}
	if _, err := b.Engine.Client.ImageTag(ctx, client.ImageTagOptions{Source: remote, Target: tag}); err != nil {
		return fmt.Errorf("tag %s as %s: %w", remote, tag, err)
	}
	return nil
}

// ErrNoBootstrap is returned when a base is missing and cannot be made.
var ErrNoBootstrap = errors.New("no way to get a base image")

// MmdebstrapPath returns the mmdebstrap command, or an error that names
// both ways to get a base image: installing mmdebstrap or a registry.
func (b *Builder) MmdebstrapPath(tag string) (string, error) {
	if b.Mmdebstrap != "" {
		return b.Mmdebstrap, nil
	}
	p, err := exec.LookPath("mmdebstrap")
	if err != nil {
		return "", fmt.Errorf("%w: %s is not in the engine, no registry was given, and mmdebstrap is not installed: "+
			"install mmdebstrap (`apt-get install mmdebstrap` on Debian or Ubuntu, run as root) "+
			"or set CGOHOSTLAB_REGISTRY to a registry that holds %s", ErrNoBootstrap, tag, tag)
	}
	return p, nil
}

// bootstrap runs mmdebstrap to a tar stream and imports it as tag.
func (b *Builder) bootstrap(ctx context.Context, base Base, tag string) error {
	mm, err := b.MmdebstrapPath(tag)
	if err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		// NOTE: mmdebstrap can also run unprivileged in its unshare mode
		// where user namespaces are allowed; the lab uses root mode only.
		return fmt.Errorf("%w: mmdebstrap requires root in the lab's root mode but the lab is not running as root: run it as root, or set CGOHOSTLAB_REGISTRY to a registry that holds %s", ErrNoBootstrap, tag)
	}
	args, err := bootstrapArgs(base)
	if err != nil {
		return err
	}
	for _, suite := range append([]string{base.Suite}, base.ExtraSuites...) {
		args = append(args, "deb "+b.Mirror+" "+suite+" main")
	}
	start := time.Now()
	b.Engine.Log.Info("bootstrap base image", "tag", tag, "cmd", mm+" "+strings.Join(args, " "))

	scratch, err := newScratch()
	if err != nil {
		return err
	}
	defer scratch.remove(b.Engine.Log)
	cmd := exec.CommandContext(ctx, mm, args...)
	scratch.own(cmd)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", mm, err)
	}
	_, importErr := b.Engine.Client.ImageImport(ctx,
		client.ImageImportSource{Source: out, SourceName: "-"},
		tag,
		client.ImageImportOptions{Changes: []string{
			"LABEL " + engine.LabelLab + "=true " + engine.LabelKind + "=" + engine.KindImage,
			"ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			`CMD ["/bin/bash"]`,
		}, Platform: base.Platform()},
	)
	// Drain what the import did not read so mmdebstrap can exit.
	io.Copy(io.Discard, out)
	waitErr := cmd.Wait()
	if waitErr != nil {
		// The engine imports whatever the stream held before mmdebstrap
		// failed, even nothing, so the tag must go or later runs take it
		// for a complete base.
		if importErr == nil {
			b.Engine.Client.ImageRemove(context.WithoutCancel(ctx), tag, client.ImageRemoveOptions{Force: true})
		}
		return fmt.Errorf("%s failed: %w\n%s", mm, waitErr, stderr.String())
	}
	if importErr != nil {
		return fmt.Errorf("docker import of %s: %w", tag, importErr)
	}
	b.Engine.Log.Info("base image ready", "tag", tag, "took", time.Since(start).Round(time.Second))
	return nil
}

// Tag returns the lab image's content-addressed reference for baseTag.
func (im Image) Tag(baseTag string) (string, error) {
	files, err := im.contextFiles()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "base=%s\n", baseTag)
	if salt := os.Getenv(ImageSaltEnv); salt != "" {
		fmt.Fprintf(h, "salt=%s\n", salt)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(h, "%s %d\n", n, len(files[n]))
		h.Write(files[n])
	}
	return "cgohostlab-" + im.Name + ":" + hex.EncodeToString(h.Sum(nil))[:12], nil
}

// contextFiles returns the files of images/NAME, keyed by their path in
// the build context.
func (im Image) contextFiles() (map[string][]byte, error) {
	dir := path.Join("images", im.Dir)
	files := map[string][]byte{}
	err := fs.WalkDir(cgohostlab.Sources, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(cgohostlab.Sources, p)
		if err != nil {
			return err
		}
		files[strings.TrimPrefix(p, dir+"/")] = data
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	if _, ok := files["Dockerfile"]; !ok {
		return nil, fmt.Errorf("%s/Dockerfile not found", dir)
	}
	return files, nil
}

func (b *Builder) buildImage(ctx context.Context, im Image, baseTag string) (string, error) {
	tag, err := im.Tag(baseTag)
	if err != nil {
		return "", err
	}
	if b.exists(ctx, tag) {
		b.Engine.Log.Info("lab image present", "image", im.Name, "tag", tag)
		return tag, nil
	}
	files, err := im.contextFiles()
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, data := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data))}); err != nil {
			return "", err
		}
		tw.Write(data)
	}
	if err := tw.Close(); err != nil {
		return "", err
	}

	start := time.Now()
	b.Engine.Log.Info("build lab image", "image", im.Name, "tag", tag, "base", baseTag)
	resp, err := b.Engine.Client.ImageBuild(ctx, &buf, client.ImageBuildOptions{
		Tags:        []string{tag},
		Dockerfile:  "Dockerfile",
		BuildArgs:   map[string]*string{"BASE": &baseTag},
		Labels:      map[string]string{engine.LabelLab: "true", engine.LabelKind: engine.KindImage},
		Remove:      true,
		ForceRemove: true,
		Version:     build.BuilderV1,
	})
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	log, err := readBuildStream(resp.Body)
	if err != nil {
		return "", fmt.Errorf("%w\nbuild output:\n%s", err, log)
	}
	b.Engine.Log.Info("lab image ready", "image", im.Name, "tag", tag, "took", time.Since(start).Round(time.Millisecond))
	return tag, nil
}

// readBuildStream reads the engine's JSON build messages and returns the
// build's text and its error, if any.
func readBuildStream(r io.Reader) (string, error) {
	var log strings.Builder
	dec := json.NewDecoder(r)
	for {
		var msg struct {
			Stream      string `json:"stream"`
			Error       string `json:"error"`
			ErrorDetail struct {
				Message string `json:"message"`
			} `json:"errorDetail"`
		}
		if err := dec.Decode(&msg); err == io.EOF {
			return log.String(), nil
		} else if err != nil {
			return log.String(), fmt.Errorf("read build output: %w", err)
		}
		log.WriteString(msg.Stream)
		if msg.Error != "" {
			return log.String(), errors.New(msg.Error)
		}
	}
}
