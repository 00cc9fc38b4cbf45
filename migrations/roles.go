package migrations

// The roles of a least-privilege database (migration 006_least_privilege.sql).
const (
	// OwnerRole owns the schema and runs the migrations, in the private cluster and the
	// tests; with DATABASE_URL, whatever role the migrations connect as owns what they make.
	OwnerRole = "emprises_owner"
	// AppRole is the role the migrations grant the service's privileges to: rows read and
	// written, no DDL, no TRUNCATE, audit_log and milestone_plans append-only.
	AppRole = "emprises_app"
)

// Extensions are the extensions the migrations create. PostGIS is not a trusted
// extension: unless the migrating role is a superuser, a superuser creates them first.
var Extensions = []string{"postgis", "btree_gist"}
