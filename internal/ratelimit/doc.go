// Package ratelimit slows down password guessing: [Backoff] locks a key (a
// client address, an account, a device) out after repeated failed
// attempts, for exponentially longer each time, in a table of bounded
// size; [Gate] caps how many password checks run at once, all clients
// together.
//
// The limits in front of the public report endpoint (a token bucket per
// client, caps on requests in flight) belong to the CSP library's
// report.Handler; clients are keyed the same way there and here
// (report.ClientKey: the remote address, which package forwarded rewrites
// to the client a trusted proxy names).
package ratelimit
