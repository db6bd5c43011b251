package components

import (
	"context"
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/a-h/templ"

	"github.com/noncekit/noncekit/internal/csp"
)

// InlineScript renders js inside a nonced <script>. js is code you wrote,
// not data: pass values to scripts with templ.JSONScript, which escapes
// them. Text that would close the element early is refused with an error
// rather than emitted, because it is how injected markup escapes a script.
func InlineScript(js string) templ.Component { return inline("script", js) }

// InlineStyle renders css inside a nonced <style>.
func InlineStyle(css string) templ.Component { return inline("style", css) }

func inline(tag, body string) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if closes(body, tag) {
			return fmt.Errorf("components: inline %s contains </%s or <!--: it would end the element early", tag, tag)
		}
		_, err := io.WriteString(w, "<"+tag+` nonce="`+html.EscapeString(csp.NonceFrom(ctx))+`">`+body+"</"+tag+">")
		return err
	})
}

func closes(body, tag string) bool {
	lower := strings.ToLower(body)
	return strings.Contains(lower, "</"+tag) || strings.Contains(lower, "<!--")
}
