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

// User is an account.
type User struct {
	ID        int64
	Name      string
	Role      auth.Role
	Disabled  bool
	CreatedAt time.Time
}

// CreateUser adds an account with the given password hash; the actor is who adds it.
func (s *Store) CreateUser(ctx context.Context, by Actor, name string, role auth.Role, passwordHash string) (User, error) {
	if err := auth.ValidateName(name); err != nil {
		return User{}, err
	}
	u := User{Name: name, Role: role}
	c := change{action: "account.create", entityType: "account", entityID: name}
	err := s.audited(ctx, by, c, func(tx pgx.Tx, c *change) error {
		return tx.QueryRow(ctx, `
			INSERT INTO users (name, role, password_hash) VALUES ($1, $2, $3)
			RETURNING id, created_at`, name, string(role), passwordHash).Scan(&u.ID, &u.CreatedAt)
	})
	if isUniqueViolation(err) {
		return User{}, site.Invalid("name", "an account named %q already exists", name)
	}
	if err != nil {
		return User{}, fmt.Errorf("store: create user %q: %w", name, domainError(err))
	}
	return u, nil
}

// ListUsers returns every account, enabled or not, by name.
func (s *Store) ListUsers(ctx context.Context) ([]User, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, name, role, disabled_at IS NOT NULL, created_at FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	users, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (User, error) {
		var u User
		err := row.Scan(&u.ID, &u.Name, &u.Role, &u.Disabled, &u.CreatedAt)
		return u, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	return users, nil
}

// DisableUser stops an account from signing in and from using its tokens, and ends its
// sessions. Its name stays on the changes it made.
func (s *Store) DisableUser(ctx context.Context, by Actor, name string) error {
	err := s.updateUserSignOut(ctx, by, "account.disable", name, `
		UPDATE users SET disabled_at = coalesce(disabled_at, now()) WHERE name = $1
		RETURNING id`, name)
	if err != nil {
		return fmt.Errorf("store: disable user: %w", err)
	}
	return nil
}

// UserPassword returns an enabled account and its password hash, for signing in.
func (s *Store) UserPassword(ctx context.Context, name string) (User, string, error) {
	var u User
	var hash string
	err := s.pool.QueryRow(ctx, `
		SELECT id, name, role, created_at, password_hash FROM users
		 WHERE name = $1 AND disabled_at IS NULL`, name).Scan(&u.ID, &u.Name, &u.Role, &u.CreatedAt, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, "", fmt.Errorf("store: user %q: %w", name, site.ErrNotFound)
	}
	if err != nil {
		return User{}, "", fmt.Errorf("store: user %q: %w", name, err)
	}
	return u, hash, nil
}

// Token describes an API token; the token itself is never stored.
type Token struct {
	ID        int64
	User      string
	Prefix    string
	CreatedAt time.Time
	LastUsed  *time.Time
	Revoked   *time.Time
}

// CreateToken records an API token of an enabled account, by the token's hash.
func (s *Store) CreateToken(ctx context.Context, by Actor, userName string, token string) (Token, error) {
	t := Token{User: userName, Prefix: auth.TokenPrefix(token)}
	c := change{action: "token.create", entityType: "token"}
	err := s.audited(ctx, by, c, func(tx pgx.Tx, c *change) error {
		err := tx.QueryRow(ctx, `
			INSERT INTO api_tokens (user_id, token_hash, prefix)
			SELECT id, $2, $3 FROM users WHERE name = $1 AND disabled_at IS NULL
			RETURNING id, created_at`, userName, auth.HashSecret(token), t.Prefix).Scan(&t.ID, &t.CreatedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("no enabled account named %q: %w", userName, site.ErrNotFound)
		}
		c.entityID = fmt.Sprint(t.ID)
		return err
	})
	if err != nil {
		return Token{}, fmt.Errorf("store: create token: %w", err)
	}
	return t, nil
}

// ListTokens returns every API token, newest first.
func (s *Store) ListTokens(ctx context.Context) ([]Token, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT t.id, u.name, t.prefix, t.created_at, t.last_used_at, t.revoked_at
		  FROM api_tokens t JOIN users u ON u.id = t.user_id
		 ORDER BY t.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("store: list tokens: %w", err)
	}
	tokens, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Token, error) {
		var t Token
		err := row.Scan(&t.ID, &t.User, &t.Prefix, &t.CreatedAt, &t.LastUsed, &t.Revoked)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: list tokens: %w", err)
	}
	return tokens, nil
}

// RevokeToken revokes the token with that id (id > 0), or the one whose listed prefix
// starts with prefix, or the whole token given as prefix. A prefix matching several tokens
// revokes none.
func (s *Store) RevokeToken(ctx context.Context, by Actor, id int64, prefix string) (Token, error) {
	if id <= 0 && len(prefix) < len(auth.TokenMarker)+4 {
		return Token{}, site.Invalid("prefix", "give a token id, or %q and at least 4 more characters", auth.TokenMarker)
	}
	var t Token
	err := s.audited(ctx, by, change{action: "token.revoke", entityType: "token"}, func(tx pgx.Tx, c *change) error {
		rows, err := tx.Query(ctx, `
			SELECT t.id, u.name, t.prefix, t.created_at, t.last_used_at, t.revoked_at
			  FROM api_tokens t JOIN users u ON u.id = t.user_id
			 WHERE CASE WHEN $1 > 0 THEN t.id = $1
			            WHEN length($2) > length(t.prefix) THEN t.token_hash = $3
			            ELSE starts_with(t.prefix, $2) END
			 FOR UPDATE OF t`, id, prefix, auth.HashSecret(prefix))
		if err != nil {
			return err
		}
		found, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Token, error) {
			var t Token
			err := row.Scan(&t.ID, &t.User, &t.Prefix, &t.CreatedAt, &t.LastUsed, &t.Revoked)
			return t, err
		})
		if err != nil {
			return err
		}
		switch {
		case len(found) == 0:
			return fmt.Errorf("no such token: %w", site.ErrNotFound)
		case len(found) > 1:
			return site.Invalid("prefix", "%q matches %d tokens; give the token id", prefix, len(found))
		}
		t = found[0]
		c.entityID = fmt.Sprint(t.ID)
		if c.before, err = snapshot(ctx, tx, "token", c.entityID); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `
			UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1
			RETURNING revoked_at`, t.ID).Scan(&t.Revoked)
	})
	if err != nil {
		return Token{}, fmt.Errorf("store: revoke token: %w", err)
	}
	return t, nil
}

// UserByToken returns the enabled account an API token belongs to, and notes its use.
func (s *Store) UserByToken(ctx context.Context, token string) (User, error) {
	var u User
	err := s.pool.QueryRow(ctx, `
		WITH t AS (
		    UPDATE api_tokens t SET last_used_at = now()
		     WHERE token_hash = $1 AND revoked_at IS NULL
		       -- one write a minute at most, not one per request
		       AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
		    RETURNING user_id)
		SELECT u.id, u.name, u.role, u.created_at
		  FROM api_tokens k JOIN users u ON u.id = k.user_id
		 WHERE k.token_hash = $1 AND k.revoked_at IS NULL AND u.disabled_at IS NULL`,
		auth.HashSecret(token)).Scan(&u.ID, &u.Name, &u.Role, &u.CreatedAt)
	if Unavailable(err) && s.read != nil {
		// The primary does not answer: the token is checked on a replica, its use not
		// noted, so that API readers go on reading.
		err = s.read.QueryRow(ctx, `
			SELECT u.id, u.name, u.role, u.created_at
			  FROM api_tokens k JOIN users u ON u.id = k.user_id
			 WHERE k.token_hash = $1 AND k.revoked_at IS NULL AND u.disabled_at IS NULL`,
			auth.HashSecret(token)).Scan(&u.ID, &u.Name, &u.Role, &u.CreatedAt)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, site.ErrUnauthenticated
	}
	if err != nil {
		return User{}, fmt.Errorf("store: user by token: %w", err)
	}
	return u, nil
}

// SetPassword replaces an account's password hash and ends its sessions, so that a
// password reset also signs out whoever knew the old one.
func (s *Store) SetPassword(ctx context.Context, by Actor, name, passwordHash string) error {
	err := s.updateUserSignOut(ctx, by, "account.password", name,
		`UPDATE users SET password_hash = $2 WHERE name = $1 RETURNING id`, name, passwordHash)
	if err != nil {
		return fmt.Errorf("store: set password: %w", err)
	}
	return nil
}

// updateUserSignOut runs update (which returns the account's id) on the account called name
// and ends its sessions, as one audited change (action): a disabled account or a changed
// password must not leave a session open.
func (s *Store) updateUserSignOut(ctx context.Context, by Actor, action, name, update string, args ...any) error {
	c := change{action: action, entityType: "account", entityID: name}
	return s.audited(ctx, by, c, func(tx pgx.Tx, c *change) error {
		var id int64
		err := tx.QueryRow(ctx, update, args...).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("no account named %q: %w", name, site.ErrNotFound)
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, id)
		return err
	})
}
