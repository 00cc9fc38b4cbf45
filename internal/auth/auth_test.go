package auth

import (
	"errors"
	"strings"
	"testing"

	"github.com/emprises/emprises/internal/site"
)

func TestPasswordRoundTrip(t *testing.T) {
	for _, pw := range []string{"correct horse battery staple", "é", NewPassword(), strings.Repeat("x", MaxPasswordBytes)} {
		h, err := HashPassword(pw)
		if err != nil {
			t.Fatalf("HashPassword(%q) error = %v", pw, err)
		}
		if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
			t.Errorf("HashPassword(%q) = %q; want an argon2id PHC string", pw, h)
		}
		if err := CheckPassword(h, pw); err != nil {
			t.Errorf("CheckPassword(hash of %q, same) = %v; want nil", pw, err)
		}
		if err := CheckPassword(h, pw+"x"); !errors.Is(err, ErrBadPassword) {
			t.Errorf("CheckPassword(hash of %q, other) = %v; want ErrBadPassword", pw, err)
		}
	}
	a, _ := HashPassword("same")
	b, _ := HashPassword("same")
	if a == b {
		t.Errorf("two hashes of one password are equal (%q); want distinct salts", a)
	}
}

func TestHashPasswordRefuses(t *testing.T) {
	for _, pw := range []string{"", strings.Repeat("x", MaxPasswordBytes+1)} {
		if _, err := HashPassword(pw); err == nil {
			t.Errorf("HashPassword(%d bytes) = nil error; want one", len(pw))
		}
	}
}

func TestCheckPasswordBadHash(t *testing.T) {
	good, _ := HashPassword("pw")
	for _, h := range []string{
		"",
		"plain",
		"$2a$10$abcdefghijklmnopqrstuv", // bcrypt
		strings.Replace(good, "argon2id", "argon2i", 1),
		strings.Replace(good, "v=19", "v=16", 1),
		strings.Replace(good, "m=19456", "m=99999999999", 1),
		strings.Replace(good, "t=2", "t=0", 1),
		good[:strings.LastIndex(good, "$")] + "$!!!",
	} {
		err := CheckPassword(h, "pw")
		if err == nil || errors.Is(err, ErrBadPassword) {
			t.Errorf("CheckPassword(%q) = %v; want a stored-hash error", h, err)
		}
	}
	if err := CheckNoPassword("pw"); !errors.Is(err, ErrBadPassword) {
		t.Errorf("CheckNoPassword = %v; want ErrBadPassword", err)
	}
}

func TestNewPassword(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		pw := NewPassword()
		if len(pw) != 23 || strings.Count(pw, "-") != 3 {
			t.Fatalf("NewPassword() = %q; want 4 dash-separated groups of 5", pw)
		}
		if strings.ContainsAny(pw, "0O1lI") {
			t.Errorf("NewPassword() = %q has a look-alike character", pw)
		}
		if seen[pw] {
			t.Fatalf("NewPassword() repeated %q", pw)
		}
		seen[pw] = true
	}
}

func TestRoles(t *testing.T) {
	tests := []struct {
		have, need Role
		want       bool
	}{
		{Viewer, Viewer, true}, {Viewer, Editor, false}, {Viewer, Admin, false},
		{Editor, Viewer, true}, {Editor, Editor, true}, {Editor, Admin, false},
		{Admin, Viewer, true}, {Admin, Editor, true}, {Admin, Admin, true},
		{Role(""), Viewer, false}, {Role("root"), Viewer, false},
	}
	for _, tt := range tests {
		if got := tt.have.Allows(tt.need); got != tt.want {
			t.Errorf("%q.Allows(%q) = %v; want %v", tt.have, tt.need, got, tt.want)
		}
	}
	for _, s := range []string{"viewer", "editor", "admin"} {
		if r, err := ParseRole(s); err != nil || string(r) != s {
			t.Errorf("ParseRole(%q) = %q, %v; want %q, nil", s, r, err, s)
		}
	}
	for _, s := range []string{"", "Admin", "root", "editor "} {
		var ie *site.InvalidError
		if _, err := ParseRole(s); !errors.As(err, &ie) || ie.Field != "role" {
			t.Errorf("ParseRole(%q) error = %v; want an *InvalidError on role", s, err)
		}
	}
}

func TestValidateName(t *testing.T) {
	for _, s := range []string{"alice", "m.dupont", "j_doe@paris.fr", "a", "9-lives", strings.Repeat("a", 64)} {
		if err := ValidateName(s); err != nil {
			t.Errorf("ValidateName(%q) = %v; want nil", s, err)
		}
	}
	for _, s := range []string{"", "Alice", ".alice", "-a", "a b", "é", "a/b", "a;drop", strings.Repeat("a", 65)} {
		var ie *site.InvalidError
		if err := ValidateName(s); !errors.As(err, &ie) || ie.Field != "name" {
			t.Errorf("ValidateName(%q) = %v; want an *InvalidError on name", s, err)
		}
	}
	if got := NormalizeName("  M.Dupont "); got != "m.dupont" {
		t.Errorf("NormalizeName = %q; want m.dupont", got)
	}
}

func TestSecrets(t *testing.T) {
	a, b := Secret(TokenMarker), Secret(TokenMarker)
	if a == b || !strings.HasPrefix(a, "emp_") || len(a) != 4+43 {
		t.Errorf("Secret(emp_) = %q, %q; want distinct emp_ + 43 characters", a, b)
	}
	if len(HashSecret(a)) != 32 || string(HashSecret(a)) == string(HashSecret(b)) {
		t.Errorf("HashSecret gives %d bytes or collides; want 32 distinct", len(HashSecret(a)))
	}
	if p := TokenPrefix(a); len(p) != 12 || !strings.HasPrefix(a, p) {
		t.Errorf("TokenPrefix(%q) = %q; want its first 12 characters", a, p)
	}
}

func FuzzParseHash(f *testing.F) {
	good, _ := HashPassword("pw")
	f.Add(good)
	f.Add("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5")
	f.Add("$argon2id$v=19$m=,t=,p=$$")
	f.Fuzz(func(t *testing.T, hash string) {
		// A corrupt stored hash must be refused, never panic nor ask for absurd memory.
		p, err := parseHash(hash)
		if err == nil && (p.memory > 1<<20 || p.time > 16 || p.threads == 0 || len(p.key) < 16) {
			t.Errorf("parseHash(%q) = %+v; want it refused", hash, p)
		}
	})
}
