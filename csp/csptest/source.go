package csptest

import (
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/net/html"
)

// Where a problem's element is written in the .templ sources.
//
// templ renders a page on very few lines, so the line and column of an
// element in the body say little, and templ's generated code keeps no map
// from the HTML it writes back to the .templ file. What the source does
// keep is every attribute written literally, as it is rendered:
// onclick="go()", style="color: red", src="https://cdn.example/x.js". So
// the kit's .templ files are searched for the attributes that make the
// problem; an element found in at most maxPlaces places gets them in its
// failure message. An attribute whose value is an expression
// ({ templ.JSFuncCall(...) }) is not in the source as rendered: such an
// element is only quoted.

// maxPlaces bounds the places a message names: beyond it, a search for
// "<script>" has matched every inline script, and the hint would mislead.
const maxPlaces = 3

// needles returns the text that must appear in the source line writing
// the element of a problem of kind k: the attributes that make the
// problem, or for a missing or wrong nonce every attribute but the nonce
// (the bare start tag when there is none).
func needles(k Kind, tok html.Token) []string {
	var keep func(a html.Attribute) bool
	switch k {
	case InlineHandler:
		keep = func(a html.Attribute) bool { return strings.HasPrefix(a.Key, "on") && len(a.Key) > 2 }
	case StyleAttribute:
		keep = func(a html.Attribute) bool { return a.Key == "style" }
	case JavaScriptURL:
		keep = func(a html.Attribute) bool { return urlAttrs[a.Key] && isJavaScriptURL(a.Val) }
	case MissingNonce, WrongNonce, NoHeaderNonce, MetaPolicy:
		keep = func(a html.Attribute) bool { return a.Key != "nonce" && a.Val != "" }
	default:
		return nil
	}
	var out []string
	for _, a := range tok.Attr {
		// A value holding a quote was written escaped or single-quoted:
		// it cannot be searched for as rendered.
		if keep(a) && !strings.ContainsAny(a.Val, `"&<`) {
			out = append(out, a.Key+`="`+a.Val+`"`)
		}
	}
	if len(out) == 0 && (k == MissingNonce || k == WrongNonce || k == NoHeaderNonce) {
		out = append(out, "<"+tok.Data+">")
	}
	return out
}

// templLine is one line of a .templ file.
type templLine struct {
	place string // "views/pages/about.templ:12"
	text  string
}

// templSources are the .templ files of the module the test runs in, read
// once per test binary, and only when a check fails.
var templSources = sync.OnceValue(func() []templLine { return readTempl(moduleRoot()) })

// readTempl reads every .templ file under root, leaving out hidden
// directories and local state.
func readTempl(root string) []templLine {
	if root == "" {
		return nil
	}
	var out []templLine
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // an unreadable directory only costs a hint
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "data" || name == "tmp" || name == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".templ") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		for i, text := range strings.Split(string(b), "\n") {
			out = append(out, templLine{filepath.ToSlash(rel) + ":" + strconv.Itoa(i+1), text})
		}
		return nil
	})
	return out
}

// moduleRoot is the nearest directory above the working directory (a
// test's package directory) that holds go.mod, or "".
func moduleRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// places returns the lines of the module's .templ files that hold the
// most of needles, when there are at most maxPlaces of them.
func places(needles []string) []string {
	if len(needles) == 0 {
		return nil
	}
	return placesIn(templSources(), needles)
}

func placesIn(lines []templLine, needles []string) []string {
	best, out := 0, []string(nil)
	for _, l := range lines {
		n := 0
		for _, s := range needles {
			if strings.Contains(l.text, s) {
				n++
			}
		}
		switch {
		case n == 0 || n < best:
		case n > best:
			best, out = n, []string{l.place}
		default:
			out = append(out, l.place)
		}
	}
	if len(out) > maxPlaces {
		return nil
	}
	return out
}

// message is the failure line of problem p of the response name, with the
// places its element is written at when they are known.
func message(name string, p Problem, at []string) string {
	if len(at) == 0 {
		return name + ": " + p.String()
	}
	return name + ": " + p.String() + " (written at " + strings.Join(at, ", ") + ")"
}
