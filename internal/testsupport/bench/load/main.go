// Command load measures what the security middleware costs a real server.
// It starts the kit's binary on a free loopback port with
// NONCEKIT_BENCH_ROUTES=1, which adds two routes serving the same home page:
// /bench/plain in a route group with no policy and /bench/csp under the site
// policy (a fresh nonce, the CSP header, no-store). It drives each with a
// fixed number of keep-alive connections, alternating A, B, B, A, ... so
// that both see the same machine load, and prints requests per second, p50 and
// p99 latency, the server's CPU time per request, the req/s ratio, and the
// server's peak resident memory.
//
//	go build -o bin/noncekit ./cmd/noncekit
//	go run ./internal/bench/load -server bin/noncekit
//
// The load generator runs on the same machine as the server and competes
// with it for CPU; both routes pay that equally, so read the ratio rather
// than the absolute figures. The server's CPU time per request is its own
// cost, undiluted by the generator's.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/internal/testsupport/bench/kitproc"
)

func main() {
	server := flag.String("server", "bin/noncekit", "the kit's binary")
	conns := flag.Int("c", 64, "concurrent connections")
	dur := flag.Duration("d", 3*time.Second, "duration of each measured run")
	rounds := flag.Int("rounds", 6, "rounds, each running both routes once (A,B then B,A)")
	warmup := flag.Duration("warmup", time.Second, "unmeasured load on each route before the first round")
	logLevel := flag.String("log-level", "warn", "the server's LOG_LEVEL: info measures what the access log costs")
	flag.Parse()
	if *rounds < 1 || *conns < 1 || *dur <= 0 {
		fmt.Fprintln(os.Stderr, "load: -rounds, -c and -d must be positive")
		os.Exit(2)
	}
	if err := run(*server, *logLevel, *conns, *dur, *rounds, *warmup); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

// route is one side of the comparison.
type route struct {
	name, path string
	wantCSP    bool
	cpu        time.Duration   // the server's CPU time while this route was driven
	lat        []time.Duration // one per completed request, every round's
}

func run(bin, logLevel string, conns int, dur time.Duration, rounds int, warmup time.Duration) error {
	// LOG_LEVEL=warn by default: the page, not the access log. With
	// -log-level info the same run measures what the access log costs.
	srv, err := kitproc.Start(bin, []string{"NONCEKIT_BENCH_ROUTES=1", "LOG_LEVEL=" + logLevel}, os.Stderr, 15*time.Second)
	if err != nil {
		return err
	}
	defer srv.Stop()
	addr, base := srv.Addr, srv.Base
	client := &http.Client{Timeout: 10 * time.Second}

	routes := []*route{
		{name: "no policy  (/bench/plain)", path: "/bench/plain"},
		{name: "site policy (/bench/csp)", path: "/bench/csp", wantCSP: true},
	}
	for _, rt := range routes {
		if err := check(client, base, rt); err != nil {
			return err
		}
		if _, err := drive(addr, rt.path, conns, warmup); err != nil {
			return err
		}
	}
	fmt.Printf("server %s (pid %d), %d connections, %d rounds x %s per route, interleaved\n",
		addr, srv.Pid(), conns, rounds, dur)
	var ratios []float64 // per round: policy / no policy, the two runs side by side
	for i := range rounds {
		var perRound [2]float64
		// A, B then B, A: a load trend on the machine cannot always
		// favour the route that runs first.
		order := []int{0, 1}
		if i%2 == 1 {
			order = []int{1, 0}
		}
		for _, j := range order {
			rt := routes[j]
			cpu0, err := cpuTime(srv.Pid())
			if err != nil {
				return err
			}
			lat, err := drive(addr, rt.path, conns, dur)
			if err != nil {
				return err
			}
			cpu1, err := cpuTime(srv.Pid())
			if err != nil {
				return err
			}
			rt.cpu += cpu1 - cpu0
			rt.lat = append(rt.lat, lat...)
			perRound[j] = float64(len(lat)) / dur.Seconds()
			fmt.Printf("  round %d  %-26s %9.0f req/s\n", i+1, rt.name, perRound[j])
		}
		ratios = append(ratios, perRound[1]/perRound[0])
	}
	measured := time.Duration(rounds) * dur // each route ran for dur in every round
	rps := func(rt *route) float64 { return float64(len(rt.lat)) / measured.Seconds() }
	fmt.Println()
	fmt.Printf("%-26s %10s %10s %10s %14s\n", "route", "req/s", "p50", "p99", "server CPU/req")
	for _, rt := range routes {
		slices.Sort(rt.lat)
		fmt.Printf("%-26s %10.0f %10s %10s %14s\n", rt.name, rps(rt),
			pct(rt.lat, 0.50).Round(time.Microsecond), pct(rt.lat, 0.99).Round(time.Microsecond),
			(rt.cpu / time.Duration(max(len(rt.lat), 1))).Round(10*time.Nanosecond))
	}
	slices.Sort(ratios)
	// The median of per-round ratios resists a burst of load from elsewhere
	// on the machine better than the ratio of totals; both are printed.
	fmt.Printf("\nreq/s with policy / without: %.3f over all rounds, median of per-round ratios %.3f (min %.3f, max %.3f)\n",
		rps(routes[1])/rps(routes[0]), median(ratios), ratios[0], ratios[len(ratios)-1])
	hwm, rss, err := memory(srv.Pid())
	if err != nil {
		return err
	}
	fmt.Printf("server peak RSS (VmHWM): %.1f MB, current RSS: %.1f MB\n", mb(hwm), mb(rss))
	return nil
}

func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(p*float64(len(sorted)-1))]
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

func mb(kb int) float64 { return float64(kb) / 1024 }

// drive sends GETs for path to addr over conns keep-alive connections for
// d and returns the latency of each that completed. Any failure stops the
// measurement: a fast stream of errors is not a throughput.
func drive(addr, path string, conns int, d time.Duration) ([]time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		all      []time.Duration
		firstErr error
	)
	for range conns {
		wg.Go(func() {
			lat, err := driveConn(ctx, addr, path)
			mu.Lock()
			defer mu.Unlock()
			all = append(all, lat...)
			if err != nil && firstErr == nil {
				firstErr = err
				cancel()
			}
		})
	}
	wg.Wait()
	return all, firstErr
}

// driveConn is one connection's loop. It speaks just enough HTTP/1.1 to
// read a 200 response whose body has a Content-Length or is chunked (see
// readResponse), instead of net/http's client: the generator shares the
// CPU with the server, and a lighter client leaves more of it to the
// server being measured.
func driveConn(ctx context.Context, addr, path string) ([]time.Duration, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	req := []byte("GET " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: noncekit-load\r\n\r\n")
	br := bufio.NewReaderSize(conn, 64<<10)
	lat := make([]time.Duration, 0, 8192)
	for ctx.Err() == nil {
		start := time.Now()
		if _, err := conn.Write(req); err != nil {
			return lat, ignoreAtEnd(ctx, err)
		}
		if err := readResponse(br); err != nil {
			return lat, ignoreAtEnd(ctx, fmt.Errorf("GET %s: %w", path, err))
		}
		lat = append(lat, time.Since(start))
	}
	return lat, nil
}

// ignoreAtEnd drops the error of a request cut off by the end of the run.
func ignoreAtEnd(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// readResponse reads one response: a 200 status line, headers up to the
// blank line, and the body, which it discards. The body is either
// Content-Length bytes or chunked: the kit's pages are larger than
// net/http's output buffer, so the server streams them in chunks.
func readResponse(br *bufio.Reader) error {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 200 ")) {
		return fmt.Errorf("status %q", bytes.TrimSpace(line))
	}
	length, chunked := -1, false
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 { // "\r\n": end of the headers
			break
		}
		k, v, ok := bytes.Cut(line, []byte(":"))
		v = bytes.TrimSpace(v)
		switch {
		case !ok:
		case bytes.EqualFold(k, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(v)); err != nil {
				return fmt.Errorf("content-length %q", v)
			}
		case bytes.EqualFold(k, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(v, []byte("chunked"))
		}
	}
	switch {
	case chunked:
		return discardChunks(br)
	case length >= 0:
		_, err = br.Discard(length)
		return err
	}
	return errors.New("response with neither Content-Length nor chunked encoding")
}

// discardChunks reads a chunked body (RFC 9112 section 7.1) to its end.
func discardChunks(br *bufio.Reader) error {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		size, _, _ := bytes.Cut(bytes.TrimSpace(line), []byte(";"))
		n, err := strconv.ParseInt(string(size), 16, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("chunk size %q", line)
		}
		if n == 0 {
			// Trailers, if any, then the final blank line.
			for {
				line, err = br.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(line) <= 2 {
					return nil
				}
			}
		}
		if _, err := br.Discard(int(n) + 2); err != nil { // data and its CRLF
			return err
		}
	}
}

// check makes sure each route is what it claims: the same page, with or
// without the policy.
func check(client *http.Client, base string, rt *route) error {
	resp, err := client.Get(base + rt.path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s (was the server started with NONCEKIT_BENCH_ROUTES=1?)", rt.path, resp.Status)
	}
	hasCSP := resp.Header.Get(csp.HeaderCSP) != ""
	if hasCSP != rt.wantCSP || !strings.Contains(string(body), "<html") {
		return fmt.Errorf("%s: CSP header present=%v, want %v", rt.path, hasCSP, rt.wantCSP)
	}
	return nil
}

// cpuTime is the user plus system CPU time the process has used so far,
// from /proc/<pid>/stat. Per request it is the server's own cost, which
// the req/s ratio shows diluted: the load generator shares the machine's
// CPUs and costs the same per request on both routes.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("reading the server's CPU time (Linux only): %w", err)
	}
	// The command name, field 2, is in parentheses and may hold spaces:
	// count fields after its closing one. utime and stime are fields 14
	// and 15, in clock ticks of 1/100 s (USER_HZ on Linux).
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat: %q", pid, b)
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("unexpected /proc/%d/stat: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}

// memory reads the peak (VmHWM) and current (VmRSS) resident set size of
// pid in kB from /proc, Linux only.
func memory(pid int) (hwm, rss int, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("reading peak RSS (Linux only): %w", err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		var n int
		if _, err := fmt.Sscanf(strings.TrimSpace(v), "%d kB", &n); err != nil {
			continue
		}
		switch k {
		case "VmHWM":
			hwm = n
		case "VmRSS":
			rss = n
		}
	}
	return hwm, rss, nil
}
