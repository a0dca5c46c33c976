package results

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// twoStores opens one database file twice, as two processes would.
func twoStores(t *testing.T) (a, b *Store, path string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "claims.db")
	a, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b, path
}

func mustClaim(t *testing.T, c *Claimer, hash string, want ClaimState) {
	t.Helper()
	got, err := c.Claim(context.Background(), hash)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("%s claims %s: %v, want %v", c.Owner(), hash, got, want)
	}
}

func TestClaimLifecycle(t *testing.T) {
	ctx := context.Background()
	sa, sb, _ := twoStores(t)
	clock := &fakeClock{t: time.Unix(1_000_000, 0)}
	opt := ClaimOptions{TTL: time.Minute, Now: clock.now}
	a, err := sa.NewClaimer(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sb.NewClaimer(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	if a.Owner() == b.Owner() || !strings.Contains(a.Owner(), fmt.Sprintf("/%d/", os.Getpid())) {
		t.Fatalf("owners %q and %q: want distinct host/pid/nonce names", a.Owner(), b.Owner())
	}

	// One holder at a time; claiming one's own claim again is fine.
	mustClaim(t, a, "h1", Claimed)
	mustClaim(t, b, "h1", HeldElsewhere)
	mustClaim(t, a, "h1", Claimed)

	// Done: a process started before it does not compute the run again.
	clock.add(time.Second)
	if err := a.Done(ctx, "h1"); err != nil {
		t.Fatal(err)
	}
	mustClaim(t, b, "h1", Settled)
	mustClaim(t, a, "h1", Settled)
	// A process started later retries it (it was not stored ok) …
	clock.add(time.Second)
	c, err := sb.NewClaimer(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	mustClaim(t, c, "h1", Claimed)
	// … but a run stored ok is never claimed again, done claim or not.
	if err := sa.Save(ctx, sampleRun("h2", 0)); err != nil {
		t.Fatal(err)
	}
	mustClaim(t, c, "h2", Settled)

	// Release: another process may take the run at once.
	mustClaim(t, a, "h3", Claimed)
	if err := a.Release(ctx, "h3"); err != nil {
		t.Fatal(err)
	}
	mustClaim(t, b, "h3", Claimed)

	// Renewal keeps a lease alive past its first expiry; without it, it expires.
	mustClaim(t, a, "h4", Claimed)
	clock.add(50 * time.Second)
	if n, err := a.Renew(ctx); err != nil || n != 1 {
		t.Fatalf("renew: %d claims, %v; want 1 (h4; h1 and h3 are no longer a's)", n, err)
	}
	clock.add(50 * time.Second)
	mustClaim(t, b, "h4", HeldElsewhere)
	clock.add(11 * time.Second)
	mustClaim(t, b, "h4", Claimed)
	mustClaim(t, a, "h4", HeldElsewhere)

	// ReleaseAll drops the live claims only.
	mustClaim(t, a, "h5", Claimed)
	if err := a.ReleaseAll(ctx); err != nil {
		t.Fatal(err)
	}
	mustClaim(t, b, "h5", Claimed)
}

// TestClaimOfDeadProcess: a claim whose holder is a process of this host
// that has exited is taken over at once, long before its lease expires.
func TestClaimOfDeadProcess(t *testing.T) {
	ctx := context.Background()
	sa, _, _ := twoStores(t)
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skipf("cannot start a process to let it exit: %v", err)
	}
	dead := cmd.Process.Pid
	c, err := sa.NewClaimer(ctx, ClaimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	host, _, _ := strings.Cut(c.Owner(), "/")
	far := time.Now().Add(time.Hour).UnixNano()
	for _, row := range []struct{ hash, owner string }{
		{"dead", fmt.Sprintf("%s/%d/0000", host, dead)},
		{"alive", fmt.Sprintf("%s/%d/0000", host, os.Getppid())},
		{"remote", fmt.Sprintf("otherhost/%d/0000", dead)},
	} {
		if _, err := sa.db.Exec(`INSERT INTO claims VALUES (?,?,?,NULL)`, row.hash, row.owner, far); err != nil {
			t.Fatal(err)
		}
	}
	mustClaim(t, c, "dead", Claimed)
	mustClaim(t, c, "alive", HeldElsewhere)
	mustClaim(t, c, "remote", HeldElsewhere) // another host's process: only its lease tells
}

// TestClaimsNotMerged: claims are process bookkeeping, not results; a merge
// does not carry them over and the read-only opening ignores them.
func TestClaimsNotMerged(t *testing.T) {
	ctx := context.Background()
	sa, _, path := twoStores(t)
	c, err := sa.NewClaimer(ctx, ClaimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mustClaim(t, c, "h", Claimed)
	if err := sa.Save(ctx, sampleRun("h", 0)); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "m.db")
	if _, err := Merge(ctx, out, []string{path}, MergeOptions{}); err != nil {
		t.Fatal(err)
	}
	m, err := OpenReadOnly(out)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var n int
	if err := m.db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'claims'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("merged database has %d claims tables (%v); want none", n, err)
	}
	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.NewClaimer(ctx, ClaimOptions{}); err == nil {
		t.Fatal("a read-only store gave a claimer")
	}
}

// Two processes (here two handles on one file) claim the same run: the
// first computes it, the second waits; once it is stored and the claim
// done, the second skips it.
func ExampleStore_NewClaimer() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "claims")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "results.db")
	first, _ := Open(path)
	defer first.Close()
	second, _ := Open(path)
	defer second.Close()
	a, _ := first.NewClaimer(ctx, ClaimOptions{})
	b, _ := second.NewClaimer(ctx, ClaimOptions{})

	sa, _ := a.Claim(ctx, "3f2a…")
	sb, _ := b.Claim(ctx, "3f2a…")
	fmt.Println(sa, "|", sb)
	// … the first computes the run and saves it, then:
	a.Done(ctx, "3f2a…")
	sb, _ = b.Claim(ctx, "3f2a…")
	fmt.Println(sb)
	// Output:
	// claimed | held elsewhere
	// settled
}
