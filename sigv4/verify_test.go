package sigv4

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

var signTime = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)

// getLicenseRequest returns a server-side GetLicense request signed at when by
// the SDK signer with the headers the licensemanager client sends.
func getLicenseRequest(tb testing.TB, secret string, when time.Time) (*http.Request, []byte) {
	tb.Helper()
	body := []byte(`{"LicenseArn":"` + testARN + `"}`)
	c, err := http.NewRequest("POST", "https://license-manager.us-east-1.amazonaws.com/", bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	c.Header.Set("Content-Type", "application/x-amz-json-1.1")
	c.Header.Set("X-Amz-Target", "AWSLicenseManager.GetLicense")
	c.Header.Set("Amz-Sdk-Invocation-Id", "9b1c8a3e-2f4d-4e6a-8b7c-0d1e2f3a4b5c")
	c.Header.Set("Amz-Sdk-Request", "attempt=1; max=3")
	c.Header.Set("User-Agent", "aws-sdk-go-v2/1.47.7 ua/2.1 os/linux lang/go#1.26 md/GOOS#linux api/licensemanager#1.38.0")
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, c, hex.EncodeToString(sum[:]), testService, testRegion, when); err != nil {
		tb.Fatal(err)
	}
	r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
	r.Host = c.Host
	if r.Host == "" {
		r.Host = c.URL.Host
	}
	r.Header = c.Header.Clone()
	r.Header.Set("Content-Length", fmt.Sprint(len(body)))
	return r, body
}

func TestGetLicenseRequestVerifies(t *testing.T) {
	v := testVerifier()
	v.Now = fixedClock(signTime)
	r, body := getLicenseRequest(t, testSecret, signTime)
	if !strings.Contains(r.Header.Get("Authorization"), "content-length;content-type;host") {
		t.Fatalf("content-length not signed: %s", r.Header.Get("Authorization"))
	}
	if id, err := v.Verify(context.Background(), r, body); err != nil || id != testKeyID {
		t.Fatalf("Verify = %q, %v", id, err)
	}
	// The signed Content-Length must be the one received.
	r.Header.Set("Content-Length", "1")
	if _, err := v.Verify(context.Background(), r, body); KindOf(err) != KindInvalidSignature {
		t.Fatalf("altered content-length: %v", err)
	}
}

func TestClockSkew(t *testing.T) {
	tests := []struct {
		offset  time.Duration // server clock minus request time
		maxSkew time.Duration
		want    string // "" for accepted
	}{
		{0, 0, ""},
		{4*time.Minute + 59*time.Second, 0, ""},
		{-4*time.Minute - 59*time.Second, 0, ""},
		{5 * time.Minute, 0, ""},
		{-5 * time.Minute, 0, ""},
		{5*time.Minute + time.Second, 0,
			"Signature expired: 20130524T000000Z is now earlier than 20130524T000001Z (20130524T000501Z - 5 min.)"},
		{10 * time.Minute, 0,
			"Signature expired: 20130524T000000Z is now earlier than 20130524T000500Z (20130524T001000Z - 5 min.)"},
		{-5*time.Minute - time.Second, 0,
			"Signature not yet current: 20130524T000000Z is still later than 20130523T235959Z (20130523T235459Z + 5 min.)"},
		{14 * time.Minute, 15 * time.Minute, ""},
		{16 * time.Minute, 15 * time.Minute,
			"Signature expired: 20130524T000000Z is now earlier than 20130524T000100Z (20130524T001600Z - 15 min.)"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.offset, "/", tt.maxSkew), func(t *testing.T) {
			v := testVerifier()
			v.Now, v.MaxSkew = fixedClock(signTime.Add(tt.offset)), tt.maxSkew
			r, body := getLicenseRequest(t, testSecret, signTime)
			_, err := v.Verify(context.Background(), r, body)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Kind != KindSignatureExpired || e.Message != tt.want {
				t.Fatalf("Verify error %#v\nwant SignatureExpired %q", err, tt.want)
			}
			if e.AWSType() != "InvalidSignatureException" || e.HTTPStatus() != 400 {
				t.Errorf("AWSType, HTTPStatus = %s, %d", e.AWSType(), e.HTTPStatus())
			}
		})
	}
}

func TestMalformed(t *testing.T) {
	const (
		cred = "Credential=AKIALICENSOREXAMPLE1/20130524/us-east-1/license-manager/aws4_request"
		sh   = "SignedHeaders=host;x-amz-date"
		sig  = "Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	)
	tests := []struct {
		name   string
		edit   func(r *http.Request)
		kind   Kind
		substr string
	}{
		{"no Authorization", func(r *http.Request) { r.Header.Del("Authorization") },
			KindMissingAuthenticationToken, "Request is missing Authentication Token"},
		{"presigned query", func(r *http.Request) {
			r.Header.Del("Authorization")
			r.URL.RawQuery = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=x&X-Amz-Signature=y"
		}, KindIncompleteSignature, "presigned"},
		{"two Authorization headers", func(r *http.Request) { r.Header.Add("Authorization", "AWS4-HMAC-SHA256 x") },
			KindIncompleteSignature, "more than one Authorization"},
		{"empty", authz(""), KindIncompleteSignature, "empty"},
		{"garbage", authz("\x00\xff\xfe garbage,,,==;"), KindIncompleteSignature, "Unsupported AWS 'algorithm'"},
		{"bearer", authz("Bearer abc.def"), KindIncompleteSignature, "Unsupported AWS 'algorithm': 'Bearer'"},
		{"SHA1 algorithm", authz("AWS4-HMAC-SHA1 " + cred + ", " + sh + ", " + sig), KindIncompleteSignature, "Unsupported"},
		{"SigV4a", authz("AWS4-ECDSA-P256-SHA256 " + cred + ", " + sh + ", " + sig), KindIncompleteSignature, "Unsupported"},
		{"algorithm only", authz("AWS4-HMAC-SHA256"), KindIncompleteSignature,
			"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter."},
		{"no Credential", authz("AWS4-HMAC-SHA256 " + sh + ", " + sig), KindIncompleteSignature, "requires 'Credential' parameter."},
		{"empty Credential", authz("AWS4-HMAC-SHA256 Credential=, " + sh + ", " + sig), KindIncompleteSignature, "requires 'Credential' parameter."},
		{"no SignedHeaders", authz("AWS4-HMAC-SHA256 " + cred + ", " + sig), KindIncompleteSignature, "requires 'SignedHeaders' parameter."},
		{"no Signature", authz("AWS4-HMAC-SHA256 " + cred + ", " + sh), KindIncompleteSignature, "requires 'Signature' parameter."},
		{"pair without =", authz("AWS4-HMAC-SHA256 " + cred + ", " + sh + ", " + sig + ", junk"), KindIncompleteSignature, "'junk' not a valid key=value pair"},
		{"duplicate Signature", authz("AWS4-HMAC-SHA256 " + cred + ", " + sh + ", " + sig + ", " + sig), KindIncompleteSignature, "more than one 'Signature'"},
		{"scope of 4 parts", authz("AWS4-HMAC-SHA256 Credential=AKIALICENSOREXAMPLE1/20130524/us-east-1/license-manager, " + sh + ", " + sig),
			KindIncompleteSignature, "Credential must have exactly 5 slash-delimited elements"},
		{"scope of 6 parts", authz("AWS4-HMAC-SHA256 Credential=AKIALICENSOREXAMPLE1/20130524/us-east-1/license-manager/aws4_request/x, " + sh + ", " + sig),
			KindIncompleteSignature, "Credential must have exactly 5 slash-delimited elements"},
		{"empty access key", authz("AWS4-HMAC-SHA256 Credential=/20130524/us-east-1/license-manager/aws4_request, " + sh + ", " + sig),
			KindIncompleteSignature, "empty access key id"},
		{"bad terminator", authz("AWS4-HMAC-SHA256 Credential=AKIALICENSOREXAMPLE1/20130524/us-east-1/license-manager/aws4_reqest, " + sh + ", " + sig),
			KindIncompleteSignature, "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_reqest'. "},
		{"scope date mismatch", authz("AWS4-HMAC-SHA256 Credential=AKIALICENSOREXAMPLE1/20130523/us-east-1/license-manager/aws4_request, " + sh + ", " + sig),
			KindScopeDateMismatch, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20130523' != '20130524', from '20130524T000000Z'."},
		{"wrong service", authz("AWS4-HMAC-SHA256 Credential=AKIALICENSOREXAMPLE1/20130524/us-east-1/sts/aws4_request, " + sh + ", " + sig),
			KindWrongService, "Credential should be scoped to correct service: 'license-manager'. "},
		{"wrong region", authz("AWS4-HMAC-SHA256 Credential=AKIALICENSOREXAMPLE1/20130524/eu-west-1/license-manager/aws4_request, " + sh + ", " + sig),
			KindWrongRegion, "Credential should be scoped to a valid region, not 'eu-west-1'. "},
		{"host not signed", authz("AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=x-amz-date, " + sig),
			KindIncompleteSignature, "'Host' or ':authority' must be a 'SignedHeader'"},
		{"x-amz-date not signed", authz("AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host, " + sig),
			KindIncompleteSignature, "'x-amz-date' must be a 'SignedHeader'"},
		{"uppercase signed header", authz("AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=Host;x-amz-date, " + sig),
			KindIncompleteSignature, "lowercase header names"},
		{"empty signed header name", authz("AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;;x-amz-date, " + sig),
			KindIncompleteSignature, "lowercase header names"},
		{"no date header", func(r *http.Request) { r.Header.Del("X-Amz-Date") },
			KindIncompleteSignature, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."},
		{"extended X-Amz-Date", func(r *http.Request) { r.Header.Set("X-Amz-Date", "2013-05-24T00:00:00Z") },
			KindIncompleteSignature, "Date must be in ISO-8601 'basic format'. Got '2013-05-24T00:00:00Z'."},
		{"two X-Amz-Date", func(r *http.Request) { r.Header.Add("X-Amz-Date", "20130524T000000Z") },
			KindIncompleteSignature, "more than one X-Amz-Date"},
		{"Date header not signed", func(r *http.Request) {
			r.Header.Del("X-Amz-Date")
			r.Header.Set("Date", "Fri, 24 May 2013 00:00:00 GMT")
		}, KindIncompleteSignature, "'date' must be a 'SignedHeader'"},
		{"malformed Date header", func(r *http.Request) {
			r.Header.Del("X-Amz-Date")
			r.Header.Set("Date", "yesterday")
		}, KindIncompleteSignature, "not a valid HTTP date"},
		{"short signature", authz("AWS4-HMAC-SHA256 " + cred + ", " + sh + ", Signature=0123"), KindInvalidSignature, "does not match"},
		{"uppercase hex signature", authz("AWS4-HMAC-SHA256 " + cred + ", " + sh + ", Signature=0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"),
			KindInvalidSignature, "does not match"},
		{"session token", func(r *http.Request) { r.Header.Set("X-Amz-Security-Token", "FQoGZXIvYXdzEXAMPLE") },
			KindUnrecognizedClient, "The security token included in the request is invalid."},
		{"unknown key", authz("AWS4-HMAC-SHA256 Credential=AKIAUNKNOWN/20130524/us-east-1/license-manager/aws4_request, " + sh + ", " + sig),
			KindUnrecognizedClient, "The security token included in the request is invalid."},
		{"wrong signature", authz("AWS4-HMAC-SHA256 " + cred + ", " + sh + ", " + sig), KindInvalidSignature, msgInvalidSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := testVerifier()
			v.Now = fixedClock(signTime)
			r, body := getLicenseRequest(t, testSecret, signTime)
			tt.edit(r)
			id, err := v.Verify(context.Background(), r, body)
			var e *Error
			if !errors.As(err, &e) || e.Kind != tt.kind || !strings.Contains(e.Message, tt.substr) {
				t.Fatalf("Verify = %q, %#v\nwant kind %v with %q", id, err, tt.kind, tt.substr)
			}
			if id != "" {
				t.Errorf("Verify returned id %q with an error", id)
			}
		})
	}
}

func authz(h string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", h) }
}

// TestDateHeaderFallback checks the rules around the Date header; the 2011
// vectors of TestSuiteVectors show that a signed Date header is accepted.
func TestDateHeaderFallback(t *testing.T) {
	i := slices.IndexFunc(suiteVectors, func(v suiteVector) bool { return v.name == "2011/get-vanilla" })
	vec := suiteVectors[i]
	v := suiteVerifier(vec)
	r, body := vec.request()
	// X-Amz-Date wins over Date: it then has to be signed, and is not.
	r.Header.Set("X-Amz-Date", "20110909T233600Z")
	if _, err := v.Verify(context.Background(), r, body); KindOf(err) != KindIncompleteSignature {
		t.Errorf("with X-Amz-Date as well: %v", err)
	}
	// The Date header in another accepted format is another canonical value.
	r, body = vec.request()
	r.Header.Set("Date", "Monday, 09-Sep-11 23:36:00 GMT")
	if _, err := v.Verify(context.Background(), r, body); KindOf(err) != KindInvalidSignature {
		t.Errorf("RFC 850 date: %v", err)
	}
}

func TestCredentialErrors(t *testing.T) {
	r, body := getLicenseRequest(t, testSecret, signTime)
	boom := errors.New("database is down")
	v := testVerifier()
	v.Now = fixedClock(signTime)
	v.Credentials = func(context.Context, string) (string, error) { return "", boom }
	if _, err := v.Verify(context.Background(), r, body); !errors.Is(err, boom) || KindOf(err) != 0 {
		t.Errorf("store failure: %v", err)
	}
	v.Credentials = func(context.Context, string) (string, error) { return "", fmt.Errorf("key %w", ErrUnknownKey) }
	if _, err := v.Verify(context.Background(), r, body); KindOf(err) != KindUnrecognizedClient {
		t.Errorf("wrapped ErrUnknownKey: %v", err)
	}
	v.Credentials = func(context.Context, string) (string, error) { return "", nil }
	if _, err := v.Verify(context.Background(), r, body); KindOf(err) != KindUnrecognizedClient {
		t.Errorf("empty secret: %v", err)
	}
	if _, err := (&Verifier{Service: testService, Region: testRegion}).Verify(context.Background(), r, body); err == nil || KindOf(err) != 0 {
		t.Errorf("no Credentials: %v", err)
	}
}

func TestKinds(t *testing.T) {
	tests := []struct {
		kind    Kind
		awsType string
		status  int
	}{
		{KindMissingAuthenticationToken, "MissingAuthenticationTokenException", 403},
		{KindIncompleteSignature, "IncompleteSignatureException", 400},
		{KindUnrecognizedClient, "UnrecognizedClientException", 400},
		{KindInvalidSignature, "InvalidSignatureException", 400},
		{KindSignatureExpired, "InvalidSignatureException", 400},
		{KindWrongRegion, "InvalidSignatureException", 400},
		{KindWrongService, "InvalidSignatureException", 400},
		{KindScopeDateMismatch, "InvalidSignatureException", 400},
		{0, "", 500},
		{99, "", 500},
	}
	for _, tt := range tests {
		if got := tt.kind.AWSType(); got != tt.awsType {
			t.Errorf("%v.AWSType() = %q; want %q", tt.kind, got, tt.awsType)
		}
		if got := tt.kind.HTTPStatus(); got != tt.status {
			t.Errorf("%v.HTTPStatus() = %d; want %d", tt.kind, got, tt.status)
		}
		if tt.awsType != "" && tt.kind.String() == "Unknown" {
			t.Errorf("Kind(%d) has no name", tt.kind)
		}
	}
	if KindOf(nil) != 0 || KindOf(fmt.Errorf("x: %w", newError(KindWrongRegion, "m"))) != KindWrongRegion {
		t.Error("KindOf")
	}
}

func TestKeyCache(t *testing.T) {
	c := NewKeyCache(2)
	k1 := c.key("s1", "20130524", "us-east-1", "svc")
	if k1 != deriveKey("s1", "20130524", "us-east-1", "svc") {
		t.Fatal("cached key differs from derived key")
	}
	c.key("s2", "20130524", "us-east-1", "svc")
	c.key("s3", "20130524", "us-east-1", "svc")
	if c.Len() != 2 {
		t.Fatalf("Len = %d; want 2 (bounded)", c.Len())
	}
	if _, ok := c.entries[keyCacheKey{"s1", "20130524", "us-east-1", "svc"}]; ok {
		t.Error("oldest entry not evicted")
	}
	if c.key("s2", "20130525", "us-east-1", "svc") == c.key("s2", "20130524", "us-east-1", "svc") {
		t.Error("same key for two dates")
	}

	// Concurrent use (run with -race).
	c = NewKeyCache(8)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				secret := fmt.Sprint("s", (g+i)%12)
				if c.key(secret, "20130524", "r", "s") != deriveKey(secret, "20130524", "r", "s") {
					t.Error("wrong key under concurrency")
					return
				}
			}
		}()
	}
	wg.Wait()
	if c.Len() > 8 {
		t.Errorf("Len = %d > 8", c.Len())
	}
}

func TestNormalizePath(t *testing.T) {
	for in, want := range map[string]string{
		"/": "/", "": "/", "//": "/", "/./": "/", "/a/..": "/", "/a/b/../..": "/", "/./a": "/a",
		"//a//": "/a/", "/a/b/..": "/a", "/../a": "/a", "a/b": "/a/b", "/a/./b/../c//d/": "/a/c/d/",
	} {
		if got := normalizePath(in); got != want {
			t.Errorf("normalizePath(%q) = %q; want %q", in, got, want)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	r, body := getLicenseRequest(b, testSecret, signTime)
	for _, cached := range []bool{true, false} {
		b.Run(map[bool]string{true: "cached-key", false: "derive-key"}[cached], func(b *testing.B) {
			v := testVerifier()
			v.Now = fixedClock(signTime)
			if !cached {
				v.Keys = nil
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(ctx, r, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestHMACKey32(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 600 {
		var key [32]byte
		for i := range key {
			key[i] = byte(rng.Uint32())
		}
		msg := make([]byte, n)
		for i := range msg {
			msg[i] = byte(rng.Uint32())
		}
		h := hmac.New(sha256.New, key[:])
		h.Write(msg)
		if got := hmacKey32(&key, msg); !bytes.Equal(got[:], h.Sum(nil)) {
			t.Fatalf("hmacKey32 differs from crypto/hmac for a %d-byte message", n)
		}
	}
}
