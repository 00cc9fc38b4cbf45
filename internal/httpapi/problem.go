package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
)

// Problem is an RFC 9457 problem detail. Param or Field names what the client got wrong.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	Param  string `json:"param,omitempty"` // offending query parameter
	Field  string `json:"field,omitempty"` // offending body field
}

// problemTypes maps each status to a stable type URI and title.
var problemTitles = map[int]string{
	http.StatusBadRequest:            "Bad request",
	http.StatusUnauthorized:          "Authentication required",
	http.StatusForbidden:             "Forbidden",
	http.StatusNotFound:              "Not found",
	http.StatusMethodNotAllowed:      "Method not allowed",
	http.StatusNotAcceptable:         "Not acceptable",
	http.StatusConflict:              "Conflict",
	http.StatusPreconditionFailed:    "Precondition failed",
	http.StatusRequestEntityTooLarge: "Request body too large",
	http.StatusUnsupportedMediaType:  "Unsupported media type",
	http.StatusPreconditionRequired:  "Precondition required",
	http.StatusTooManyRequests:       "Too many requests",
	http.StatusInternalServerError:   "Internal server error",
	http.StatusServiceUnavailable:    "Service unavailable",
}

// writeProblem sends p as application/problem+json.
func writeProblem(w http.ResponseWriter, p Problem) {
	if p.Title == "" {
		p.Title = problemTitles[p.Status]
	}
	if p.Type == "" {
		p.Type = fmt.Sprintf("https://emprises.invalid/problems/%d", p.Status)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p) //nolint:errcheck // the client is gone if this fails
}

// paramError is a bad query parameter: 400 naming it.
func paramError(w http.ResponseWriter, param, format string, args ...any) {
	writeProblem(w, Problem{Status: http.StatusBadRequest, Param: param, Detail: fmt.Sprintf(format, args...)})
}

// errParam wraps a query-parameter error so that writeError names the parameter.
type errParam struct {
	param string
	err   error
}

func (e *errParam) Error() string { return e.param + ": " + e.err.Error() }
func (e *errParam) Unwrap() error { return e.err }

// statusFor is the one table from errors to HTTP statuses; writeError adds the headers
// some of them call for.
func statusFor(err error) int {
	var (
		inv       *site.InvalidError
		mbe       *http.MaxBytesError
		mt        *mediaTypeError
		pre       *preconditionError
		throttled *store.ErrThrottled
	)
	switch {
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge
	case errors.As(err, &mt):
		return http.StatusUnsupportedMediaType
	case errors.As(err, &pre):
		return http.StatusPreconditionRequired
	case errors.As(err, &throttled):
		return http.StatusTooManyRequests
	case errors.Is(err, errTooManyStreams), store.Unavailable(err):
		return http.StatusServiceUnavailable
	case errors.As(err, &inv):
		return http.StatusBadRequest
	case errors.Is(err, site.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, site.ErrConflict):
		return http.StatusPreconditionFailed
	case errors.Is(err, site.ErrForbidden), errors.Is(err, errCSRF):
		return http.StatusForbidden
	case errors.Is(err, site.ErrUnauthenticated):
		return http.StatusUnauthorized
	}
	return http.StatusInternalServerError
}

// writeError answers err as a problem: the one writer of error responses. Server faults
// are logged and the client gets a generic message; client faults say exactly what is
// wrong, and carry the header their status calls for.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil && errors.Is(err, r.Context().Err()) {
		// The client went away (a page aborts the fetches it no longer needs): nobody is
		// left to answer, and nothing went wrong on our side.
		s.logger.Debug("request abandoned by the client", "method", r.Method, "path", r.URL.Path)
		return
	}
	status := statusFor(err)
	p := Problem{Status: status}
	if status == http.StatusServiceUnavailable {
		// Not a fault: the database restarts, or the server is busy. Clients and proxies
		// retry a 503; they report a 500 as a bug.
		w.Header().Set("Retry-After", streamRetryAfter)
		p.Detail = "the service is briefly unavailable; try again in a few seconds"
		if errors.Is(err, errTooManyStreams) {
			p.Detail = err.Error()
		} else if errors.Is(err, store.ErrOutcomeUnknown) {
			p.Detail = "the database became unavailable while the change was being committed: it may or may not have been saved; read it again before retrying"
		}
		s.logger.Warn("request answered 503", "method", r.Method, "path", r.URL.Path, "err", err)
		writeProblem(w, p)
		return
	}
	if status >= 500 {
		s.logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		p.Detail = "the server could not complete the request; it has been logged"
		writeProblem(w, p)
		return
	}
	p.Detail = err.Error()
	var (
		inv       *site.InvalidError
		pe        *errParam
		stale     *store.StaleError
		ce        *credentialError
		throttled *store.ErrThrottled
		h         = w.Header()
	)
	switch {
	case errors.As(err, &inv):
		p.Field, p.Detail = inv.Field, inv.Reason
	case errors.Is(err, errCSRF):
		p.Field = csrfHeader
	case errors.As(err, &ce):
		h.Set("WWW-Authenticate", `Bearer realm="emprises"`)
		p.Detail = ce.msg
	case errors.Is(err, site.ErrUnauthenticated):
		h.Set("WWW-Authenticate", `Bearer realm="emprises"`)
		p.Detail = "sign in (POST /api/session) or send Authorization: Bearer TOKEN"
	case errors.As(err, &stale):
		h.Set("ETag", siteETag(stale.Current))
	case errors.As(err, &throttled):
		h.Set("Retry-After", strconv.Itoa(int(throttled.RetryAfter.Seconds()+0.5)))
	case status == http.StatusUnsupportedMediaType:
		h.Set("Accept-Patch", "application/json, application/merge-patch+json")
	}
	if errors.As(err, &pe) {
		p.Param, p.Field = pe.param, ""
	}
	writeProblem(w, p)
}
