package pgtest

import (
	"context"
	"errors"
	"os"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/emprises/emprises/migrations"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestNewDB checks that parallel tests get distinct databases with PostGIS and the schema.
func TestNewDB(t *testing.T) {
	for _, name := range []string{"a", "b"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			begin := time.Now()
			db := NewDB(t)
			t.Logf("NewDB: %v", time.Since(begin))
			var version string
			if err := db.QueryRow(t.Context(), "SELECT postgis_version()").Scan(&version); err != nil {
				t.Fatalf("SELECT postgis_version(): %v", err)
			}
			var sites *string
			if err := db.QueryRow(t.Context(), "SELECT to_regclass('sites')::text").Scan(&sites); err != nil || sites == nil {
				t.Errorf("to_regclass('sites') = %v, %v; want the sites table", sites, err)
			}
			// Would fail in the other subtest if both shared a database.
			if _, err := OwnerPool(t, db).Exec(t.Context(), "CREATE TABLE mine (n int)"); err != nil {
				t.Errorf("CREATE TABLE mine: %v", err)
			}
		})
	}
}

func TestNewDBURL(t *testing.T) {
	t.Parallel()
	dbURL := NewDBURL(t)
	conn, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatalf("connect to NewDBURL: %v", err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(t.Context(), "SELECT count(*) FROM sites").Scan(&n); err != nil || n != 0 {
		t.Errorf("SELECT count(*) FROM sites = %d, %v; want 0", n, err)
	}
}

func TestWithDatabase(t *testing.T) {
	tests := []struct {
		in, db, want string
	}{
		{"postgres://u:p@h:5432/old?sslmode=disable", "new", "postgres://u:p@h:5432/new?sslmode=disable"},
		{"postgresql:///old?host=/tmp/x%20y/run", "new", "postgresql:///new?host=/tmp/x%20y/run"},
		{"host=/tmp/run user=postgres dbname=postgres", "pgtest_x", "host=/tmp/run user=postgres dbname=postgres dbname='pgtest_x'"},
	}
	for _, tt := range tests {
		got, err := withDatabase(tt.in, tt.db)
		if got != tt.want || err != nil {
			t.Errorf("withDatabase(%q, %q) = %q, %v; want %q", tt.in, tt.db, got, err, tt.want)
		}
		cfg, err := pgx.ParseConfig(got)
		if err != nil || cfg.Database != tt.db {
			t.Errorf("pgx.ParseConfig(%q) database = %v, %v; want %q", got, cfg, err, tt.db)
		}
	}
}

func TestMigrationsHash(t *testing.T) {
	a := fstest.MapFS{"001_a.sql": {Data: []byte("CREATE TABLE a ();")}}
	b := fstest.MapFS{"001_a.sql": {Data: []byte("CREATE TABLE b ();")}}
	ha, err := migrationsHash(a)
	if err != nil {
		t.Fatal(err)
	}
	ha2, _ := migrationsHash(a)
	hb, _ := migrationsHash(b)
	if ha != ha2 || ha == hb {
		t.Errorf("migrationsHash: same files %s, %s; changed file %s; want equal then different", ha, ha2, hb)
	}
}

// TestLeastPrivilege checks that tests connect as the service's role: rows may be read and
// written, but not the schema, nor the append-only tables; the owner may.
func TestLeastPrivilege(t *testing.T) {
	t.Parallel()
	db := NewDB(t)
	owner := OwnerPool(t, db)
	var who string
	if err := db.QueryRow(t.Context(), "SELECT current_user").Scan(&who); err != nil || who != migrations.AppRole {
		t.Errorf("NewDB: current_user = %q, %v; want %s", who, err, migrations.AppRole)
	}
	if err := owner.QueryRow(t.Context(), "SELECT current_user").Scan(&who); err != nil || who != migrations.OwnerRole {
		t.Errorf("OwnerPool: current_user = %q, %v; want %s", who, err, migrations.OwnerRole)
	}
	for _, sql := range []string{
		"TRUNCATE audit_log",
		"UPDATE milestone_plans SET reason = 'x'",
		"DELETE FROM audit_log",
		"CREATE TABLE mine (n int)",
		"DROP INDEX parcels_geom",
		"ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
		"UPDATE schema_version SET version = 1",
	} {
		_, err := db.Exec(t.Context(), sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("as %s, %s: %v; want SQLSTATE 42501 (insufficient_privilege)", migrations.AppRole, sql, err)
		}
	}
	if _, err := db.Exec(t.Context(), "INSERT INTO users (name, role, password_hash) VALUES ('u', 'viewer', 'x')"); err != nil {
		t.Errorf("as %s, INSERT INTO users: %v", migrations.AppRole, err)
	}
	if _, err := owner.Exec(t.Context(), "CREATE TABLE mine (n int)"); err != nil {
		t.Errorf("as %s, CREATE TABLE: %v", migrations.OwnerRole, err)
	}
}
