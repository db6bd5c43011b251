package csp

import (
	"context"

	"github.com/a-h/templ"
)

// NonceFrom returns the nonce of the response being served, or "" outside a
// nonced route group. Handlers and components read it through this one
// accessor (pass r.Context() or templ's ctx).
//
// The nonce lives where templ keeps it (templ.WithNonce), so templ's own
// script and css templates stamp the same value without any glue. Outside
// a nonced group, asking costs templ's two small allocations to answer "".
func NonceFrom(ctx context.Context) string { return templ.GetNonce(ctx) }
