package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/emprises/emprises/internal/auth"
	"github.com/emprises/emprises/internal/site"
)

// Session is a signed-in browser.
type Session struct {
	User      User
	CSRFToken string
	ExpiresAt time.Time
}

// CreateSession records a sign-in of user until expires; the cookie carries token, the
// database only its hash.
func (s *Store) CreateSession(ctx context.Context, user User, token, csrfToken string, expires time.Time) (Session, error) {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)`,
		auth.HashSecret(token), user.ID, csrfToken, expires)
	if err != nil {
		return Session{}, fmt.Errorf("store: create session: %w", err)
	}
	return Session{User: user, CSRFToken: csrfToken, ExpiresAt: expires}, nil
}

// FindSession returns the live session of a cookie token, or site.ErrUnauthenticated when
// it is unknown, expired, or its account is disabled. It reads the primary, where a
// sign-out or a disabled account shows at once, or a replica when the primary does not
// answer, so that signed-in readers go on reading.
func (s *Store) FindSession(ctx context.Context, token string) (Session, error) {
	db, err := s.primaryFirst(ctx)
	if err != nil {
		return Session{}, fmt.Errorf("store: find session: %w", err)
	}
	defer db.Release()
	var ss Session
	err = db.QueryRow(ctx, `
		SELECT u.id, u.name, u.role, u.created_at, s.csrf_token, s.expires_at
		  FROM sessions s JOIN users u ON u.id = s.user_id
		 WHERE s.token_hash = $1 AND s.expires_at > now() AND u.disabled_at IS NULL`,
		auth.HashSecret(token)).Scan(&ss.User.ID, &ss.User.Name, &ss.User.Role, &ss.User.CreatedAt,
		&ss.CSRFToken, &ss.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Session{}, site.ErrUnauthenticated
	}
	if err != nil {
		return Session{}, fmt.Errorf("store: find session: %w", err)
	}
	return ss, nil
}

// DeleteSession signs a cookie token out; an unknown token is not an error.
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, auth.HashSecret(token)); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// Throttle slows password guessing down without locking anyone out: after Free failures
// counted within Window, each attempt must wait 1 s, then 2, 4, 8… since the last failure,
// up to NameMax for an account name and AddrMax for a client address. A guesser who
// names a victim's account only makes its owner wait NameMax at worst, while one address
// trying many names soon waits AddrMax between guesses.
type Throttle struct {
	Free             int
	Window           time.Duration
	NameMax, AddrMax time.Duration
}

// wait is how long after the last of n counted failures the next attempt may be made.
func (t Throttle) wait(n int, ceiling time.Duration) time.Duration {
	if n < t.Free {
		return 0
	}
	d := time.Second << min(n-t.Free, 20)
	return min(d, ceiling)
}

// ErrThrottled refuses a sign-in attempt made too soon after failed ones.
type ErrThrottled struct {
	RetryAfter time.Duration
}

func (e *ErrThrottled) Error() string {
	return fmt.Sprintf("too many failed sign-ins; try again in %d s", int(e.RetryAfter.Round(time.Second).Seconds()))
}

// BeginSignIn records an attempt to sign in as name from client (an address, or an IPv6
// /64), before the password is checked, and refuses it with *ErrThrottled when it comes
// too soon after the failures counted for the name or for the client. Recording first,
// then counting the attempts recorded before it, keeps the count right however many
// instances check passwords at once. A refused attempt leaves no row: a flood of them
// adds nothing to count. FinishSignIn gives the outcome of an allowed one.
//
// Failures for a name are counted since its last successful sign-in; failures from a
// client are all counted, so that one known password cannot reset a guesser's budget.
func (s *Store) BeginSignIn(ctx context.Context, name, client string, t Throttle) (attempt int64, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		// Old attempts are of no use; removing them here needs no scheduler, and the
		// index on at keeps it to the rows removed.
		if _, err := tx.Exec(ctx, `DELETE FROM sign_in_attempts WHERE at < now() - $1::interval`, t.Window); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `
			INSERT INTO sign_in_attempts (name, client_ip) VALUES ($1, $2) RETURNING id`,
			name, client).Scan(&attempt)
	})
	if err != nil {
		return 0, fmt.Errorf("store: begin sign-in: %w", err)
	}
	var (
		nameFails, clientFails int
		sinceName, sinceClient *float64 // seconds since the last counted failure
	)
	err = s.pool.QueryRow(ctx, `
		WITH last_ok AS (SELECT max(at) AS at FROM sign_in_attempts
		                  WHERE name = $1 AND outcome = 'succeeded' AND id < $4)
		SELECT count(*) FILTER (WHERE a.name = $1 AND a.at > coalesce((SELECT at FROM last_ok), '-infinity')),
		       extract(epoch FROM now() - max(a.at) FILTER (WHERE a.name = $1 AND a.at > coalesce((SELECT at FROM last_ok), '-infinity')))::float8,
		       count(*) FILTER (WHERE a.client_ip = $2),
		       extract(epoch FROM now() - max(a.at) FILTER (WHERE a.client_ip = $2))::float8
		  FROM sign_in_attempts a
		 WHERE a.id < $4 AND a.at > now() - $3::interval AND a.outcome IN ('pending', 'failed')
		   AND (a.name = $1 OR a.client_ip = $2)`,
		name, client, t.Window, attempt).Scan(&nameFails, &sinceName, &clientFails, &sinceClient)
	if err != nil {
		return 0, fmt.Errorf("store: begin sign-in: %w", err)
	}
	var retry time.Duration
	if sinceName != nil {
		retry = max(retry, t.wait(nameFails, t.NameMax)-seconds(*sinceName))
	}
	if sinceClient != nil {
		retry = max(retry, t.wait(clientFails, t.AddrMax)-seconds(*sinceClient))
	}
	if retry <= 0 {
		return attempt, nil
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM sign_in_attempts WHERE id = $1`, attempt); err != nil {
		return 0, fmt.Errorf("store: begin sign-in: %w", err)
	}
	return 0, &ErrThrottled{RetryAfter: max(retry, time.Second)}
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// FinishSignIn records the outcome of an attempt: "failed" or "succeeded" (or "throttled").
func (s *Store) FinishSignIn(ctx context.Context, attempt int64, outcome string) error {
	if _, err := s.pool.Exec(ctx, `UPDATE sign_in_attempts SET outcome = $2 WHERE id = $1`, attempt, outcome); err != nil {
		return fmt.Errorf("store: finish sign-in: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions past their expiry.
func (s *Store) DeleteExpiredSessions(ctx context.Context) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at < now()`); err != nil {
		return fmt.Errorf("store: delete expired sessions: %w", err)
	}
	return nil
}
