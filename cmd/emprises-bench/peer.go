package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The peer is pg_featureserv (CrunchyData, Apache-2.0), the closest server to Emprises'
// OGC API: a Go program that publishes PostGIS tables as collections. The benchmark runs
// the binary named by $PG_FEATURESERV (or -peer) on the same database and loads it with
// the same requests, the two servers taking turns.

// peerCollection is the collection pg_featureserv publishes for the parcels table, with
// every column as a property but the two outlines kept as GeoJSON text for Emprises
// (migrations/010_parcel_geojson.sql): the ten properties it wrote when the issue measured
// it, against Emprises' nine (three of which come from the parcel's site).
const peerCollection = "/collections/public.parcels/items.json?properties=section,number,contenance_m2,part_id,source,updated_at,arpente,cadastre_created,cadastre_updated,import_id"

// startPeer runs pg_featureserv on 127.0.0.1 against connString and waits until it
// publishes the parcels. It is configured through its environment (DATABASE_URL and
// PGFS_SECTION_KEY variables, which it reads as its config file's keys), as
// ../shared/peers/README.md runs it, with its best setting for this data: parallel workers off, since each worker sets up PROJ
// again and reprojected pages are then about 15 times slower. Its pool has 4 connections,
// its default. assets is its HTML templates folder, used only by its HTML pages.
func startPeer(ctx context.Context, bin, assets, connString string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dbURL, err := withSetting(connString, "max_parallel_workers_per_gather", "0")
	if err != nil {
		return nil, err
	}
	logFile, err := os.CreateTemp("", "emprises-bench-pgfs-*.log")
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.Command(bin)
	// The peer reads a config file from ./config, /config or /etc when it finds one: run
	// it where there is none to read, so that only the variables below configure it.
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+dbURL,
		"PGFS_SERVER_HTTPHOST=127.0.0.1",
		"PGFS_SERVER_HTTPPORT="+strconv.Itoa(port),
		"PGFS_SERVER_ASSETSPATH="+assets,
		"PGFS_SERVER_WRITETIMEOUTSEC=60",
		"PGFS_DATABASE_DBPOOLMAXCONNS=4",
		"PGFS_PAGING_LIMITMAX=10000",
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("pg_featureserv: %w", err)
	}
	s := &server{bin: bin, cmd: cmd, base: "http://127.0.0.1:" + strconv.Itoa(port), log: logFile.Name()}
	client := &http.Client{Timeout: 10 * time.Second}
	for i := 0; ; i++ {
		_, err := fetch(ctx, client, s.base+peerCollection+"&limit=1", "")
		if err == nil {
			return s, nil
		}
		if i > 300 || ctx.Err() != nil {
			s.kill()
			return nil, fmt.Errorf("pg_featureserv at %s: %w; see %s", s.base, err, s.log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// peerAssets is the default assets folder of the peer: beside its binary, as in its
// source tree.
func peerAssets(bin string) string {
	return filepath.Join(filepath.Dir(bin), "assets")
}

// freePort asks the kernel for a free TCP port on loopback. The peer takes a port number,
// not a listener, so the port is free again, briefly, before it binds it.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// withSetting adds a server setting to a connection string, in URL or keyword/value form;
// pgx passes keys it does not know to the server as run-time parameters.
func withSetting(connString, key, value string) (string, error) {
	if strings.HasPrefix(connString, "postgres://") || strings.HasPrefix(connString, "postgresql://") {
		u, err := url.Parse(connString)
		if err != nil {
			return "", err
		}
		q := u.Query()
		q.Set(key, value)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	return connString + " " + key + "=" + value, nil
}
