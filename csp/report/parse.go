package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// MaxEntries is how many Reporting API entries one batch decodes; the rest
// are counted in Batch.Dropped. Chromium batches a few reports per minute,
// so a real batch stays far below it.
const MaxEntries = 100

// maxDepth bounds JSON nesting. A real report nests three deep (array,
// report, body); checking the depth in one pass before decoding rejects a
// body of 64 KiB of '[' without building anything.
const maxDepth = 16

// Errors returned by Parse, to be matched with errors.Is.
var (
	// ErrUnsupportedType: the content type is not a report format.
	ErrUnsupportedType = errors.New("unsupported content type")
	// ErrMalformed: the body is not a report of the declared format.
	ErrMalformed = errors.New("malformed report")
)

// Meta is what the receiver knows about a report besides its body.
type Meta struct {
	// Group is the raw ?group= value of the report URL; normalisation
	// validates it, so pass it unchecked.
	Group string
	// UserAgent is the request's User-Agent, used when the report carries
	// none (report-uri reports never do).
	UserAgent string
	// ReceivedAt is stamped on every violation.
	ReceivedAt time.Time
	// Client is stamped on every violation as Violation.Client: an opaque
	// id (see Handler), never an address.
	Client string
}

// Content types the receiver accepts, without parameters.
const (
	TypeCSPReport   = "application/csp-report"
	TypeReportsJSON = "application/reports+json"
	TypeJSON        = "application/json"
)

// Parse decodes a report body sent with the given Content-Type header value
// (parameters such as charset are ignored) and returns its violations,
// normalised. application/csp-report must hold one {"csp-report": {...}}
// object, application/reports+json an array of reports; application/json
// may hold either, told apart by its first character.
//
// The error wraps ErrUnsupportedType or ErrMalformed. Parse never panics on
// any input and does not retain body.
func Parse(contentType string, body []byte, m Meta) (Batch, error) {
	mt, err := mediaType(contentType)
	if err != nil {
		return Batch{}, err
	}
	if err := checkDepth(body); err != nil {
		return Batch{}, err
	}
	switch mt {
	case TypeCSPReport:
		return parseCSPReport(body, m)
	case TypeReportsJSON:
		return parseReports(body, m)
	}
	// application/json: older Firefox and Safari send report-uri reports
	// with it; a Reporting API array with it is accepted too.
	switch firstByte(body) {
	case '{':
		return parseCSPReport(body, m)
	case '[':
		return parseReports(body, m)
	}
	return Batch{}, fmt.Errorf("parse %s: %w: neither an object nor an array", mt, ErrMalformed)
}

// mediaType returns the lower-cased media type of a Content-Type value if
// it is one Parse accepts. It avoids mime.ParseMediaType on purpose: a
// malformed parameter should not turn a good report into a 415.
func mediaType(ct string) (string, error) {
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.TrimSpace(mt)
	for _, t := range []string{TypeCSPReport, TypeReportsJSON, TypeJSON} {
		if strings.EqualFold(mt, t) {
			return t, nil
		}
	}
	return "", fmt.Errorf("content type %.64q: %w", ct, ErrUnsupportedType)
}

func firstByte(b []byte) byte {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

// checkDepth rejects JSON nested deeper than maxDepth. It tracks strings
// only well enough to skip brackets inside them; syntax errors are left to
// the decoder.
func checkDepth(b []byte) error {
	depth := 0
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '[', '{':
			depth++
			if depth > maxDepth {
				return fmt.Errorf("check depth: %w: nested deeper than %d", ErrMalformed, maxDepth)
			}
		case ']', '}':
			depth--
		}
	}
	return nil
}

// cspReport is the report-uri format (CSP2 §4.4 / CSP3 "deprecated
// serialization"), with hyphenated keys.
type cspReport struct {
	DocumentURI        flexString `json:"document-uri"`
	BlockedURI         flexString `json:"blocked-uri"`
	ViolatedDirective  flexString `json:"violated-directive"`
	EffectiveDirective flexString `json:"effective-directive"`
	Disposition        flexString `json:"disposition"`
	ScriptSample       flexString `json:"script-sample"`
	SourceFile         flexString `json:"source-file"`
	LineNumber         flexInt    `json:"line-number"`
	ColumnNumber       flexInt    `json:"column-number"`
	StatusCode         flexInt    `json:"status-code"`
}

func parseCSPReport(body []byte, m Meta) (Batch, error) {
	var env struct {
		Report object[cspReport] `json:"csp-report"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return Batch{}, fmt.Errorf("parse csp-report: %w: %s", ErrMalformed, shortErr(err))
	}
	if !env.Report.ok {
		return Batch{}, fmt.Errorf("parse csp-report: %w: no csp-report object", ErrMalformed)
	}
	r := env.Report.v
	v := normalise(raw{
		documentURL: string(r.DocumentURI),
		blockedURL:  string(r.BlockedURI),
		effective:   string(r.EffectiveDirective),
		violated:    string(r.ViolatedDirective),
		disposition: string(r.Disposition),
		sample:      string(r.ScriptSample),
		sourceFile:  string(r.SourceFile),
		line:        int(r.LineNumber),
		column:      int(r.ColumnNumber),
		status:      int(r.StatusCode),
	}, m)
	var b Batch
	b.add(v)
	return b, nil
}

// reportEntry is one Reporting API report; body is the CSP3
// CSPViolationReportBody, with camel-case keys.
type reportEntry struct {
	Type      flexString            `json:"type"`
	URL       flexString            `json:"url"`
	UserAgent flexString            `json:"user_agent"`
	Body      object[violationBody] `json:"body"`
}

type violationBody struct {
	DocumentURL        flexString `json:"documentURL"`
	BlockedURL         flexString `json:"blockedURL"`
	EffectiveDirective flexString `json:"effectiveDirective"`
	Disposition        flexString `json:"disposition"`
	Sample             flexString `json:"sample"`
	SourceFile         flexString `json:"sourceFile"`
	LineNumber         flexInt    `json:"lineNumber"`
	ColumnNumber       flexInt    `json:"columnNumber"`
	StatusCode         flexInt    `json:"statusCode"`
}

// skipValue consumes one JSON value without copying or decoding it.
type skipValue struct{}

func (*skipValue) UnmarshalJSON([]byte) error { return nil }

func parseReports(body []byte, m Meta) (Batch, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return Batch{}, fmt.Errorf("parse reports: %w: not a JSON array", ErrMalformed)
	}
	var b Batch
	for n := 0; dec.More(); n++ {
		if n >= MaxEntries {
			// Decoding into skipValue still validates the syntax, so a
			// batch with garbage past the cap is rejected as a whole.
			if err := dec.Decode(&skipValue{}); err != nil {
				return Batch{}, fmt.Errorf("parse reports: entry %d: %w: %s", n, ErrMalformed, shortErr(err))
			}
			b.Dropped++
			continue
		}
		var e object[reportEntry]
		if err := dec.Decode(&e); err != nil {
			return Batch{}, fmt.Errorf("parse reports: entry %d: %w: %s", n, ErrMalformed, shortErr(err))
		}
		if !e.ok || !e.v.Body.ok || e.v.Type != "csp-violation" {
			b.Ignored++
			continue
		}
		r := e.v.Body.v
		doc := string(r.DocumentURL)
		if doc == "" {
			doc = string(e.v.URL)
		}
		v := normalise(raw{
			documentURL: doc,
			blockedURL:  string(r.BlockedURL),
			effective:   string(r.EffectiveDirective),
			disposition: string(r.Disposition),
			sample:      string(r.Sample),
			sourceFile:  string(r.SourceFile),
			userAgent:   string(e.v.UserAgent),
			line:        int(r.LineNumber),
			column:      int(r.ColumnNumber),
			status:      int(r.StatusCode),
		}, m)
		b.add(v)
	}
	if _, err := dec.Token(); err != nil { // the closing ']'
		return Batch{}, fmt.Errorf("parse reports: %w: %s", ErrMalformed, shortErr(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return Batch{}, fmt.Errorf("parse reports: %w: data after the array", ErrMalformed)
	}
	return b, nil
}

// shortErr keeps decoder messages bounded; they may quote input.
func shortErr(err error) string {
	s := err.Error()
	if len(s) > 80 {
		s = s[:80]
	}
	return clean(s, 96)
}
