package reports

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var opaqueID = regexp.MustCompile(`^[0-9a-f]{16}$`)

// TestClientHasher: one client, one id; two clients, two ids; the id is
// 16 hex digits that do not contain the address; and another process (a
// new key) gives the same address another id, so ids cannot be matched
// against a table of hashed addresses.
func TestClientHasher(t *testing.T) {
	h := NewClientHasher()
	a, b := h.ID("203.0.113.7"), h.ID("203.0.113.8")
	assert.Regexp(t, opaqueID, a)
	assert.Equal(t, a, h.ID("203.0.113.7"))
	assert.NotEqual(t, a, b)
	// Not the address's bytes in hex (203.0.113.7 is cb007107): a chance
	// match of 8 digits is one in 500 million. (The 3 digits "203", as
	// this once read, turn up in about 1 run in 300.)
	assert.NotContains(t, a, "cb007107")
	assert.NotEqual(t, a, NewClientHasher().ID("203.0.113.7"))
}

// TestReceiverNamesTheClient: with Client set, every violation of the
// request carries its id; without it, none.
func TestReceiverNamesTheClient(t *testing.T) {
	body := readTestdata(t, "chromium-reports.json")
	for _, tt := range []struct {
		name   string
		client func(*http.Request) string
		want   string
	}{
		{"named", func(r *http.Request) string { return "id-of-" + r.RemoteAddr }, "id-of-192.0.2.1:1234"},
		{"not named", nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sink := &recordSink{}
			rc := newTestReceiverWith(sink, HandlerOptions{Client: tt.client})
			req := httptest.NewRequest(http.MethodPost, "/csp-report?group=site", bytes.NewReader(body))
			req.Header.Set("Content-Type", TypeReportsJSON)
			rec := httptest.NewRecorder()
			rc.ServeHTTP(rec, req)
			require.Equal(t, http.StatusNoContent, rec.Code)
			require.Len(t, sink.all(), 1)
			vs := sink.all()[0].Violations
			require.NotEmpty(t, vs)
			for _, v := range vs {
				assert.Equal(t, tt.want, v.Client)
			}
		})
	}
}
