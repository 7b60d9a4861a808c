package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"

	"github.com/licensorhq/licensor/client"
)

const (
	testRootKey    = "LKIATESTROOT00000001"
	testRootSecret = "test-root-secret-0123456789abcdefghijklmn"
)

// testServer is a real licensor server on a loopback port, wired exactly
// as `licensor serve` wires it.
type testServer struct {
	t    *testing.T
	app  *app
	URL  string
	Data string
}

func startServer(t *testing.T) *testServer {
	t.Helper()
	data := filepath.Join(t.TempDir(), "data")
	getenv := func(k string) string {
		switch k {
		case "LICENSOR_ROOT_ACCESS_KEY_ID":
			return testRootKey
		case "LICENSOR_ROOT_SECRET_ACCESS_KEY":
			return testRootSecret
		}
		return ""
	}
	logger, _ := newLogger(io.Discard, "text", "info")
	a := &app{Config: serveConfig{Listen: "127.0.0.1:0", Data: data, Region: "us-east-1", JobInterval: time.Hour}, Logger: logger, Getenv: getenv}
	if err := a.Open(context.Background()); err != nil {
		t.Fatalf("open server: %v", err)
	}
	t.Cleanup(func() { a.Close(context.Background()) })
	return &testServer{t: t, app: a, URL: a.URL(), Data: data}
}

// rootClient calls the administrative API as the operator.
func (s *testServer) rootClient() *client.Client {
	return &client.Client{Endpoint: s.URL, Region: "us-east-1", AccessKeyID: testRootKey, SecretAccessKey: testRootSecret}
}

type testAccount struct {
	AccountId, AccessKeyId, SecretAccessKey string
}

func (s *testServer) createAccount(name string) testAccount {
	s.t.Helper()
	var a testAccount
	if err := s.rootClient().Call(context.Background(), "Licensor.CreateAccount", map[string]string{"Name": name}, &a); err != nil {
		s.t.Fatalf("create account: %v", err)
	}
	return a
}

// sdk returns the official AWS SDK client signed with the account's keys.
func (s *testServer) sdk(a testAccount) *licensemanager.Client {
	return sdkClient(s.URL, "us-east-1", a.AccessKeyId, a.SecretAccessKey)
}

func sdkClient(url, region, id, secret string) *licensemanager.Client {
	return licensemanager.New(licensemanager.Options{
		Region:       region,
		BaseEndpoint: aws.String(url),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, Source: "test"}, nil
		}),
		RetryMaxAttempts: 1,
	})
}

// awsCLI runs Debian's /usr/bin/aws against the server and returns its
// output and exit code; the test is skipped when the CLI is missing.
func (s *testServer) awsCLI(a testAccount, args ...string) (map[string]any, string, int) {
	s.t.Helper()
	bin := "/usr/bin/aws"
	if _, err := exec.LookPath(bin); err != nil {
		s.t.Skip("Debian's awscli is not installed (apt-get install awscli; .ci/run does)")
	}
	cmd := exec.Command(bin, append([]string{"--endpoint-url", s.URL, "--output", "json"}, args...)...)
	cmd.Env = []string{
		"AWS_ACCESS_KEY_ID=" + a.AccessKeyId, "AWS_SECRET_ACCESS_KEY=" + a.SecretAccessKey,
		"AWS_DEFAULT_REGION=us-east-1", "HOME=" + s.t.TempDir(), "AWS_PAGER=", "PATH=/usr/bin:/bin",
	}
	out, err := cmd.Output()
	code := 0
	stderr := ""
	if ee, ok := err.(*exec.ExitError); ok {
		code, stderr = ee.ExitCode(), string(ee.Stderr)
	} else if err != nil {
		s.t.Fatalf("aws: %v", err)
	}
	var v map[string]any
	if len(out) > 0 {
		if err := json.Unmarshal(out, &v); err != nil {
			s.t.Fatalf("aws output %q: %v", out, err)
		}
	}
	return v, stderr, code
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var httpClient = &http.Client{Timeout: 2 * time.Second}

// serverOptions changes how startServerWith wires a test server; the zero
// value is what startServer does.
type serverOptions struct {
	Log      io.Writer          // where the server logs (default io.Discard)
	LogLevel string             // default info
	Config   func(*serveConfig) // changes the configuration before Open
}

// startServerWith is startServer with a log writer, a log level or extra
// configuration (e.g. PKCS11).
func startServerWith(t *testing.T, o serverOptions) *testServer {
	t.Helper()
	data := filepath.Join(t.TempDir(), "data")
	getenv := func(k string) string {
		switch k {
		case "LICENSOR_ROOT_ACCESS_KEY_ID":
			return testRootKey
		case "LICENSOR_ROOT_SECRET_ACCESS_KEY":
			return testRootSecret
		}
		return ""
	}
	w, level := o.Log, o.LogLevel
	if w == nil {
		w = io.Discard
	}
	if level == "" {
		level = "info"
	}
	logger, err := newLogger(w, "text", level)
	if err != nil {
		t.Fatal(err)
	}
	cfg := serveConfig{Listen: "127.0.0.1:0", Data: data, Region: "us-east-1", JobInterval: time.Hour, LogLevel: level}
	if o.Config != nil {
		o.Config(&cfg)
	}
	a := &app{Config: cfg, Logger: logger, Getenv: getenv}
	if err := a.Open(context.Background()); err != nil {
		a.Close(context.Background())
		t.Fatalf("open server: %v", err)
	}
	t.Cleanup(func() { a.Close(context.Background()) })
	return &testServer{t: t, app: a, URL: a.URL(), Data: data}
}
