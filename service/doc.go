// Package service implements licensor.Service: every business rule of the
// server (who may do what, versioning, idempotency, lifecycle, and the
// background jobs that expire and purge), on top of a licensor.Store.
//
// Transports (awsapi, web) call it with the caller's principal in the
// context; stores below it hold no rules.
package service
