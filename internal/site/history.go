package site

import (
	"encoding/json"
	"time"
)

// Change is one recorded write: who made it, when, to what, why, and the entity before and
// after, as the history shows it. Every write to a site, through the API or at the
// command line, leaves exactly one.
type Change struct {
	ID          int64
	At          time.Time
	Actor       string // an account's name, or "cli:<os user>" at the command line
	Action      string // e.g. "site.update", "part.status", "part.cadastre"
	EntityType  string
	EntityID    string
	SiteID      string
	SiteVersion int64 // the site's version once changed, its ETag
	Reason      string
	Before      json.RawMessage // the entity as JSON; nil when created
	After       json.RawMessage // nil when deleted
}

// History is every change made to a site, its parts, events, calendar and parcels.
type History struct {
	Version int64 // the site's current version
	Deleted bool
	Changes []Change // newest first
}
