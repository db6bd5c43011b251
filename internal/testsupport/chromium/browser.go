package chromium

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browser is the one Chromium every test of the binary shares; each test
// opens its own tab in it with NewTab. Starting Chromium costs about a
// second, a tab a few milliseconds. Main sets it once, before the tests run.
var browser context.Context

// missingChromium is the whole message when no browser is found: it says how
// to get one, in one line.
const missingChromium = "chromium not found: install it with 'apt-get install -y chromium' (or set CHROMIUM_PATH)"

// Main starts the shared headless Chromium, runs the tests and returns their
// exit code. A browser test package's TestMain is
//
//	func TestMain(m *testing.M) { os.Exit(chromium.Main(m)) }
//
// Chromium is CHROMIUM_PATH when set, else the first Chromium or Chrome on
// PATH. Without one, Main prints a one-line install hint and returns 0 so
// that `make test` passes on a machine without a browser, unless CI is set:
// there it fails, or the suite would silently prove nothing.
//
// With -short (`make test-short`, the quick inner loop) Main starts no
// browser: the tests that need one skip in NewTab, saying so, and the
// harness's own unit tests still run.
func Main(m *testing.M) int {
	// testing.Short reads the flags, which m.Run would parse only later.
	flag.Parse()
	if testing.Short() {
		return m.Run()
	}
	widenParallel()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CI") != "" {
			fmt.Fprintln(os.Stderr, "FAIL: "+missingChromium)
			return 1
		}
		fmt.Println(missingChromium)
		return 0
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		// httptest.NewTLSServer's certificate is self-signed.
		chromedp.Flag("ignore-certificate-errors", true),
		// The Reporting API batches reports for 60 s after the first one of
		// a session; 100 ms keeps the report-to tests fast.
		chromedp.Flag("short-reporting-delay", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()

	start := time.Now()
	// The browser lives as long as the context of this first call: it must
	// be ctx itself, not a child with a timeout, or every test after that
	// timeout would fail with "context canceled". A hung start is caught by
	// go test's own -timeout.
	if err := chromedp.Do(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: starting %s: %v\n", path, err)
		return 1
	}
	fmt.Printf("chromium: %s started in %s\n", path, time.Since(start).Round(time.Millisecond))
	browser = ctx
	return m.Run()
}

// chromiumPath returns CHROMIUM_PATH when it names an executable, else the
// first Chromium or Chrome found on PATH, else "".
func chromiumPath() string {
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		if found, err := exec.LookPath(p); err == nil {
			return found
		}
		return ""
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if found, err := exec.LookPath(name); err == nil {
			return found
		}
	}
	return ""
}

// browserParallel is how many parallel tests a browser suite runs at once
// unless -parallel says otherwise. go test's default is GOMAXPROCS (2 on
// the kit's CI machine), but some browser tests spend seconds waiting on
// the page rather than the CPU (a demo waits up to 3 s to be sure a
// violation is not coming): with 4 at once the showcase's suite took
// 20-22 s instead of 26 s on a 2-core machine, for the same CPU time.
const browserParallel = 4

// widenParallel raises -parallel to browserParallel when it was not given.
func widenParallel() {
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	p := flag.Lookup("test.parallel")
	if given || p == nil {
		return
	}
	if n, err := strconv.Atoi(p.Value.String()); err == nil && n < browserParallel {
		_ = p.Value.Set(strconv.Itoa(browserParallel))
	}
}
