package session

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/alexedwards/scs/redisstore"
	"github.com/alexedwards/scs/sqlite3store"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/gomodule/redigo/redis"
	_ "modernc.org/sqlite" // pure-Go SQLite: `make run` needs nothing but Go

	"github.com/noncekit/noncekit/internal/config"
)

// DBFile is the embedded database's file name inside DATA_DIR. Other
// stores keep their own tables in the same file.
const DBFile = "noncekit.db"

// cleanupInterval is how often expired sessions are deleted from SQLite.
// Redis expires its keys by itself.
const cleanupInterval = 5 * time.Minute

// Open opens the session store the configuration asks for and returns a
// manager using it: Redis when cfg.RedisURL is set, else SQLite in
// cfg.DataDir. A zero Config (no DataDir: tests) keeps sessions in memory.
func Open(cfg config.Config) (*Sessions, error) {
	switch {
	case cfg.RedisURL != "":
		return openRedis(cfg)
	case cfg.DataDir != "":
		return openSQLite(cfg)
	default:
		return &Sessions{Manager: NewManager(memstore.NewWithCleanupInterval(0), cfg.HTTPS()), Backend: "memory"}, nil
	}
}

// sqliteSchema creates the sessions table scs's sqlite3store reads, if it
// is not there yet. It never touches PRAGMA user_version: other stores in
// the same file version their own schema with it.
var sqliteSchema = []string{
	`CREATE TABLE IF NOT EXISTS sessions (
		token  TEXT PRIMARY KEY,
		data   BLOB NOT NULL,
		expiry REAL NOT NULL
	)`,
	`CREATE INDEX IF NOT EXISTS sessions_expiry_idx ON sessions(expiry)`,
}

func openSQLite(cfg config.Config) (*Sessions, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("sessions: creating DATA_DIR: %w", err)
	}
	path := filepath.Join(cfg.DataDir, DBFile)
	// WAL lets readers and one writer work at once; busy_timeout makes a
	// writer wait for the lock instead of failing at once.
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, fmt.Errorf("sessions: opening %s: %w", path, err)
	}
	for _, stmt := range sqliteSchema {
		if _, err := db.Exec(stmt); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("sessions: preparing %s: %w", path, err)
		}
	}
	store := sqlite3store.NewWithCleanupInterval(db, cleanupInterval)
	return &Sessions{
		Manager: NewManager(store, cfg.HTTPS()),
		Backend: "sqlite " + path,
		close: func() error {
			store.StopCleanup()
			return db.Close()
		},
	}, nil
}

// redisTimeout bounds connecting to Redis and each command.
const redisTimeout = 5 * time.Second

func openRedis(cfg config.Config) (*Sessions, error) {
	shown := config.Redact(cfg.RedisURL)
	pool := &redis.Pool{
		MaxIdle:     8,
		IdleTimeout: 4 * time.Minute,
		Dial: func() (redis.Conn, error) {
			return redis.DialURL(cfg.RedisURL,
				redis.DialConnectTimeout(redisTimeout),
				redis.DialReadTimeout(redisTimeout),
				redis.DialWriteTimeout(redisTimeout))
		},
		// A connection idle for a while may have been dropped by Redis or
		// a proxy: check it before use.
		TestOnBorrow: func(c redis.Conn, idle time.Time) error {
			if time.Since(idle) < time.Minute {
				return nil
			}
			_, err := c.Do("PING")
			return err
		},
	}
	// Fail at start-up, not on the first visitor, when Redis is unreachable.
	c := pool.Get()
	_, err := c.Do("PING")
	_ = c.Close()
	if err != nil {
		_ = pool.Close()
		return nil, fmt.Errorf("sessions: REDIS_URL=%s: %w", shown, err)
	}
	return &Sessions{
		Manager: NewManager(redisstore.New(pool), cfg.HTTPS()),
		Backend: "redis " + shown,
		close:   pool.Close,
	}, nil
}
