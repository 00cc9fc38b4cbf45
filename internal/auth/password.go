package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"

	"github.com/emprises/emprises/internal/site"
)

// Argon2id parameters for new hashes: 19 MiB, 2 passes, 1 lane, the first of OWASP's
// recommended configurations. They are written into each hash, so raising them later
// leaves existing hashes readable. Memory is kept moderate because every sign-in costs
// that much: the server also bounds concurrent checks (see httpapi).
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

// MaxPasswordBytes bounds what is hashed: Argon2 would accept megabytes, and a sign-in
// request should not make the server hash them.
const MaxPasswordBytes = 256

// ErrBadPassword is returned by CheckPassword when the password does not match.
var ErrBadPassword = errors.New("auth: wrong password")

// HashPassword returns the Argon2id hash of password as a PHC string.
func HashPassword(password string) (string, error) {
	if len(password) == 0 || len(password) > MaxPasswordBytes {
		return "", site.Invalid("password", "must be 1 to %d bytes", MaxPasswordBytes)
	}
	salt := make([]byte, argonSaltLen)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime,
		argonThreads, base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches hash: nil, ErrBadPassword, or an error
// saying the stored hash is unreadable. The comparison takes constant time.
func CheckPassword(hash, password string) error {
	p, err := parseHash(hash)
	if err != nil {
		return err
	}
	if len(password) > MaxPasswordBytes {
		return ErrBadPassword
	}
	key := argon2.IDKey([]byte(password), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	if subtle.ConstantTimeCompare(key, p.key) != 1 {
		return ErrBadPassword
	}
	return nil
}

// dummyHash is checked against when an account does not exist, so that a sign-in takes
// as long for an unknown name as for a wrong password and does not reveal which names
// exist. It is made at the first such sign-in, not when the program starts: hashing costs
// 19 MiB and about a third of a second, which every command and test binary paid at
// start, and which set the service's peak memory before it served anything.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("no such account")
	return h
})

// CheckNoPassword spends the time a password check takes and returns ErrBadPassword.
func CheckNoPassword(password string) error {
	CheckPassword(dummyHash(), password) //nolint:errcheck // the outcome is known
	return ErrBadPassword
}

type argonParams struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

func parseHash(hash string) (argonParams, error) {
	var p argonParams
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, errors.New("auth: stored password hash is not an argon2id PHC string")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, fmt.Errorf("auth: stored password hash has unsupported version %q", parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil ||
		p.memory < 8 || p.memory > 1<<20 || p.time < 1 || p.time > 16 || p.threads < 1 {
		return p, fmt.Errorf("auth: stored password hash has bad parameters %q", parts[3])
	}
	var err error
	if p.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(p.salt) < 8 {
		return p, errors.New("auth: stored password hash has a bad salt")
	}
	if p.key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(p.key) < 16 || len(p.key) > 64 {
		return p, errors.New("auth: stored password hash has a bad key")
	}
	return p, nil
}

// passwordAlphabet leaves out look-alikes (0/O, 1/l/I) since people copy these by eye.
const passwordAlphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// NewPassword generates a password of 20 characters from a 57-letter alphabet (about
// 116 bits), in groups of five separated by dashes for reading aloud.
func NewPassword() string {
	var b strings.Builder
	for i := range 20 {
		if i > 0 && i%5 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(passwordAlphabet[randIntn(len(passwordAlphabet))])
	}
	return b.String()
}

// randIntn returns a uniform random integer in [0, n) by rejection sampling.
func randIntn(n int) int {
	limit := 256 - 256%n
	var b [1]byte
	for {
		rand.Read(b[:])
		if int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}
