package awsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/licensorhq/licensor"
)

const (
	contentType = "application/x-amz-json-1.1"
	// TargetPrefix is the X-Amz-Target prefix of the AWS operations.
	TargetPrefix = "AWSLicenseManager."
	// AdminTargetPrefix is the X-Amz-Target prefix of the operator's
	// administrative operations, served on the same endpoint.
	AdminTargetPrefix = "Licensor."
	// MaxBodyBytes bounds a request body.
	MaxBodyBytes = 1 << 20
)

// Verifier authenticates a SigV4-signed request and returns the access key
// that signed it. body is the request body, already read.
type Verifier interface {
	Verify(ctx context.Context, r *http.Request, body []byte) (accessKeyID string, err error)
}

// Handler serves POST / for the AWS License Manager protocol.
type Handler struct {
	Service  licensor.Service
	Auth     licensor.Authenticator
	Verifier Verifier
	Logger   *slog.Logger

	ops map[string]opFunc
}

type opFunc func(ctx context.Context, body []byte) (any, error)

// NewHandler returns a Handler wired to its dependencies.
func NewHandler(svc licensor.Service, auth licensor.Authenticator, v Verifier, logger *slog.Logger) *Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	h := &Handler{Service: svc, Auth: auth, Verifier: v, Logger: logger}
	h.ops = map[string]opFunc{
		TargetPrefix + "CreateLicense":        op(h.createLicense),
		TargetPrefix + "CreateLicenseVersion": op(h.createLicenseVersion),
		TargetPrefix + "GetLicense":           op(h.getLicense),
		TargetPrefix + "ListLicenses":         op(h.listLicenses),
		TargetPrefix + "ListLicenseVersions":  op(h.listLicenseVersions),
		TargetPrefix + "DeleteLicense":        op(h.deleteLicense),

		TargetPrefix + "CheckoutLicense":          op(h.checkoutLicense),
		TargetPrefix + "CheckoutBorrowLicense":    op(h.checkoutBorrowLicense),
		TargetPrefix + "CheckInLicense":           op(h.checkInLicense),
		TargetPrefix + "ExtendLicenseConsumption": op(h.extendLicenseConsumption),
		TargetPrefix + "GetLicenseUsage":          op(h.getLicenseUsage),

		TargetPrefix + "CreateGrant":                         op(h.createGrant),
		TargetPrefix + "CreateGrantVersion":                  op(h.createGrantVersion),
		TargetPrefix + "GetGrant":                            op(h.getGrant),
		TargetPrefix + "DeleteGrant":                         op(h.deleteGrant),
		TargetPrefix + "AcceptGrant":                         op(h.acceptGrant),
		TargetPrefix + "RejectGrant":                         op(h.rejectGrant),
		TargetPrefix + "ListDistributedGrants":               op(h.listDistributedGrants),
		TargetPrefix + "ListReceivedGrants":                  op(h.listReceivedGrants),
		TargetPrefix + "ListReceivedGrantsForOrganization":   op(h.listReceivedGrantsForOrganization),
		TargetPrefix + "ListReceivedLicenses":                op(h.listReceivedLicenses),
		TargetPrefix + "ListReceivedLicensesForOrganization": op(h.listReceivedLicensesForOrganization),

		AdminTargetPrefix + "CreateOrganization":       op(h.createOrganization),
		AdminTargetPrefix + "AddOrganizationMember":    op(h.addOrganizationMember),
		AdminTargetPrefix + "RemoveOrganizationMember": op(h.removeOrganizationMember),
		AdminTargetPrefix + "DescribeOrganization":     op(h.describeOrganization),
		AdminTargetPrefix + "ListOrganizations":        op(h.listOrganizations),

		AdminTargetPrefix + "CreateAccount":   op(h.createAccount),
		AdminTargetPrefix + "ListAccounts":    op(h.listAccounts),
		AdminTargetPrefix + "CreateAccessKey": op(h.createAccessKey),
		AdminTargetPrefix + "ListAccessKeys":  op(h.listAccessKeys),
		AdminTargetPrefix + "UpdateAccessKey": op(h.updateAccessKey),
		AdminTargetPrefix + "DeleteAccessKey": op(h.deleteAccessKey),

		AdminTargetPrefix + "CreateKey":  op(h.createKey),
		AdminTargetPrefix + "ListKeys":   op(h.listKeys),
		AdminTargetPrefix + "RotateKey":  op(h.rotateKey),
		AdminTargetPrefix + "DisableKey": op(h.disableKey),
	}
	return h
}

// Operations lists the X-Amz-Target values the handler serves.
func (h *Handler) Operations() []string {
	out := make([]string, 0, len(h.ops))
	for k := range h.ops {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// op adapts a typed handler method to the dispatch table: it decodes the
// JSON body into In and hands back *Out for encoding.
func op[In, Out any](f func(context.Context, *In) (*Out, error)) opFunc {
	return func(ctx context.Context, body []byte) (any, error) {
		var in In
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		return f(ctx, &in)
	}
}

func decode(body []byte, v any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return protoError("SerializationException", fmt.Sprintf("Member %s has the wrong type: expected %s, got %s.", wireField(te.Field), jsonKind(te.Type), te.Value))
		}
		return protoError("SerializationException", "The request body is not a valid JSON object.")
	}
	if dec.More() {
		return protoError("SerializationException", "The request body has data after the JSON object.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return protoError("SerializationException", "The request body has data after the JSON object.")
	}
	return nil
}

// wireField turns encoding/json's Go field path into the member path a
// client sent: embedded wire structs (wireLicenseFields) are not members.
func wireField(path string) string {
	parts := strings.Split(path, ".")
	out := parts[:0]
	for _, p := range parts {
		if !strings.HasPrefix(p, "wire") {
			out = append(out, p)
		}
	}
	return strings.Join(out, ".")
}

// jsonKind names a Go type as the JSON type a client should have sent.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	}
	return "value"
}

// ServeHTTP authenticates, dispatches and answers one API call, and writes
// the access log line for it.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ctx := r.Context()
	target := r.Header.Get("X-Amz-Target")
	var principal *licensor.Principal
	resp, err := h.serve(ctx, r, target, &principal)

	opName := strings.TrimPrefix(strings.TrimPrefix(target, TargetPrefix), AdminTargetPrefix)
	code, status := "", http.StatusOK
	if err != nil {
		we := toWire(opName, err)
		code, status = we.Type, we.Status
		if status >= 500 {
			h.Logger.ErrorContext(ctx, "request failed", "request_id", licensor.RequestIDFromContext(ctx), "target", target, "err", err)
		}
		writeError(w, we)
	} else {
		body, merr := json.Marshal(resp)
		if merr != nil {
			we := toWire(opName, merr)
			code, status = we.Type, we.Status
			writeError(w, we)
		} else {
			w.Header().Set("Content-Type", contentType)
			w.Write(body)
		}
	}
	attrs := []any{
		"request_id", licensor.RequestIDFromContext(ctx),
		"target", target,
		"status", status,
		"code", code,
		"duration_ms", float64(time.Since(start).Microseconds()) / 1000,
	}
	if principal != nil {
		attrs = append(attrs, "account", principal.AccountID, "access_key", principal.AccessKeyID)
	}
	h.Logger.InfoContext(ctx, "api", attrs...)
}

func (h *Handler) serve(ctx context.Context, r *http.Request, target string, principal **licensor.Principal) (any, error) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, protoError("RequestEntityTooLargeException", fmt.Sprintf("The request body is larger than %d bytes.", MaxBodyBytes))
		}
		return nil, protoError("SerializationException", "The request body could not be read.")
	}
	akid, err := h.Verifier.Verify(ctx, r, body)
	if err != nil {
		return nil, err
	}
	_, p, err := h.Auth.LookupAccessKey(ctx, akid)
	if err != nil {
		return nil, err
	}
	*principal = p
	fn, ok := h.ops[target]
	if !ok {
		if target == "" {
			return nil, protoError("UnknownOperationException", "The request has no X-Amz-Target header.")
		}
		return nil, protoError("UnknownOperationException", fmt.Sprintf("Operation %q is not supported.", target))
	}
	return fn(licensor.NewContextWithPrincipal(ctx, p), body)
}

// required records members the model marks required that a request left
// out, so the caller hears about all of them at once.
type required struct{ missing []string }

// present notes name as missing unless ok, and returns ok.
func (r *required) present(name string, ok bool) bool {
	if !ok {
		r.missing = append(r.missing, name)
	}
	return ok
}

func (r *required) err() error {
	if len(r.missing) == 0 {
		return nil
	}
	return licensor.Errorf(licensor.EINVALID, "%d validation error(s) detected: %s is required.", len(r.missing), strings.Join(r.missing, ", "))
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func joinSorted(s []string) string {
	slices.Sort(s)
	return strings.Join(s, ", ")
}
