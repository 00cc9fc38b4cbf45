package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/emprises/emprises/internal/auth"
	"github.com/emprises/emprises/internal/pgtest"
	"github.com/emprises/emprises/internal/site"
)

// TestBeginSignInConcurrent shows that the throttle holds when many attempts arrive at
// once, as from several instances: of 40 simultaneous guesses, at most the limit get to
// check a password.
func TestBeginSignInConcurrent(t *testing.T) {
	t.Parallel()
	s := New(pgtest.NewDB(t))
	th := Throttle{Free: 5, Window: 15 * time.Minute, NameMax: 30 * time.Second, AddrMax: 15 * time.Minute}
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed, throttled := 0, 0
	for i := range 40 {
		wg.Go(func() {
			id, err := s.BeginSignIn(context.Background(), "alice", fmt.Sprintf("10.0.0.%d", i), th)
			var te *ErrThrottled
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.As(err, &te):
				throttled++
				if te.RetryAfter <= 0 || te.RetryAfter > th.NameMax {
					t.Errorf("RetryAfter = %v; want at most the name's longest wait", te.RetryAfter)
				}
			case err != nil:
				t.Errorf("BeginSignIn: %v", err)
			default:
				allowed++
				if err := s.FinishSignIn(context.Background(), id, "failed"); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if allowed > th.Free || allowed+throttled != 40 {
		t.Errorf("%d allowed, %d throttled; want at most %d allowed", allowed, throttled, th.Free)
	}
}

// TestSignInCountsResetOnSuccess: a success clears the failures counted for the name, not
// those counted for the address.
func TestSignInCountsResetOnSuccess(t *testing.T) {
	t.Parallel()
	s := New(pgtest.NewDB(t))
	ctx := context.Background()
	th := Throttle{Free: 2, Window: time.Hour, NameMax: time.Hour, AddrMax: time.Hour}
	attempt := func(name, ip, outcome string) error {
		id, err := s.BeginSignIn(ctx, name, ip, th)
		if err == nil {
			err = s.FinishSignIn(ctx, id, outcome)
		}
		return err
	}
	for i, step := range []struct {
		name, ip, outcome string
		throttled         bool
	}{
		{"bob", "a", "failed", false},
		{"bob", "b", "failed", false},
		{"bob", "c", "succeeded", true}, // third on bob within the hour
		{"carol", "d", "failed", false},
	} {
		err := attempt(step.name, step.ip, step.outcome)
		var te *ErrThrottled
		if errors.As(err, &te) != step.throttled || err != nil && te == nil {
			t.Errorf("step %d (%s from %s): %v; want throttled %v", i+1, step.name, step.ip, err, step.throttled)
		}
	}
	// After a success, bob starts again from zero.
	s2 := New(pgtest.NewDB(t))
	th = Throttle{Free: 2, Window: time.Hour, NameMax: time.Hour, AddrMax: time.Hour}
	for i, outcome := range []string{"failed", "succeeded", "failed", "failed"} {
		id, err := s2.BeginSignIn(ctx, "bob", fmt.Sprint("ip", i), th)
		if err != nil {
			t.Fatalf("attempt %d after a success: %v; want allowed", i+1, err)
		}
		s2.FinishSignIn(ctx, id, outcome)
	}
}

// TestSignInWaitsGrowThenCap: past the free failures each attempt waits longer since the
// last failure, up to the name's ceiling: the owner of a guessed name is slowed, never
// locked out.
func TestSignInWaitsGrowThenCap(t *testing.T) {
	t.Parallel()
	s := New(pgtest.NewDB(t))
	ctx := context.Background()
	th := Throttle{Free: 2, Window: time.Hour, NameMax: 2 * time.Second, AddrMax: time.Hour}
	for i := range 2 {
		id, err := s.BeginSignIn(ctx, "dora", fmt.Sprint("192.0.2.", i), th)
		if err != nil {
			t.Fatalf("free attempt %d: %v", i+1, err)
		}
		s.FinishSignIn(ctx, id, "failed")
	}
	_, err := s.BeginSignIn(ctx, "dora", "192.0.2.50", th)
	var te *ErrThrottled
	if !errors.As(err, &te) || te.RetryAfter > time.Second {
		t.Fatalf("third attempt at once: %v; want throttled for at most 1 s", err)
	}
	time.Sleep(te.RetryAfter + 100*time.Millisecond)
	id, err := s.BeginSignIn(ctx, "dora", "192.0.2.51", th)
	if err != nil {
		t.Fatalf("after the wait: %v; want allowed", err)
	}
	s.FinishSignIn(ctx, id, "failed")
	// Many more failures: the wait never exceeds the name's ceiling.
	for i := range 10 {
		if _, err := s.Pool().Exec(ctx, `INSERT INTO sign_in_attempts (name, client_ip, outcome) VALUES ('dora', $1, 'failed')`,
			fmt.Sprint("198.51.100.", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.BeginSignIn(ctx, "dora", "203.0.113.1", th); !errors.As(err, &te) || te.RetryAfter > th.NameMax {
		t.Errorf("after 13 failures: %v; want a wait of at most %v", err, th.NameMax)
	}
}

func TestTokensAndSessions(t *testing.T) {
	t.Parallel()
	s := New(pgtest.NewDB(t))
	ctx := context.Background()
	hash, _ := auth.HashPassword("pw")
	u, err := s.CreateUser(ctx, testActor, "alice", auth.Editor, hash)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, testActor, "alice", auth.Admin, hash); err == nil {
		t.Errorf("CreateUser of an existing name = nil; want an error")
	}
	a, b := auth.Secret(auth.TokenMarker), auth.Secret(auth.TokenMarker)
	for _, tok := range []string{a, b} {
		if _, err := s.CreateToken(ctx, testActor, "alice", tok); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := s.UserByToken(ctx, a); err != nil || got.Name != "alice" || got.Role != auth.Editor {
		t.Errorf("UserByToken = %+v, %v; want alice the editor", got, err)
	}
	if _, err := s.RevokeToken(ctx, testActor, 0, "emp_"); err == nil {
		t.Errorf("RevokeToken(\"emp_\") = nil; want refused as too short")
	}
	if _, err := s.RevokeToken(ctx, testActor, 0, a); err != nil {
		t.Fatalf("RevokeToken(whole token): %v", err)
	}
	if _, err := s.UserByToken(ctx, a); !errors.Is(err, site.ErrUnauthenticated) {
		t.Errorf("UserByToken(revoked) = %v; want ErrUnauthenticated", err)
	}
	if _, err := s.UserByToken(ctx, b); err != nil {
		t.Errorf("UserByToken(other token) = %v; want it still valid", err)
	}

	if _, err := s.CreateSession(ctx, u, "sess", "csrf", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateSession(ctx, u, "old", "csrf", time.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if ss, err := s.FindSession(ctx, "sess"); err != nil || ss.User.Name != "alice" || ss.CSRFToken != "csrf" {
		t.Errorf("FindSession = %+v, %v", ss, err)
	}
	if _, err := s.FindSession(ctx, "old"); !errors.Is(err, site.ErrUnauthenticated) {
		t.Errorf("FindSession(expired) = %v; want ErrUnauthenticated", err)
	}
	if err := s.DisableUser(ctx, testActor, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FindSession(ctx, "sess"); !errors.Is(err, site.ErrUnauthenticated) {
		t.Errorf("FindSession after disable = %v; want ErrUnauthenticated", err)
	}
	if _, err := s.UserByToken(ctx, b); !errors.Is(err, site.ErrUnauthenticated) {
		t.Errorf("UserByToken after disable = %v; want ErrUnauthenticated", err)
	}
	if _, _, err := s.UserPassword(ctx, "alice"); !errors.Is(err, site.ErrNotFound) {
		t.Errorf("UserPassword after disable = %v; want ErrNotFound", err)
	}
}
