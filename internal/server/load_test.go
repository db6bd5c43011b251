//go:build load

package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/reports/store"
	"github.com/noncekit/noncekit/internal/testsupport/dbtest"
)

// Load test parameters. NONCEKIT_LOAD_RATE overrides the offered rate.
const (
	loadReports = 10_000
	loadClients = 8
	loadRate    = 6_000 // reports offered per second, paced
	probeGap    = 2 * time.Millisecond
)

// TestLoadReports floods the real server, on a loopback port, with 10,000
// real Chromium reports from several clients (in a child process) while it
// measures GET / latency before and during the flood and the server
// process's memory growth.
// Run it with `make load-reports` (NONCEKIT_LOAD=1).
//
// The per-client report limit is raised for the run: all the load clients
// share 127.0.0.1, and X-Forwarded-For is rightly not trusted. The
// flood process competes with the server for the 2 cores; the GET / probe
// runs in the server's process, so its figures include that client's share.
func TestLoadReports(t *testing.T) {
	config.TuneGC(os.Getenv) // as cmd/noncekit does
	rate := loadRate
	if v, err := strconv.Atoi(os.Getenv("NONCEKIT_LOAD_RATE")); err == nil && v > 0 {
		rate = v
	}
	rounds := 3
	if v, err := strconv.Atoi(os.Getenv("NONCEKIT_LOAD_ROUNDS")); err == nil && v > 0 {
		rounds = v
	}
	// One server per engine, SQLite's and PostgreSQL's, each with its
	// store, sessions and (PostgreSQL) live broadcast on it, as
	// cmd/noncekit runs them. NONCEKIT_LOAD_DB=sqlite or postgres runs one.
	only := os.Getenv("NONCEKIT_LOAD_DB")
	var sides []*loadSide
	for _, e := range dbtest.Engines {
		if only == "" || only == string(e.Dialect) {
			sides = append(sides, startLoadSide(t, e))
		}
	}
	require.NotEmpty(t, sides, "NONCEKIT_LOAD_DB=%q: want sqlite or postgres", only)

	// The machine is shared (other builds run on its 2 cores), so the
	// unloaded and loaded windows are interleaved, round after round, and
	// pooled, and so are the engines within each round: outside noise then
	// weighs on all alike.
	for r := range rounds {
		for _, sd := range sides {
			if r == 0 {
				runtime.GC()
				sd.before = memNow()
			}
			unloaded := probeFor(t, sd.client, sd.base, time.Duration(float64(time.Second)*loadReports/float64(rate)))
			got, lat := flood(t, sd.s, sd.client, sd.base, rate, sd.before)
			sd.unloaded, sd.loaded = append(sd.unloaded, unloaded), append(sd.loaded, lat)
			if r == 0 {
				sd.res = got // the figures of the first 10,000-report flood
			}
			u, l := percentiles(unloaded), percentiles(lat)
			t.Logf("%s round %d: %.0f reports/s accepted; GET / p99 unloaded %v, loaded %v; heap peak +%s",
				sd.name, r+1, got.acceptRate, u.p99, l.p99, mib(got.peak.heapInuse-sd.before.heapInuse))
		}
	}
	for _, sd := range sides {
		t.Run(sd.name, func(t *testing.T) { sd.report(t, rate, rounds) })
	}
}

// loadSide is one engine's server in TestLoadReports, and its figures.
type loadSide struct {
	name   string
	s      *Server
	base   string
	client *http.Client

	before           mem
	res              floodResult
	unloaded, loaded [][]time.Duration
}

func startLoadSide(t *testing.T, e dbtest.Engine) *loadSide {
	t.Helper()
	db := e.New(t)
	st := store.New(db, store.Options{})
	s, err := New(slog.New(slog.DiscardHandler), config.Config{Addr: "127.0.0.1:0", ReportRate: 1e9, ReportBurst: 1 << 30}, Options{DB: db, Reports: st})
	require.NoError(t, err)
	base := serveOnLoopback(t, s)
	sd := &loadSide{name: string(e.Dialect), s: s, base: base,
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: loadClients + 2}, Timeout: 10 * time.Second}}
	// Warm up: connections, templates, the database.
	probe(t, sd.client, sd.base, 200, 0)
	return sd
}

// report logs one engine's figures and checks its targets.
func (sd *loadSide) report(t *testing.T, rate, rounds int) {
	res := sd.res
	q := sd.s.ReportQueueStats()
	after := memNow()
	u, l := percentiles(slices.Concat(sd.unloaded...)), percentiles(slices.Concat(sd.loaded...))
	growth := res.peak.heapInuse - sd.before.heapInuse
	rssGrowth := res.peak.rss - sd.before.rss
	t.Logf("first flood: %d sent, %d accepted (204), %d refused (429), %d other", loadReports, res.ok, res.refused, res.other)
	t.Logf("first flood: offered %d/s from %d clients; accepted %.0f reports/s; stored end to end %.0f reports/s",
		rate, loadClients, res.acceptRate, res.storeRate)
	t.Logf("all %d rounds: stored %d, dropped %d, failed %d", rounds, q.Stored, q.Dropped, q.Failed)
	t.Logf("GET / unloaded (n=%d): p50 %v p99 %v max %v", u.n, u.p50, u.p99, u.max)
	t.Logf("GET / loaded   (n=%d): p50 %v p99 %v max %v (p99 ratio %.2f)", l.n, l.p50, l.p99, l.max, float64(l.p99)/float64(u.p99))
	t.Logf("memory during the first flood: HeapInuse %s -> peak %s (+%s); Sys %s -> %s; RSS %s -> peak %s (+%s); HeapInuse after all rounds %s",
		mib(sd.before.heapInuse), mib(res.peak.heapInuse), mib(growth), mib(sd.before.sys), mib(res.peak.sys),
		mib(sd.before.rss), mib(res.peak.rss), mib(rssGrowth), mib(after.heapInuse))

	ok := true
	check := func(cond bool, format string, args ...any) {
		if !cond {
			ok = false
			t.Errorf(format, args...)
		}
	}
	check(res.other == 0, "%d requests failed or got an unexpected status", res.other)
	check(res.acceptRate >= 5000, "ingest rate under 5,000 reports/s")
	check(l.p99 <= 2*u.p99, "loaded p99 %v is more than 2x the unloaded %v", l.p99, u.p99)
	check(growth <= 64<<20 && rssGrowth <= 64<<20, "memory grew more than 64 MiB")
	if ok {
		t.Log("all targets met")
	}
}

type floodResult struct {
	ok, refused, other    int64
	acceptRate, storeRate float64
	peak                  mem
}

// flood posts loadReports reports from loadClients clients, paced at rate
// per second, while it probes GET / and samples memory. It returns when
// the store has written everything accepted.
func flood(t *testing.T, s *Server, client *http.Client, base string, rate int, before mem) (floodResult, []time.Duration) {
	startStats := s.ReportQueueStats()
	var res floodResult
	res.peak = before
	stopMem, memDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(memDone)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopMem:
				return
			case <-tick.C:
				res.peak = res.peak.max(memNow())
			}
		}
	}()
	var loaded []time.Duration
	floodDone, probeDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(probeDone)
		for {
			select {
			case <-floodDone:
				return
			default:
			}
			loaded = append(loaded, probe(t, client, base, 1, probeGap)...)
		}
	}()

	// The flood comes from another process, as it would in production:
	// its clients' CPU and garbage are not charged to the server's heap,
	// and the OS, not the server's own scheduler, shares the cores.
	start := time.Now()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLoadFloodClient$")
	cmd.Env = append(os.Environ(), "NONCEKIT_LOAD_FLOOD_URL="+base, "NONCEKIT_LOAD_RATE="+strconv.Itoa(rate))
	out, err := cmd.CombinedOutput()
	close(floodDone)
	<-probeDone
	require.NoError(t, err, "flood client: %s", out)
	var fr floodReport
	for line := range strings.Lines(string(out)) {
		if j, ok := strings.CutPrefix(line, "FLOOD "); ok {
			require.NoError(t, json.Unmarshal([]byte(j), &fr))
		}
	}
	require.NotZero(t, fr.Elapsed, "flood client printed no result: %s", out)
	for {
		q := s.ReportQueueStats()
		if q.Stored+q.Dropped+q.Failed-startStats.Stored-startStats.Dropped-startStats.Failed >= fr.OK {
			res.storeRate = float64(q.Stored-startStats.Stored) / time.Since(start).Seconds()
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(stopMem)
	<-memDone
	res.ok, res.refused, res.other = fr.OK, fr.Refused, fr.Other
	res.acceptRate = float64(res.ok) / fr.Elapsed.Seconds()
	return res, loaded
}

// floodReport is what the flood process prints, on a line starting FLOOD.
type floodReport struct {
	OK, Refused, Other int64
	Elapsed            time.Duration
}

// TestLoadFloodClient is the flood process of TestLoadReports: it posts
// loadReports reports from loadClients clients, paced at
// NONCEKIT_LOAD_RATE per second, to NONCEKIT_LOAD_FLOOD_URL.
func TestLoadFloodClient(t *testing.T) {
	base := os.Getenv("NONCEKIT_LOAD_FLOOD_URL")
	if base == "" {
		t.Skip("started by TestLoadReports")
	}
	rate, err := strconv.Atoi(os.Getenv("NONCEKIT_LOAD_RATE"))
	require.NoError(t, err)
	bodies := loadBodies(t)
	var ok, refused, other atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	interval := time.Duration(float64(time.Second) * loadClients / float64(rate))
	for c := range loadClients {
		// Each client from its own loopback address (127.0.0.2, .3, ...),
		// as distinct browsers would be: the receiver caps requests in
		// flight per client address.
		dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+c))}}
		client := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext, MaxIdleConnsPerHost: 1}, Timeout: 10 * time.Second}
		wg.Go(func() {
			next := time.Now()
			for i := c; i < loadReports; i += loadClients {
				if d := time.Until(next); d > 0 {
					time.Sleep(d)
				}
				next = next.Add(interval)
				b := bodies[i%len(bodies)]
				resp, err := client.Post(base+"/csp-report?group=load", b.ctype, bytes.NewReader(b.body))
				if err != nil {
					other.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch resp.StatusCode {
				case http.StatusNoContent:
					ok.Add(1)
				case http.StatusTooManyRequests:
					refused.Add(1)
				default:
					other.Add(1)
				}
			}
		})
	}
	wg.Wait()
	j, err := json.Marshal(floodReport{OK: ok.Load(), Refused: refused.Load(), Other: other.Load(), Elapsed: time.Since(start)})
	require.NoError(t, err)
	fmt.Printf("FLOOD %s\n", j)
}

// probeFor times sequential GET / requests, probeGap apart, for d.
func probeFor(t *testing.T, c *http.Client, base string, d time.Duration) []time.Duration {
	var out []time.Duration
	for end := time.Now().Add(d); time.Now().Before(end); {
		out = append(out, probe(t, c, base, 1, probeGap)...)
	}
	return out
}

type loadBody struct {
	ctype string
	body  []byte
}

// loadBodies are the real Chromium bodies from the report package's
// testdata, in both formats, with a few distinct blocked URLs so the flood
// exercises several aggregates.
func loadBodies(t *testing.T) []loadBody {
	uri, err := os.ReadFile("../../csp/report/testdata/chromium-report-uri.json")
	require.NoError(t, err)
	to, err := os.ReadFile("../../csp/report/testdata/chromium-reports.json")
	require.NoError(t, err)
	var out []loadBody
	for i := range 8 {
		blocked := fmt.Sprintf("https://cdn%d.example/x.js", i)
		out = append(out,
			loadBody{"application/csp-report", bytes.Replace(uri, []byte(`"blocked-uri":"inline"`), []byte(`"blocked-uri":"`+blocked+`"`), 1)},
			loadBody{"application/reports+json", bytes.Replace(to, []byte(`"blockedURL":"inline"`), []byte(`"blockedURL":"`+blocked+`"`), 1)},
		)
	}
	for _, b := range out {
		require.True(t, bytes.Contains(b.body, []byte("cdn")), "testdata changed: %s", b.body)
	}
	return out
}

// probe times n sequential GET / requests, gap apart.
func probe(t *testing.T, c *http.Client, base string, n int, gap time.Duration) []time.Duration {
	out := make([]time.Duration, 0, n)
	for range n {
		start := time.Now()
		resp, err := c.Get(base + "/")
		if err != nil {
			t.Errorf("GET /: %v", err)
			return out
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		out = append(out, time.Since(start))
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET /: %d", resp.StatusCode)
		}
		if gap > 0 {
			time.Sleep(gap)
		}
	}
	return out
}

type pcts struct {
	n             int
	p50, p99, max time.Duration
}

func percentiles(d []time.Duration) pcts {
	if len(d) == 0 {
		return pcts{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	at := func(p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return pcts{len(s), at(0.50), at(0.99), s[len(s)-1]}
}

type mem struct{ heapInuse, sys, rss uint64 }

func (m mem) max(o mem) mem {
	return mem{max(m.heapInuse, o.heapInuse), max(m.sys, o.sys), max(m.rss, o.rss)}
}

func memNow() mem {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return mem{ms.HeapInuse, ms.Sys, rss()}
}

// rss reads VmRSS from /proc/self/status (Linux), 0 elsewhere.
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
