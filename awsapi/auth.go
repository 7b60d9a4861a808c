package awsapi

import (
	"errors"

	"github.com/licensorhq/licensor/sigv4"
)

// authError maps a SigV4 verification failure to its AWS error, or
// returns nil for other errors. The shapes and statuses of authentication
// failures are those AWS's front door answers for every JSON service; sigv4
// documents the evidence beside its Kinds (Kind.AWSType, Kind.HTTPStatus).
func authError(err error) *wireError {
	var se *sigv4.Error
	if !errors.As(err, &se) {
		return nil
	}
	if se.AWSType() == "" {
		return &wireError{Type: "ServerInternalException", Status: 500, Message: "Internal error."}
	}
	return &wireError{Type: se.AWSType(), Status: se.HTTPStatus(), Message: se.Message}
}
