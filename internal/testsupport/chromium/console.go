package chromium

import (
	"strings"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
)

// ConsoleMsg is a console API call, an uncaught exception or a browser log
// entry, as the tab recorded it.
type ConsoleMsg struct {
	// Level is the console level ("log", "warning", ...) or the log entry's
	// level; it is "error" for all three kinds of error, failed assertions
	// included.
	Level string
	// Text says where the message came from ("console.error: ",
	// "exception: ", "log security: ", ...) and what it said.
	Text string
}

func (m ConsoleMsg) String() string { return m.Level + ": " + m.Text }

// IsCSP reports whether the browser logged the message for a CSP violation:
// an error when enforced, a warning when report-only.
func (m ConsoleMsg) IsCSP() bool {
	// Trusted Types refusals ("requires 'TrustedHTML' assignment") come
	// from the same security source without naming the policy.
	return strings.Contains(m.Text, "Content Security Policy") || strings.HasPrefix(m.Text, "log security: ")
}

// TakeConsole returns what the tab's pages logged since the last call and
// forgets it. After any Eval or Open it holds everything logged before.
func (tb *Tab) TakeConsole() []ConsoleMsg {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	out := tb.console
	tb.console = nil
	return out
}

func (tb *Tab) onEvent(ev any) {
	var m ConsoleMsg
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		var parts []string
		for _, a := range e.Args {
			if a.Description != "" {
				parts = append(parts, a.Description)
			} else {
				parts = append(parts, string(a.Value))
			}
		}
		m = ConsoleMsg{string(e.Type), "console." + string(e.Type) + ": " + strings.Join(parts, " ")}
		if e.Type == runtime.ConsoleAPICalledTypeAssert {
			m.Level = "error"
		}
	case *runtime.EventExceptionThrown:
		d := e.ExceptionDetails
		m = ConsoleMsg{"error", "exception: " + d.Text}
		if d.Exception != nil {
			m.Text += " " + d.Exception.Description
		}
	case *log.EventEntryAdded:
		m = ConsoleMsg{string(e.Entry.Level), "log " + string(e.Entry.Source) + ": " + e.Entry.Text + " (" + e.Entry.URL + ")"}
	default:
		return
	}
	tb.mu.Lock()
	tb.console = append(tb.console, m)
	tb.mu.Unlock()
}
