package httpapi

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emprises/emprises/internal/auth"
	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
)

// Sign-in settings.
const (
	sessionCookie   = "emprises_session"
	csrfHeader      = "X-CSRF-Token"
	sessionLifetime = 12 * time.Hour // a working day; then sign in again
)

// signInThrottle lets 5 sign-ins fail freely within 15 minutes, then asks for a growing
// wait since the last failure: up to 30 s for an account name (its owner is slowed, never
// locked out, by someone guessing), up to 15 minutes for a client address.
var signInThrottle = store.Throttle{Free: 5, Window: 15 * time.Minute, NameMax: 30 * time.Second, AddrMax: 15 * time.Minute}

// Bounds on what a sign-in request may carry: no account name is longer than
// maxNameBytes, and nothing legitimate needs more than maxSignInBody.
const (
	maxSignInBody  = 4 << 10
	maxNameBytes   = 64
	loggedNameRune = 32 // a refused name is logged only up to this many characters
)

// passwordChecks bounds the Argon2id computations running at once in this process (19 MiB
// each), so that a burst of sign-ins cannot exhaust memory. It is process-wide on purpose:
// the memory it protects is the process's.
var passwordChecks = make(chan struct{}, 4)

// principal is who is calling.
type principal struct {
	user         store.User
	viaCookie    bool   // a browser session: unsafe methods need the CSRF token
	csrfToken    string // the session's
	expires      time.Time
	sessionToken string
}

type authKey struct{}

// authResult is what authenticate found, kept in the request's context.
type authResult struct {
	p   *principal // nil: anonymous
	err error      // a credential was sent and is wrong
}

// resolve finds who sent r: a Bearer token first (scripts), then the session cookie.
// Anonymous is not an error; a wrong Bearer token is (the client meant to authenticate),
// and so is a stale cookie on a request that needs a user (see requireRole).
func (s *Server) resolve(r *http.Request) authResult {
	if res, ok := r.Context().Value(authKey{}).(authResult); ok {
		return res
	}
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return authResult{err: errBadCredentials("the Authorization header must be \"Bearer TOKEN\"")}
		}
		u, err := s.store.UserByToken(r.Context(), strings.TrimSpace(token))
		if errors.Is(err, site.ErrUnauthenticated) {
			return authResult{err: errBadCredentials("the API token is unknown, revoked, or its account is disabled")}
		}
		if err != nil {
			return authResult{err: err}
		}
		return authResult{p: &principal{user: u}}
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return authResult{}
	}
	ss, err := s.store.FindSession(r.Context(), c.Value)
	if errors.Is(err, site.ErrUnauthenticated) {
		return authResult{} // expired or signed out: anonymous, the page offers to sign in
	}
	if err != nil {
		return authResult{err: err}
	}
	return authResult{p: &principal{user: ss.User, viaCookie: true, csrfToken: ss.CSRFToken,
		expires: ss.ExpiresAt, sessionToken: c.Value}}
}

// errBadCredentials is a credential that was sent and refused: 401.
func errBadCredentials(msg string) error { return &credentialError{msg} }

type credentialError struct{ msg string }

func (e *credentialError) Error() string { return e.msg }
func (e *credentialError) Unwrap() error { return site.ErrUnauthenticated }

// authenticate resolves the caller once per request and enforces, before any handler runs:
// a wrong Bearer token is 401; a state-changing request made with the session cookie
// must carry the session's CSRF token in X-CSRF-Token (403 otherwise); and in private mode
// only /healthz, sign-in and the page's shell are served to nobody.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res := s.resolve(r)
		r = r.WithContext(context.WithValue(r.Context(), authKey{}, res))
		if res.err != nil {
			s.writeError(w, r, res.err)
			return
		}
		if res.p != nil && res.p.viaCookie && unsafeMethod(r.Method) && !isSignIn(r) {
			if err := checkCSRF(r, res.p); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		if s.cfg.Private && res.p == nil && !publicWhenPrivate(r) {
			s.writeError(w, r, site.ErrUnauthenticated)
			return
		}
		// Answers depend on who asks: shared caches must not serve one user's to another.
		w.Header().Add("Vary", "Cookie, Authorization")
		if rec := recorderOf(r); rec != nil && res.p != nil {
			rec.user, rec.private = res.p.user.Name, true
		}
		next.ServeHTTP(w, r)
	})
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

func isSignIn(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == "/api/session"
}

// publicWhenPrivate lists what private mode still serves to nobody: the health check, the
// sign-in routes, and the page's shell and static files (no data in them), so that the
// page can show its sign-in form.
func publicWhenPrivate(r *http.Request) bool {
	p := r.URL.Path
	switch {
	case p == "/healthz", p == "/api/session":
		return true
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		return false
	case p == "/" && prefersHTML(r), strings.HasPrefix(p, "/static/"), strings.HasPrefix(p, "/vendor/"):
		return true
	}
	return false
}

// prefersHTML reports whether r comes from a browser asking for a page.
func prefersHTML(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html") && r.URL.Query().Get("f") == ""
}

var errCSRF = errors.New("this request needs the X-CSRF-Token header given at sign-in (GET /api/session)")

func checkCSRF(r *http.Request, p *principal) error {
	got := r.Header.Get(csrfHeader)
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(p.csrfToken)) != 1 {
		return errCSRF
	}
	return nil
}

// viewer returns the signed-in user behind r, or nil for an anonymous reader. Read
// handlers use it to decide whether confidential fields (events' amount_eur, sites' notes,
// the history) may be shown. A wrong credential reads as anonymous here; authenticate
// refuses it before any handler it guards.
func (s *Server) viewer(r *http.Request) *store.User {
	res := s.resolve(r)
	if res.p == nil {
		if res.err != nil && !errors.Is(res.err, site.ErrUnauthenticated) {
			s.logger.Warn("resolving the caller failed", "path", r.URL.Path, "err", res.err)
		}
		return nil
	}
	return &res.p.user
}

// readerRole is the role of whoever sends r, auth.Anonymous when nobody is signed in:
// what decides, through auth.Role.MaySee, which confidential fields a response holds.
func (s *Server) readerRole(r *http.Request) auth.Role {
	if u := s.viewer(r); u != nil {
		return u.Role
	}
	return auth.Anonymous
}

// requireRole returns the caller if it may act as role: 401 when nobody (or a stale
// session) is calling, 403 when the role is too low. It also checks CSRF, so that a
// handler is safe even if mounted without authenticate.
func (s *Server) requireRole(r *http.Request, role auth.Role) (*principal, error) {
	res := s.resolve(r)
	if res.err != nil {
		return nil, res.err
	}
	if res.p == nil {
		return nil, site.ErrUnauthenticated
	}
	if res.p.viaCookie && unsafeMethod(r.Method) {
		if err := checkCSRF(r, res.p); err != nil {
			return nil, err
		}
	}
	if !res.p.user.Role.Allows(role) {
		return nil, &roleError{have: res.p.user.Role, need: role}
	}
	return res.p, nil
}

type roleError struct{ have, need auth.Role }

func (e *roleError) Error() string {
	return "this needs the " + string(e.need) + " role; the account is " + string(e.have)
}
func (e *roleError) Unwrap() error { return site.ErrForbidden }

// sessionInfo is what GET and POST /api/session answer.
type sessionInfo struct {
	SignedIn  bool       `json:"signed_in"`
	User      string     `json:"user,omitempty"`
	Role      auth.Role  `json:"role,omitempty"`
	Auth      string     `json:"auth,omitempty"`       // "session" or "token"
	CSRFToken string     `json:"csrf_token,omitempty"` // for the X-CSRF-Token header
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	Private   bool       `json:"private"` // the whole service needs a sign-in
}

func (s *Server) sessionInfo(p *principal) sessionInfo {
	info := sessionInfo{Private: s.cfg.Private}
	if p == nil {
		return info
	}
	info.SignedIn, info.User, info.Role, info.Auth = true, p.user.Name, p.user.Role, "token"
	if p.viaCookie {
		info.Auth, info.CSRFToken = "session", p.csrfToken
		info.ExpiresAt = &p.expires
	}
	return info
}

// handleWhoAmI answers GET /api/session: who is signed in, with the CSRF token to send
// back, or signed_in false.
func (s *Server) handleWhoAmI(w http.ResponseWriter, r *http.Request) {
	res := s.resolve(r)
	if res.err != nil {
		s.writeError(w, r, res.err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.writeJSON(w, r, http.StatusOK, s.sessionInfo(res.p))
}

// signInRequest is the body of POST /api/session.
type signInRequest struct {
	Name     *string `json:"name"`
	Password *string `json:"password"`
}

// handleSignIn answers POST /api/session: checks the password, throttled per name and per
// client address, and sets the session cookie.
func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) {
	if _, err := checkParams(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxSignInBody)
	var req signInRequest
	if err := decodeBody(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Name == nil || strings.TrimSpace(*req.Name) == "" {
		s.writeError(w, r, site.Invalid("name", "is required"))
		return
	}
	if len(*req.Name) > maxNameBytes {
		s.writeError(w, r, site.Invalid("name", "is at most %d characters", maxNameBytes))
		return
	}
	if req.Password == nil || *req.Password == "" {
		s.writeError(w, r, site.Invalid("password", "is required"))
		return
	}
	name := auth.NormalizeName(*req.Name)
	key := name // the throttle's key
	if auth.ValidateName(name) != nil {
		// No account has such a name; count the attempt under a digest of it, which
		// PostgreSQL can store whatever bytes the name holds.
		key = fmt.Sprintf("?%x", auth.HashSecret(name)[:8])
	}
	attempt, err := s.store.BeginSignIn(r.Context(), key, s.clientIP(r), signInThrottle)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.checkPassword(r.Context(), name, *req.Password)
	if err != nil {
		if !errors.Is(err, auth.ErrBadPassword) {
			s.writeError(w, r, err)
			return
		}
		if err := s.store.FinishSignIn(r.Context(), attempt, "failed"); err != nil {
			s.writeError(w, r, err)
			return
		}
		s.logger.Info("sign-in refused", "name", logPrefix(name), "client", s.clientIP(r))
		s.writeError(w, r, errBadCredentials("wrong account name or password"))
		return
	}
	if err := s.store.FinishSignIn(r.Context(), attempt, "succeeded"); err != nil {
		s.writeError(w, r, err)
		return
	}
	// A new session every time, whatever cookie came in: a session id planted before
	// sign-in is never promoted.
	if old, err := r.Cookie(sessionCookie); err == nil && old.Value != "" {
		s.store.DeleteSession(r.Context(), old.Value) //nolint:errcheck // best effort; it expires anyway
	}
	token := auth.Secret("")
	ss, err := s.store.CreateSession(r.Context(), u, token, auth.Secret(""), time.Now().Add(sessionLifetime))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.store.DeleteExpiredSessions(r.Context()) //nolint:errcheck // housekeeping only
	http.SetCookie(w, s.sessionCookie(r, token, ss.ExpiresAt))
	s.logger.Info("signed in", "user", u.Name, "client", s.clientIP(r))
	w.Header().Set("Cache-Control", "no-store")
	s.writeJSON(w, r, http.StatusOK, s.sessionInfo(&principal{user: u, viaCookie: true, csrfToken: ss.CSRFToken, expires: ss.ExpiresAt}))
}

// checkPassword returns the enabled account name if password is its password, or
// auth.ErrBadPassword, taking as long for an unknown name as for a wrong password.
func (s *Server) checkPassword(ctx context.Context, name, password string) (store.User, error) {
	select {
	case passwordChecks <- struct{}{}:
		defer func() { <-passwordChecks }()
	case <-ctx.Done():
		return store.User{}, ctx.Err()
	}
	if auth.ValidateName(name) != nil {
		return store.User{}, auth.CheckNoPassword(password)
	}
	u, hash, err := s.store.UserPassword(ctx, name)
	if errors.Is(err, site.ErrNotFound) {
		return store.User{}, auth.CheckNoPassword(password)
	}
	if err != nil {
		return store.User{}, err
	}
	if err := auth.CheckPassword(hash, password); err != nil {
		return store.User{}, err
	}
	return u, nil
}

// handleSignOut answers DELETE /api/session: ends the session and clears the cookie.
func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request) {
	res := s.resolve(r)
	if res.p != nil && res.p.viaCookie {
		if err := checkCSRF(r, res.p); err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := s.store.DeleteSession(r.Context(), res.p.sessionToken); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	http.SetCookie(w, s.sessionCookie(r, "", time.Unix(0, 0)))
	w.WriteHeader(http.StatusNoContent)
}

// sessionCookie is the cookie of a session token: not readable by scripts, sent on
// top-level navigation but not on cross-site subrequests, Secure over HTTPS.
func (s *Server) sessionCookie(r *http.Request, token string, expires time.Time) *http.Cookie {
	c := &http.Cookie{
		Name:     sessionCookie,
		Value:    token,
		Path:     "/",
		Expires:  expires,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
		Secure:   s.overHTTPS(r),
	}
	if token == "" {
		c.MaxAge = -1
	}
	return c
}

// overHTTPS reports whether the browser reached the service over HTTPS: directly, through
// a trusted proxy that says so, or as the configured base URL says.
func (s *Server) overHTTPS(r *http.Request) bool {
	return r.TLS != nil ||
		s.fromTrustedProxy(r) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") ||
		strings.HasPrefix(s.cfg.BaseURL, "https://")
}

// fromTrustedProxy reports whether the peer of r is one of the configured reverse proxies.
func (s *Server) fromTrustedProxy(r *http.Request) bool {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	return err == nil && s.trusted(peer.Addr())
}

func (s *Server) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientIP is the client sign-in throttling counts by: the peer's address or, when the
// peer is a trusted proxy, the nearest address of X-Forwarded-For that is not one of
// ours. An IPv6 client counts as its /64, which one subscriber usually holds whole.
func (s *Server) clientIP(r *http.Request) string {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	client := peer.Addr().Unmap()
	if s.trusted(client) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // a hop we cannot read: trust nothing beyond it
			}
			client = a.Unmap()
			if !s.trusted(client) {
				break
			}
		}
	}
	if client.Is6() {
		p, _ := client.Prefix(64)
		return p.String()
	}
	return client.String()
}

// logPrefix is what the log keeps of a name a client typed: its first loggedNameRune
// characters, so that a sign-in cannot write megabytes into the log.
func logPrefix(name string) string {
	if utf8.RuneCountInString(name) <= loggedNameRune {
		return name
	}
	return string([]rune(name)[:loggedNameRune]) + "…"
}

// ParseTrustedProxies reads a comma-separated list of reverse-proxy addresses or CIDR
// blocks ("10.0.0.0/8, ::1"), for --trusted-proxies.
func ParseTrustedProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for f := range strings.SplitSeq(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is neither an address nor a CIDR block", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}
