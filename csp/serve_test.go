package csp

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServePolicy(t *testing.T) {
	tests := []struct {
		name    string
		policy  Policy
		want    string // {n} is the nonce put in the context
		wantErr string
	}{
		{"nonce slot filled", New().Set(ScriptSrc, Nonce).Set(ObjectSrc, None), "script-src 'nonce-{n}'; object-src 'none'", ""},
		{"no slot, exact", New().Set(DefaultSrc, Self), "default-src 'self'", ""},
		{"lenient: no default-src", New().Set(ImgSrc, Data), "img-src data:", ""},
		{"empty", New(), "", "empty policy"},
		{"invalid source", New().Set(DefaultSrc, "'self'\r\nX-Evil: 1"), "", "whitespace"},
		{"duplicate", New().Set(DefaultSrc, Self).Set(DefaultSrc, None), "", "duplicate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r2, err := NewManager().ServePolicy(rec, r, tt.policy)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				assert.Empty(t, rec.Header().Get(HeaderCSP), "no header for an invalid policy")
				return
			}
			require.NoError(t, err)
			nonce := NonceFrom(r2.Context())
			require.Len(t, nonce, nonceLen)
			assert.Equal(t, strings.ReplaceAll(tt.want, "{n}", nonce), rec.Header().Get(HeaderCSP))
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
		})
	}
}

// TestServePolicyNonceIsRawEncoded: with a slot or without, the nonce in the
// context is the standard base64 of the bytes read from the source.
func TestServePolicyNonceIsRawEncoded(t *testing.T) {
	const raw, want = "0123456789abcdef", "MDEyMzQ1Njc4OWFiY2RlZg=="
	for _, p := range []Policy{New().Set(ScriptSrc, Nonce), New().Set(DefaultSrc, Self)} {
		rec := httptest.NewRecorder()
		m := NewManager()
		m.Rand = strings.NewReader(raw)
		r, err := m.ServePolicy(rec, httptest.NewRequest(http.MethodGet, "/", nil), p)
		require.NoError(t, err)
		assert.Equal(t, want, NonceFrom(r.Context()), p.String())
		assert.Equal(t, strings.ReplaceAll(p.String(), NoncePlaceholder, want), rec.Header().Get(HeaderCSP))
	}
}

func TestServePolicyFailingRandomSource(t *testing.T) {
	rec := httptest.NewRecorder()
	m := NewManager()
	m.Rand = failReader{}
	_, err := m.ServePolicy(rec, httptest.NewRequest(http.MethodGet, "/", nil), New().Set(ScriptSrc, Nonce))
	require.Error(t, err)
	assert.Empty(t, rec.Header().Get(HeaderCSP))
}

type failReader struct{}

func (failReader) Read([]byte) (int, error) { return 0, assert.AnError }
