package csp

import (
	"context"
	"errors"
	"sync"

	"github.com/a-h/templ"
)

// nonceContext is the request context of a nonced response. It is allocated
// inside noncedRequest, so carrying the nonce costs no allocation of its own.
//
// templ keeps its render state, the nonce among it, in a value of an
// unexported type under an unexported key, and templ.WithNonce allocates
// two objects to store it. nonceContext makes that value only when templ
// first asks for it, so a handler that renders no templ component (JSON, a
// redirect, a file) never pays for it, and one that does pays exactly what
// templ's own InitializeContext would have cost it anyway.
type nonceContext struct {
	context.Context
	nonce string

	once  sync.Once
	templ any // templ's value for templKey, made on first lookup
}

// nonceKey finds the nonceContext from any context derived from it.
type nonceKey struct{}

func (c *nonceContext) Value(key any) any {
	switch key {
	case nonceKey{}:
		return c // a pointer: boxing c.nonce would allocate on every lookup
	case templKey:
		c.once.Do(func() {
			// WithNonce sets the nonce on a value a parent context already
			// holds, or makes one; either way it is templ's own.
			c.templ = templ.WithNonce(c.Context, c.nonce).Value(templKey)
		})
		return c.templ
	}
	return c.Context.Value(key)
}

// templKey is the key templ stores its context value under, learned once by
// watching which key templ.GetNonce looks up.
var templKey = func() any {
	var c keyCatcher
	c.Context = context.Background()
	_ = templ.GetNonce(&c)
	return c.key
}()

type keyCatcher struct {
	context.Context
	key any
}

func (c *keyCatcher) Value(key any) any {
	if c.key == nil {
		c.key = key
	}
	return nil
}

// checkTemplBridge proves, once per process, that templ reads the nonce
// this package stores. A templ release that looked its nonce up some other
// way would leave templ's own script and css templates without a nonce, so
// Manager reports it as a start-up error instead.
var checkTemplBridge = sync.OnceValue(func() error {
	c := &nonceContext{Context: context.Background(), nonce: "check"}
	if templKey == nil || templ.GetNonce(templ.InitializeContext(c)) != "check" || NonceFrom(c) != "check" {
		return errors.New("templ does not read the nonce from the request context: check the templ version in go.mod")
	}
	return nil
})

// NonceFrom returns the nonce of the response being served, or "" outside a
// nonced route group. Handlers and components read it through this one
// accessor (pass r.Context() or templ's ctx); templ's own script and css
// templates read the same value.
func NonceFrom(ctx context.Context) string {
	if c, ok := ctx.Value(nonceKey{}).(*nonceContext); ok {
		return c.nonce
	}
	// A nonce set with templ.WithNonce directly. Only ask templ when it has
	// a value: templ.GetNonce makes one (two allocations) to answer "".
	if ctx.Value(templKey) != nil {
		return templ.GetNonce(ctx)
	}
	return ""
}
