package csp

import (
	"context"
	"fmt"
	"io"

	"github.com/a-h/templ"
)

// Hashed is a static inline <script> or <style> allowed by its hash instead
// of a nonce. Its hash is computed once, when it is declared, and it renders
// with no nonce attribute: the policy of its route group lists the hash, so
// the block runs on every response, and a page made only of hashed blocks
// and static files could be cached, which a nonced page never can.
//
// The hash covers the exact text between the tags, so the content must be a
// constant: any change, even a space, needs a new hash, which is why the
// hash is taken from the same value that is rendered.
type Hashed struct {
	tag  string
	body string
	hash Source
}

// HashedScript declares a static inline script. It panics when js would
// close the element early: declarations are package-level constants, so
// that is a bug found at start-up, never at request time.
func HashedScript(js string) Hashed { return newHashed("script", js) }

// HashedStyle declares a static inline style; see [HashedScript].
func HashedStyle(css string) Hashed { return newHashed("style", css) }

func newHashed(tag, body string) Hashed {
	if closes(body, tag) {
		panic(fmt.Sprintf("csp: hashed %s contains </%s or <!--: it would end the element early", tag, tag))
	}
	return Hashed{tag: tag, body: body, hash: SHA256(body)}
}

// Hash returns the source that allows this block, "'sha256-…'".
func (h Hashed) Hash() Source { return h.hash }

// Render writes the element without a nonce: the hash allows it.
func (h Hashed) Render(_ context.Context, w io.Writer) error {
	_, err := io.WriteString(w, "<"+h.tag+">"+h.body+"</"+h.tag+">")
	return err
}

var _ templ.Component = Hashed{}

// Hashes is the registry of a route group's hashed blocks. Declare it and
// its blocks as package-level variables, so every hash is known before the
// server builds its policies and nothing writes to it afterwards:
//
//	var Inline csp.Hashes
//	var greet = Inline.Script(`console.log("hi")`)
//
// and in routes.go derive the group's policy from it:
//
//	SitePolicy.Add(csp.ScriptSrc, pages.Inline.ScriptHashes()...)
type Hashes struct {
	scripts, styles []Source
}

// Script declares a hashed inline script and records its hash.
func (r *Hashes) Script(js string) Hashed {
	h := HashedScript(js)
	r.scripts = appendNew(r.scripts, h.hash)
	return h
}

// Style declares a hashed inline style and records its hash.
func (r *Hashes) Style(css string) Hashed {
	h := HashedStyle(css)
	r.styles = appendNew(r.styles, h.hash)
	return h
}

// ScriptHashes returns the hashes for script-src, in declaration order.
func (r *Hashes) ScriptHashes() []Source { return append([]Source(nil), r.scripts...) }

// StyleHashes returns the hashes for style-src, in declaration order.
func (r *Hashes) StyleHashes() []Source { return append([]Source(nil), r.styles...) }

// appendNew appends s unless it is there already: two identical blocks share
// one hash, and a source listed twice is a policy error.
func appendNew(list []Source, s Source) []Source {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
