package server

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/reports/store"
)

// TestOperatorStreamConnectsDuringAnAnonymousStreamFlood reproduces issue
// 21's attack on the live stream: 256 anonymous connections to the
// showcase's per-view streams took every stream slot, and the operator's
// /api/reports/stream answered 429. Now a stream slot is an operator's
// alone: the showcase's views poll their own bounded lists (no stream),
// and an anonymous /api/reports/stream is refused before it subscribes.
// With 300 of each held at once, the operator's stream still connects.
func TestOperatorStreamConnectsDuringAnAnonymousStreamFlood(t *testing.T) {
	db := openTestDB(t, t.TempDir())
	in := startInstance(t, config.Config{Showcase: true}, false, Options{DB: db, Reports: store.New(db, store.Options{})})
	base := in.ts.URL
	operator := newBrowser(t, nil)
	assertRedirect(t, operator.signIn(base, operatorEmail, operatorPassword), "/account")

	const flood = 300
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // the anonymous connections leave when the test ends
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: flood}}
	t.Cleanup(client.CloseIdleConnections)
	type answer struct{ kind, status int }
	answers := make(chan answer, 3*flood)
	var wg sync.WaitGroup
	for i := range flood {
		view := fmt.Sprintf("%026s", strconv.FormatInt(int64(i), 32)) // the shape of a view id
		view = strings.ToUpper(strings.NewReplacer(" ", "A", "0", "A", "1", "B", "8", "C", "9", "D").Replace(view))
		for kind, path := range []string{
			"/api/reports/stream",
			"/demo/reports?view=" + view,
			"/demo/reports/stream?view=" + view,
		} {
			wg.Go(func() {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
				if !assert.NoError(t, err) {
					return
				}
				resp, err := client.Do(req)
				if !assert.NoError(t, err, path) {
					return
				}
				answers <- answer{kind, resp.StatusCode}
				_ = resp.Body.Close()
			})
		}
	}
	wg.Wait()
	close(answers)
	got := [3]map[int]int{{}, {}, {}}
	for a := range answers {
		got[a.kind][a.status]++
	}
	t.Logf("anonymous answers: stream %v, view polls %v, per-view streams %v", got[0], got[1], got[2])
	assert.Equal(t, map[int]int{http.StatusUnauthorized: flood}, got[0], "every anonymous /api/reports/stream is refused before it subscribes")
	assert.Equal(t, map[int]int{http.StatusNotFound: flood}, got[1], "a view poll answers at once (these views are unknown)")
	assert.Equal(t, map[int]int{http.StatusNotFound: flood}, got[2], "there is no per-view stream")

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/reports/stream", nil)
	require.NoError(t, err)
	resp, err := operator.c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the operator's stream connects")
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
}
