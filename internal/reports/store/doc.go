// Package store keeps CSP violation reports so they can be read later, on
// the /reports dashboard and through GET /api/reports.
//
// The threat it is shaped by: anyone can POST reports, so storage must stay
// bounded whatever they send. Reports are therefore aggregated, not kept one
// row per report: one row per (route group, effective directive, blocked
// URL, document path, disposition), with a count, first and last seen, and
// the latest report's sample. A flood of identical forged reports grows one
// counter; a flood of distinct ones meets its client's budget of new
// aggregates and the row cap, which evicts the least-seen kinds first, so
// a kind real visitors keep reporting outlives any number of forged
// one-off kinds (see Options). Extension and browser noise is only
// counted.
//
// [Store] is the interface the rest of the kit uses; [SQL] implements it
// on the kit's database: the embedded, pure-Go SQLite file by default, or
// PostgreSQL when DATABASE_URL is set, where several instances share the
// aggregates, the cap and the retention (see [SQL] for what stays per
// instance). Package store neither opens nor migrates that database:
// package database does, for every table in it, and its owner passes the
// handle to [New]. Both engines pass the same tests.
package store
