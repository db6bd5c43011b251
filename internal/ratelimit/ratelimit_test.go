package ratelimit

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBucketBurstThenRate(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(2, 3, 0)
	l.now = func() time.Time { return now }
	for range 3 {
		assert.True(t, l.Allow("a"))
	}
	assert.False(t, l.Allow("a"), "past the burst")
	assert.True(t, l.Allow("b"), "clients have their own buckets")
	now = now.Add(500 * time.Millisecond) // one token at 2/s
	assert.True(t, l.Allow("a"))
	assert.False(t, l.Allow("a"))
}

func TestClientTableIsBounded(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(1, 2, 10)
	l.now = func() time.Time { return now }
	for i := range 100 {
		l.Allow(fmt.Sprint("c", i))
	}
	assert.Equal(t, 10, l.Clients())
	// Clients 10..99 shared the overflow bucket of 2.
	assert.False(t, l.Allow("new"))
	// Once the old entries have refilled they are swept for new clients.
	now = now.Add(5 * time.Second)
	assert.True(t, l.Allow("new"))
	assert.Equal(t, 1, l.Clients())
}

func TestClientKey(t *testing.T) {
	for addr, want := range map[string]string{
		"192.0.2.1:1234":             "192.0.2.1",
		"[2001:db8:1:2:3:4:5:6]:443": "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::1]:443": "2001:db8:1:2::/64",
		"[::ffff:192.0.2.1]:80":      "192.0.2.1",
		"not-an-address":             "not-an-address",
	} {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.RemoteAddr = addr
		r.Header.Set("X-Forwarded-For", "203.0.113.9")
		assert.Equal(t, want, ClientKey(r), addr)
	}
}

func TestMiddlewareAnswers429(t *testing.T) {
	h := New(0.001, 2, 0).Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	codes := []int{}
	for range 3 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
		codes = append(codes, rec.Code)
	}
	assert.Equal(t, []int{204, 204, 429}, codes)
}

func TestConcurrencyRefusesPastTheLimit(t *testing.T) {
	inside, release := make(chan struct{}), make(chan struct{})
	h := Concurrency(1)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		inside <- struct{}{}
		<-release
	}))
	go h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/", nil))
	<-inside
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
	require.Equal(t, http.StatusTooManyRequests, rec.Code)
	assert.Equal(t, "1", rec.Header().Get("Retry-After"))
	close(release)
}
