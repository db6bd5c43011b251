package session

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/redisstore"
	"github.com/alexedwards/scs/sqlite3store"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/gomodule/redigo/redis"

	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/database"
)

// cleanupInterval is how often expired sessions are deleted from the
// database. Redis expires its keys by itself.
const cleanupInterval = 5 * time.Minute

// Open opens the session store the configuration asks for and returns a
// manager using it: Redis when cfg.RedisURL is set; else the table
// "sessions" in db, the kit's database from database.Open (which creates
// and migrates that table), SQLite or PostgreSQL; with neither (tests),
// memory.
//
// Open does not take db over: Sessions.Close stops the cleanup of expired
// sessions and leaves db open for its owner to close, after that.
func Open(cfg config.Config, db *sql.DB) (*Sessions, error) {
	switch {
	case cfg.RedisURL != "":
		return openRedis(cfg)
	case db != nil && database.DialectOf(db) == database.Postgres:
		return openPostgres(cfg, db), nil
	case db != nil:
		return openSQLite(cfg, db), nil
	default:
		return newSessions(NewManager(memstore.NewWithCleanupInterval(0), cfg.HTTPS()), "memory"), nil
	}
}

// openSQLite keeps sessions with scs's sqlite3store, which the pure-Go
// driver runs as it is (its $1 placeholders and julianday() included).
func openSQLite(cfg config.Config, db *sql.DB) *Sessions {
	store := sqlite3store.NewWithCleanupInterval(db, cleanupInterval)
	s := newSessions(NewManager(store, cfg.HTTPS()), "sqlite")
	s.close = func() error {
		store.StopCleanup()
		return nil
	}
	return s
}

// openPostgres keeps sessions with scs's postgresstore, in the table
// migrations/postgres creates. Every instance on the database shares them,
// and each runs the cleanup (one DELETE of expired rows every
// cleanupInterval: harmless when several do).
func openPostgres(cfg config.Config, db *sql.DB) *Sessions {
	store := postgresstore.NewWithCleanupInterval(db, cleanupInterval)
	s := newSessions(NewManager(store, cfg.HTTPS()), "postgres")
	s.close = func() error {
		store.StopCleanup()
		return nil
	}
	return s
}

// Redis timeouts. Every page with a session waits on Redis, so a Redis
// that is down or hung must fail the request fast (Sessions.OnError: a
// 503 page) rather than hold the visitor and a goroutine: a request waits
// at most redisDialTimeout to connect and redisIOTimeout per command,
// well under a second in all. Redis answers in well under a millisecond
// on a healthy network; these leave room for a TLS handshake and a busy
// moment, not for a dead server.
const (
	redisDialTimeout = 250 * time.Millisecond
	redisIOTimeout   = 400 * time.Millisecond
)

func openRedis(cfg config.Config) (*Sessions, error) {
	shown := config.Redact(cfg.RedisURL)
	pool := &redis.Pool{
		MaxIdle:     8,
		IdleTimeout: 4 * time.Minute,
		Dial: func() (redis.Conn, error) {
			return redis.DialURL(cfg.RedisURL,
				redis.DialConnectTimeout(redisDialTimeout),
				redis.DialReadTimeout(redisIOTimeout),
				redis.DialWriteTimeout(redisIOTimeout))
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
	s := newSessions(NewManager(redisstore.New(pool), cfg.HTTPS()), "redis "+shown)
	s.close = pool.Close
	s.ping = func(ctx context.Context) error {
		c, err := pool.GetContext(ctx)
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = redis.DoContext(c, ctx, "PING")
		return err
	}
	return s, nil
}
