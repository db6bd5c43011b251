package components

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/a-h/templ"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/static"
)

// Script loads static/<name> as a classic script, in document order.
func Script(name string) templ.Component { return file("Script", name, csp.Script) }

// ScriptDefer loads static/<name> after the document has been parsed.
func ScriptDefer(name string) templ.Component { return file("ScriptDefer", name, csp.ScriptDefer) }

// Stylesheet links static/<name>. The nonce lets it load even under a
// style-src without 'self'.
func Stylesheet(name string) templ.Component { return file("Stylesheet", name, csp.Stylesheet) }

// file is the library's element for a static file: its content-hashed URL,
// its Subresource Integrity value and, when rendered, the response's nonce.
//
// A name with no file under static/ fails the render, with an error naming
// the component and the file, instead of rendering integrity="" and a URL
// that answers 404: the page's handler answers 500 and logs the error, so
// the page's test fails where the mistake was made rather than the browser
// later. (views/static_names_test.go finds literal names at their line in
// the .templ file before any page is rendered.)
//
// The file is looked up when the component is made, which is during the
// page's render too: a found file then costs the element alone.
func file(component, name string, element func(url, integrity string) templ.Component) templ.Component {
	url, integrity, ok := static.Lookup(name)
	if !ok {
		return missing(component, name)
	}
	return element(url, integrity)
}

// missing is the component of a name with no file: its render fails.
func missing(component, name string) templ.Component {
	return templ.ComponentFunc(func(context.Context, io.Writer) error {
		if strings.HasPrefix(name, "/") || strings.HasPrefix(name, "static/") {
			return fmt.Errorf("components.%s(%q): name the file as it sits under static/, as in \"js/site.js\"", component, name)
		}
		return fmt.Errorf("components.%s(%q): there is no static/%s: add the file or fix the name", component, name, name)
	})
}
