package awsapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/licensorhq/licensor"
	"github.com/licensorhq/licensor/sigv4"
)

// fakeService records the requests it receives. CreateLicense answers with
// CreateLicenseFn when set; every method the tests do not use fails.
type fakeService struct {
	// The grant and organization APIs are not exercised by these tests;
	// calling one panics on the nil interface.
	licensor.GrantService
	licensor.OrganizationService
	licensor.KeyService

	CreateLicenseFn func(ctx context.Context, in licensor.CreateLicenseInput) (*licensor.License, error)

	calls       int
	principal   *licensor.Principal
	createInput *licensor.CreateLicenseInput
}

var _ licensor.Service = (*fakeService)(nil)

var errUnused = errors.New("fakeService: method not used by this test")

func (s *fakeService) CreateLicense(ctx context.Context, in licensor.CreateLicenseInput) (*licensor.License, error) {
	s.calls++
	s.principal = licensor.PrincipalFromContext(ctx)
	s.createInput = &in
	if s.CreateLicenseFn == nil {
		return nil, errUnused
	}
	return s.CreateLicenseFn(ctx, in)
}

func (s *fakeService) CreateLicenseVersion(context.Context, licensor.CreateLicenseVersionInput) (*licensor.License, error) {
	s.calls++
	return nil, errUnused
}

func (s *fakeService) GetLicense(context.Context, string, string) (*licensor.License, error) {
	s.calls++
	return nil, errUnused
}

func (s *fakeService) ListLicenses(context.Context, licensor.LicenseFilter, string) ([]*licensor.License, string, error) {
	s.calls++
	return nil, "", errUnused
}

func (s *fakeService) ListLicenseVersions(context.Context, string, string, int) ([]*licensor.License, string, error) {
	s.calls++
	return nil, "", errUnused
}

func (s *fakeService) DeleteLicense(context.Context, string, string) (*licensor.DeleteLicenseResult, error) {
	s.calls++
	return nil, errUnused
}

func (s *fakeService) CreateAccount(context.Context, string) (*licensor.Account, *licensor.AccessKey, error) {
	s.calls++
	return nil, nil, errUnused
}

func (s *fakeService) ListAccounts(context.Context, licensor.AccountFilter) ([]*licensor.Account, string, error) {
	s.calls++
	return nil, "", errUnused
}

func (s *fakeService) CreateAccessKey(context.Context, string) (*licensor.AccessKey, error) {
	s.calls++
	return nil, errUnused
}

func (s *fakeService) ListAccessKeys(context.Context, string) ([]*licensor.AccessKey, error) {
	s.calls++
	return nil, errUnused
}

func (s *fakeService) UpdateAccessKey(context.Context, string, licensor.AccessKeyStatus) (*licensor.AccessKey, error) {
	s.calls++
	return nil, errUnused
}

func (s *fakeService) DeleteAccessKey(context.Context, string) error {
	s.calls++
	return errUnused
}

func (s *fakeService) CheckoutLicense(context.Context, licensor.CheckoutInput) (*licensor.CheckoutResult, error) {
	s.calls++
	return nil, errUnused
}

func (s *fakeService) CheckoutBorrowLicense(context.Context, licensor.BorrowInput) (*licensor.CheckoutResult, error) {
	s.calls++
	return nil, errUnused
}

func (s *fakeService) CheckInLicense(context.Context, string, string) error {
	s.calls++
	return errUnused
}

func (s *fakeService) ExtendLicenseConsumption(context.Context, string, bool) (*licensor.ExtendResult, error) {
	s.calls++
	return nil, errUnused
}

func (s *fakeService) GetLicenseUsage(context.Context, string) (*licensor.LicenseUsage, error) {
	s.calls++
	return nil, errUnused
}

// fakeVerifier accepts every request as signed by AccessKeyID, unless Err.
type fakeVerifier struct {
	AccessKeyID string
	Err         error
	body        []byte
}

func (v *fakeVerifier) Verify(_ context.Context, _ *http.Request, body []byte) (string, error) {
	v.body = body
	return v.AccessKeyID, v.Err
}

// fakeAuth knows one access key.
type fakeAuth struct{}

const testAccessKey = "AKIDTESTTESTTEST"

var testPrincipal = &licensor.Principal{AccountID: "123456789012", AccessKeyID: testAccessKey}

func (fakeAuth) LookupAccessKey(_ context.Context, id string) (string, *licensor.Principal, error) {
	if id != testAccessKey {
		return "", nil, licensor.Errorf(licensor.EUNAUTHENTICATED, "The security token included in the request is invalid.")
	}
	p := *testPrincipal
	return "secret", &p, nil
}

func newTestHandler(svc *fakeService) (*Handler, *fakeVerifier) {
	v := &fakeVerifier{AccessKeyID: testAccessKey}
	return NewHandler(svc, fakeAuth{}, v, nil), v
}

func serve(t testing.TB, h http.Handler, target string, body io.Reader) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/", body)
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if target != "" {
		r.Header.Set("X-Amz-Target", target)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// assertWireError checks status, shape, header and body agree.
func assertWireError(t testing.TB, w *httptest.ResponseRecorder, status int, shape, msg string) {
	t.Helper()
	if w.Code != status {
		t.Errorf("status = %d, want %d (body %s)", w.Code, status, w.Body)
	}
	var body struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("error body %q: %v", w.Body, err)
	}
	if body.Type != shape {
		t.Errorf("__type = %q, want %q", body.Type, shape)
	}
	if got := w.Header().Get("X-Amzn-ErrorType"); got != body.Type {
		t.Errorf("X-Amzn-ErrorType = %q, body __type = %q", got, body.Type)
	}
	if got := w.Header().Get("Content-Type"); got != contentType {
		t.Errorf("Content-Type = %q", got)
	}
	if msg != "" && body.Message != msg {
		t.Errorf("message = %q, want %q", body.Message, msg)
	}
}

func TestDecode(t *testing.T) {
	type nested struct {
		Outer struct {
			Inner []struct {
				N int64 `json:"N"`
			} `json:"Inner"`
		} `json:"Outer"`
	}
	for _, tt := range []struct {
		name string
		into func() any
		body string
		want string // "" ok; otherwise the SerializationException message
	}{
		{"empty body", func() any { return &getLicenseRequest{} }, "", ""},
		{"whitespace body", func() any { return &getLicenseRequest{} }, " \r\n\t", ""},
		{"empty object", func() any { return &getLicenseRequest{} }, "{}", ""},
		{"padded object", func() any { return &getLicenseRequest{} }, "\n {} \n", ""},
		{"members", func() any { return &getLicenseRequest{} }, `{"LicenseArn":"arn:x","Version":"2"}`, ""},
		{"unknown member ignored", func() any { return &getLicenseRequest{} }, `{"Unknown":[1,{"a":null}]}`, ""},
		{"null member", func() any { return &getLicenseRequest{} }, `{"LicenseArn":null}`, ""},
		{"nested ok", func() any { return &nested{} }, `{"Outer":{"Inner":[{"N":1}]}}`, ""},

		{"truncated", func() any { return &getLicenseRequest{} }, `{"LicenseArn":`, "The request body is not a valid JSON object."},
		{"open brace", func() any { return &getLicenseRequest{} }, `{`, "The request body is not a valid JSON object."},
		{"array", func() any { return &getLicenseRequest{} }, `[]`, "The request body is not a valid JSON object."},
		{"array of objects", func() any { return &getLicenseRequest{} }, `[{}]`, "The request body is not a valid JSON object."},
		{"string", func() any { return &getLicenseRequest{} }, `"x"`, "The request body is not a valid JSON object."},
		{"number", func() any { return &getLicenseRequest{} }, `42`, "The request body is not a valid JSON object."},
		{"not JSON", func() any { return &getLicenseRequest{} }, `LicenseArn=x`, "The request body is not a valid JSON object."},
		{"single quotes", func() any { return &getLicenseRequest{} }, `{'LicenseArn':'x'}`, "The request body is not a valid JSON object."},
		{"trailing comma", func() any { return &getLicenseRequest{} }, `{"LicenseArn":"x",}`, "The request body is not a valid JSON object."},
		{"two objects", func() any { return &getLicenseRequest{} }, `{} {}`, "The request body has data after the JSON object."},
		{"trailing garbage", func() any { return &getLicenseRequest{} }, `{}x`, "The request body has data after the JSON object."},
		{"trailing brace", func() any { return &getLicenseRequest{} }, `{}}`, "The request body has data after the JSON object."},
		{"trailing bracket", func() any { return &getLicenseRequest{} }, `{}]`, "The request body has data after the JSON object."},
		{"trailing number", func() any { return &getLicenseRequest{} }, `{} 1`, "The request body has data after the JSON object."},

		{"string member gets bool", func() any { return &getLicenseRequest{} }, `{"LicenseArn":true}`, "Member LicenseArn has the wrong type: expected string, got bool."},
		{"string member gets object", func() any { return &getLicenseRequest{} }, `{"Version":{}}`, "Member Version has the wrong type: expected string, got object."},
		{"int32 member gets string", func() any { return &listLicensesRequest{} }, `{"MaxResults":"10"}`, "Member MaxResults has the wrong type: expected integer, got string."},
		{"int32 member overflows", func() any { return &listLicensesRequest{} }, `{"MaxResults":3000000000}`, "Member MaxResults has the wrong type: expected integer, got number 3000000000."},
		{"int32 member gets fraction", func() any { return &listLicensesRequest{} }, `{"MaxResults":1.5}`, "Member MaxResults has the wrong type: expected integer, got number 1.5."},
		{"nested list member", func() any { return &nested{} }, `{"Outer":{"Inner":[{"N":"1"}]}}`, "Member Outer.Inner.N has the wrong type: expected integer, got string."},
		{"CreateLicense ProductSKU", func() any { return &createLicenseRequest{} }, `{"ProductSKU":5}`, "Member ProductSKU has the wrong type: expected string, got number."},
		{"CreateLicense Tags[].Key", func() any { return &createLicenseRequest{} }, `{"Tags":[{"Key":1}]}`, "Member Tags.Key has the wrong type: expected string, got number."},
		// Members of the embedded wireLicenseFields are named as on the wire.
		{"CreateLicense LicenseName", func() any { return &createLicenseRequest{} }, `{"LicenseName":5}`, "Member LicenseName has the wrong type: expected string, got number."},
		{"CreateLicense Issuer.Name", func() any { return &createLicenseRequest{} }, `{"Issuer":{"Name":true}}`, "Member Issuer.Name has the wrong type: expected string, got bool."},
		{"CreateLicense Entitlements[].MaxCount", func() any { return &createLicenseRequest{} }, `{"Entitlements":[{"MaxCount":"5"}]}`, "Member Entitlements.MaxCount has the wrong type: expected integer, got string."},
		{"CreateLicenseVersion ClientToken", func() any { return &createLicenseVersionRequest{} }, `{"ClientToken":1}`, "Member ClientToken has the wrong type: expected string, got number."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := decode([]byte(tt.body), tt.into())
			if tt.want == "" {
				if err != nil {
					t.Fatalf("decode(%q): %v", tt.body, err)
				}
				return
			}
			var we *wireError
			if !errors.As(err, &we) {
				t.Fatalf("decode(%q) = %v, want a SerializationException", tt.body, err)
			}
			if we.Type != "SerializationException" || we.Status != 400 {
				t.Errorf("decode(%q) = %s %d, want SerializationException 400", tt.body, we.Type, we.Status)
			}
			if we.Message != tt.want {
				t.Errorf("decode(%q) message = %q, want %q", tt.body, we.Message, tt.want)
			}
		})
	}
}

// TestDecodeTypeErrorsHideGoTypes checks that a member of the wrong type is
// named in the message without Go package or struct names.
func TestDecodeTypeErrorsHideGoTypes(t *testing.T) {
	for _, tt := range []struct{ body, member string }{
		{`{"Tags":{}}`, "Tags"},
		{`{"Issuer":"Acme"}`, "Issuer"},
		{`{"Validity":[]}`, "Validity"},
		{`{"Entitlements":[1]}`, "Entitlements"},
		{`{"ConsumptionConfiguration":{"BorrowConfiguration":7}}`, "ConsumptionConfiguration.BorrowConfiguration"},
	} {
		t.Run(tt.body, func(t *testing.T) {
			err := decode([]byte(tt.body), &createLicenseRequest{})
			var we *wireError
			if !errors.As(err, &we) || we.Type != "SerializationException" {
				t.Fatalf("decode(%q) = %v", tt.body, err)
			}
			if !strings.HasPrefix(we.Message, "Member "+tt.member+" has the wrong type") {
				t.Errorf("message %q does not name member %s", we.Message, tt.member)
			}
			for _, leak := range []string{"awsapi.", "wireLicenseFields"} {
				if strings.Contains(we.Message, leak) {
					t.Errorf("message %q leaks the Go name %q", we.Message, leak)
				}
			}
		})
	}
}

func TestHandlerUnknownOperation(t *testing.T) {
	for _, tt := range []struct{ target, msg string }{
		{"", "The request has no X-Amz-Target header."},
		{"AWSLicenseManager.Nope", `Operation "AWSLicenseManager.Nope" is not supported.`},
		{"AWSLicenseManager.CreateAccount", `Operation "AWSLicenseManager.CreateAccount" is not supported.`},
		{"Licensor.CreateLicense", `Operation "Licensor.CreateLicense" is not supported.`},
		{"awslicensemanager.CreateLicense", `Operation "awslicensemanager.CreateLicense" is not supported.`},
		{"AWSLicenseManager.CreateLicense ", `Operation "AWSLicenseManager.CreateLicense " is not supported.`},
		{"CreateLicense", `Operation "CreateLicense" is not supported.`},
	} {
		t.Run(tt.target, func(t *testing.T) {
			svc := &fakeService{}
			h, _ := newTestHandler(svc)
			w := serve(t, h, tt.target, strings.NewReader("{}"))
			assertWireError(t, w, 400, "UnknownOperationException", tt.msg)
			if svc.calls != 0 {
				t.Errorf("service called %d times", svc.calls)
			}
		})
	}
}

func TestHandlerBodySize(t *testing.T) {
	svc := &fakeService{}
	h, v := newTestHandler(svc)

	w := serve(t, h, TargetPrefix+"GetLicense", strings.NewReader("{}"+strings.Repeat(" ", MaxBodyBytes-1)))
	assertWireError(t, w, 413, "RequestEntityTooLargeException", "The request body is larger than 1048576 bytes.")
	if svc.calls != 0 {
		t.Errorf("service called for an oversized body")
	}

	// Exactly MaxBodyBytes is read whole and reaches the operation.
	body := "{}" + strings.Repeat(" ", MaxBodyBytes-2)
	w = serve(t, h, TargetPrefix+"GetLicense", strings.NewReader(body))
	if w.Code == 413 || svc.calls != 1 {
		t.Fatalf("status %d, calls %d for a body of exactly MaxBodyBytes", w.Code, svc.calls)
	}
	if len(v.body) != MaxBodyBytes {
		t.Errorf("verifier saw %d bytes, want %d", len(v.body), MaxBodyBytes)
	}
}

func TestHandlerAuthentication(t *testing.T) {
	t.Run("verifier error", func(t *testing.T) {
		svc := &fakeService{}
		h, v := newTestHandler(svc)
		v.Err = &sigv4.Error{Kind: sigv4.KindSignatureExpired, Message: "Signature expired."}
		w := serve(t, h, TargetPrefix+"CreateLicense", strings.NewReader("{}"))
		assertWireError(t, w, 400, "InvalidSignatureException", "Signature expired.")
		if svc.calls != 0 {
			t.Error("service called")
		}
	})
	t.Run("verifier error before unknown operation", func(t *testing.T) {
		h, v := newTestHandler(&fakeService{})
		v.Err = &sigv4.Error{Kind: sigv4.KindMissingAuthenticationToken, Message: "Missing Authentication Token"}
		w := serve(t, h, "AWSLicenseManager.Nope", strings.NewReader("{}"))
		assertWireError(t, w, 403, "MissingAuthenticationTokenException", "Missing Authentication Token")
	})
	t.Run("unknown access key", func(t *testing.T) {
		svc := &fakeService{}
		h, v := newTestHandler(svc)
		v.AccessKeyID = "AKIDUNKNOWN"
		w := serve(t, h, TargetPrefix+"CreateLicense", strings.NewReader("{}"))
		assertWireError(t, w, 400, "UnrecognizedClientException", "The security token included in the request is invalid.")
		if svc.calls != 0 {
			t.Error("service called")
		}
	})
	t.Run("verifier internal failure", func(t *testing.T) {
		h, v := newTestHandler(&fakeService{})
		v.Err = errors.New("secrets store: connection refused")
		w := serve(t, h, TargetPrefix+"CreateLicense", strings.NewReader("{}"))
		assertWireError(t, w, 500, "ServerInternalException", "Internal error.")
	})
}

// createLicenseBody is a CreateLicense request with every member set.
const createLicenseBody = `{
	"LicenseName": "Widget Pro",
	"ProductName": "Widget",
	"ProductSKU": "SKU-1",
	"Issuer": {"Name": "Acme", "SignKey": "file:///keys/acme.pem"},
	"HomeRegion": "us-east-1",
	"Validity": {"Begin": "2024-01-01T00:00:00Z", "End": "2025-01-01T00:00:00+01:00"},
	"Entitlements": [
		{"Name": "Seats", "MaxCount": 10, "Overage": false, "Unit": "Count", "AllowCheckIn": true},
		{"Name": "Tier", "Value": "gold", "Unit": "None"},
		{"Name": "Zero", "MaxCount": 0, "Unit": "Bytes/Second"}
	],
	"Beneficiary": "111122223333",
	"ConsumptionConfiguration": {
		"RenewType": "Weekly",
		"ProvisionalConfiguration": {"MaxTimeToLiveInMinutes": 30},
		"BorrowConfiguration": {"AllowEarlyCheckIn": false, "MaxTimeToLiveInMinutes": 0}
	},
	"LicenseMetadata": [{"Name": "edition", "Value": "pro"}, {"Name": "empty", "Value": ""}],
	"ClientToken": "token-1",
	"Tags": [{"Key": "env", "Value": "prod"}]
}`

func ptr[T any](v T) *T { return &v }

func TestHandlerCreateLicense(t *testing.T) {
	const arn = "arn:aws:license-manager::123456789012:license:l-0123456789abcdef0123456789abcdef"
	created := func(ctx context.Context, in licensor.CreateLicenseInput) (*licensor.License, error) {
		return &licensor.License{ARN: arn, Version: 1, Status: licensor.LicenseAvailable}, nil
	}
	for _, tt := range []struct {
		name string
		body string
		want licensor.CreateLicenseInput
	}{
		{"every member", createLicenseBody, licensor.CreateLicenseInput{
			LicenseFields: licensor.LicenseFields{
				Name:        "Widget Pro",
				ProductName: "Widget",
				Issuer:      licensor.Issuer{Name: "Acme", SignKey: "file:///keys/acme.pem"},
				HomeRegion:  "us-east-1",
				Validity:    licensor.DatetimeRange{Begin: "2024-01-01T00:00:00Z", End: "2025-01-01T00:00:00+01:00"},
				Entitlements: []licensor.Entitlement{
					{Name: "Seats", MaxCount: ptr[int64](10), Overage: ptr(false), Unit: "Count", AllowCheckIn: ptr(true)},
					{Name: "Tier", Value: ptr("gold"), Unit: "None"},
					{Name: "Zero", MaxCount: ptr[int64](0), Unit: "Bytes/Second"},
				},
				ConsumptionConfiguration: licensor.ConsumptionConfiguration{
					RenewType:   licensor.RenewWeekly,
					Provisional: &licensor.ProvisionalConfiguration{MaxTimeToLiveInMinutes: 30},
					Borrow:      &licensor.BorrowConfiguration{AllowEarlyCheckIn: false, MaxTimeToLiveInMinutes: 0},
				},
				Metadata: []licensor.Metadata{{Name: "edition", Value: "pro"}, {Name: "empty", Value: ""}},
			},
			ProductSKU:  "SKU-1",
			Beneficiary: "111122223333",
			Tags:        []licensor.Tag{{Key: "env", Value: "prod"}},
			ClientToken: "token-1",
		}},
		{"required members only", `{"Issuer":{},"Validity":{},"ConsumptionConfiguration":{},"Entitlements":[{"Name":"F","Unit":"None"}]}`,
			licensor.CreateLicenseInput{
				LicenseFields: licensor.LicenseFields{
					Entitlements: []licensor.Entitlement{{Name: "F", Unit: "None"}},
				},
			}},
		{"null optional members", `{"Issuer":{"Name":"A","SignKey":null},"Validity":{"Begin":"b","End":null},"ConsumptionConfiguration":{"RenewType":null,"ProvisionalConfiguration":null,"BorrowConfiguration":null},"Entitlements":[{"Name":"F","Value":null,"MaxCount":null,"Overage":null,"Unit":"None","AllowCheckIn":null}],"LicenseMetadata":null,"Tags":null}`,
			licensor.CreateLicenseInput{
				LicenseFields: licensor.LicenseFields{
					Issuer:       licensor.Issuer{Name: "A"},
					Validity:     licensor.DatetimeRange{Begin: "b"},
					Entitlements: []licensor.Entitlement{{Name: "F", Unit: "None"}},
				},
			}},
		{"no entitlements", `{"Issuer":{},"Validity":{},"ConsumptionConfiguration":{}}`,
			licensor.CreateLicenseInput{LicenseFields: licensor.LicenseFields{Entitlements: []licensor.Entitlement{}}}},
		{"borrow true", `{"Issuer":{},"Validity":{},"ConsumptionConfiguration":{"BorrowConfiguration":{"AllowEarlyCheckIn":true,"MaxTimeToLiveInMinutes":5}}}`,
			licensor.CreateLicenseInput{LicenseFields: licensor.LicenseFields{
				Entitlements:             []licensor.Entitlement{},
				ConsumptionConfiguration: licensor.ConsumptionConfiguration{Borrow: &licensor.BorrowConfiguration{AllowEarlyCheckIn: true, MaxTimeToLiveInMinutes: 5}},
			}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			svc := &fakeService{CreateLicenseFn: created}
			h, _ := newTestHandler(svc)
			w := serve(t, h, TargetPrefix+"CreateLicense", strings.NewReader(tt.body))
			if w.Code != 200 {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			if got, want := w.Body.String(), `{"LicenseArn":"`+arn+`","Status":"AVAILABLE","Version":"1"}`; got != want {
				t.Errorf("body = %s, want %s", got, want)
			}
			if got := w.Header().Get("Content-Type"); got != contentType {
				t.Errorf("Content-Type = %q", got)
			}
			if svc.calls != 1 || svc.createInput == nil {
				t.Fatalf("service calls = %d", svc.calls)
			}
			if !reflect.DeepEqual(*svc.createInput, tt.want) {
				g, _ := json.MarshalIndent(svc.createInput, "", "  ")
				e, _ := json.MarshalIndent(tt.want, "", "  ")
				t.Errorf("domain input:\n%s\nwant:\n%s", g, e)
			}
			if !reflect.DeepEqual(svc.principal, testPrincipal) {
				t.Errorf("principal in context = %+v, want %+v", svc.principal, testPrincipal)
			}
		})
	}
}

func TestHandlerCreateLicenseMissingRequired(t *testing.T) {
	for _, tt := range []struct {
		name, body, msg string
	}{
		{"empty", `{}`, "3 validation error(s) detected: Issuer, Validity, ConsumptionConfiguration is required."},
		{"nulls", `{"Issuer":null,"Validity":null,"ConsumptionConfiguration":null}`, "3 validation error(s) detected: Issuer, Validity, ConsumptionConfiguration is required."},
		{"no Validity", `{"Issuer":{"Name":"A"},"ConsumptionConfiguration":{}}`, "1 validation error(s) detected: Validity is required."},
		{"provisional without TTL", `{"Issuer":{},"Validity":{},"ConsumptionConfiguration":{"ProvisionalConfiguration":{}}}`,
			"1 validation error(s) detected: ConsumptionConfiguration.ProvisionalConfiguration.MaxTimeToLiveInMinutes is required."},
		{"borrow without AllowEarlyCheckIn", `{"Issuer":{},"Validity":{},"ConsumptionConfiguration":{"BorrowConfiguration":{"MaxTimeToLiveInMinutes":5}}}`,
			"1 validation error(s) detected: ConsumptionConfiguration.BorrowConfiguration.AllowEarlyCheckIn is required."},
		{"borrow empty", `{"Issuer":{},"Validity":{},"ConsumptionConfiguration":{"BorrowConfiguration":{}}}`,
			"2 validation error(s) detected: ConsumptionConfiguration.BorrowConfiguration.MaxTimeToLiveInMinutes, ConsumptionConfiguration.BorrowConfiguration.AllowEarlyCheckIn is required."},
		{"all nested missing", `{"Issuer":null,"ConsumptionConfiguration":{"ProvisionalConfiguration":{},"BorrowConfiguration":{"AllowEarlyCheckIn":null}}}`,
			"5 validation error(s) detected: Issuer, Validity, ConsumptionConfiguration.ProvisionalConfiguration.MaxTimeToLiveInMinutes, ConsumptionConfiguration.BorrowConfiguration.MaxTimeToLiveInMinutes, ConsumptionConfiguration.BorrowConfiguration.AllowEarlyCheckIn is required."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			svc := &fakeService{}
			h, _ := newTestHandler(svc)
			w := serve(t, h, TargetPrefix+"CreateLicense", strings.NewReader(tt.body))
			assertWireError(t, w, 400, "ValidationException", tt.msg)
			if svc.calls != 0 {
				t.Errorf("service called with %+v", svc.createInput)
			}
		})
	}
}

func TestHandlerErrors(t *testing.T) {
	for _, tt := range []struct {
		name          string
		body          string
		err           error
		status        int
		shape, msg    string
		notInResponse string
	}{
		{"serialization", `{"LicenseName":`, nil, 400, "SerializationException", "The request body is not a valid JSON object.", ""},
		{"array body", `[]`, nil, 400, "SerializationException", "The request body is not a valid JSON object.", ""},
		{"domain validation", createLicenseBody, licensor.Errorf(licensor.EINVALID, "1 validation error detected: HomeRegion is required."), 400, "ValidationException", "1 validation error detected: HomeRegion is required.", ""},
		{"idempotency conflict", createLicenseBody, licensor.Errorf(licensor.ECONFLICT, "ClientToken reused."), 400, "ValidationException", "ClientToken reused.", ""},
		{"internal", createLicenseBody, licensor.WrapError(licensor.EINTERNAL, errors.New("sqlite: database is locked"), "insert failed"), 500, "ServerInternalException", "Internal error.", "locked"},
		{"plain error", createLicenseBody, errors.New("panic-ish: nil map at store.go:42"), 500, "ServerInternalException", "Internal error.", "store.go"},
		{"unavailable", createLicenseBody, licensor.Errorf(licensor.EUNAVAILABLE, "Try again."), 503, "ServerInternalException", "Try again.", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			svc := &fakeService{CreateLicenseFn: func(context.Context, licensor.CreateLicenseInput) (*licensor.License, error) {
				return nil, tt.err
			}}
			h, _ := newTestHandler(svc)
			w := serve(t, h, TargetPrefix+"CreateLicense", strings.NewReader(tt.body))
			assertWireError(t, w, tt.status, tt.shape, tt.msg)
			if tt.notInResponse != "" && strings.Contains(w.Body.String(), tt.notInResponse) {
				t.Errorf("response leaks %q: %s", tt.notInResponse, w.Body)
			}
		})
	}
}

func FuzzDecodeCreateLicense(f *testing.F) {
	for _, s := range []string{
		createLicenseBody,
		`{}`,
		``,
		`null`,
		`[]`,
		`{"Issuer":{},"Validity":{},"ConsumptionConfiguration":{"BorrowConfiguration":{}}}`,
		`{"Issuer":null,"Entitlements":[{"Name":"a","Unit":"Count","MaxCount":-1},{"Name":"a","Unit":"None","Overage":true}]}`,
		`{"LicenseName":5}`,
		`{"Tags":[{"Key":"a"},{"Key":"a"}],"LicenseMetadata":[{}]}`,
		`{"Validity":{"Begin":"2024-01-01T00:00:00Z","End":"2023-01-01T00:00:00Z"}} {}`,
		`{"ConsumptionConfiguration":{"ProvisionalConfiguration":{"MaxTimeToLiveInMinutes":2147483648}}}`,
	} {
		f.Add([]byte(s))
	}
	svc := &fakeService{CreateLicenseFn: func(_ context.Context, in licensor.CreateLicenseInput) (*licensor.License, error) {
		if err := in.Validate(); err != nil {
			return nil, err
		}
		return &licensor.License{ARN: "arn:aws:license-manager::123456789012:license:l-0", Version: 1, Status: licensor.LicenseAvailable}, nil
	}}
	h, _ := newTestHandler(svc)
	createLicense := h.ops[TargetPrefix+"CreateLicense"]
	ctx := licensor.NewContextWithPrincipal(context.Background(), testPrincipal)
	f.Fuzz(func(t *testing.T, body []byte) {
		resp, err := createLicense(ctx, body)
		if err == nil {
			if resp == nil {
				t.Fatal("nil response without error")
			}
			if _, err := json.Marshal(resp); err != nil {
				t.Fatalf("response does not marshal: %v", err)
			}
			return
		}
		we := toWire("CreateLicense", err)
		if we.Status != 400 || (we.Type != "SerializationException" && we.Type != "ValidationException") {
			t.Fatalf("body %q → %s %d %q, want a 400 SerializationException or ValidationException", body, we.Type, we.Status, we.Message)
		}
		if we.Message == "" {
			t.Fatalf("body %q → %s with an empty message", body, we.Type)
		}
	})
}
