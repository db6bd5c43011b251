package limit

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
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
