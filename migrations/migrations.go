// Package migrations embeds the numbered SQL files that build the Emprises schema.
// They are applied in order by tern (see internal/store.Migrate) and never edited once landed.
package migrations

import "embed"

// FS holds every migration file, named NNN_description.sql.
//
//go:embed *.sql
var FS embed.FS
