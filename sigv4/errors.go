package sigv4

import (
	"errors"
	"net/http"
)

// ErrUnknownKey is returned (possibly wrapped) by a CredentialsFunc when the
// access key id does not exist or is not active. Verify turns it into a
// KindUnrecognizedClient error; any other lookup error is returned wrapped, as
// is, for the caller to report as an internal failure.
var ErrUnknownKey = errors.New("sigv4: unknown or inactive access key")

// Kind classifies a verification failure. The values are stable: they may be
// stored, logged and switched on; new kinds are only ever appended.
type Kind int

// Verification failure kinds. The comment of each names the AWS error shape
// (the JSON "__type") that an AWS JSON 1.1 service answers with.
const (
	// KindMissingAuthenticationToken: the request has no Authorization
	// header. AWS: MissingAuthenticationTokenException.
	KindMissingAuthenticationToken Kind = 1
	// KindIncompleteSignature: the Authorization header or the date headers
	// are malformed (missing Credential, SignedHeaders or Signature, bad
	// credential scope, unsupported algorithm, missing or malformed
	// X-Amz-Date, host or date header not signed, presigned query).
	// AWS: IncompleteSignatureException.
	KindIncompleteSignature Kind = 2
	// KindUnrecognizedClient: the access key id is unknown or inactive, or
	// the request carries a session token, which is not supported yet.
	// AWS: UnrecognizedClientException.
	KindUnrecognizedClient Kind = 3
	// KindInvalidSignature: the signature does not match.
	// AWS: InvalidSignatureException.
	KindInvalidSignature Kind = 4
	// KindSignatureExpired: the request time is outside the allowed clock
	// skew, in the past ("Signature expired") or in the future ("Signature
	// not yet current"). AWS: InvalidSignatureException.
	KindSignatureExpired Kind = 5
	// KindWrongRegion: the credential scope names another region.
	// AWS: InvalidSignatureException.
	KindWrongRegion Kind = 6
	// KindWrongService: the credential scope names another service.
	// AWS: InvalidSignatureException.
	KindWrongService Kind = 7
	// KindScopeDateMismatch: the date of the credential scope is not the
	// day of the request time. AWS: InvalidSignatureException.
	KindScopeDateMismatch Kind = 8
)

// String returns the Go name of the kind without its "Kind" prefix.
func (k Kind) String() string {
	switch k {
	case KindMissingAuthenticationToken:
		return "MissingAuthenticationToken"
	case KindIncompleteSignature:
		return "IncompleteSignature"
	case KindUnrecognizedClient:
		return "UnrecognizedClient"
	case KindInvalidSignature:
		return "InvalidSignature"
	case KindSignatureExpired:
		return "SignatureExpired"
	case KindWrongRegion:
		return "WrongRegion"
	case KindWrongService:
		return "WrongService"
	case KindScopeDateMismatch:
		return "ScopeDateMismatch"
	}
	return "Unknown"
}

// AWSType returns the AWS error shape name that an AWS JSON 1.1 service sends
// as "__type" for this kind, or "" for an unknown kind.
func (k Kind) AWSType() string {
	switch k {
	case KindMissingAuthenticationToken:
		return "MissingAuthenticationTokenException"
	case KindIncompleteSignature:
		return "IncompleteSignatureException"
	case KindUnrecognizedClient:
		return "UnrecognizedClientException"
	case KindInvalidSignature, KindSignatureExpired, KindWrongRegion, KindWrongService, KindScopeDateMismatch:
		return "InvalidSignatureException"
	}
	return ""
}

// HTTPStatus returns the HTTP status code to answer with.
//
// The choice follows what AWS services observably answer on the awsJson1_0 and
// awsJson1_1 protocols (License Manager speaks awsJson1_1):
//
//   - MissingAuthenticationToken: 403. AWS's "Common Errors" reference lists
//     MissingAuthenticationToken with HTTP 403, and unsigned requests to AWS
//     endpoints come back 403 Forbidden.
//   - IncompleteSignature: 400, as listed in the same "Common Errors" table.
//   - UnrecognizedClientException: 400. DynamoDB (awsJson1_0), Cognito
//     Identity Provider and ECS (awsJson1_1) answer "400 Bad Request" with
//     {"__type":"UnrecognizedClientException"}; only REST-JSON services such
//     as Lambda answer it with 403.
//   - InvalidSignatureException, including "Signature expired" and wrong
//     region or service scope: 400. Kinesis, Rekognition and ECR
//     (awsJson1_1) report "status code: 400" for it; REST-JSON services
//     (Glacier, CloudFront KeyValueStore) use 403.
//
// The AWS SDKs dispatch on "__type", not on the status, so the distinction
// between 400 and 403 matters only to generic HTTP tooling.
func (k Kind) HTTPStatus() int {
	switch k {
	case KindMissingAuthenticationToken:
		return http.StatusForbidden
	case 0:
		return http.StatusInternalServerError
	}
	if k.AWSType() == "" {
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

// Error is a request-authentication failure. Message is safe to send to the
// client; it follows the wording of AWS where AWS has a known wording.
type Error struct {
	Kind    Kind
	Message string
}

// Error returns Message.
func (e *Error) Error() string { return e.Message }

// AWSType returns the AWS error shape name for e.Kind; see Kind.AWSType.
func (e *Error) AWSType() string { return e.Kind.AWSType() }

// HTTPStatus returns the HTTP status for e.Kind; see Kind.HTTPStatus.
func (e *Error) HTTPStatus() int { return e.Kind.HTTPStatus() }

// KindOf returns the Kind of the first *Error in err's chain, or 0 when there
// is none (a configuration or credential-store failure, or nil).
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

func newError(k Kind, msg string) *Error { return &Error{Kind: k, Message: msg} }

// AWS's own messages for the kinds that have exactly one.
const (
	msgMissingAuthenticationToken = "Request is missing Authentication Token"
	msgUnrecognizedClient         = "The security token included in the request is invalid."
	msgInvalidSignature           = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)
