package limit

import "sync"

// ClientSlots caps how many requests each client has in flight at once.
//
// The threat: a limit shared by all clients (Slots) is a prize one client
// can take whole. With a request that trickles its body in, one address
// opening as many connections as there are shared slots locks every other
// address out. A small cap per client, taken before anything else, means
// slow senders lock out only themselves.
//
// A client has an entry only while it has a request in flight, so the
// table holds at most as many entries as there are requests being served.
type ClientSlots struct {
	max int
	mu  sync.Mutex
	n   map[string]int
}

// NewClientSlots returns a table allowing each client limit requests at once
// (at least one).
func NewClientSlots(limit int) *ClientSlots {
	return &ClientSlots{max: max(limit, 1), n: map[string]int{}}
}

// TryAcquire takes one of key's slots if it has one free and reports
// whether it did. It never waits.
func (c *ClientSlots) TryAcquire(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[key] >= c.max {
		return false
	}
	c.n[key]++
	return true
}

// Release frees a slot taken by TryAcquire for key.
func (c *ClientSlots) Release(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[key] <= 1 {
		delete(c.n, key)
		return
	}
	c.n[key]--
}

// Clients returns how many clients have a request in flight.
func (c *ClientSlots) Clients() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.n)
}

// InUse returns how many requests key has in flight.
func (c *ClientSlots) InUse(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[key]
}
