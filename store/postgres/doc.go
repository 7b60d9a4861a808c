// Package postgres implements licensor.Store on PostgreSQL through
// github.com/jackc/pgx/v5, so that any number of licensor nodes can share
// one database.
//
// Transactions run at READ COMMITTED. Every write that must not race is one
// conditional statement (UPDATE … WHERE … RETURNING, INSERT … ON CONFLICT
// DO NOTHING), which PostgreSQL re-checks against the latest committed row
// after waiting for its lock: that is what keeps entitlement counts exact
// across nodes, without advisory locks and without the retries that
// SERIALIZABLE would force on a hot counter row. Expected outcomes (a
// duplicate, a missing parent, a checkout no longer ACTIVE) are read from
// the statement's result, never from an SQL error, so a failing method
// leaves the caller's transaction usable, as the store contract requires.
// WithTx re-runs its function after a deadlock or a serialization failure.
//
// The schema lives in embedded, numbered, append-only migrations applied by
// Open under a goose table lock, so nodes that start together migrate once.
package postgres
