// Package docs_test follows the kit's documentation as a user would, on a
// copy of the kit, so that its steps and snippets cannot drift from the
// code: the README's "Adding a page" and "Adding a route group and its
// policy", then docs/testing.md.
//
// Each fenced code block in those parts says what to do with it in an
// HTML comment on the line after its closing fence, which Markdown does not
// show:
//
//	<!-- doc-test: run -->              run each line with sh in the copy ("#" lines are comments)
//	<!-- doc-test: run exit=1 -->       the same, and each command must exit 1
//	<!-- doc-test: file PATH -->        write the block to PATH
//	<!-- doc-test: same PATH -->        PATH must hold exactly the block (what a command wrote)
//	<!-- doc-test: replace-line PATH LINE -->
//	                                    replace the one line of PATH reading LINE with the
//	                                    block, indented as that line was
//
// A block without one fails the test: every snippet of these parts runs.
package docs_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/testsupport/kitcopy"
)

// block is one fenced code block and what its marker says to do.
type block struct {
	at   string // "README.md:123", the opening fence
	body string
	verb string // run, file, same, replace-line
	args string
}

var marker = regexp.MustCompile(`^<!-- doc-test: (\S+)\s*(.*?)\s*-->$`)

// readBlocks returns the fenced blocks of the Markdown file path, within
// the level-2 sections titled sections (all of the file when none).
func readBlocks(t *testing.T, root, path string, sections ...string) []block {
	t.Helper()
	f, err := os.Open(filepath.Join(root, path))
	require.NoError(t, err)
	defer f.Close()
	var (
		out     []block
		in      = len(sections) == 0
		found   []string
		fence   string // the open fence's indentation and backticks; "" outside a block
		indent  string
		body    []string
		start   int
		pending *block // a closed block waiting for its marker
		lines   []string
		sc      = bufio.NewScanner(f)
	)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	require.NoError(t, sc.Err())
	for i, line := range lines {
		n := i + 1
		if fence == "" {
			if pending != nil && strings.TrimSpace(line) != "" {
				b := *pending
				pending = nil
				if m := marker.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
					b.verb, b.args = m[1], m[2]
					out = append(out, b)
					continue
				}
				t.Errorf("%s: a code block without a <!-- doc-test: ... --> line after it: every snippet here must run", b.at)
			}
			if title, ok := strings.CutPrefix(line, "## "); ok && len(sections) > 0 {
				in = slices.Contains(sections, title)
				if in {
					found = append(found, title)
				}
				continue
			}
			trimmed := strings.TrimLeft(line, " ")
			if in && strings.HasPrefix(trimmed, "```") {
				indent = line[:len(line)-len(trimmed)]
				fence, body, start = indent+"```", nil, n
			}
			continue
		}
		if strings.TrimRight(line, " ") == fence {
			pending = &block{at: path + ":" + strconv.Itoa(start), body: strings.Join(body, "\n") + "\n"}
			fence = ""
			continue
		}
		body = append(body, strings.TrimPrefix(line, indent))
	}
	require.Empty(t, fence, "%s: a code block opened at line %d is never closed", path, start)
	if pending != nil {
		t.Errorf("%s: a code block without a <!-- doc-test: ... --> line after it", pending.at)
	}
	for _, s := range sections {
		require.Contains(t, found, s, "%s has no section %q: the test follows it by its title", path, s)
	}
	return out
}

// follower applies blocks to a copy of the kit and remembers which Go
// packages the docs wrote into, to test them.
type follower struct {
	dir  string
	pkgs []string
	// tested is set once the docs said "make test": make's checks and the
	// tests run once, after the last step (check, test).
	tested bool
}

// check runs make test's own checks, as the docs' last "make test" would
// (generated code current, gofmt, templ fmt, go vet), and returns their
// output. make lint formats the files git knows: it adds what the docs
// wrote, as a user would before committing.
func (f *follower) check(t *testing.T) string {
	t.Helper()
	kitcopy.Run(t, f.dir, "git", "add", "-A")
	return kitcopy.Run(t, f.dir, "make", "--no-print-directory", "check-generated", "lint")
}

func (f *follower) apply(t *testing.T, b block) {
	t.Helper()
	switch b.verb {
	case "run":
		want := 0
		if b.args != "" {
			code, ok := strings.CutPrefix(b.args, "exit=")
			var err error
			want, err = strconv.Atoi(code)
			require.True(t, ok && err == nil, "%s: run takes exit=N, not %q", b.at, b.args)
		}
		for line := range strings.SplitSeq(b.body, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			f.run(t, b.at, line, want)
		}
	case "file":
		path := filepath.Join(f.dir, b.args)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(b.body), 0o644))
		if strings.HasSuffix(b.args, ".go") {
			if pkg := "./" + filepath.ToSlash(filepath.Dir(b.args)) + "/"; !slices.Contains(f.pkgs, pkg) {
				f.pkgs = append(f.pkgs, pkg)
			}
		}
	case "same":
		got, err := os.ReadFile(filepath.Join(f.dir, b.args))
		require.NoError(t, err, "%s: the docs show %s", b.at, b.args)
		assert.Equal(t, b.body, string(got), "%s: the docs show %s other than it is written", b.at, b.args)
	case "replace-line":
		path, line, ok := strings.Cut(b.args, " ")
		require.True(t, ok, "%s: replace-line takes PATH LINE", b.at)
		full := filepath.Join(f.dir, path)
		src, err := os.ReadFile(full)
		require.NoError(t, err)
		var out []string
		replaced := 0
		for l := range strings.SplitSeq(strings.TrimSuffix(string(src), "\n"), "\n") {
			if strings.TrimSpace(l) != line {
				out = append(out, l)
				continue
			}
			replaced++
			indent := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
			for bl := range strings.SplitSeq(strings.TrimSuffix(b.body, "\n"), "\n") {
				if bl != "" {
					bl = indent + bl
				}
				out = append(out, bl)
			}
		}
		require.Equal(t, 1, replaced, "%s: %s must hold the line %q once", b.at, path, line)
		require.NoError(t, os.WriteFile(full, []byte(strings.Join(out, "\n")+"\n"), 0o644))
	default:
		t.Fatalf("%s: unknown doc-test verb %q", b.at, b.verb)
	}
}

// run runs one command line of the docs. "make test" is run once, after
// the last step (check): each step of the docs adds to the one before, so
// the last state holds every page and group an earlier "make test" saw,
// and make's checks and the server's suite, with its PostgreSQL and
// Redis, run once instead of at every step.
func (f *follower) run(t *testing.T, at, line string, want int) {
	t.Helper()
	if line == "make test" {
		f.tested = true
		t.Logf("%s: make test: make's checks and the tests run after the last step", at)
		return
	}
	out, err := kitcopy.Try(f.dir, "sh", "-c", line)
	code := 0
	if err != nil {
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, "%s: %s did not run", at, line)
		code = exit.ExitCode()
	}
	require.Equal(t, want, code, "%s: %s exited %d, the docs expect %d:\n%s", at, line, code, want, out)
	t.Logf("%s: %s:\n%s", at, line, out)
}

// test runs the tests of the packages the docs touch, as the docs' last
// "make test" would: the rest of the suite says nothing about the docs.
// With -short: not the tests that copy the kit again, nor the Chromium
// tests, which testing.md's own step ran (go test ./internal/browser/).
func (f *follower) test(t *testing.T) {
	t.Helper()
	args := []string{"test", "-short", "./internal/server/...", "./views/...", "./static/"}
	if _, err := os.Stat(filepath.Join(f.dir, "internal/showcase")); err == nil {
		args = append(args, "./internal/showcase/") // gone after make remove-showcase
	}
	args = append(args, f.pkgs...)
	out := kitcopy.Run(t, f.dir, "go", args...)
	t.Logf("make test: %s", strings.TrimSpace(out))
}

// TestDocsRunAsWritten follows the README as a user starting an app from
// the kit would, in its order, on one copy of the kit: "Make it yours"
// (make remove-showcase), "Adding a page" and "Adding a route group and
// its policy", then docs/testing.md, and "Renaming the module" (make
// rename). Every command
// runs, every file they show is written where they say (or is what a
// command wrote), each "make test" passes make's checks, and the kit then
// passes the tests of everything the docs touched, the browser test they
// show included (it skips without Chromium, unless CI is set).
//
// One copy for the whole walk: the copy's build is most of the test's
// cost, and each step only adds to the one before, as in a user's clone.
func TestDocsRunAsWritten(t *testing.T) {
	root := kitcopy.Root(t)
	readme := readBlocks(t, root, "README.md", "Adding a page", "Adding a route group and its policy", "Using the CSP library in your own app")
	guide := readBlocks(t, root, "docs/testing.md")
	yours := readBlocks(t, root, "README.md", "Make it yours")
	rename := readBlocks(t, root, "README.md", "Renaming the module")
	for _, bs := range [][]block{readme, guide, yours, rename} {
		require.NotEmpty(t, bs)
	}

	skipIfScaffolded(t, root, append(readme, guide...))

	dir := kitcopy.New(t)
	kitcopy.Run(t, dir, "git", "init", "-q")
	f := &follower{dir: dir}
	for _, b := range yours {
		f.apply(t, b)
	}
	checkShowcaseRemoved(t, dir)
	for _, b := range append(readme, guide...) {
		f.apply(t, b)
	}
	require.True(t, f.tested, "the docs no longer say to run make test")

	// The Go the docs show is formatted as make lint wants (checked
	// before make rename, which formats what it rewrites).
	var written []string
	for _, b := range guide {
		if b.verb == "file" && strings.HasSuffix(b.args, ".go") {
			written = append(written, b.args)
		}
	}
	assert.Empty(t, kitcopy.Run(t, dir, "gofmt", append([]string{"-l"}, written...)...), "gofmt -l lists the snippets it would reformat")

	oldPath := modulePath(t, dir)
	for _, b := range rename {
		f.apply(t, b)
	}
	checkRenamed(t, dir, oldPath)
	assert.NotRegexp(t, regexp.MustCompile(`(?im)error|warning|no such file|lstat`), f.check(t),
		"make test's checks, after all of it, print no error or warning")
	f.test(t)

	// What the prose claims, beyond what the steps run.
	golden, err := os.ReadFile(filepath.Join(dir, "internal/server/testdata/policies.golden"))
	require.NoError(t, err)
	gallery := routeBlock(string(golden), "GET /gallery")
	assert.Contains(t, gallery, "img-src 'self' https://images.example.com",
		"README: the gallery's header gets img-src 'self' https://images.example.com")
	assert.Contains(t, gallery, "report-uri /csp-report?group=gallery", "README: the group reports under its own name")

	// README: a component naming a missing file fails make test, naming it.
	claim := regexp.MustCompile("`(views/pages/about\\.templ:\\d+: components\\.ScriptDefer\\(\"js/about\\.js\"\\): there is no static/js/about\\.js)`")
	src, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	m := claim.FindSubmatch(src)
	require.NotNil(t, m, "README.md no longer quotes the failure of a missing static file")
	// The page's own test shows the server's log, and the route walk
	// fails a page that cannot render; the views' check names the line.
	require.NoError(t, os.Remove(filepath.Join(dir, "static/js/about.js")))
	out, err := kitcopy.Try(dir, "go", "test", "-count=1", "-run", "^(TestAboutPage|TestNonceCoverage|TestStaticNamesExist)$", "./internal/server/", "./views/")
	require.Error(t, err, "without static/js/about.js the page's tests must fail:\n%s", out)
	assert.Contains(t, out, string(m[1]), "README.md quotes the failure of a missing static file as it is")
	assert.Contains(t, out, `components.ScriptDefer(\"js/about.js\"): there is no static/js/about.js`, "TestAboutPage shows the server's log")
	assert.Contains(t, out, "http GET /about (/about) answered 500", "the route walk fails a page that cannot render")
}

var makePage = regexp.MustCompile(`^make page NAME=([a-z0-9-]+)$`)

// skipIfScaffolded skips the test in a kit that already has a page the
// docs scaffold (a user who followed the README has /about): there make
// page rightly refuses the name, and the walkthrough can only be followed
// on the kit as cloned, where this test guards it.
func skipIfScaffolded(t *testing.T, root string, blocks []block) {
	t.Helper()
	for _, b := range blocks {
		if b.verb != "run" {
			continue
		}
		for line := range strings.SplitSeq(b.body, "\n") {
			m := makePage.FindStringSubmatch(strings.TrimSpace(line))
			if m == nil {
				continue
			}
			file := strings.ReplaceAll(m[1], "-", "_")
			for _, path := range []string{"views/pages/" + file + ".templ", "internal/server/" + file + "_page.go"} {
				if _, err := os.Stat(filepath.Join(root, path)); err == nil {
					t.Skipf("%s: this kit has %s already, so make page NAME=%s is refused: the docs are followed on the kit as cloned", b.at, path, m[1])
				}
			}
		}
	}
}

// routeBlock returns the lines of a policy snapshot under the route head.
func routeBlock(golden, head string) string {
	_, rest, ok := strings.Cut(golden, "\n"+head+"\n")
	if !ok {
		return fmt.Sprintf("(no %s in the snapshot)", head)
	}
	block, _, _ := strings.Cut(rest, "\n\n")
	return block
}

// TestHTMXDocShowsTheExample: docs/htmx.md shows exactly the handler
// internal/server's Example_fragmentHandler runs, so the documented code
// compiles and does what the page says. It lives here, not beside the
// example, so that the server's tests open no file a change to the docs
// (or make rename) rewrites: go's test cache then keeps their results
// when only the docs changed.
func TestHTMXDocShowsTheExample(t *testing.T) {
	root := kitcopy.Root(t)
	src, err := os.ReadFile(filepath.Join(root, "internal/server/fragment_example_test.go"))
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(src), "\t// docs/htmx.md: begin\n")
	require.True(t, ok)
	code, _, ok := strings.Cut(rest, "\t// docs/htmx.md: end\n")
	require.True(t, ok)
	var lines []string
	for l := range strings.Lines(code) {
		lines = append(lines, strings.TrimPrefix(l, "\t"))
	}
	doc, err := os.ReadFile(filepath.Join(root, "docs/htmx.md"))
	require.NoError(t, err)
	assert.Contains(t, string(doc), "```go\n"+strings.Join(lines, "")+"```\n")
}
