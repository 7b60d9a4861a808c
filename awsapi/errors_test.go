package awsapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/licensorhq/licensor"
	"github.com/licensorhq/licensor/sigv4"
)

// allCodes is every licensor code; a new code must be added here and to
// codeShapes.
var allCodes = []licensor.Code{
	licensor.EINVALID, licensor.ENOTFOUND, licensor.ECONFLICT, licensor.EFORBIDDEN,
	licensor.EUNAUTHENTICATED, licensor.ENOENTITLEMENT, licensor.ELIMIT, licensor.ERATELIMIT,
	licensor.EUNAVAILABLE, licensor.EINTERNAL, licensor.ESTATE, licensor.ENOTALLOWED,
	licensor.EUNSUPPORTED,
}

func TestToWire(t *testing.T) {
	secret := errors.New("pq: password authentication failed for user licensor")
	for _, tt := range []struct {
		op         string
		err        error
		wantType   string
		wantStatus int
		wantMsg    string // "" means the error's own message
	}{
		// CreateLicense declares ValidationException, InvalidParameterValueException,
		// RedirectException, AuthorizationException, AccessDeniedException,
		// RateLimitExceededException, ServerInternalException.
		{"CreateLicense", licensor.Errorf(licensor.EINVALID, "bad"), "ValidationException", 400, ""},
		{"CreateLicense", licensor.Errorf(licensor.ENOTFOUND, "gone"), "InvalidParameterValueException", 400, ""},
		{"CreateLicense", licensor.Errorf(licensor.ECONFLICT, "token reused"), "ValidationException", 400, ""},
		{"CreateLicense", licensor.Errorf(licensor.EFORBIDDEN, "no"), "AccessDeniedException", 401, ""},
		{"CreateLicense", licensor.Errorf(licensor.ELIMIT, "too many"), "ValidationException", 400, ""},
		{"CreateLicense", licensor.Errorf(licensor.ESTATE, "state"), "ValidationException", 400, ""},
		{"CreateLicense", licensor.Errorf(licensor.ERATELIMIT, "slow"), "RateLimitExceededException", 429, ""},
		{"CreateLicense", licensor.Errorf(licensor.EUNAUTHENTICATED, "who"), "UnrecognizedClientException", 400, ""},
		{"CreateLicense", licensor.Errorf(licensor.EUNAVAILABLE, "later"), "ServerInternalException", 503, ""},
		{"CreateLicense", licensor.WrapError(licensor.EINTERNAL, secret, "insert license failed"), "ServerInternalException", 500, "Internal error."},
		{"CreateLicense", secret, "ServerInternalException", 500, "Internal error."},
		{"CreateLicense", fmt.Errorf("create license: %w", secret), "ServerInternalException", 500, "Internal error."},

		// CreateLicenseVersion declares ResourceNotFoundException and ConflictException.
		{"CreateLicenseVersion", licensor.Errorf(licensor.EINVALID, "bad"), "ValidationException", 400, ""},
		{"CreateLicenseVersion", licensor.Errorf(licensor.ENOTFOUND, "gone"), "ResourceNotFoundException", 400, ""},
		{"CreateLicenseVersion", licensor.Errorf(licensor.ECONFLICT, "stale"), "ConflictException", 409, ""},
		{"CreateLicenseVersion", licensor.Errorf(licensor.ESTATE, "deleted"), "ConflictException", 409, ""},
		{"CreateLicenseVersion", licensor.Errorf(licensor.ELIMIT, "too many"), "ValidationException", 400, ""},
		{"CreateLicenseVersion", licensor.Errorf(licensor.EFORBIDDEN, "no"), "AccessDeniedException", 401, ""},

		// GetLicense declares no ResourceNotFoundException.
		{"GetLicense", licensor.Errorf(licensor.ENOTFOUND, "gone"), "InvalidParameterValueException", 400, ""},
		{"GetLicense", fmt.Errorf("get license: %w", licensor.NotFound("License", "arn:x")), "InvalidParameterValueException", 400, "License arn:x does not exist or is not accessible to the caller."},
		{"GetLicense", licensor.Errorf(licensor.EINVALID, "bad"), "ValidationException", 400, ""},
		{"GetLicense", licensor.Errorf(licensor.ECONFLICT, "c"), "ValidationException", 400, ""},
		{"ListLicenses", licensor.Errorf(licensor.EINVALID, "bad"), "ValidationException", 400, ""},

		// ListLicenseVersions declares no ValidationException either.
		{"ListLicenseVersions", licensor.Errorf(licensor.EINVALID, "bad"), "InvalidParameterValueException", 400, ""},
		{"ListLicenseVersions", licensor.Errorf(licensor.ENOTFOUND, "gone"), "InvalidParameterValueException", 400, ""},
		{"ListLicenseVersions", licensor.Errorf(licensor.ECONFLICT, "c"), "InvalidParameterValueException", 400, ""},

		// DeleteLicense declares ConflictException, not ResourceNotFoundException.
		{"DeleteLicense", licensor.Errorf(licensor.ECONFLICT, "stale"), "ConflictException", 409, ""},
		{"DeleteLicense", licensor.Errorf(licensor.ESTATE, "deleted"), "ConflictException", 409, ""},
		{"DeleteLicense", licensor.Errorf(licensor.ENOTFOUND, "gone"), "InvalidParameterValueException", 400, ""},

		// Consumption.
		{"CheckoutLicense", licensor.Errorf(licensor.ENOENTITLEMENT, "none"), "NoEntitlementsAllowedException", 400, ""},
		{"CheckoutLicense", licensor.Errorf(licensor.ENOTALLOWED, "no borrow"), "NoEntitlementsAllowedException", 400, ""},
		{"CheckoutLicense", licensor.Errorf(licensor.ENOTFOUND, "gone"), "ResourceNotFoundException", 400, ""},
		{"CheckoutLicense", licensor.Errorf(licensor.EUNSUPPORTED, "sig"), "UnsupportedDigitalSignatureMethodException", 400, ""},
		{"CheckoutLicense", licensor.Errorf(licensor.ECONFLICT, "token reused"), "ValidationException", 400, ""},
		{"CheckoutBorrowLicense", licensor.Errorf(licensor.ENOTALLOWED, "no borrow"), "EntitlementNotAllowedException", 400, ""},
		{"CheckInLicense", licensor.Errorf(licensor.ECONFLICT, "c"), "ConflictException", 409, ""},
		{"CheckInLicense", licensor.Errorf(licensor.ESTATE, "checked in"), "ConflictException", 409, ""},
		{"CheckInLicense", licensor.Errorf(licensor.ENOTFOUND, "gone"), "ResourceNotFoundException", 400, ""},
		{"ExtendLicenseConsumption", licensor.Errorf(licensor.ESTATE, "expired"), "ValidationException", 400, ""},
		{"ExtendLicenseConsumption", licensor.Errorf(licensor.ENOTFOUND, "gone"), "ResourceNotFoundException", 400, ""},
		{"GetLicenseUsage", licensor.Errorf(licensor.ENOTFOUND, "gone"), "InvalidParameterValueException", 400, ""},

		// Admin operations are not in the model: the first shape.
		{"CreateAccount", licensor.Errorf(licensor.EINVALID, "bad"), "ValidationException", 400, ""},
		{"CreateAccessKey", licensor.Errorf(licensor.ENOTFOUND, "gone"), "ResourceNotFoundException", 400, ""},
		{"UpdateAccessKey", licensor.Errorf(licensor.ECONFLICT, "c"), "ConflictException", 409, ""},
		{"ListAccounts", licensor.Errorf(licensor.EFORBIDDEN, "root only"), "AccessDeniedException", 401, ""},
		{"DeleteAccessKey", licensor.Errorf(licensor.ELIMIT, "l"), "ResourceLimitExceededException", 400, ""},
		{"DeleteAccessKey", licensor.Errorf(licensor.ESTATE, "s"), "InvalidResourceStateException", 400, ""},
		{"ListAccessKeys", licensor.WrapError(licensor.EINTERNAL, secret, "x"), "ServerInternalException", 500, "Internal error."},
		{"", licensor.Errorf(licensor.ENOTFOUND, "gone"), "ResourceNotFoundException", 400, ""},

		// Protocol and authentication errors pass through unchanged.
		{"GetLicense", protoError("SerializationException", "bad json"), "SerializationException", 400, "bad json"},
		{"GetLicense", fmt.Errorf("wrapped: %w", protoError("UnknownOperationException", "nope")), "UnknownOperationException", 400, "nope"},
		{"GetLicense", &sigv4.Error{Kind: sigv4.KindInvalidSignature, Message: "The request signature we calculated does not match."}, "InvalidSignatureException", 400, "The request signature we calculated does not match."},
		{"CreateLicense", &sigv4.Error{Kind: sigv4.KindMissingAuthenticationToken, Message: "Missing Authentication Token"}, "MissingAuthenticationTokenException", 403, "Missing Authentication Token"},
		{"CreateLicense", fmt.Errorf("verify: %w", &sigv4.Error{Kind: sigv4.KindUnrecognizedClient, Message: "unknown key"}), "UnrecognizedClientException", 400, "unknown key"},
		{"CreateLicense", &sigv4.Error{Kind: sigv4.KindIncompleteSignature, Message: "incomplete"}, "IncompleteSignatureException", 400, "incomplete"},
		{"CreateLicense", &sigv4.Error{Kind: 0, Message: "secret detail"}, "ServerInternalException", 500, "Internal error."},
	} {
		t.Run(tt.op+"/"+tt.wantType+"/"+tt.err.Error(), func(t *testing.T) {
			we := toWire(tt.op, tt.err)
			if we.Type != tt.wantType || we.Status != tt.wantStatus {
				t.Errorf("toWire(%q, %v) = %s %d, want %s %d", tt.op, tt.err, we.Type, we.Status, tt.wantType, tt.wantStatus)
			}
			want := tt.wantMsg
			if want == "" {
				want = licensor.ErrorMessage(tt.err)
			}
			if we.Message != want {
				t.Errorf("message = %q, want %q", we.Message, want)
			}
			if strings.Contains(we.Message, "password") {
				t.Errorf("message leaks the cause: %q", we.Message)
			}
		})
	}
}

// TestToWireEveryCodeAndOperation checks the table as a whole: every code
// maps, every shape it can pick has a status, and an operation of the model
// only ever answers with a shape it declares (or the code's first shape when
// it declares none of them).
func TestToWireEveryCodeAndOperation(t *testing.T) {
	ops := []string{"CreateAccount"} // not in the model
	for op := range modelErrors {
		ops = append(ops, op)
	}
	for _, code := range allCodes {
		shapes, ok := codeShapes[code]
		if !ok || len(shapes) == 0 {
			t.Errorf("codeShapes has no entry for %q", code)
			continue
		}
		for _, s := range shapes {
			if shapeStatus[s] == 0 {
				t.Errorf("shape %s of %q has no status", s, code)
			}
		}
		for _, op := range ops {
			we := toWire(op, licensor.WrapError(code, errors.New("cause"), "msg"))
			if we.Status < 300 || we.Status > 599 {
				t.Errorf("%s %q: status %d", op, code, we.Status)
			}
			if strings.Contains(we.Message, "cause") {
				t.Errorf("%s %q: message %q leaks the cause", op, code, we.Message)
			}
			declared := modelErrors[op]
			anyDeclared := false
			for _, s := range shapes {
				for _, d := range declared {
					anyDeclared = anyDeclared || s == d
				}
			}
			switch {
			case anyDeclared && !contains(declared, we.Type):
				t.Errorf("%s %q → %s, which the operation does not declare (%v)", op, code, we.Type, declared)
			case !anyDeclared && we.Type != shapes[0]:
				t.Errorf("%s %q → %s, want the first shape %s", op, code, we.Type, shapes[0])
			}
			if code == licensor.EINTERNAL && (we.Type != "ServerInternalException" || we.Status != 500 || we.Message != "Internal error.") {
				t.Errorf("%s EINTERNAL → %+v", op, we)
			}
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// TestHandlerOperationsInModel checks that every AWS operation the handler
// serves has its errors in modelErrors, so toWire can choose among them.
func TestHandlerOperationsInModel(t *testing.T) {
	h := NewHandler(nil, nil, nil, nil)
	for _, target := range h.Operations() {
		op, ok := strings.CutPrefix(target, TargetPrefix)
		if !ok {
			if !strings.HasPrefix(target, AdminTargetPrefix) {
				t.Errorf("target %q has neither prefix", target)
			}
			continue
		}
		if modelErrors[op] == nil {
			t.Errorf("operation %s is not in modelErrors", op)
		}
	}
}

func TestWriteError(t *testing.T) {
	rec := httptest.NewRecorder()
	writeError(rec, &wireError{Type: "ConflictException", Status: 409, Message: `quote " and <tag>`})
	if rec.Code != http.StatusConflict {
		t.Errorf("status = %d", rec.Code)
	}
	if got := rec.Header().Get("X-Amzn-ErrorType"); got != "ConflictException" {
		t.Errorf("X-Amzn-ErrorType = %q", got)
	}
	if got := rec.Header().Get("Content-Type"); got != "application/x-amz-json-1.1" {
		t.Errorf("Content-Type = %q", got)
	}
	if got, want := rec.Body.String(), `{"__type":"ConflictException","message":"quote \" and \u003ctag\u003e"}`; got != want {
		t.Errorf("body = %s, want %s", got, want)
	}
}
