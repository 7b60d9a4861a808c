package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"

	"github.com/licensorhq/licensor/sigv4"
)

type rawResponse struct {
	Status    int
	ErrorType string
	Body      map[string]any
}

// rawCall sends a JSON 1.1 request; sign may alter it before it is signed
// (or sign it itself and return true to skip the default signing).
func rawCall(t *testing.T, url, target, body string, prepare func(r *http.Request) (signed bool), id, secret, region string, now time.Time) rawResponse {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	signed := false
	if prepare != nil {
		signed = prepare(req)
	}
	if !signed {
		if err := sigv4.Sign(context.Background(), req, []byte(body), id, secret, region, "license-manager", now); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(data, &m)
	return rawResponse{Status: resp.StatusCode, ErrorType: resp.Header.Get("X-Amzn-Errortype"), Body: m}
}

func TestAuthenticationErrors(t *testing.T) {
	s := startServer(t)
	acct := s.createAccount("Seller")
	now := time.Now()
	get := `{"LicenseArn":"arn:aws:license-manager::123456789012:license:l-00000000000000000000000000000000"}`
	const target = "AWSLicenseManager.ListLicenses"
	for _, tc := range []struct {
		name       string
		id, secret string
		region     string
		when       time.Time
		prepare    func(r *http.Request) bool
		body       string
		wantType   string
		wantStatus int
	}{
		{name: "valid", id: acct.AccessKeyId, secret: acct.SecretAccessKey, region: "us-east-1", when: now, wantStatus: 200},
		{name: "no authorization", prepare: func(r *http.Request) bool { return true }, wantType: "MissingAuthenticationTokenException", wantStatus: 403},
		{name: "unknown key", id: "LKIAUNKNOWN000000000", secret: "x", region: "us-east-1", when: now, wantType: "UnrecognizedClientException", wantStatus: 400},
		{name: "wrong secret", id: acct.AccessKeyId, secret: "wrong", region: "us-east-1", when: now, wantType: "InvalidSignatureException", wantStatus: 400},
		{name: "wrong region", id: acct.AccessKeyId, secret: acct.SecretAccessKey, region: "eu-west-1", when: now, wantType: "InvalidSignatureException", wantStatus: 400},
		{name: "too old", id: acct.AccessKeyId, secret: acct.SecretAccessKey, region: "us-east-1", when: now.Add(-6 * time.Minute), wantType: "InvalidSignatureException", wantStatus: 400},
		{name: "too new", id: acct.AccessKeyId, secret: acct.SecretAccessKey, region: "us-east-1", when: now.Add(6 * time.Minute), wantType: "InvalidSignatureException", wantStatus: 400},
		{name: "malformed authorization", prepare: func(r *http.Request) bool {
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=abc")
			r.Header.Set("X-Amz-Date", now.UTC().Format("20060102T150405Z"))
			return true
		}, wantType: "IncompleteSignatureException", wantStatus: 400},
		{name: "body changed after signing", id: acct.AccessKeyId, secret: acct.SecretAccessKey, region: "us-east-1", when: now, prepare: func(r *http.Request) bool {
			r.Body = io.NopCloser(strings.NewReader(`{"MaxResults":5}`))
			return false
		}, wantType: "InvalidSignatureException", wantStatus: 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := "{}"
			var prepare func(*http.Request) bool
			if tc.prepare != nil {
				prepare = tc.prepare
			}
			if tc.name == "body changed after signing" {
				// Sign the original body, then swap it.
				req, _ := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/x-amz-json-1.1")
				req.Header.Set("X-Amz-Target", target)
				sigv4.Sign(context.Background(), req, []byte(body), tc.id, tc.secret, tc.region, "license-manager", tc.when)
				req.Body = io.NopCloser(strings.NewReader(`{"MaxResults":50}`))
				req.ContentLength = int64(len(`{"MaxResults":50}`))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != tc.wantStatus || resp.Header.Get("X-Amzn-Errortype") != tc.wantType {
					t.Fatalf("got %d %s", resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"))
				}
				return
			}
			r := rawCall(t, s.URL, target, body, prepare, tc.id, tc.secret, tc.region, tc.when)
			if r.Status != tc.wantStatus || r.ErrorType != tc.wantType {
				t.Fatalf("got %d %q %v, want %d %q", r.Status, r.ErrorType, r.Body, tc.wantStatus, tc.wantType)
			}
			if tc.wantType != "" && (r.Body["__type"] != tc.wantType || r.Body["message"] == "") {
				t.Fatalf("body %v", r.Body)
			}
		})
	}
	_ = get

	// The SDK sees the typed errors too.
	bad := sdkClient(s.URL, "us-east-1", acct.AccessKeyId, "wrong-secret")
	_, err := bad.ListLicenses(context.Background(), &licensemanager.ListLicensesInput{})
	if awsErrorCode(err) != "InvalidSignatureException" {
		t.Fatalf("SDK with wrong secret: %v", err)
	}
}

func TestProtocolErrors(t *testing.T) {
	s := startServer(t)
	acct := s.createAccount("Seller")
	call := func(target, body string) rawResponse {
		return rawCall(t, s.URL, target, body, nil, acct.AccessKeyId, acct.SecretAccessKey, "us-east-1", time.Now())
	}
	for _, tc := range []struct {
		name, target, body, want string
	}{
		{"unknown target", "AWSLicenseManager.DoSomething", "{}", "UnknownOperationException"},
		{"no target", "", "{}", "UnknownOperationException"},
		{"other service", "DynamoDB_20120810.ListTables", "{}", "UnknownOperationException"},
		{"malformed JSON", "AWSLicenseManager.ListLicenses", "{not json", "SerializationException"},
		{"JSON array", "AWSLicenseManager.ListLicenses", "[1,2]", "SerializationException"},
		{"wrong type", "AWSLicenseManager.ListLicenses", `{"MaxResults":"ten"}`, "SerializationException"},
		{"trailing data", "AWSLicenseManager.ListLicenses", `{} {}`, "SerializationException"},
		{"admin op by non-root", "Licensor.CreateAccount", `{"Name":"x"}`, "AccessDeniedException"},
	} {
		r := call(tc.target, tc.body)
		if r.ErrorType != tc.want || r.Body["__type"] != tc.want || r.Status < 400 || r.Status >= 500 {
			t.Errorf("%s: got %d %q %v, want %s", tc.name, r.Status, r.ErrorType, r.Body, tc.want)
		}
	}
	big := `{"LicenseName":"` + strings.Repeat("x", 2<<20) + `"}`
	if r := call("AWSLicenseManager.CreateLicense", big); r.Status != 413 {
		t.Errorf("oversized body: %d %s", r.Status, r.ErrorType)
	}
	if code, body := httpGet(t, s.URL+"/healthz"); code != 200 || !strings.Contains(body, "ok") {
		t.Fatalf("healthz = %d %q", code, body)
	}
}

// TestValidation sends requests that break each kind of constraint; every
// one must be a 400-class error naming the field, and nothing is written.
func TestValidation(t *testing.T) {
	s := startServer(t)
	acct := s.createAccount("Seller")
	lm := s.sdk(acct)
	ctx := context.Background()
	call := func(body string) rawResponse {
		return rawCall(t, s.URL, "AWSLicenseManager.CreateLicense", body, nil, acct.AccessKeyId, acct.SecretAccessKey, "us-east-1", time.Now())
	}
	good := map[string]any{
		"LicenseName": "L", "ProductName": "P", "ProductSKU": "S", "Issuer": map[string]any{"Name": "I"},
		"HomeRegion": "us-east-1", "Validity": map[string]any{"Begin": "2026-01-01T00:00:00Z"},
		"Entitlements": []any{map[string]any{"Name": "Seats", "Unit": "Count", "MaxCount": 10}},
		"Beneficiary":  "b", "ConsumptionConfiguration": map[string]any{}, "ClientToken": "t",
	}
	for _, tc := range []struct {
		field string
		mut   func(m map[string]any)
	}{
		{"LicenseName", func(m map[string]any) { delete(m, "LicenseName") }},
		{"ProductSKU", func(m map[string]any) { m["ProductSKU"] = "" }},
		{"Issuer", func(m map[string]any) { delete(m, "Issuer") }},
		{"Issuer.Name", func(m map[string]any) { m["Issuer"] = map[string]any{} }},
		{"HomeRegion", func(m map[string]any) { m["HomeRegion"] = "mars" }},
		{"Validity.Begin", func(m map[string]any) { m["Validity"] = map[string]any{"Begin": "yesterday"} }},
		{"Validity.End", func(m map[string]any) {
			m["Validity"] = map[string]any{"Begin": "2026-01-01T00:00:00Z", "End": "2025-01-01T00:00:00Z"}
		}},
		{"Validity.Begin", func(m map[string]any) { m["Validity"] = map[string]any{"Begin": "2026-01-01T00:00:00"} }},
		{"Entitlements", func(m map[string]any) { m["Entitlements"] = []any{} }},
		{"Unit", func(m map[string]any) {
			m["Entitlements"] = []any{map[string]any{"Name": "x", "Unit": "Parsecs", "MaxCount": 1}}
		}},
		{"MaxCount", func(m map[string]any) { m["Entitlements"] = []any{map[string]any{"Name": "x", "Unit": "Count"}} }},
		{"MaxCount", func(m map[string]any) {
			m["Entitlements"] = []any{map[string]any{"Name": "x", "Unit": "Count", "MaxCount": -1}}
		}},
		{"MaxCount", func(m map[string]any) {
			m["Entitlements"] = []any{map[string]any{"Name": "x", "Unit": "None", "MaxCount": 1}}
		}},
		{"duplicate entitlement name", func(m map[string]any) {
			e := map[string]any{"Name": "x", "Unit": "Count", "MaxCount": 1}
			m["Entitlements"] = []any{e, e}
		}},
		{"RenewType", func(m map[string]any) { m["ConsumptionConfiguration"] = map[string]any{"RenewType": "Daily"} }},
		{"MaxTimeToLiveInMinutes", func(m map[string]any) {
			m["ConsumptionConfiguration"] = map[string]any{"ProvisionalConfiguration": map[string]any{"MaxTimeToLiveInMinutes": 0}}
		}},
		{"AllowEarlyCheckIn", func(m map[string]any) {
			m["ConsumptionConfiguration"] = map[string]any{"BorrowConfiguration": map[string]any{"MaxTimeToLiveInMinutes": 5}}
		}},
		{"ClientToken", func(m map[string]any) { m["ClientToken"] = "has space" }},
		{"ClientToken", func(m map[string]any) { m["ClientToken"] = strings.Repeat("a", 2049) }},
		{"Tags", func(m map[string]any) { m["Tags"] = []any{map[string]any{"Value": "v"}} }},
	} {
		m := map[string]any{}
		b, _ := json.Marshal(good)
		json.Unmarshal(b, &m)
		tc.mut(m)
		b, _ = json.Marshal(m)
		r := call(string(b))
		msg, _ := r.Body["message"].(string)
		if r.Status != 400 || (r.ErrorType != "ValidationException" && r.ErrorType != "InvalidParameterValueException") || !strings.Contains(msg, strings.Split(tc.field, " ")[0]) {
			t.Errorf("%s: got %d %s %q", tc.field, r.Status, r.ErrorType, msg)
		}
	}
	if out, _ := lm.ListLicenses(ctx, &licensemanager.ListLicensesInput{}); len(out.Licenses) != 0 {
		t.Fatalf("invalid requests wrote %d licenses", len(out.Licenses))
	}
	b, _ := json.Marshal(good)
	if r := call(string(b)); r.Status != 200 {
		t.Fatalf("the valid request failed: %d %v", r.Status, r.Body)
	}
	// CreateLicenseVersion with a status that only DeleteLicense may set.
	out, _ := lm.ListLicenses(ctx, &licensemanager.ListLicensesInput{})
	arn := aws.ToString(out.Licenses[0].LicenseArn)
	v := map[string]any{}
	json.Unmarshal(b, &v)
	delete(v, "ProductSKU")
	delete(v, "Beneficiary")
	v["LicenseArn"], v["Status"], v["ClientToken"] = arn, "DELETED", "v2"
	vb, _ := json.Marshal(v)
	r := rawCall(t, s.URL, "AWSLicenseManager.CreateLicenseVersion", string(vb), nil, acct.AccessKeyId, acct.SecretAccessKey, "us-east-1", time.Now())
	if r.Status != 400 || r.ErrorType != "ValidationException" {
		t.Fatalf("Status DELETED via new version: %d %v", r.Status, r.Body)
	}
	_ = bytes.MinRead
}
