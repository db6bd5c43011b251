// Command example is a complete app on the CSP library alone: plain
// net/http, one templ page, and github.com/noncekit/noncekit/csp. Every
// response gets a fresh nonce in its Content-Security-Policy header, and
// the page's inline style and script carry it, so they apply and run;
// anything injected without it would not.
//
//	go run ./example            # from csp/; ADDR changes localhost:8080
package main

import (
	"log"
	"net/http"
	"os"
	"time"

	"github.com/a-h/templ"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/report"
)

func main() {
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "localhost:8080"
	}

	// One route group, one strict policy: scripts and styles need this
	// response's nonce, and nothing may embed, plug in or rebase the page.
	policies := csp.NewManager()
	site := policies.Middleware(csp.Group{Name: "site", Enforce: csp.New().
		Set(csp.DefaultSrc, csp.Self).
		Set(csp.ScriptSrc, csp.Nonce, csp.StrictDynamic).
		Set(csp.StyleSrc, csp.Nonce).
		Set(csp.ObjectSrc, csp.None).
		Set(csp.BaseURI, csp.None).
		Set(csp.FrameAncestors, csp.None)})
	if err := policies.Err(); err != nil {
		log.Fatal(err) // a bad policy never serves
	}

	mux := http.NewServeMux()
	mux.Handle("GET /{$}", site(templ.Handler(page())))
	// Browsers report violations to the Manager's ReportPath; the handler
	// parses, scrubs and rate-limits them, and logs them in aggregate.
	mux.Handle("POST "+policies.ReportPath, report.NewHandler(nil))

	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	log.Printf("serving http://%s", addr)
	log.Fatal(srv.ListenAndServe())
}
