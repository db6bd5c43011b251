package database

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/noncekit/noncekit/internal/config"
)

// PostgreSQL pool limits, per instance. Each instance's report writer
// needs one connection, its live-report listener holds one for good, and
// page requests read accounts and sessions: 16 leaves room for bursts
// while several instances stay well under PostgreSQL's default of 100
// connections. A connection is replaced after postgresConnMaxLife, so a
// failover or a new replica behind a pooler is picked up.
const (
	postgresMaxConns    = 16
	postgresMaxIdle     = 8
	postgresConnMaxIdle = 5 * time.Minute
	postgresConnMaxLife = 30 * time.Minute
	// postgresConnectTimeout bounds the start-up check and every new
	// connection, unless DATABASE_URL sets its own connect_timeout.
	postgresConnectTimeout = 10 * time.Second
)

// postgresMigrations is the folder, in migrationFS, of the PostgreSQL
// schema.
const postgresMigrations = "migrations/postgres"

// migrationLock is the advisory lock key every instance takes before it
// reads the schema version: "noncekit" in ASCII. An application sharing
// the database with the kit must not use it.
const migrationLock int64 = 0x6e6f6e63656b6974

// openPostgres opens the database at url through pgx's database/sql
// driver, checks that it answers, and migrates it. Errors show the URL
// without its password.
func openPostgres(ctx context.Context, url string) (*sql.DB, error) {
	shown := config.Redact(url)
	cc, err := pgx.ParseConfig(url)
	if err != nil {
		// pgx's message may quote the URL, password included.
		return nil, fmt.Errorf("database: DATABASE_URL=%s: not a PostgreSQL connection URL", shown)
	}
	if cc.ConnectTimeout == 0 {
		cc.ConnectTimeout = postgresConnectTimeout
	}
	db := stdlib.OpenDB(*cc)
	db.SetMaxOpenConns(postgresMaxConns)
	db.SetMaxIdleConns(postgresMaxIdle)
	db.SetConnMaxIdleTime(postgresConnMaxIdle)
	db.SetConnMaxLifetime(postgresConnMaxLife)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("database: DATABASE_URL=%s: %w", shown, err)
	}
	ms, err := loadMigrations(migrationFS, postgresMigrations)
	if err == nil {
		err = migrate(ctx, db, migrationsTable{}, ms)
	}
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("database: DATABASE_URL=%s: %w", shown, err)
	}
	return db, nil
}

// migrationsTable keeps the schema version in a table, one row per
// migration applied, with its file name and when it ran.
type migrationsTable struct{}

func (migrationsTable) version(ctx context.Context, tx *sql.Tx) (int, error) {
	// Two instances starting at once on a new database: the second waits
	// here until the first's transaction ends, then reads the version it
	// wrote, so no migration runs twice. A transaction-level lock: it is
	// released with the transaction, whatever happens to the process.
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLock); err != nil {
		return 0, fmt.Errorf("waiting for the migration lock: %w", err)
	}
	// Under the lock, so two instances never race to create it.
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    integer     PRIMARY KEY,
	name       text        NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return 0, err
	}
	var v int
	err := tx.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&v)
	return v, err
}

func (migrationsTable) setVersion(ctx context.Context, tx *sql.Tx, m migration) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name)
	return err
}
