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
	l.Now = func() time.Time { return now }
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
	l.Now = func() time.Time { return now }
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

func TestTakeChargesUpToN(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(10, 100, 0)
	l.Now = func() time.Time { return now }
	tests := []struct {
		name    string
		advance time.Duration
		n, want int
	}{
		{"a batch within the burst", 0, 60, 60},
		{"a batch past what is left is cut to it", 0, 60, 40},
		{"nothing left", 0, 1, 0},
		{"refilled a little", 500 * time.Millisecond, 100, 5},
		{"zero asks for nothing", time.Second, 0, 0},
		{"negative asks for nothing", 0, -3, 0},
		{"a whole refill never exceeds the burst", time.Hour, 1000, 100},
	}
	for _, tt := range tests {
		now = now.Add(tt.advance)
		assert.Equal(t, tt.want, l.Take("a", tt.n), tt.name)
	}
	assert.Equal(t, 100, l.Take("b", 100), "clients have their own buckets")
}

func TestSlots(t *testing.T) {
	s := NewSlots(2)
	assert.True(t, s.TryAcquire())
	assert.True(t, s.TryAcquire())
	assert.False(t, s.TryAcquire(), "full: refused at once")
	assert.Equal(t, 2, s.InUse())
	s.Release()
	assert.True(t, s.TryAcquire())
	assert.True(t, NewSlots(0).TryAcquire(), "at least one slot")
}

func TestClientSlots(t *testing.T) {
	c := NewClientSlots(2)
	assert.True(t, c.TryAcquire("a"))
	assert.True(t, c.TryAcquire("a"))
	assert.False(t, c.TryAcquire("a"), "a is at its cap")
	assert.True(t, c.TryAcquire("b"), "b is not held up by a")
	assert.Equal(t, 2, c.Clients())
	assert.Equal(t, 2, c.InUse("a"))
	assert.Equal(t, 0, c.InUse("z"))
	c.Release("a")
	assert.True(t, c.TryAcquire("a"))
	c.Release("a")
	c.Release("a")
	c.Release("b")
	assert.Equal(t, 0, c.Clients(), "a client with nothing in flight has no entry")
}
