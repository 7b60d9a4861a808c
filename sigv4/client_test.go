package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/smithy-go"
)

const (
	testKeyID   = "AKIALICENSOREXAMPLE1"
	testSecret  = "licensor/secret+EXAMPLE/0123456789abcdefghij"
	testRegion  = "us-east-1"
	testService = "license-manager"
	testARN     = "arn:aws:license-manager::111122223333:license:l-0123456789abcdef0123456789abcdef"
)

// verification is what the test server saw of one request.
type verification struct {
	id            string
	err           error
	signedHeaders string
}

// verifyServer is an HTTP server whose handler runs Verify on every request
// and answers like an AWS JSON 1.1 service.
type verifyServer struct {
	*httptest.Server
	mu   sync.Mutex
	seen []verification
}

func newVerifyServer(t *testing.T, v *Verifier) *verifyServer {
	t.Helper()
	s := &verifyServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		id, err := v.Verify(r.Context(), r, body)
		rec := verification{id: id, err: err}
		if a, perr := parseAuthorization(r.Header.Get("Authorization")); perr == nil {
			rec.signedHeaders = a.signedHeaders
		}
		s.mu.Lock()
		s.seen = append(s.seen, rec)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		var e *Error
		switch {
		case err == nil:
			w.Header().Set("X-Test-Key", id)
			io.WriteString(w, "{}")
		case errors.As(err, &e):
			w.Header().Set("X-Test-Kind", e.Kind.String())
			w.WriteHeader(e.HTTPStatus())
			json.NewEncoder(w).Encode(map[string]string{"__type": e.AWSType(), "message": e.Message})
		default:
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"__type":"InternalFailure","message":"internal error"}`)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// take returns and forgets what the server has seen.
func (s *verifyServer) take() []verification {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := s.seen
	s.seen = nil
	return seen
}

func testVerifier() *Verifier {
	return &Verifier{
		Service:     testService,
		Region:      testRegion,
		Credentials: staticCredentials(map[string]string{testKeyID: testSecret}),
		Keys:        NewKeyCache(16),
	}
}

// TestLicenseManagerClient sends GetLicense with the official SDK client.
func TestLicenseManagerClient(t *testing.T) {
	srv := newVerifyServer(t, testVerifier())
	tests := []struct {
		name, keyID, secret, region string
		wantKind                    Kind
		wantType, wantMsg           string
	}{
		{"right secret", testKeyID, testSecret, testRegion, 0, "", ""},
		{"wrong secret", testKeyID, testSecret + "x", testRegion, KindInvalidSignature, "InvalidSignatureException", msgInvalidSignature},
		{"unknown key", "AKIAUNKNOWNEXAMPLE00", testSecret, testRegion, KindUnrecognizedClient, "UnrecognizedClientException",
			"The security token included in the request is invalid."},
		{"wrong region", testKeyID, testSecret, "eu-west-1", KindWrongRegion, "InvalidSignatureException",
			"Credential should be scoped to a valid region, not 'eu-west-1'. "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := licensemanager.New(licensemanager.Options{
				Region:           tt.region,
				BaseEndpoint:     aws.String(srv.URL),
				RetryMaxAttempts: 1,
				Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
					return aws.Credentials{AccessKeyID: tt.keyID, SecretAccessKey: tt.secret}, nil
				}),
			})
			_, err := client.GetLicense(context.Background(), &licensemanager.GetLicenseInput{LicenseArn: aws.String(testARN)})
			seen := srv.take()
			if len(seen) != 1 {
				t.Fatalf("server saw %d requests; want 1", len(seen))
			}
			got := seen[0]
			if tt.wantKind == 0 {
				if err != nil || got.err != nil || got.id != testKeyID {
					t.Fatalf("GetLicense error %v; Verify = %q, %v", err, got.id, got.err)
				}
				const sdkSigned = "amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-date;x-amz-target"
				if got.signedHeaders != sdkSigned {
					t.Errorf("SDK signed %q; want %q", got.signedHeaders, sdkSigned)
				}
				return
			}
			if KindOf(got.err) != tt.wantKind {
				t.Fatalf("Verify error %v (kind %v); want kind %v", got.err, KindOf(got.err), tt.wantKind)
			}
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tt.wantType || apiErr.ErrorMessage() != tt.wantMsg {
				t.Fatalf("GetLicense error %v; want API error %s: %q", err, tt.wantType, tt.wantMsg)
			}
		})
	}
}

// TestSignOverHTTP signs random requests with Sign (byte-identical to the
// SDK's signer, see TestSignMatchesSDK), sends them over HTTP and expects
// Verify to accept each, and to reject it when one byte of the body sent
// differs from the body signed.
func TestSignOverHTTP(t *testing.T) {
	srv := newVerifyServer(t, testVerifier())
	rng := rand.New(rand.NewPCG(20150830, 123600))
	const pathChars = "abcXYZ019-._~ $&+=:@%ሴ"
	const valueChars = "abc XYZ 019-_.~!\"#$%&'()*+,/:;<=>?@[\\]^`{|}  \t"
	randString := func(chars string, n int) string {
		r := []rune(chars)
		var b strings.Builder
		for range n {
			b.WriteRune(r[rng.IntN(len(r))])
		}
		return b.String()
	}
	ctx := context.Background()
	for i := range 200 {
		method := []string{"GET", "POST", "PUT", "DELETE"}[rng.IntN(4)]
		var path string
		for range 1 + rng.IntN(3) {
			path += "/" + randString(pathChars, rng.IntN(6))
		}
		query := url.Values{}
		for range rng.IntN(4) {
			query.Add(randString(pathChars, 1+rng.IntN(4)), randString(pathChars, rng.IntN(4)))
		}
		u := url.URL{Scheme: "http", Host: strings.TrimPrefix(srv.URL, "http://"), Path: path, RawQuery: query.Encode()}
		header := http.Header{}
		for j := range rng.IntN(4) {
			for range 1 + rng.IntN(2) {
				header.Add(fmt.Sprintf("X-Test-%d", j), randString(valueChars, rng.IntN(12)))
			}
		}
		body := []byte(randString(valueChars, rng.IntN(64)))

		for _, corrupt := range []bool{false, true} {
			req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, vs := range header {
				req.Header[k] = append([]string(nil), vs...)
			}
			if err := Sign(ctx, req, body, testKeyID, testSecret, testRegion, testService, time.Now()); err != nil {
				t.Fatal(err)
			}
			if corrupt {
				sent := append([]byte(nil), body...)
				if len(sent) == 0 {
					req.Body, req.ContentLength = io.NopCloser(strings.NewReader("x")), 1
					req.Header.Set("Content-Length", "1") // unsigned: the SDK signs content-length only when > 0
				} else {
					sent[rng.IntN(len(sent))] ^= 0x40
					req.Body = io.NopCloser(bytes.NewReader(sent))
				}
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			seen := srv.take()
			if len(seen) != 1 {
				t.Fatalf("#%d: server saw %d requests", i, len(seen))
			}
			if !corrupt && seen[0].err != nil {
				t.Errorf("#%d %s %s headers %q: Verify: %v", i, method, u.RequestURI(), header, seen[0].err)
			}
			if corrupt && KindOf(seen[0].err) != KindInvalidSignature {
				t.Errorf("#%d %s %s corrupted body: Verify error %v; want InvalidSignature", i, method, u.RequestURI(), seen[0].err)
			}
		}
	}
}

// cliSignedHeaders is what Debian's awscli 2.9.19 signs on a JSON 1.1 call.
const cliSignedHeaders = "content-type;host;x-amz-date;x-amz-target"

// TestCLIStyleSignature builds a GetLicense request the way awscli signs it
// (no content-length among the signed headers) with the SDK signer, and
// sends it with its Content-Length.
func TestCLIStyleSignature(t *testing.T) {
	srv := newVerifyServer(t, testVerifier())
	body := []byte(`{"LicenseArn": "` + testARN + `"}`)
	for _, secret := range []string{testSecret, testSecret + "x"} {
		req, err := http.NewRequest("POST", srv.URL+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "AWSLicenseManager.GetLicense")
		req.Header.Set("User-Agent", "aws-cli/2.9.19 Python/3.11.2 Linux/6 source/x86_64.debian.12 prompt/off command/license-manager.get-license")
		sum := sha256.Sum256(body)
		// ContentLength 0 while signing keeps content-length out of the signature.
		creds := aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: secret}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), testService, testRegion, time.Now()); err != nil {
			t.Fatal(err)
		}
		req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		seen := srv.take()
		if len(seen) != 1 || seen[0].signedHeaders != cliSignedHeaders {
			t.Fatalf("seen %+v; want one request signing %s", seen, cliSignedHeaders)
		}
		if secret == testSecret && (seen[0].err != nil || seen[0].id != testKeyID) {
			t.Errorf("right secret: Verify = %q, %v", seen[0].id, seen[0].err)
		}
		if secret != testSecret && KindOf(seen[0].err) != KindInvalidSignature {
			t.Errorf("wrong secret: Verify error %v; want InvalidSignature", seen[0].err)
		}
	}
}

// TestAWSCLI runs Debian's awscli (botocore) against the verifying server.
func TestAWSCLI(t *testing.T) {
	const cli = "/usr/bin/aws"
	if _, err := os.Stat(cli); err != nil {
		t.Skip("no " + cli)
	}
	srv := newVerifyServer(t, testVerifier())
	run := func(secret string) verification {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		home := t.TempDir()
		cmd := exec.CommandContext(ctx, cli, "--endpoint-url", srv.URL, "license-manager", "get-license", "--license-arn", testARN)
		cmd.Env = []string{
			"PATH=/usr/bin:/bin", "HOME=" + home,
			"AWS_ACCESS_KEY_ID=" + testKeyID, "AWS_SECRET_ACCESS_KEY=" + secret, "AWS_DEFAULT_REGION=" + testRegion,
			"AWS_CONFIG_FILE=" + filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"),
			"AWS_MAX_ATTEMPTS=1", "AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true",
		}
		out, err := cmd.CombinedOutput()
		seen := srv.take()
		if len(seen) != 1 {
			t.Fatalf("aws: %v\n%s\nserver saw %d requests; want 1", err, out, len(seen))
		}
		if (seen[0].err == nil) != (err == nil) {
			t.Errorf("aws exit %v, output %s; Verify error %v", err, out, seen[0].err)
		}
		return seen[0]
	}
	if got := run(testSecret); got.err != nil || got.id != testKeyID {
		t.Errorf("right secret: Verify = %q, %v", got.id, got.err)
	} else if got.signedHeaders != cliSignedHeaders {
		t.Errorf("awscli signed %q; want %q", got.signedHeaders, cliSignedHeaders)
	}
	if got := run(testSecret + "x"); KindOf(got.err) != KindInvalidSignature {
		t.Errorf("wrong secret: Verify error %v; want InvalidSignature", got.err)
	}
}

// botocoreSigner signs the requests given as JSON on stdin with botocore's
// SigV4Auth, as vendored by Debian's awscli, and prints their headers.
const botocoreSigner = `
import json, sys
import awscli
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
out = []
for q in json.load(sys.stdin):
    req = AWSRequest(method=q["method"], url=q["url"], data=q["body"].encode(), headers=q["headers"])
    SigV4Auth(Credentials(q["key"], q["secret"]), q["service"], q["region"]).add_auth(req)
    out.append(dict(req.headers.items()))
json.dump(out, sys.stdout)
`

// TestBotocoreOracle signs requests with botocore, whose canonicalization
// differs from the Go SDK's: it removes dot segments from the path and folds
// all white space in header values.
func TestBotocoreOracle(t *testing.T) {
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import awscli, botocore.auth").Run(); err != nil {
		t.Skip("no botocore from awscli: ", err)
	}
	srv := newVerifyServer(t, testVerifier())
	type request struct {
		Method  string            `json:"method"`
		URL     string            `json:"url"`
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body"`
		Key     string            `json:"key"`
		Secret  string            `json:"secret"`
		Service string            `json:"service"`
		Region  string            `json:"region"`
	}
	reqs := []request{
		{Method: "POST", URL: srv.URL + "/", Body: `{"LicenseArn":"` + testARN + `"}`,
			Headers: map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSLicenseManager.GetLicense"}},
		{Method: "GET", URL: srv.URL + "/a/./b/../c//d/", Headers: map[string]string{"X-Tabbed": "a\tb  c"}},
		{Method: "GET", URL: srv.URL + "/x%20y/..//z?b=2&a=1&a=0", Headers: map[string]string{"X-Spaced": "  p   q  "}},
	}
	for i := range reqs {
		reqs[i].Key, reqs[i].Secret, reqs[i].Service, reqs[i].Region = testKeyID, testSecret, testService, testRegion
	}
	in, _ := json.Marshal(reqs)
	cmd := exec.Command(python, "-c", botocoreSigner)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("botocore: %v", err)
	}
	var signed []map[string]string
	if err := json.Unmarshal(out, &signed); err != nil || len(signed) != len(reqs) {
		t.Fatalf("botocore output %s: %v", out, err)
	}
	for i, q := range reqs {
		req, err := http.NewRequest(q.Method, q.URL, strings.NewReader(q.Body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range signed[i] {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		seen := srv.take()
		if len(seen) != 1 || seen[0].err != nil {
			t.Errorf("%s %s signed by botocore (%s): seen %+v", q.Method, q.URL, signed[i]["Authorization"], seen)
		}
	}
}
