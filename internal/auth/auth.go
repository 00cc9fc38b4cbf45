// Package auth holds what Emprises knows about accounts without touching the database:
// roles and what they allow, password hashing, and the random secrets behind sessions,
// CSRF tokens and API tokens.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"maps"
	"strings"

	"github.com/emprises/emprises/internal/site"
)

// Role is what an account may do.
type Role string

// Roles, from least to most trusted.
const (
	Viewer Role = "viewer" // reads confidential fields and the history
	Editor Role = "editor" // also edits sites, parts, events and the calendar
	Admin  Role = "admin"  // also restores deleted sites
)

var rank = map[Role]int{Viewer: 1, Editor: 2, Admin: 3}

// ParseRole validates s as a role.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if rank[r] == 0 {
		return "", site.Invalid("role", "unknown role %q (viewer, editor, admin)", s)
	}
	return r, nil
}

// Allows reports whether r may do what need requires.
func (r Role) Allows(need Role) bool { return rank[r] > 0 && rank[r] >= rank[need] }

// Anonymous is the role of a reader who has not signed in: no rank, so it is allowed
// nothing that needs a role.
const Anonymous Role = ""

// confidential lists, for every field whose reading is restricted, the least role that
// reads it. It is the one place that decides who sees which field: the API's responses,
// the OGC collections, exports and tiles all ask MaySee. A field not listed is public.
var confidential = map[string]Role{
	"notes":      Viewer, // a site's internal notes
	"amount_eur": Viewer, // an event's amount: sale prices are negotiated, not yet public
	// Who changed a site part, when and why, as its versions show them: the change
	// history is for signed-in readers (GET /api/sites/{id}/history needs a viewer).
	"changed_by":    Viewer,
	"changed_at":    Viewer,
	"change_reason": Viewer,
}

// MaySee reports whether a reader with role r may read field (a JSON property name).
func (r Role) MaySee(field string) bool {
	need, ok := confidential[field]
	return !ok || r.Allows(need)
}

// ConfidentialFields lists the restricted fields, for documentation and tests.
func ConfidentialFields() map[string]Role { return maps.Clone(confidential) }

// NormalizeName is how account names are compared: trimmed and lower-cased, so that
// "M.Dupont" and "m.dupont" are one account.
func NormalizeName(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidateName checks an account name as the database will: 1 to 64 characters among
// a–z, 0–9, '.', '_', '@' and '-', starting with a letter or digit.
func ValidateName(s string) error {
	if len(s) == 0 || len(s) > 64 {
		return site.Invalid("name", "must be 1 to 64 characters, got %d", len(s))
	}
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || i > 0 && strings.ContainsRune("._@-", r)
		if !ok {
			return site.Invalid("name", "%q may only hold a–z, 0–9 and . _ @ - (not first)", s)
		}
	}
	return nil
}

// Secret is a random string of 256 bits, URL- and cookie-safe, with an optional prefix
// that tells a reader what it is (API tokens start "emp_").
func Secret(prefix string) string {
	b := make([]byte, 32)
	rand.Read(b) // never fails: crypto/rand panics rather than return weak bytes
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// HashSecret is how a session or API token is stored and looked up. A secret has 256
// random bits, so a plain SHA-256 cannot be reversed by guessing.
func HashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// TokenPrefix is the part of an API token shown in listings and accepted by revoke: the
// "emp_" marker and 8 characters, 48 bits, enough to tell tokens apart and useless to
// guess the rest.
func TokenPrefix(token string) string {
	const n = len(TokenMarker) + 8
	if len(token) < n {
		return token
	}
	return token[:n]
}

// TokenMarker starts every API token, so that a leaked one is easy to recognise (secret
// scanners look for such markers).
const TokenMarker = "emp_"
