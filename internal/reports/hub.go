package reports

import (
	"errors"
	"sync"
	"time"

	"github.com/noncekit/noncekit/csp/report"
)

// Hub defaults.
const (
	DefaultMaxSubscribers   = 256
	DefaultSubscriberBuffer = 64
	// recentSize is how many published violations a hub remembers for
	// SubscribeSince.
	recentSize = 32
)

// Errors from Hub.Subscribe.
var (
	ErrHubFull   = errors.New("too many live report subscribers")
	ErrHubClosed = errors.New("live reports are shutting down")
)

// Hub fans stored violations out to live subscribers (the operator's
// server-sent event stream of /api/reports/stream).
//
// The threat: a subscriber is a remote client that may read slowly or not
// at all. Publish must never wait for one, or one stalled browser tab would
// stall the store's writer. So each subscriber has a small buffer, and a
// subscriber whose buffer is full is dropped (its channel closed; the
// browser's EventSource reconnects). The number of subscribers is capped,
// so memory is bounded by MaxSubscribers × Buffer violations.
type Hub struct {
	mu     sync.Mutex
	subs   map[*Subscription]struct{}
	closed bool
	max    int
	buffer int
	recent []report.Violation // ring of the last recentSize published
	next   int
}

// NewHub returns a hub with at most maxSubs subscribers of buffer
// violations each (0 for the defaults).
func NewHub(maxSubs, buffer int) *Hub {
	return &Hub{subs: map[*Subscription]struct{}{}, max: orDefault(maxSubs, DefaultMaxSubscribers), buffer: orDefault(buffer, DefaultSubscriberBuffer)}
}

// Subscription receives the violations of one group (every group when its
// group is ""). C is closed when the subscriber was
// too slow, when the hub closed, or after Close.
type Subscription struct {
	C     <-chan report.Violation
	c     chan report.Violation
	group string
	hub   *Hub
	ended bool // guarded by hub.mu
}

// Subscribe adds a subscriber for group ("" for all).
func (h *Hub) Subscribe(group string) (*Subscription, error) {
	return h.SubscribeSince(group, time.Time{})
}

// SubscribeSince is Subscribe that first delivers the recently published
// violations of group received at or after since (none for the zero time).
// A page passes the time it was served: the reports its own load caused
// may be stored before its stream connects.
func (h *Hub) SubscribeSince(group string, since time.Time) (*Subscription, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrHubClosed
	}
	if len(h.subs) >= h.max {
		return nil, ErrHubFull
	}
	c := make(chan report.Violation, h.buffer)
	s := &Subscription{C: c, c: c, group: group, hub: h}
	if !since.IsZero() {
		for i := range len(h.recent) {
			v := &h.recent[(h.next+i)%len(h.recent)] // oldest first
			if s.wants(v) && !v.ReceivedAt.Before(since) && len(c) < cap(c) {
				c <- *v
			}
		}
	}
	h.subs[s] = struct{}{}
	return s, nil
}

// Close ends the subscription. It is safe to call more than once.
func (s *Subscription) Close() {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	s.hub.end(s)
}

// end removes s; h.mu must be held.
func (h *Hub) end(s *Subscription) {
	if s.ended {
		return
	}
	s.ended = true
	delete(h.subs, s)
	close(s.c)
}

func (s *Subscription) wants(v *report.Violation) bool {
	return s.group == "" || v.Group == s.group
}

// Publish implements Publisher. It never blocks.
func (h *Hub) Publish(vs []report.Violation) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := range vs {
		if len(h.recent) < recentSize {
			h.recent = append(h.recent, vs[i])
		} else {
			h.recent[h.next] = vs[i]
			h.next = (h.next + 1) % recentSize
		}
	}
	for s := range h.subs {
		for i := range vs {
			if !s.wants(&vs[i]) {
				continue
			}
			select {
			case s.c <- vs[i]:
			default:
				h.end(s) // too slow: drop it rather than wait
			}
			if s.ended {
				break
			}
		}
	}
}

// Subscribers returns how many subscribers are connected.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Close ends every subscription and refuses new ones; the server calls it
// on shutdown, because open streams would otherwise hold it up.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for s := range h.subs {
		h.end(s)
	}
}
