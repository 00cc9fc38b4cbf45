package httpapi

import (
	"errors"
	"io"
	"net/http"
	"time"
)

// Long streams (downloads, pages of more than longPageFeatures) hold a database connection
// for as long as the client reads. Two rules keep them from starving everyone else:
//   - at most maxLongStreams run at once; beyond, the answer is 503 with Retry-After, so
//     that health checks, sign-ins and small pages always find a free connection in the
//     pool (store.Open sizes it well above this bound);
//   - every write to the client has its own deadline, streamWriteTimeout: a client that
//     stops reading is cut within seconds, which cancels its query and frees its
//     connection, instead of holding both until the server's overall timeout.
const (
	maxLongStreams     = 4
	longPageFeatures   = 1000
	streamWriteTimeout = 10 * time.Second
	streamRetryAfter   = "5" // seconds
)

// errTooManyStreams is the refusal of a long stream beyond maxLongStreams.
var errTooManyStreams = errors.New("too many downloads and large pages are being sent; try again in a few seconds")

// beginLongStream takes one of the long-stream slots, or answers 503 and returns false.
// The caller must call the returned release when its stream ends.
func (s *Server) beginLongStream(w http.ResponseWriter, r *http.Request) (release func(), ok bool) {
	select {
	case s.streams <- struct{}{}:
		return func() { <-s.streams }, true
	default:
		s.writeError(w, r, errTooManyStreams)
		return nil, false
	}
}

// deadlineWriter writes to a client with a fresh deadline for each write, so that a
// reader that stalls fails the write after streamWriteTimeout rather than blocking it.
type deadlineWriter struct {
	w  io.Writer
	rc *http.ResponseController
}

func newDeadlineWriter(w http.ResponseWriter) *deadlineWriter {
	return &deadlineWriter{w: w, rc: http.NewResponseController(w)}
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	// Not every ResponseWriter supports deadlines (httptest's recorder does not); the
	// stream then runs without one rather than failing.
	d.rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout)) //nolint:errcheck // see above
	return d.w.Write(p)
}
