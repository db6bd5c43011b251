package session

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2/memstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/config"
)

// brokenStore finds every session (as a store that was up when the
// request began) and fails to save or find any when broken.
type brokenStore struct {
	findFails, commitFails bool
}

var errStoreDown = errors.New("store down")

func (b brokenStore) Find(string) ([]byte, bool, error) {
	if b.findFails {
		return nil, false, errStoreDown
	}
	return nil, false, nil
}

func (b brokenStore) Commit(string, []byte, time.Time) error {
	if b.commitFails {
		return errStoreDown
	}
	return nil
}

func (brokenStore) Delete(string) error { return nil }

// TestStoreFailureAnswersOnlyOnError: when the store fails, the visitor
// gets OnError's answer and nothing the handler wrote: not its status, its
// redirect, nor its page appended after the error.
func TestStoreFailureAnswersOnlyOnError(t *testing.T) {
	tests := []struct {
		name    string
		store   brokenStore
		handler http.HandlerFunc
	}{
		{"load fails", brokenStore{findFails: true}, func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte("the page"))
		}},
		{"save fails as the page is written", brokenStore{commitFails: true}, func(w http.ResponseWriter, r *http.Request) {
			_ = SignIn(r.Context(), "u1", "u1@example.com") // a signed-in session: saved
			_, _ = w.Write([]byte("the page"))
		}},
		{"save fails as a redirect is written", brokenStore{commitFails: true}, func(w http.ResponseWriter, r *http.Request) {
			_ = SignIn(r.Context(), "u1", "u1@example.com") // a signed-in session: saved
			http.Redirect(w, r, "/elsewhere", http.StatusSeeOther)
		}},
		{"save fails after the handler wrote nothing", brokenStore{commitFails: true}, func(w http.ResponseWriter, r *http.Request) {
			_ = SignIn(r.Context(), "u1", "u1@example.com") // a signed-in session: saved
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSessions(NewManager(tt.store, false), "broken")
			var got error
			s.OnError = func(w http.ResponseWriter, r *http.Request, err error) {
				got = err
				http.Error(w, "store down page", http.StatusServiceUnavailable)
			}
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.AddCookie(&http.Cookie{Name: CookieName, Value: "some-token"})
			s.Middleware(tt.handler).ServeHTTP(rec, req)
			assert.ErrorIs(t, got, errStoreDown)
			assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
			assert.Equal(t, "store down page\n", rec.Body.String())
			assert.Empty(t, rec.Header().Get("Location"))
			assert.Empty(t, rec.Header().Values("Set-Cookie"), "no cookie for a session that was not saved")
		})
	}
}

// TestStoreFailureDefaultsTo503: without OnError, a plain 503, not scs's
// default 500 (the store being down is not this request's fault).
func TestStoreFailureDefaultsTo503(t *testing.T) {
	s := newSessions(NewManager(brokenStore{findFails: true}, false), "broken")
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(&http.Cookie{Name: CookieName, Value: "some-token"})
	s.Middleware(http.NotFoundHandler()).ServeHTTP(rec, req)
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
}

// TestPingIsRedisOnly: the SQLite and memory stores have nothing of their
// own to ping (the database handle is checked by its owner).
func TestPingIsRedisOnly(t *testing.T) {
	s, err := Open(config.Config{}, nil)
	require.NoError(t, err)
	assert.NoError(t, s.Ping(context.Background()))
	hand := &Sessions{Manager: NewManager(memstore.NewWithCleanupInterval(0), false)}
	assert.NoError(t, hand.Ping(context.Background()))
}
