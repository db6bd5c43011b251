// Command signinflood measures what a password-guessing flood from many
// addresses costs the rest of the site. It starts the kit's binary on a
// free loopback port as a production deploy behind a trusted proxy
// (APP_ENV=production, BEHIND_TLS_PROXY=true, TRUSTED_PROXIES=127.0.0.1),
// then alternates two windows, round after round, so that both see the
// same machine load:
//
//   - idle: GET / alone, one request at a time, a few milliseconds apart;
//   - flood: the same GET / probe while -c guessers POST /signin as fast as
//     they are answered, each attempt from a new address (X-Forwarded-For,
//     which the trusted proxy's connection makes believed) at a new email,
//     so no throttle entry ever refuses one: every attempt asks for a
//     bcrypt run, the worst case for the server.
//
// It prints GET / p50 and p99 in each kind of window, their ratio, and
// what the guessers were answered.
//
//	go build -o bin/noncekit ./cmd/noncekit
//	go run ./internal/testsupport/bench/signinflood -server bin/noncekit
//
// The guessers run on the same machine and compete with the server for
// CPU, as the probe does in both windows: read the ratio, not the absolute
// figures.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/noncekit/noncekit/internal/testsupport/bench/kitproc"
)

func main() {
	server := flag.String("server", "bin/noncekit", "the kit's binary")
	conns := flag.Int("c", 200, "concurrent guessers, each from new addresses")
	dur := flag.Duration("d", 5*time.Second, "length of each window")
	rounds := flag.Int("rounds", 3, "rounds, each an idle window and a flood window")
	gap := flag.Duration("gap", 5*time.Millisecond, "pause between two GET / probes")
	flag.Parse()
	if *conns < 1 || *dur <= 0 || *rounds < 1 {
		fmt.Fprintln(os.Stderr, "signinflood: -c, -d and -rounds must be positive")
		os.Exit(2)
	}
	if err := run(*server, *conns, *dur, *rounds, *gap); err != nil {
		fmt.Fprintln(os.Stderr, "signinflood:", err)
		os.Exit(1)
	}
}

func run(bin string, conns int, dur time.Duration, rounds int, gap time.Duration) error {
	dir, err := os.MkdirTemp("", "signinflood")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	srv, err := kitproc.Start(bin, []string{"DATA_DIR=" + dir, "LOG_LEVEL=warn",
		"APP_ENV=production", "BEHIND_TLS_PROXY=true", "TRUSTED_PROXIES=127.0.0.1"}, io.Discard, 30*time.Second)
	if err != nil {
		return err
	}
	defer srv.Stop()
	addr, base := srv.Addr, srv.Base
	probeClient := &http.Client{Timeout: 30 * time.Second}
	if _, err := probe(context.Background(), probeClient, base, 200, 0); err != nil { // warm up
		return err
	}
	fmt.Printf("server %s (pid %d): %d guessers, %d rounds of %s idle + %s flood\n", addr, srv.Pid(), conns, rounds, dur, dur)

	var idle, loaded []time.Duration
	var next atomic.Int64 // the guessers' address and email counter
	statuses := map[string]int{}
	for r := range rounds {
		ctx, cancel := context.WithTimeout(context.Background(), dur)
		lat, err := probe(ctx, probeClient, base, -1, gap)
		cancel()
		if err != nil {
			return err
		}
		idle = append(idle, lat...)
		roundIdle := lat

		ctx, cancel = context.WithTimeout(context.Background(), dur)
		got := make(chan map[string]int, 1)
		go func() { got <- flood(ctx, base, conns, &next) }()
		lat, err = probe(ctx, probeClient, base, -1, gap)
		cancel()
		counts := <-got
		if err != nil {
			return err
		}
		loaded = append(loaded, lat...)
		for k, n := range counts {
			statuses[k] += n
		}
		fmt.Printf("  round %d: GET / p50 idle %v, during the flood %v; guesses answered %v\n",
			r+1, pct(roundIdle, 0.5), pct(lat, 0.5), counts)
	}
	slices.Sort(idle)
	slices.Sort(loaded)
	fmt.Printf("\nGET / idle        (n=%d): p50 %v  p99 %v\n", len(idle), pct(idle, 0.5), pct(idle, 0.99))
	fmt.Printf("GET / during flood (n=%d): p50 %v  p99 %v\n", len(loaded), pct(loaded, 0.5), pct(loaded, 0.99))
	ratio := float64(pct(loaded, 0.5)) / float64(max(pct(idle, 0.5), 1))
	verdict := "within"
	if ratio > 2 {
		verdict = "NOT within"
	}
	fmt.Printf("p50 ratio %.2f: %s 2x of idle\n", ratio, verdict)
	fmt.Printf("guesses answered, all rounds: %v (a 303 is one bcrypt run)\n", statuses)
	return nil
}

// flood runs conns guessers until ctx ends and counts their answers by
// status ("err" for a failed request). An attempt under way when ctx ends
// is waited for: the server would go on hashing it after the client left,
// into the next idle window.
func flood(ctx context.Context, base string, conns int, next *atomic.Int64) map[string]int {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var mu sync.Mutex
	counts := map[string]int{}
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := next.Add(1)
				form := url.Values{"email": {fmt.Sprintf("guess-%d@example.com", i)}, "password": {"not the password"}}
				req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodPost, base+"/signin", strings.NewReader(form.Encode()))
				if err != nil {
					return
				}
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				// A new address each time: 10.0.0.0/8, from the counter.
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", (i>>16)&255, (i>>8)&255, i&255))
				key := "err"
				if resp, err := client.Do(req); err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					key = fmt.Sprint(resp.StatusCode)
				}
				mu.Lock()
				counts[key]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return counts
}

// probe times sequential GET / requests, gap apart: n of them, or until ctx
// ends when n < 0.
func probe(ctx context.Context, c *http.Client, base string, n int, gap time.Duration) ([]time.Duration, error) {
	var out []time.Duration
	for i := 0; (n < 0 || i < n) && ctx.Err() == nil; i++ {
		start := time.Now()
		resp, err := c.Get(base + "/")
		if err != nil {
			return out, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return out, fmt.Errorf("GET /: %s", resp.Status)
		}
		out = append(out, time.Since(start))
		if gap > 0 {
			time.Sleep(gap)
		}
	}
	return out, nil
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[int(p*float64(len(s)-1))].Round(10 * time.Microsecond)
}
