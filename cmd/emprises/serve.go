package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/emprises/emprises/internal/httpapi"
)

func runServe(ctx context.Context, e *env, args []string) error {
	var d dbFlags
	fs := newFlagSet(e, "serve", "serve [flags]")
	d.register(fs, e)
	d.registerReplicas(fs, e)
	addr := fs.String("addr", envOr(e, "EMPRISES_ADDR", "127.0.0.1:8080"), "listen address ($EMPRISES_ADDR)")
	cfg := httpapi.Config{Now: e.now}
	fs.StringVar(&cfg.BaseURL, "base-url", e.getenv("EMPRISES_BASE_URL"),
		"public URL of the service, for links in API responses ($EMPRISES_BASE_URL; default: from each request)")
	fs.StringVar(&cfg.TileURL, "tile-url", envOr(e, "EMPRISES_TILE_URL", httpapi.DefaultTileURL),
		"base map tile URL template ($EMPRISES_TILE_URL; empty: no base map)")
	fs.StringVar(&cfg.TileAttribution, "tile-attribution", envOr(e, "EMPRISES_TILE_ATTRIBUTION", httpapi.DefaultTileAttribution),
		"base map attribution ($EMPRISES_TILE_ATTRIBUTION)")
	fs.BoolVar(&cfg.Private, "private", envBool(e, "EMPRISES_PRIVATE"),
		"require a signed-in user for everything but /healthz and sign-in ($EMPRISES_PRIVATE=1)")
	proxies := fs.String("trusted-proxies", e.getenv("EMPRISES_TRUSTED_PROXIES"),
		"addresses or CIDR blocks of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed, comma-separated ($EMPRISES_TRUSTED_PROXIES)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var err error
	if cfg.TrustedProxies, err = httpapi.ParseTrustedProxies(*proxies); err != nil {
		return fmt.Errorf("serve: --trusted-proxies: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, nil))

	db, err := openDatabase(ctx, e, d, true)
	if err != nil {
		return err
	}
	defer db.close(ctx)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           httpapi.NewServer(db.store, cfg, logger),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       60 * time.Second,
		// Long enough to stream a whole department's cadastre, short enough to free a
		// connection held by a client that stopped reading.
		WriteTimeout:   5 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	logger.Info("emprises listening", "url", "http://"+ln.Addr().String()+"/", "version", version)
	fmt.Fprintf(e.stdout, "listening on http://%s/\n", ln.Addr())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
