package awsapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"

	"github.com/licensorhq/licensor"
)

// wireError is an error as it goes on the wire.
type wireError struct {
	Type    string
	Status  int
	Message string
}

func (e *wireError) Error() string { return e.Type + ": " + e.Message }

// shapeStatus is the HTTP status of each AWS error shape, from the model's
// Smithy @httpError traits (see ../shared/reference/aws-api.md §1), plus
// the protocol-level errors that AWS's front door answers for any service.
var shapeStatus = map[string]int{
	"ValidationException":                        400,
	"InvalidParameterValueException":             400,
	"ResourceNotFoundException":                  400,
	"NoEntitlementsAllowedException":             400,
	"EntitlementNotAllowedException":             400,
	"UnsupportedDigitalSignatureMethodException": 400,
	"ResourceLimitExceededException":             400,
	"FilterLimitExceededException":               400,
	"InvalidResourceStateException":              400,
	"AccessDeniedException":                      401,
	"AuthorizationException":                     403,
	"RedirectException":                          308,
	"ConflictException":                          409,
	"LicenseUsageException":                      412,
	"FailedDependencyException":                  424,
	"RateLimitExceededException":                 429,
	"ServerInternalException":                    500,

	"UnknownOperationException":           400,
	"SerializationException":              400,
	"RequestEntityTooLargeException":      413,
	"UnrecognizedClientException":         400,
	"InvalidSignatureException":           400,
	"IncompleteSignatureException":        400,
	"MissingAuthenticationTokenException": 400,
}

// codeShapes maps each domain code to the AWS shapes that express it, best
// first. An operation answers with the first one its model declares, so a
// client never sees a shape it was not generated for; when it declares
// none, the first one is used.
var codeShapes = map[licensor.Code][]string{
	licensor.EINVALID:         {"ValidationException", "InvalidParameterValueException"},
	licensor.ENOTFOUND:        {"ResourceNotFoundException", "InvalidParameterValueException", "ValidationException"},
	licensor.ECONFLICT:        {"ConflictException", "ValidationException", "InvalidParameterValueException"},
	licensor.EFORBIDDEN:       {"AccessDeniedException", "AuthorizationException"},
	licensor.EUNAUTHENTICATED: {"UnrecognizedClientException"},
	licensor.ENOENTITLEMENT:   {"NoEntitlementsAllowedException"},
	licensor.ENOTALLOWED:      {"EntitlementNotAllowedException", "NoEntitlementsAllowedException"},
	licensor.EUNSUPPORTED:     {"UnsupportedDigitalSignatureMethodException"},
	licensor.ELIMIT:           {"ResourceLimitExceededException", "ValidationException"},
	licensor.ERATELIMIT:       {"RateLimitExceededException"},
	licensor.ESTATE:           {"InvalidResourceStateException", "ConflictException", "ValidationException"},
	licensor.EUNAVAILABLE:     {"ServerInternalException"},
	licensor.EINTERNAL:        {"ServerInternalException"},
}

// toWire converts any error into the AWS error the operation answers with.
func toWire(op string, err error) *wireError {
	var we *wireError
	if errors.As(err, &we) {
		return we
	}
	if we := authError(err); we != nil {
		return we
	}
	code := licensor.ErrorCode(err)
	shapes, ok := codeShapes[code]
	if !ok {
		shapes = codeShapes[licensor.EINTERNAL]
	}
	shape := shapes[0]
	if declared := modelErrors[op]; declared != nil {
		for _, s := range shapes {
			if slices.Contains(declared, s) {
				shape = s
				break
			}
		}
	}
	status := shapeStatus[shape]
	if code == licensor.EUNAVAILABLE {
		status = http.StatusServiceUnavailable // retried by every AWS SDK
	}
	return &wireError{Type: shape, Status: status, Message: licensor.ErrorMessage(err)}
}

func protoError(shape, msg string) *wireError {
	return &wireError{Type: shape, Status: shapeStatus[shape], Message: msg}
}

// writeError writes the AWS JSON 1.1 error: status, x-amzn-ErrorType
// header, and {"__type": …, "message": …}. The Go SDK reads the header,
// botocore reads the body; both carry the same shape name.
func writeError(w http.ResponseWriter, we *wireError) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Amzn-ErrorType", we.Type)
	w.WriteHeader(we.Status)
	body, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{we.Type, we.Message})
	w.Write(body)
}
