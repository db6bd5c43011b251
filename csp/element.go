package csp

import (
	"context"
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/a-h/templ"
)

// The elements below are templ components that stamp the response's nonce
// (from the request context, see [NonceFrom]) on every script and style
// they render. Render pages through them instead of writing <script>,
// <style> or <link rel="stylesheet"> by hand, and csptest finds nothing to
// complain about.

// Script loads src as a classic script, in document order. integrity is
// its Subresource Integrity value ("sha384-…"), or "" for none; src and
// integrity are escaped.
func Script(src, integrity string) templ.Component {
	return external(`<script src="`, src, integrity, `></script>`)
}

// ScriptDefer is [Script] deferred until the document has been parsed.
func ScriptDefer(src, integrity string) templ.Component {
	return external(`<script src="`, src, integrity, ` defer></script>`)
}

// Stylesheet links the stylesheet at href. The nonce lets it load under a
// style-src that lists the nonce and not the stylesheet's origin.
func Stylesheet(href, integrity string) templ.Component {
	return external(`<link rel="stylesheet" href="`, href, integrity, `>`)
}

// externalElement is an element that loads a file. A pointer to it is the one
// allocation a render costs: each piece is written straight to w, and
// html.EscapeString returns its argument as it is when nothing needs
// escaping, as a URL and an integrity value usually do.
type externalElement struct{ open, url, integrity, end string }

func external(open, url, integrity, end string) templ.Component {
	return &externalElement{open, url, integrity, end}
}

// Render writes the element with the nonce of ctx; on a cacheable page,
// with none (its integrity is what the policy allows it by).
func (e *externalElement) Render(ctx context.Context, w io.Writer) error {
	parts := [...]string{e.open, html.EscapeString(e.url), `"`, "", "", "", ` nonce="`, html.EscapeString(NonceFrom(ctx)), `"`, e.end}
	if e.integrity != "" {
		parts[3], parts[4], parts[5] = ` integrity="`, html.EscapeString(e.integrity), `"`
	}
	if Cacheable(ctx) {
		parts[6], parts[7], parts[8] = "", "", ""
	}
	for _, p := range parts {
		if _, err := io.WriteString(w, p); err != nil {
			return err
		}
	}
	return nil
}

// InlineScript renders js inside a nonced <script>. js is code you wrote,
// not data: pass values to scripts with templ.JSONScript, which escapes
// them. Text that would close the element early is refused with an error
// rather than emitted, because it is how injected markup escapes a script.
// On a cacheable page ([Group].CacheFor) it fails the render: use [Hashes].
func InlineScript(js string) templ.Component { return inline("script", js) }

// InlineStyle renders css inside a nonced <style>, refusing text that
// would close it early as [InlineScript] does.
func InlineStyle(css string) templ.Component { return inline("style", css) }

func inline(tag, body string) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if Cacheable(ctx) {
			return fmt.Errorf("csp: an inline %s on a cacheable page has no nonce to carry: declare a fixed block with csp.Hashes and list its hash in the group's policy", tag)
		}
		if closes(body, tag) {
			return fmt.Errorf("csp: inline %s contains </%s or <!--: it would end the element early", tag, tag)
		}
		_, err := io.WriteString(w, "<"+tag+` nonce="`+html.EscapeString(NonceFrom(ctx))+`">`+body+"</"+tag+">")
		return err
	})
}

func closes(body, tag string) bool {
	lower := strings.ToLower(body)
	return strings.Contains(lower, "</"+tag) || strings.Contains(lower, "<!--")
}
