package reports

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReceiverReadsTheView: the report URL's ?view= reaches the violation
// when it is a valid id, and is dropped otherwise.
func TestReceiverReadsTheView(t *testing.T) {
	body := string(readTestdata(t, "chromium-report-uri.json"))
	for query, want := range map[string]string{
		"group=demo&view=ABCDEF234567":               "ABCDEF234567",
		"group=demo&view=a_b-c":                      "a_b-c",
		"group=demo":                                 "",
		"group=demo&view=":                           "",
		"group=demo&view=a%20b":                      "",
		"group=demo&view=a.b":                        "",
		"group=demo&view=" + strings.Repeat("v", 65): "",
		"group=demo&view=%3Cscript%3E":               "",
	} {
		sink := &recordSink{}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/csp-report?"+query, strings.NewReader(body))
		req.Header.Set("Content-Type", TypeCSPReport)
		newTestReceiver(sink).ServeHTTP(rec, req)
		require.Equal(t, http.StatusNoContent, rec.Code, query)
		require.Len(t, sink.all(), 1)
		assert.Equal(t, want, sink.all()[0].Violations[0].View, query)
		assert.Equal(t, "demo", sink.all()[0].Violations[0].Group, query)
	}
}

// TestHubSubscribeViewSeesOnlyItsView: a page view's stream gets its own
// violations, replayed and live, and never another view's or a page's
// without a view.
func TestHubSubscribeViewSeesOnlyItsView(t *testing.T) {
	h := NewHub(0, 0)
	h.Publish([]Violation{{Group: "demo", View: "mine", Line: 1}, {Group: "demo", View: "theirs", Line: 2}, {Group: "demo", Line: 3}})
	s, err := h.SubscribeView("mine")
	require.NoError(t, err)
	all, err := h.Subscribe("")
	require.NoError(t, err)
	h.Publish([]Violation{{Group: "demo", View: "theirs", Line: 4}, {Group: "demo-report-only", View: "mine", Line: 5}, {Group: "site", Line: 6}})
	h.Close()
	var lines []int
	for v := range s.C {
		lines = append(lines, v.Line)
	}
	assert.Equal(t, []int{1, 5}, lines, "replayed, then live, of this view only")
	n := 0
	for range all.C {
		n++
	}
	assert.Equal(t, 3, n, "a subscription without a view (the operators') sees every view")

	for _, bad := range []string{"", "a b", strings.Repeat("v", 65)} {
		_, err := NewHub(0, 0).SubscribeView(bad)
		assert.Error(t, err, "view %q", bad)
	}
}
