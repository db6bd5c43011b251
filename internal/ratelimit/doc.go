// Package ratelimit caps how much one client, and all clients together, can
// ask of an endpoint that anyone may call, such as the CSP report receiver.
//
// The threat: an unauthenticated POST endpoint is a free way to spend the
// server's CPU, memory and disk. [Limiter] gives each client a token bucket
// (charged per request by its middleware, or per unit of work with
// [Limiter.Take]); its table of clients is bounded, so an attacker with many
// addresses cannot grow it without limit. [ClientSlots] caps each client's
// requests in flight, so one client cannot take a shared limit whole;
// [Slots] and [Concurrency] cap the requests being served at once, so slow
// senders cannot hold every goroutine and connection. None of them waits:
// past a limit the answer is 429 at once ([TooMany]).
//
// Clients are told apart by the request's remote address only
// ([ClientKey]). This package never reads X-Forwarded-For or similar
// headers: any client can set them to a fresh value per request. Behind a
// reverse proxy, the server's first middleware (package forwarded) rewrites
// RemoteAddr to the client a trusted proxy names (TRUSTED_PROXIES);
// without it every client shares the proxy's address.
//
// It is about a hundred lines written here rather than a dependency such
// as github.com/go-chi/httprate: the kit needs an explicit bound on the
// client table and IPv6 /64 grouping, both short to write and easier to
// audit in place than to verify in another module.
package ratelimit
