package results

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Claims. Several processes may run specs into one database at the same
// time on one host (SQLite in WAL mode is not for network filesystems:
// across machines use shards and merge). They split the work through the
// claims table instead of each computing every run:
//
//   - before computing a run, a process claims its configuration hash: one
//     statement (so one transaction) inserts or takes over the claim when
//     no run with that hash is stored ok and no other process holds a live
//     lease on it;
//   - a claim is a lease: it expires LeaseTTL after it was taken or last
//     renewed, and the holder renews all its claims (a heartbeat) well
//     before that. A killed process stops renewing, so its claims expire and
//     are taken over; a claim whose holder is a process of this host that no
//     longer exists is taken over at once, without waiting for the expiry;
//   - when the run is stored the claim is marked done. A done claim keeps
//     other processes started before it from computing the run again (a
//     failed run is not retried by a process running at the same time);
//     processes started later retry failed runs as usual (a stored ok run
//     is never computed again).
//
// The claims table is bookkeeping of running processes, not a result:
// merging databases does not carry it over, and reports never read it.

// DefaultLeaseTTL is the lifetime of a claim that is not renewed.
const DefaultLeaseTTL = 60 * time.Second

const claimsSchema = `CREATE TABLE IF NOT EXISTS claims (
	config_hash TEXT PRIMARY KEY,
	owner TEXT NOT NULL,
	expires_at INTEGER NOT NULL,
	done_at INTEGER
)`

// ClaimState is the outcome of Claimer.Claim.
type ClaimState int

const (
	// Claimed: this process holds the lease and computes the run.
	Claimed ClaimState = iota
	// Settled: the run is stored ok, or another process stored it while
	// this one ran; skip it.
	Settled
	// HeldElsewhere: another live process holds the lease; ask again later
	// (the run may fail there, or the process die).
	HeldElsewhere
)

func (s ClaimState) String() string {
	return [...]string{"claimed", "settled", "held elsewhere"}[s]
}

// ClaimOptions configures a Claimer.
type ClaimOptions struct {
	// TTL is how long a claim lasts without renewal (0: DefaultLeaseTTL).
	TTL time.Duration
	// Now is the clock (nil: time.Now); all processes sharing a database
	// must see the same clock, which they do on one host.
	Now func() time.Time
}

// Claimer takes, renews and releases the claims of one process.
type Claimer struct {
	st    *Store
	owner string
	host  string
	ttl   time.Duration
	now   func() time.Time
	since int64 // when this claimer started (unix ns)
}

// NewClaimer creates the claims table if needed and returns a claimer
// whose owner name is this host, process id and a random nonce.
func (s *Store) NewClaimer(ctx context.Context, opt ClaimOptions) (*Claimer, error) {
	if s.readOnly {
		return nil, fmt.Errorf("claims: results database %s is open read-only", s.path)
	}
	if opt.TTL <= 0 {
		opt.TTL = DefaultLeaseTTL
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if _, err := s.db.ExecContext(ctx, claimsSchema); err != nil {
		return nil, fmt.Errorf("claims table in %s: %w", s.path, err)
	}
	host, _ := os.Hostname()
	host = strings.ReplaceAll(host, "/", "_")
	nonce := make([]byte, 4)
	rand.Read(nonce)
	c := &Claimer{st: s, host: host, ttl: opt.TTL, now: opt.Now}
	c.owner = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(nonce))
	c.since = opt.Now().UnixNano()
	return c, nil
}

// Owner names this claimer in the claims table: host/pid/nonce.
func (c *Claimer) Owner() string { return c.owner }

// TTL is the lease length; Renew must be called well within it.
func (c *Claimer) TTL() time.Duration { return c.ttl }

// claimSQL inserts a claim, or takes over an existing one that is this
// claimer's own and live, expired, done before this claimer started, or
// held by ?6 (a holder found dead); never when the run is stored ok.
const claimSQL = `INSERT INTO claims (config_hash, owner, expires_at, done_at)
	SELECT ?1, ?2, ?3, NULL
	WHERE NOT EXISTS (SELECT 1 FROM runs WHERE config_hash = ?1 AND status = 'ok')
	ON CONFLICT (config_hash) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at, done_at = NULL
	WHERE (claims.done_at IS NULL AND (claims.owner = excluded.owner OR claims.expires_at <= ?4 OR claims.owner = ?6))
	   OR (claims.done_at IS NOT NULL AND claims.done_at < ?5)`

// Claim tries to take the run with the given configuration hash for this
// process (see the package's Claims section).
func (c *Claimer) Claim(ctx context.Context, hash string) (ClaimState, error) {
	state, holder, err := c.claim(ctx, hash, "")
	if err != nil || state != HeldElsewhere {
		return state, err
	}
	if c.holderDead(holder) {
		state, _, err = c.claim(ctx, hash, holder)
	}
	return state, err
}

func (c *Claimer) claim(ctx context.Context, hash, deadHolder string) (ClaimState, string, error) {
	now := c.now().UnixNano()
	res, err := c.st.db.ExecContext(ctx, claimSQL, hash, c.owner, now+c.ttl.Nanoseconds(), now, c.since, deadHolder)
	if err != nil {
		return 0, "", fmt.Errorf("claim run %.12s: %w", hash, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return 0, "", err
	} else if n == 1 {
		return Claimed, "", nil
	}
	var ok int
	if err := c.st.db.QueryRowContext(ctx, `SELECT count(*) FROM runs WHERE config_hash = ? AND status = 'ok'`, hash).Scan(&ok); err != nil {
		return 0, "", fmt.Errorf("claim run %.12s: %w", hash, err)
	}
	if ok > 0 {
		return Settled, "", nil
	}
	var owner string
	var done sql.NullInt64
	err = c.st.db.QueryRowContext(ctx, `SELECT owner, done_at FROM claims WHERE config_hash = ?`, hash).Scan(&owner, &done)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return HeldElsewhere, "", nil // released in between: ask again
	case err != nil:
		return 0, "", fmt.Errorf("claim run %.12s: %w", hash, err)
	case done.Valid:
		return Settled, "", nil
	}
	return HeldElsewhere, owner, nil
}

// holderDead reports whether owner is a process of this host that no
// longer exists (its claims need not wait for their expiry).
func (c *Claimer) holderDead(owner string) bool {
	parts := strings.Split(owner, "/")
	if len(parts) != 3 || parts[0] != c.host || owner == c.owner {
		return false
	}
	pid, err := strconv.Atoi(parts[1])
	if err != nil || pid <= 0 {
		return false
	}
	return !processAlive(pid)
}

// Done marks this claimer's claim of hash as done (the run is stored).
func (c *Claimer) Done(ctx context.Context, hash string) error {
	_, err := c.st.db.ExecContext(ctx, `UPDATE claims SET done_at = ? WHERE config_hash = ? AND owner = ?`, c.now().UnixNano(), hash, c.owner)
	if err != nil {
		return fmt.Errorf("mark claim of run %.12s done: %w", hash, err)
	}
	return nil
}

// Release gives up this claimer's live claim of hash (the run was
// abandoned), so that another process may take it at once.
func (c *Claimer) Release(ctx context.Context, hash string) error {
	_, err := c.st.db.ExecContext(ctx, `DELETE FROM claims WHERE config_hash = ? AND owner = ? AND done_at IS NULL`, hash, c.owner)
	if err != nil {
		return fmt.Errorf("release claim of run %.12s: %w", hash, err)
	}
	return nil
}

// ReleaseAll gives up every live claim of this claimer.
func (c *Claimer) ReleaseAll(ctx context.Context) error {
	_, err := c.st.db.ExecContext(ctx, `DELETE FROM claims WHERE owner = ? AND done_at IS NULL`, c.owner)
	if err != nil {
		return fmt.Errorf("release claims: %w", err)
	}
	return nil
}

// Renew extends every live claim of this claimer by TTL from now (the
// heartbeat) and returns how many there are.
func (c *Claimer) Renew(ctx context.Context) (int64, error) {
	res, err := c.st.db.ExecContext(ctx, `UPDATE claims SET expires_at = ? WHERE owner = ? AND done_at IS NULL`,
		c.now().UnixNano()+c.ttl.Nanoseconds(), c.owner)
	if err != nil {
		return 0, fmt.Errorf("renew claims: %w", err)
	}
	return res.RowsAffected()
}
