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
// it is unknown, expired, or its account is disabled.
func (s *Store) FindSession(ctx context.Context, token string) (Session, error) {
	var ss Session
	err := s.pool.QueryRow(ctx, `
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

// Throttle bounds failed sign-ins: at most Limit failures per account name and per client
// address within Window.
type Throttle struct {
	Limit  int
	Window time.Duration
}

// ErrThrottled refuses a sign-in attempt made while too many have failed.
type ErrThrottled struct {
	RetryAfter time.Duration // when the oldest counted failure leaves the window
}

func (e *ErrThrottled) Error() string {
	return fmt.Sprintf("too many failed sign-ins; try again in %d minutes", int(e.RetryAfter.Minutes())+1)
}

// BeginSignIn records an attempt to sign in as name from clientIP, before the password is
// checked, and refuses it with *ErrThrottled when the failures in the window, this one
// included, exceed the limit for the name or the address. Recording first makes the count
// right however many instances check passwords at once. FinishSignIn gives the outcome.
//
// Failures for a name are counted since its last successful sign-in; failures from an
// address are all counted, so that one known password cannot reset a guesser's budget.
func (s *Store) BeginSignIn(ctx context.Context, name, clientIP string, t Throttle) (attempt int64, err error) {
	var nameFails, ipFails int
	var oldestName, oldestIP *time.Time
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		// Old attempts are of no use; removing them here needs no scheduler.
		if _, err := tx.Exec(ctx, `DELETE FROM sign_in_attempts WHERE at < now() - $1::interval * 4`, t.Window); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `
			INSERT INTO sign_in_attempts (name, client_ip) VALUES ($1, $2) RETURNING id`,
			name, clientIP).Scan(&attempt); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: begin sign-in: %w", err)
	}
	// Counted after the insert has committed, so that of N concurrent attempts each sees
	// the others that were recorded before it.
	err = s.pool.QueryRow(ctx, `
		WITH win AS (SELECT now() - $3::interval AS since),
		     last_ok AS (SELECT max(at) AS at FROM sign_in_attempts WHERE name = $1 AND outcome = 'succeeded')
		SELECT count(*) FILTER (WHERE a.name = $1 AND a.at > coalesce((SELECT at FROM last_ok), '-infinity')),
		       min(a.at) FILTER (WHERE a.name = $1 AND a.at > coalesce((SELECT at FROM last_ok), '-infinity')),
		       count(*) FILTER (WHERE a.client_ip = $2),
		       min(a.at) FILTER (WHERE a.client_ip = $2)
		  FROM sign_in_attempts a, win
		 WHERE a.at > win.since AND a.outcome IN ('pending', 'failed') AND (a.name = $1 OR a.client_ip = $2)`,
		name, clientIP, t.Window).Scan(&nameFails, &oldestName, &ipFails, &oldestIP)
	if err != nil {
		return 0, fmt.Errorf("store: begin sign-in: %w", err)
	}
	if nameFails <= t.Limit && ipFails <= t.Limit {
		return attempt, nil
	}
	if err := s.FinishSignIn(ctx, attempt, "throttled"); err != nil {
		return 0, err
	}
	// Refused until enough of the counted failures have left the window.
	var retry time.Duration
	for _, c := range []struct {
		fails  int
		oldest *time.Time
	}{{nameFails, oldestName}, {ipFails, oldestIP}} {
		if c.fails > t.Limit && c.oldest != nil {
			retry = max(retry, time.Until(c.oldest.Add(t.Window)))
		}
	}
	return 0, &ErrThrottled{RetryAfter: max(retry, time.Second)}
}

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
