package awsapi

import (
	"errors"

	"github.com/licensorhq/licensor/sigv4"
)

// authShapes maps each SigV4 failure to the AWS error that AWS's front door
// answers with for JSON 1.1 services. Status 400 for all but a missing
// signature (403), as AWS does for awsJson services.
var authShapes = map[sigv4.Kind]struct {
	shape  string
	status int
}{
	sigv4.KindMissingAuthenticationToken: {"MissingAuthenticationTokenException", 403},
	sigv4.KindIncompleteSignature:        {"IncompleteSignatureException", 400},
	sigv4.KindUnrecognizedClient:         {"UnrecognizedClientException", 400},
	sigv4.KindInvalidSignature:           {"InvalidSignatureException", 400},
	sigv4.KindSignatureExpired:           {"InvalidSignatureException", 400},
	sigv4.KindWrongRegion:                {"InvalidSignatureException", 400},
	sigv4.KindWrongService:               {"InvalidSignatureException", 400},
	sigv4.KindScopeDateMismatch:          {"InvalidSignatureException", 400},
}

// authError maps a SigV4 verification failure to its AWS error, or
// returns nil for other errors.
func authError(err error) *wireError {
	var se *sigv4.Error
	if !errors.As(err, &se) {
		return nil
	}
	a, ok := authShapes[se.Kind]
	if !ok {
		return &wireError{Type: "ServerInternalException", Status: 500, Message: "Internal error."}
	}
	return &wireError{Type: a.shape, Status: a.status, Message: se.Message}
}
