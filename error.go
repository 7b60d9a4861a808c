package licensor

import (
	"errors"
	"fmt"
)

// Code is a stable, transport-independent error kind. Codes are append-only:
// awsapi maps each one to an AWS error shape in a single table.
type Code string

// Error codes.
const (
	EINVALID         Code = "invalid"         // the request is malformed or violates a constraint
	ENOTFOUND        Code = "not_found"       // the resource does not exist or is not visible to the caller
	ECONFLICT        Code = "conflict"        // optimistic concurrency or idempotency conflict
	EFORBIDDEN       Code = "forbidden"       // the caller may not perform the operation
	EUNAUTHENTICATED Code = "unauthenticated" // the caller could not be identified
	ENOENTITLEMENT   Code = "no_entitlement"  // nothing can be checked out
	ELIMIT           Code = "limit"           // a resource limit would be exceeded
	ERATELIMIT       Code = "rate_limit"      // too many requests
	EUNAVAILABLE     Code = "unavailable"     // temporarily unavailable, retry
	EINTERNAL        Code = "internal"        // a bug or an infrastructure failure
	ESTATE           Code = "invalid_state"   // the resource is in a state that forbids the operation
	ENOTALLOWED      Code = "not_allowed"     // a specific entitlement is not allowed (borrow)
	EUNSUPPORTED     Code = "unsupported"     // unsupported digital signature method
)

// Error is the domain error. Message is safe to show to the caller; Err, when
// set, carries the cause for logs and is never sent on the wire.
type Error struct {
	Code    Code
	Message string
	Err     error
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WrapError returns an *Error with the given code and message wrapping cause.
func WrapError(code Code, cause error, message string) *Error {
	return &Error{Code: code, Message: message, Err: cause}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the caller-safe message of err. Errors that are not
// *Error (and EINTERNAL errors) never leak their text.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "Internal error."
}

// NotFound returns the ENOTFOUND error used for a resource the caller cannot
// see. The same text is returned whether the resource is missing or belongs to
// another account, so the answer never reveals that it exists.
func NotFound(kind, id string) *Error {
	return Errorf(ENOTFOUND, "%s %s does not exist or is not accessible to the caller.", kind, id)
}
