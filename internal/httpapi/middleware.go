package httpapi

import (
	"context"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/emprises/emprises/internal/store"
)

// MaxBodyBytes bounds every request body; a larger one is answered 413.
const MaxBodyBytes = 10 << 20

// contentSecurityPolicy keeps scripts and styles to the service's own files: no inline
// script, no eval, no framing. Tiles may come from the configured base-map host.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data: https:; connect-src 'self'; font-src 'self'; object-src 'none'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// secure adds the security headers to every response and bounds the request body.
func secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if r.ContentLength > MaxBodyBytes {
			writeProblem(w, Problem{Status: http.StatusRequestEntityTooLarge,
				Detail: "request bodies are limited to 10 MB"})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		next.ServeHTTP(w, r)
	})
}

// responseRecorder remembers what a handler sent, for the access log, and sets the
// response's caching rule as the headers go out (see cachePolicy).
type responseRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	user   string // who called, once authenticate knows; "" for nobody
	// private: the response depends on who asks, or the service is private; shared
	// caches must not keep it.
	private bool
	// commits notes the position of the request's writes, sent back with the response
	// (see readYourWrites); nil until readYourWrites runs.
	commits *store.Commits
	secure  bool // the request came over HTTPS: the position cookie is Secure
}

func (rec *responseRecorder) WriteHeader(code int) {
	if rec.status == 0 {
		rec.status = code
		rec.cachePolicy()
		rec.commitPosition()
	}
	rec.ResponseWriter.WriteHeader(code)
}

func (rec *responseRecorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.WriteHeader(http.StatusOK)
	}
	n, err := rec.ResponseWriter.Write(b)
	rec.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach Flush and deadlines through the recorder.
func (rec *responseRecorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

// cachePolicy is the one rule on shared caches: a response to a signed-in caller, or any
// response of a private service, is "private" — a "public" the handler chose becomes
// "private", and a response with no rule gets "private, no-cache". Anonymous answers of a
// public service keep the handler's rule (they are the same for every anonymous reader,
// and Vary: Cookie, Authorization keeps them apart from signed-in ones).
func (rec *responseRecorder) cachePolicy() {
	if !rec.private {
		return
	}
	h := rec.Header()
	cc := h.Get("Cache-Control")
	switch {
	case cc == "":
		h.Set("Cache-Control", "private, no-cache")
	case strings.Contains(cc, "no-store"), strings.Contains(cc, "private"):
	case strings.Contains(cc, "public"):
		h.Set("Cache-Control", strings.Replace(cc, "public", "private", 1))
	default:
		h.Set("Cache-Control", "private, "+cc)
	}
}

type recorderKey struct{}

// recorderOf is the recorder logAndRecover put around r's response, for authenticate to
// note who is calling.
func recorderOf(r *http.Request) *responseRecorder {
	rec, _ := r.Context().Value(recorderKey{}).(*responseRecorder)
	return rec
}

// logAndRecover writes one access-log line per request (method, path, status, bytes,
// duration and user; never a query string, a token or a password) and turns a panic into
// a logged 500, never a dropped connection without trace.
func (s *Server) logAndRecover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &responseRecorder{ResponseWriter: w, private: s.cfg.Private}
		r = r.WithContext(context.WithValue(r.Context(), recorderKey{}, rec))
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					s.access(r, rec, start, "aborted")
					panic(v)
				}
				s.logger.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				if rec.status == 0 {
					writeProblem(rec, Problem{Status: http.StatusInternalServerError,
						Detail: "the server could not complete the request; it has been logged"})
				}
			}
			s.access(r, rec, start, "")
			s.metrics.observe(r, rec.status, time.Since(start))
		}()
		next.ServeHTTP(rec, r)
	})
}

// access writes the access-log line of a request.
func (s *Server) access(r *http.Request, rec *responseRecorder, start time.Time, note string) {
	attrs := []any{"method", r.Method, "path", r.URL.Path, "status", rec.status, "bytes", rec.bytes,
		"duration", time.Since(start).Round(time.Microsecond), "user", rec.user}
	if note != "" {
		attrs = append(attrs, "note", note)
	}
	s.logger.Info("request", attrs...)
}

// Read-your-writes across instances and database servers. A response to a request that
// wrote carries the position of its commit in the WAL, in the header LSNHeader (for API
// clients, which send it back on their next reads) and in the cookie lsnCookie (which the
// page's browser sends back by itself). A read that carries one sees at least that commit,
// whichever instance answers and whichever replica it reads (see store.ReadAfter).
const (
	LSNHeader = "Emprises-LSN"
	lsnCookie = "emprises_lsn"
	// lsnCookieAge outlives any lag a replica is allowed (store.MaxReplicaLag) by far:
	// past it, every replica still read from holds the write.
	lsnCookieAge = 5 * time.Minute
)

// readYourWrites reads the position a client sends back into the request's context, sends
// the reads of a request that writes to the primary, and has the recorder send back the
// position of the request's own writes. A malformed position is ignored, not refused: it
// only costs freshness, and an old cookie must never lock a browser out.
func (s *Server) readYourWrites(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		v := r.Header.Get(LSNHeader)
		if v == "" {
			if c, err := r.Cookie(lsnCookie); err == nil {
				v = c.Value
			}
		}
		if v != "" {
			if lsn, err := store.ParseLSN(v); err == nil {
				ctx = store.ReadAfter(ctx, lsn)
			}
		}
		if unsafeMethod(r.Method) {
			ctx = store.Primary(ctx)
		}
		ctx, commits := store.TrackCommits(ctx)
		if rec := recorderOf(r); rec != nil {
			rec.commits, rec.secure = commits, s.overHTTPS(r)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// commitPosition adds the position of the request's writes to the response, as the
// headers go out: every write of a handler is committed before it answers.
func (rec *responseRecorder) commitPosition() {
	if rec.commits == nil {
		return
	}
	lsn := rec.commits.Last()
	if lsn == 0 {
		return
	}
	h := rec.Header()
	h.Set(LSNHeader, lsn.String())
	h.Add("Set-Cookie", (&http.Cookie{Name: lsnCookie, Value: lsn.String(), Path: "/",
		MaxAge: int(lsnCookieAge.Seconds()), HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: rec.secure}).String())
}
