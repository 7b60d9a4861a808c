// Package sqlite implements licensor.Store on SQLite through the pure-Go
// modernc.org/sqlite driver, so the default binary needs no cgo.
//
// One database file holds everything. Writes go through a single
// connection, so they are serialized in process and every write
// transaction starts with BEGIN IMMEDIATE; reads use a separate pool of
// read-only connections that WAL mode lets run beside the writer. Commits
// are durable when acknowledged (synchronous=FULL). The schema lives in
// embedded, numbered, append-only migrations applied by Open.
package sqlite
