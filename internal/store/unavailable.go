package store

import (
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
)

// ErrOutcomeUnknown says that the database went away while a transaction was being
// committed: the change may or may not have been saved.
var ErrOutcomeUnknown = errors.New("store: commit outcome unknown")

// Unavailable reports whether err says that the database cannot serve for now, rather
// than that the request or the code is wrong: a server shutting down or starting up
// (SQLSTATE 57P01–57P03), a broken or refused connection (class 08, a network error), or
// too many connections (53300). The pool reconnects by itself once the server is back, so
// the caller may answer "try again" (HTTP 503).
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03" ||
			pgErr.Code == "53300" || strings.HasPrefix(pgErr.Code, "08")
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ENOENT) && strings.Contains(err.Error(), ".s.PGSQL.")
}
