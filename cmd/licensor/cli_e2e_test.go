package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestAWSCLI drives the server with Debian's awscli (botocore), which signs
// differently from the Go SDK and reads errors from the body only.
func TestAWSCLI(t *testing.T) {
	s := startServer(t)
	acct := s.createAccount("CLI Seller")
	out, stderr, code := s.awsCLI(acct, "license-manager", "create-license",
		"--license-name", "CLI License", "--product-name", "Tool", "--product-sku", "CLI-SKU",
		"--issuer", "Name=CLI Issuer", "--home-region", "us-east-1",
		"--validity", "Begin=2026-01-01T00:00:00Z",
		"--entitlements", "Name=Seats,MaxCount=10,Unit=Count,Overage=false",
		"--beneficiary", "someone", "--consumption-configuration", "RenewType=None,ProvisionalConfiguration={MaxTimeToLiveInMinutes=60}",
		"--client-token", "cli-1")
	if code != 0 {
		t.Fatalf("create-license: exit %d: %s", code, stderr)
	}
	arn, _ := out["LicenseArn"].(string)
	if !strings.HasPrefix(arn, "arn:aws:license-manager::"+acct.AccountId+":license:l-") || out["Version"] != "1" {
		t.Fatalf("create-license = %v", out)
	}
	out, stderr, code = s.awsCLI(acct, "license-manager", "get-license", "--license-arn", arn)
	if code != 0 {
		t.Fatalf("get-license: %s", stderr)
	}
	lic := out["License"].(map[string]any)
	if lic["ProductSKU"] != "CLI-SKU" || lic["Issuer"].(map[string]any)["KeyFingerprint"] != "aws:"+acct.AccountId+":CLI Issuer:issuer-fingerprint" {
		t.Fatalf("get-license = %v", lic)
	}
	_, stderr, code = s.awsCLI(acct, "license-manager", "get-license", "--license-arn", "arn:aws:license-manager::"+acct.AccountId+":license:l-0123456789abcdef0123456789abcdef")
	if code == 0 || !strings.Contains(stderr, "InvalidParameterValueException") {
		t.Fatalf("missing license: exit %d: %s", code, stderr)
	}
	bad := acct
	bad.SecretAccessKey = "wrong"
	_, stderr, code = s.awsCLI(bad, "license-manager", "list-licenses")
	if code == 0 || !strings.Contains(stderr, "InvalidSignatureException") {
		t.Fatalf("wrong secret: exit %d: %s", code, stderr)
	}
}

// TestBinary builds the real binary, starts `licensor serve` with generated
// root credentials, and uses `licensor account create` and `access-key` as
// an operator would.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "licensor")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := exec.CommandContext(ctx, bin, "serve", "--listen", "127.0.0.1:0", "--data", data)
	srv.Env = []string{"PATH=/usr/bin:/bin"}
	stderr, _ := srv.StderrPipe()
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Process.Signal(os.Interrupt); srv.Wait() }()
	urlRe := regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+)`)
	sc := bufio.NewScanner(stderr)
	var url string
	var logs []string
	deadline := time.AfterFunc(20*time.Second, cancel)
	for sc.Scan() {
		logs = append(logs, sc.Text())
		if m := urlRe.FindStringSubmatch(sc.Text()); m != nil {
			url = m[1]
			break
		}
	}
	deadline.Stop()
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for sc.Scan() {
			logs = append(logs, sc.Text()) // read only after drained is closed
		}
	}()
	if url == "" {
		t.Fatalf("server did not start:\n%s", strings.Join(logs, "\n"))
	}
	if code, _ := httpGet(t, url+"/healthz"); code != 200 {
		t.Fatalf("healthz %d", code)
	}
	creds := filepath.Join(data, "root-credentials")
	st, err := os.Stat(creds)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("root-credentials: %v %v", st, err)
	}
	if !strings.Contains(strings.Join(logs, "\n"), creds) {
		t.Errorf("the root credentials path is not logged:\n%s", strings.Join(logs, "\n"))
	}
	if rc, _ := os.ReadFile(creds); !strings.Contains(string(rc), "[licensor-root]") || !strings.Contains(string(rc), "aws_secret_access_key = ") {
		t.Fatalf("root-credentials content: %q", rc)
	}
	if st, err := os.Stat(filepath.Join(data, "master.key")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("master.key: %v %v", st, err)
	}
	run := func(args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Env = []string{"AWS_SHARED_CREDENTIALS_FILE=" + creds, "LICENSOR_ENDPOINT=" + url, "HOME=" + dir}
		out, err := cmd.Output()
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), &exitError{ee, string(ee.Stderr)}
		}
		return string(out), err
	}
	out, err := run("account", "create", "--name", "Acme Software", "--profile", "licensor-root")
	if err != nil {
		t.Fatalf("account create: %v", err)
	}
	var acct map[string]string
	if err := json.Unmarshal([]byte(out), &acct); err != nil || len(acct) != 3 || len(acct["AccountId"]) != 12 || acct["AccessKeyId"] == "" || acct["SecretAccessKey"] == "" {
		t.Fatalf("account create printed %q (%v)", out, err)
	}
	if strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Fatalf("account create should print one JSON object on one line: %q", out)
	}
	out, err = run("account", "list", "--profile", "licensor-root")
	if err != nil || !strings.Contains(out, acct["AccountId"]) || !strings.Contains(out, "Acme Software") {
		t.Fatalf("account list: %q %v", out, err)
	}
	out, err = run("access-key", "create", "--account-id", acct["AccountId"], "--profile", "licensor-root")
	if err != nil || !strings.Contains(out, "SecretAccessKey") {
		t.Fatalf("access-key create: %q %v", out, err)
	}
	var created struct{ AccessKey map[string]string }
	json.Unmarshal([]byte(out), &created)
	newKey := created.AccessKey["AccessKeyId"]
	out, err = run("access-key", "list", "--account-id", acct["AccountId"], "--profile", "licensor-root")
	if err != nil || !strings.Contains(out, newKey) || strings.Contains(out, "SecretAccessKey") {
		t.Fatalf("access-key list: %q %v", out, err)
	}
	if out, err = run("access-key", "deactivate", newKey, "--profile", "licensor-root"); err != nil || !strings.Contains(out, "Inactive") {
		t.Fatalf("deactivate: %q %v", out, err)
	}
	// The deactivated key no longer authenticates; the account's first key does.
	lmBad := sdkClient(url, "us-east-1", newKey, created.AccessKey["SecretAccessKey"])
	if _, err := lmBad.ListLicenses(context.Background(), nil); awsErrorCode(err) != "UnrecognizedClientException" {
		t.Fatalf("deactivated key: %v", err)
	}
	if _, err = run("access-key", "delete", newKey, "--profile", "licensor-root"); err != nil {
		t.Fatalf("delete: %v", err)
	}
	// A seller's keys cannot call the administrative API.
	cmd := exec.Command(bin, "account", "create", "--name", "x")
	cmd.Env = []string{"AWS_ACCESS_KEY_ID=" + acct["AccessKeyId"], "AWS_SECRET_ACCESS_KEY=" + acct["SecretAccessKey"], "LICENSOR_ENDPOINT=" + url, "HOME=" + dir}
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "AccessDeniedException") {
		t.Fatalf("seller created an account: %s %v", out, err)
	}
	// No secret ever reaches the log.
	srv.Process.Signal(os.Interrupt)
	<-drained
	if len(logs) < 5 {
		t.Fatalf("expected the access log, got %d lines", len(logs))
	}
	for _, l := range logs {
		if strings.Contains(l, acct["SecretAccessKey"]) || strings.Contains(l, created.AccessKey["SecretAccessKey"]) {
			t.Fatalf("secret in log: %s", l)
		}
	}
}

type exitError struct {
	*exec.ExitError
	stderr string
}

func (e *exitError) Error() string { return e.ExitError.Error() + ": " + e.stderr }
