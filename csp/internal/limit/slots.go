package limit

import "net/http"

// Slots is a counting semaphore that never waits: TryAcquire fails at once
// when all n slots are taken. A queue of waiting requests would be memory
// and connections an attacker controls.
type Slots struct{ c chan struct{} }

// NewSlots returns n free slots (at least one).
func NewSlots(n int) *Slots { return &Slots{c: make(chan struct{}, max(n, 1))} }

// TryAcquire takes a slot if one is free and reports whether it did.
func (s *Slots) TryAcquire() bool {
	select {
	case s.c <- struct{}{}:
		return true
	default:
		return false
	}
}

// Release frees a slot taken by TryAcquire.
func (s *Slots) Release() { <-s.c }

// InUse returns how many slots are taken.
func (s *Slots) InUse() int { return len(s.c) }

// TooMany answers 429 Too Many Requests with a short plain-text message
// and Retry-After: 1.
func TooMany(w http.ResponseWriter, msg string) {
	w.Header().Set("Retry-After", "1")
	http.Error(w, msg, http.StatusTooManyRequests)
}
