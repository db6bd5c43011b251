package suggest

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/lint"
	"github.com/noncekit/noncekit/csp/report"
)

// TestApplyAllAgreesWithApplyEach: making every change at once and
// refusing the ones High findings name gives what checking each change
// alone gives, for every policy, directive, blocked URL and sample of
// TestEverySuggestionIsSafe, with hosts that are known script gadgets
// among many that are not.
func TestApplyAllAgreesWithApplyEach(t *testing.T) {
	policies := map[string]csp.Policy{
		"site":       site,
		"allowlist":  site.Replace(csp.ScriptSrc, csp.Self),
		"nonce only": site.Replace(csp.ScriptSrc, csp.Nonce),
		"elem set":   site.Set(csp.ScriptSrcElem, csp.Nonce, csp.Self).Set(csp.StyleSrcElem, csp.Self),
		"trusted":    site.Set(csp.RequireTrustedTypesFor, "'script'").Set(csp.TrustedTypes, "app"),
		"worker":     site.Set(csp.WorkerSrc, csp.Self),
		"api":        csp.New().Set(csp.DefaultSrc, csp.None).Set(csp.FrameAncestors, csp.None),
	}
	blocked := []string{"inline", "eval", "wasm-eval", "trusted-types-policy", "data", "blob",
		"https://cdn.example.com/x.js", "http://cdn.example.com:8080/x", "wss://live.example.com/s",
		"https://www.google.com/tools/feedback/escalation-options", "https://ajax.googleapis.com/x.js",
		"https://www.googleapis.com/freebase/v1/topic/m/0344_", "http://127.0.0.1:8080/x", "https://[::1]/x"}
	for i := range 40 {
		blocked = append(blocked, fmt.Sprintf("https://h%d.example.com/x", i))
	}
	var aggs []report.Aggregate
	for _, d := range csp.ReportableDirectives() {
		for _, b := range blocked {
			for _, smp := range []string{"", "app", "go()"} {
				aggs = append(aggs, withSample(agg(string(d), b), smp))
			}
		}
	}
	ctx := context.Background()
	for name, p := range policies {
		t.Run(name, func(t *testing.T) {
			all, err := suggestOne(ctx, "g", p, report.DispositionEnforce, aggs, bases, applyAll)
			require.NoError(t, err)
			each, err := suggestOne(ctx, "g", p, report.DispositionEnforce, aggs, bases, applyEach)
			require.NoError(t, err)
			assert.Equal(t, each, all)
			assertSafe(t, all)
		})
	}
	// The cases where changes are refused by the linter are covered.
	ss, err := suggestOne(ctx, "g", policies["nonce only"], report.DispositionEnforce, aggs, bases, applyAll)
	require.NoError(t, err)
	assert.Contains(t, refusalKinds(ss), "lint-high", "a gadget host next to a nonce without 'strict-dynamic'")
}

// TestApplyAllFallsBackToEach: when the policy with every change does not
// validate, applyAll makes the changes one at a time, so the one change
// at fault is refused and the others are made.
func TestApplyAllFallsBackToEach(t *testing.T) {
	cands := func() []*candidate {
		return []*candidate{
			{c: Change{Op: opAdd, Directive: csp.ImgSrc, Source: "https://a.example"}},
			{c: Change{Op: opAdd, Directive: csp.ImgSrc, Source: "https://b.example;script-src"}},
			{c: Change{Op: opAdd, Directive: csp.ImgSrc, Source: "https://c.example"}},
		}
	}
	ctx := context.Background()
	all, each := cands(), cands()
	pAll, err := applyAll(ctx, site, all, lint.AsHeader)
	require.NoError(t, err)
	pEach, err := applyEach(ctx, site, each, lint.AsHeader)
	require.NoError(t, err)
	assert.Equal(t, pEach.String(), pAll.String())
	assert.Equal(t, []csp.Source{csp.Self, "https://a.example", "https://c.example"}, pAll.Sources(csp.ImgSrc))
	for i := range all {
		assert.Equal(t, each[i].refusal, all[i].refusal, "candidate %d", i)
	}
	require.NotNil(t, all[1].refusal)
	assert.Equal(t, "invalid-source", all[1].refusal.Kind)
}

// pollCounter is a context whose Err reports cancellation from its
// cancelAt'th call on (never when cancelAt is 0), counting the calls.
type pollCounter struct {
	context.Context
	polls, cancelAt int
}

func (c *pollCounter) Err() error {
	c.polls++
	if c.cancelAt > 0 && c.polls >= c.cancelAt {
		return context.Canceled
	}
	return nil
}

// TestSuggestStopsWhenContextEnds: the suggester looks at its context
// every few hundred reports, and stops at the first look after it ended
// (issue 21: a dashboard request the client had dropped went on linting
// for 21 CPU-seconds).
func TestSuggestStopsWhenContextEnds(t *testing.T) {
	groups := []csp.GroupInfo{{Group: csp.Group{Name: "g", Enforce: site}}}
	aggs := manyKinds(10_000)

	full := &pollCounter{Context: context.Background()}
	ss, err := GroupsContext(full, groups, aggs, bases)
	require.NoError(t, err)
	require.Len(t, ss, 1)
	assert.GreaterOrEqual(t, full.polls, len(aggs)/checkEvery, "at least once per %d reports", checkEvery)

	for _, at := range []int{1, 3, full.polls} {
		ctx := &pollCounter{Context: context.Background(), cancelAt: at}
		ss, err := GroupsContext(ctx, groups, aggs, bases)
		assert.ErrorIs(t, err, context.Canceled, "cancelled at poll %d", at)
		assert.Nil(t, ss)
		assert.Equal(t, at, ctx.polls, "no work after the poll that saw it")
	}
}
