package report

import (
	"bytes"
	"strings"
	"testing"
)

func BenchmarkParse(b *testing.B) {
	reportURI := readTestdata(b, "chromium-report-uri.json")
	reports := readTestdata(b, "chromium-reports.json")
	entry := string(bytes.TrimSpace(bytes.Trim(bytes.TrimSpace(reports), "[]")))
	batch10 := []byte("[" + strings.TrimSuffix(strings.Repeat(entry+",", 10), ",") + "]")
	flood := []byte("[" + strings.TrimSuffix(strings.Repeat(`{"type":"x"},`, 5000), ",") + "]")

	for _, bc := range []struct {
		name, contentType string
		body              []byte
	}{
		{"report-uri", TypeCSPReport, reportURI},
		{"reports+json/1", TypeReportsJSON, reports},
		{"reports+json/10", TypeReportsJSON, batch10},
		{"reports+json/5000-ignored", TypeReportsJSON, flood},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(bc.contentType, bc.body, testMeta); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
