package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestAbandonedRequestIsNotAnError checks that a request whose client went away is not
// logged as a server fault.
func TestAbandonedRequestIsNotAnError(t *testing.T) {
	var logs bytes.Buffer
	s := &Server{logger: slog.New(slog.NewTextHandler(&logs, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest("GET", "/api/sites/x/history", nil).WithContext(ctx)
	s.writeError(httptest.NewRecorder(), r, fmt.Errorf("store: find session: %w", ctx.Err()))
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("abandoned request logged as an error: %s", logs.String())
	}
}
