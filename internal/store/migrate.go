package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/tern/v2/migrate"

	"github.com/emprises/emprises/migrations"
)

// versionTable records which migrations tern has applied.
const versionTable = "schema_version"

// Migrate brings the database at connString up to the newest migration.
// Tern takes an advisory lock, so concurrent callers (two instances starting at once)
// apply each migration exactly once.
func Migrate(ctx context.Context, connString string) error {
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		return fmt.Errorf("store: migrate: connect: %w", err)
	}
	defer conn.Close(ctx)
	m, err := migrate.NewMigrator(ctx, conn, versionTable)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if err := m.LoadMigrations(migrations.FS); err != nil {
		return fmt.Errorf("store: migrate: load: %w", err)
	}
	if err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// MigrationVersion reports the newest migration the embedded files define, and the one
// the database is at; /healthz compares them.
func MigrationVersion(ctx context.Context, conn *pgx.Conn) (want, have int32, err error) {
	m, err := migrate.NewMigrator(ctx, conn, versionTable)
	if err != nil {
		return 0, 0, fmt.Errorf("store: migration version: %w", err)
	}
	if err := m.LoadMigrations(migrations.FS); err != nil {
		return 0, 0, fmt.Errorf("store: migration version: load: %w", err)
	}
	have, err = m.GetCurrentVersion(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("store: migration version: %w", err)
	}
	return int32(len(m.Migrations)), have, nil
}
