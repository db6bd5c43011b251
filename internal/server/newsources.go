package server

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/internal/reports"
	"github.com/noncekit/noncekit/internal/reports/store"
)

// maxKnownSources bounds the origins newSources remembers: as many as the
// store keeps aggregates by default, a few hundred KiB.
const maxKnownSources = store.DefaultMaxRows

// seedTimeout bounds newSources' one read of the store.
const seedTimeout = 5 * time.Second

// newSources logs "new third party" once for each origin that reports
// name as blocked, from a site other than the page's, and that no stored
// report named before this process started: the sign that a page began to
// load something from somewhere new (a tag manager added a vendor, a
// template gained a widget), or that someone injected it. It hears stored
// violations from the report queue, as a reports.Publisher.
//
// Reports are forgeable, so the log is bounded: one line per origin, and
// at most maxKnownSources origins are remembered, after which one line
// says new ones are no longer logged (the dashboard still marks them).
type newSources struct {
	log     *slog.Logger
	store   reportLister
	started time.Time

	seedOnce sync.Once
	mu       sync.Mutex
	known    map[string]bool
	full     bool
}

func newNewSources(log *slog.Logger, st reportLister, started time.Time) *newSources {
	return &newSources{log: log, store: st, started: started, known: map[string]bool{}}
}

// Publish implements reports.Publisher. The first call reads the store
// once (bounded by seedTimeout), on the queue's writer goroutine, to learn
// the origins reported before the process started.
func (n *newSources) Publish(vs []report.Violation) {
	n.seedOnce.Do(n.seed)
	n.mu.Lock()
	defer n.mu.Unlock()
	for i := range vs {
		v := &vs[i]
		if v.Noise {
			continue
		}
		origin := webOrigin(v.BlockedURL)
		if origin == "" || n.known[origin] || origin == webOrigin(v.DocumentURL) {
			continue
		}
		if len(n.known) >= maxKnownSources {
			if !n.full {
				n.full = true
				n.log.Warn("new third party: too many sources to remember, no longer logging them; see /reports")
			}
			continue
		}
		n.known[origin] = true
		n.log.Warn("new third party", slog.String("source", origin), slog.String("group", v.Group),
			slog.String("directive", v.EffectiveDirective), slog.String("page", report.DocumentPath(v.DocumentURL)))
	}
}

// seed remembers the origins of the aggregates first seen before the
// process started. On a read error every origin counts as new once.
func (n *newSources) seed() {
	ctx, cancel := context.WithTimeout(context.Background(), seedTimeout)
	defer cancel()
	aggs, err := n.store.List(ctx, store.Filter{Limit: maxKnownSources})
	if err != nil {
		n.log.Warn("new third party: reading the stored reports failed; every source will be logged once", slog.Any("error", err))
		return
	}
	// Stores keep times to the millisecond: a report received in the
	// millisecond the process started must not pass for an older one.
	started := n.started.Truncate(time.Millisecond)
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, a := range aggs {
		if o := webOrigin(a.BlockedURL); o != "" && a.FirstSeen.Before(started) {
			n.known[o] = true
		}
	}
}

// webOrigin is the origin of an http(s) or ws(s) URL, lower-cased, or ""
// for anything else (keywords such as "inline", bare schemes).
func webOrigin(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return ""
	}
	switch s := strings.ToLower(p.Scheme); s {
	case "http", "https", "ws", "wss":
		return s + "://" + strings.ToLower(p.Host)
	}
	return ""
}

// publishers tells each of its publishers about every stored batch.
type publishers []reports.Publisher

func (ps publishers) Publish(vs []report.Violation) {
	for _, p := range ps {
		p.Publish(vs)
	}
}
