package server

import "github.com/noncekit/noncekit/internal/csp"

// SitePolicy is the strict policy of every HTML page: scripts and styles run
// only with this response's nonce ('strict-dynamic' lets a nonced script load
// others), and plugins, <base> and framing are off. Google's CSP Evaluator
// finds nothing at MEDIUM or above in it. Route groups derive their own
// policies from it in routes.go; it is exported so that the benchmarks in
// internal/bench/compare measure the policy the kit really serves.
var SitePolicy = csp.New().
	Set(csp.DefaultSrc, csp.Self).
	Set(csp.ScriptSrc, csp.Nonce, csp.StrictDynamic).
	Set(csp.StyleSrc, csp.Self, csp.Nonce).
	Set(csp.ObjectSrc, csp.None).
	Set(csp.BaseURI, csp.None).
	Set(csp.FrameAncestors, csp.None).
	Set(csp.FormAction, csp.Self)

// apiPolicy is for responses that are never rendered as a page (JSON, static
// files, health checks): if one is opened in a tab anyway, nothing in it
// may load or run, and no site may frame it.
var apiPolicy = csp.New().
	Set(csp.DefaultSrc, csp.None).
	Set(csp.FrameAncestors, csp.None)
