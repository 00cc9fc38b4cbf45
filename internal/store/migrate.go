package store

import (
	"context"

	"github.com/emprises/emprises/migrations"
)

// Migrate brings the database at connString up to the newest migration.
func Migrate(ctx context.Context, connString string) error {
	return migrations.Apply(ctx, connString)
}
