// Package replica holds the test of a deployment beyond one machine: two Emprises
// instances over a PostgreSQL primary and its streaming replica, each a private cluster
// (internal/pgcluster), the replica copied from the primary with pg_basebackup -R. It
// shows read-your-writes across instances, the replica's lag in /healthz and /metrics,
// reads going on from the replica while the primary is stopped, writes refused with 503
// meanwhile, and writes working again once the primary is back, nothing restarted.
// `make test-replica` runs it.
package replica
