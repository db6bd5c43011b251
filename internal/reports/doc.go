// Package reports carries accepted violation reports from the CSP
// library's report handler (csp/report) to the kit's store and back to
// its operators: [Queue] is the bounded, never-blocking sink in front of
// the store (package store), and [Hub] fans stored violations out to the
// operators' live stream. Package live shares them between instances on
// one PostgreSQL.
package reports
