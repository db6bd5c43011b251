package report

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
	h := newClientHasher()
	a, b := h.id("203.0.113.7"), h.id("203.0.113.8")
	assert.Regexp(t, opaqueID, a)
	assert.Equal(t, a, h.id("203.0.113.7"))
	assert.NotEqual(t, a, b)
	// Not the address's bytes in hex (203.0.113.7 is cb007107): a chance
	// match of 8 digits is one in 500 million. (The 3 digits "203", as
	// this once read, turn up in about 1 run in 300.)
	assert.NotContains(t, a, "cb007107")
	assert.NotEqual(t, a, newClientHasher().id("203.0.113.7"))
}

// TestHandlerNamesTheClient: every violation of a request carries its
// client's opaque id, the same for one client's requests and another for
// another client, and never the address.
func TestHandlerNamesTheClient(t *testing.T) {
	body := readTestdata(t, "chromium-reports.json")
	sink := &recordSink{}
	h := newTestHandler(sink)
	send := func(remote string) string {
		t.Helper()
		req := httptest.NewRequest(http.MethodPost, "/csp-report?group=site", bytes.NewReader(body))
		req.Header.Set("Content-Type", TypeReportsJSON)
		req.RemoteAddr = remote
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		require.Equal(t, http.StatusNoContent, rec.Code)
		vs := sink.all()[len(sink.all())-1].Violations
		require.NotEmpty(t, vs)
		for _, v := range vs {
			assert.Equal(t, vs[0].Client, v.Client, "one request, one client")
		}
		return vs[0].Client
	}
	a := send("203.0.113.7:1234")
	assert.Regexp(t, opaqueID, a)
	assert.Equal(t, a, send("203.0.113.7:5678"), "the same client from another port")
	assert.NotEqual(t, a, send("203.0.113.8:1234"), "another client")
}
