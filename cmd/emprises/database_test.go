package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/tern/v2/migrate"

	"github.com/emprises/emprises/internal/pgcluster"
	"github.com/emprises/emprises/migrations"
)

// privateDataDir returns a fresh data folder for a private cluster, reachable by the
// postgres user when the tests run as root, whose server is stopped at the end.
func privateDataDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "emp")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() {
		pgcluster.Shutdown(context.Background(), dir)
		os.RemoveAll(dir)
	})
	return dir
}

// TestServiceRole opens the database as every command does, on the private cluster, and
// checks that the service's role is refused what it never needs: TRUNCATE, changing the
// append-only tables, DDL. The cluster was first made as an older Emprises made it: the
// database and everything in it the superuser's, migrated up to the migration before least privilege; opening it gives it
// to the owner role.
func TestServiceRole(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := privateDataDir(t)
	old, err := pgcluster.Open(ctx, pgcluster.Options{Dir: dir, Database: "emprises", Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, old.ConnString("emprises"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := migrate.NewMigrator(ctx, conn, "schema_version")
	if err == nil {
		err = m.LoadMigrations(migrations.FS)
	}
	before := int32(-1) // the migration before least privilege, whatever its number
	for i, mig := range m.Migrations {
		if strings.HasSuffix(mig.Name, "_least_privilege.sql") {
			before = int32(i)
		}
	}
	if err == nil && before < 0 {
		err = errors.New("no *_least_privilege.sql migration")
	}
	if err == nil {
		err = m.MigrateTo(ctx, before)
	}
	conn.Close(ctx)
	if err != nil {
		t.Fatalf("migrate as the superuser up to least privilege: %v", err)
	}

	var stderr bytes.Buffer
	e := &env{getenv: func(k string) string {
		if k == "EMPRISES_DATA" {
			return dir
		}
		return ""
	}, stdout: &stderr, stderr: &stderr}
	db, err := openDatabase(ctx, e, dbFlags{dataDir: dir}, true)
	if err != nil {
		t.Fatalf("openDatabase: %v\n%s", err, stderr.String())
	}
	defer db.close(ctx)
	defer old.Close(ctx)
	pool := db.store.Pool()
	var who string
	if err := pool.QueryRow(ctx, "SELECT current_user").Scan(&who); err != nil || who != migrations.AppRole {
		t.Errorf("the store connects as %q, %v; want %s", who, err, migrations.AppRole)
	}
	for _, sql := range []string{
		"TRUNCATE audit_log",
		"UPDATE milestone_plans SET reason = 'rewritten'",
		"DELETE FROM milestone_plans",
		"DELETE FROM audit_log",
		"TRUNCATE parcels",
		"CREATE TABLE mine (n int)",
		"ALTER TABLE milestone_plans DISABLE TRIGGER milestone_plans_append_only",
		"DROP TABLE sessions",
	} {
		_, err := pool.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("as the service, %s: %v; want SQLSTATE 42501 (insufficient_privilege)", sql, err)
		}
	}
	var plans int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM milestone_plans").Scan(&plans); err != nil || plans == 0 {
		t.Errorf("as the service, the seeded calendar has %d plans, %v; want some", plans, err)
	}
	var owner string
	if err := pool.QueryRow(ctx, "SELECT tableowner FROM pg_tables WHERE tablename = 'audit_log'").Scan(&owner); err != nil || owner != migrations.OwnerRole {
		t.Errorf("audit_log belongs to %q, %v; want %s", owner, err, migrations.OwnerRole)
	}

	// With DATABASE_URL: a new database set up as the README says, migrated with the owner's
	// URL; the service's URL alone cannot migrate it, and says what to give.
	admin, err := pgx.Connect(ctx, old.ConnString("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE fresh OWNER "+migrations.OwnerRole); err != nil {
		t.Fatal(err)
	}
	fresh, err := pgx.Connect(ctx, old.ConnString("fresh"))
	if err != nil {
		t.Fatal(err)
	}
	for _, ext := range migrations.Extensions {
		if _, err := fresh.Exec(ctx, "CREATE EXTENSION "+ext); err != nil {
			t.Fatal(err)
		}
	}
	fresh.Close(ctx)
	appURL, ownerURL := old.UserConnString(migrations.AppRole, "fresh"), old.UserConnString(migrations.OwnerRole, "fresh")
	err = run(ctx, []string{"migrate", "--database-url", appURL}, e.getenv, nil, &stderr, &stderr)
	if err == nil || !strings.Contains(err.Error(), "42501") || !strings.Contains(err.Error(), "--migrate-database-url") {
		t.Errorf("migrate as the service's role = %v; want a 42501 refusal naming --migrate-database-url", err)
	}
	if err := run(ctx, []string{"migrate", "--database-url", appURL, "--migrate-database-url", ownerURL}, e.getenv, nil, &stderr, &stderr); err != nil {
		t.Fatalf("migrate with the owner's URL: %v\n%s", err, stderr.String())
	}
	if err := run(ctx, []string{"seed", "--database-url", appURL}, e.getenv, nil, &stderr, &stderr); err != nil {
		t.Errorf("seed as the service's role once migrated: %v\n%s", err, stderr.String())
	}
}

// TestServeSharesCluster runs two services on one data folder: the one that attached
// leaving does not stop the server the other uses; the last one leaving does.
func TestServeSharesCluster(t *testing.T) {
	bin := buildBinary(t)
	dir := privateDataDir(t)
	env := []string{"DATABASE_URL=", "EMPRISES_DATA=" + dir}
	first, firstBase := startServe(t, bin, env)
	second, _ := startServe(t, bin, env)
	pid := postmasterPID(t, dir)

	second.Process.Signal(syscall.SIGTERM)
	if err := second.Wait(); err != nil {
		t.Errorf("second serve after SIGTERM: %v", err)
	}
	if !alive(pid) {
		t.Fatalf("PostgreSQL stopped when the service that attached to it left, under the other")
	}
	waitHealthy(t, firstBase)

	first.Process.Signal(syscall.SIGTERM)
	if err := first.Wait(); err != nil {
		t.Errorf("first serve after SIGTERM: %v", err)
	}
	if alive(pid) {
		t.Errorf("PostgreSQL (PID %d) still runs after the last service stopped", pid)
	}
	if _, err := os.Stat(filepath.Join(dir, "pg", "postmaster.pid")); err == nil {
		t.Errorf("postmaster.pid remains after the last service stopped")
	}
}

// TestReadDatabaseURLNeedsPrimary: replicas follow a primary the operator runs, so
// --read-database-url without --database-url is a usage error, said before anything starts.
func TestReadDatabaseURLNeedsPrimary(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"flag", []string{"serve", "--data", dir, "--read-database-url", "host=/nowhere dbname=emprises"}, nil},
		{"environment", []string{"serve", "--data", dir}, map[string]string{"EMPRISES_READ_DATABASE_URL": "host=/nowhere dbname=emprises"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string { return tt.env[k] }
			var out bytes.Buffer
			err := run(context.Background(), tt.args, getenv, nil, &out, &out)
			var u usageError
			if !errors.As(err, &u) || !strings.Contains(err.Error(), "--read-database-url") {
				t.Errorf("run(%q) = %v; want a usage error naming --read-database-url", tt.args, err)
			}
		})
	}
}
