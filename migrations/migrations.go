// Package migrations holds the numbered SQL files that build the Emprises schema and
// applies them with tern. A landed file is never edited: changes come as new files.
package migrations

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/tern/v2/migrate"
)

// FS holds every migration file, named NNN_description.sql.
//
//go:embed *.sql
var FS embed.FS

// versionTable records which migrations tern has applied.
const versionTable = "schema_version"

// Apply brings the database at connString up to the newest migration. Tern takes an
// advisory lock, so concurrent callers (two instances starting at once) apply each
// migration exactly once.
func Apply(ctx context.Context, connString string) error {
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		return fmt.Errorf("migrate: connect: %w", err)
	}
	defer conn.Close(ctx)
	m, err := migrator(ctx, conn)
	if err != nil {
		return err
	}
	if err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Version reports the newest migration the embedded files define, and the one the
// database is at.
func Version(ctx context.Context, conn *pgx.Conn) (want, have int32, err error) {
	m, err := migrator(ctx, conn)
	if err != nil {
		return 0, 0, err
	}
	have, err = m.GetCurrentVersion(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("migrate: version: %w", err)
	}
	return int32(len(m.Migrations)), have, nil
}

func migrator(ctx context.Context, conn *pgx.Conn) (*migrate.Migrator, error) {
	m, err := migrate.NewMigrator(ctx, conn, versionTable)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if err := m.LoadMigrations(FS); err != nil {
		return nil, fmt.Errorf("migrate: load: %w", err)
	}
	return m, nil
}
