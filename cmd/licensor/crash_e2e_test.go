package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
)

// serveProcess runs `licensor serve` as a child process on a free
// loopback port and returns its URL once it is healthy.
func serveProcess(t *testing.T, bin, data string) (*exec.Cmd, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve", "--listen", addr, "--data", data, "--log-level", "warn")
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LICENSOR_ROOT_ACCESS_KEY_ID=" + testRootKey, "LICENSOR_ROOT_SECRET_ACCESS_KEY=" + testRootSecret}
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	url := "http://" + addr
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if code, _ := httpGetNoFail(url + "/healthz"); code == 200 {
			return cmd, url
		}
	}
	t.Fatal("server did not become healthy")
	return nil, ""
}

// TestCrashDuringCheckouts kills the server with SIGKILL in the middle of a
// checkout load, restarts it on the same data, and shows that every
// acknowledged checkout survived and that nothing is counted twice: each
// ClientToken sent before the crash, retried after it, is either replayed
// (it was committed) or consumed now, exactly once.
func TestCrashDuringCheckouts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "licensor")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	srv, url := serveProcess(t, bin, data)
	s := &testServer{t: t, URL: url, Data: data}
	acct := s.createAccount("Vendor")
	lm := s.sdk(acct)
	_, fp := seatsLicense(t, lm, "CRASH", 1_000_000)

	type attempt struct {
		clientToken string
		acked       string // LicenseConsumptionToken, "" if never acknowledged
	}
	var mu sync.Mutex
	var attempts []*attempt
	stop := make(chan struct{})
	var wg sync.WaitGroup
	checkoutReq := func(token string) *licensemanager.CheckoutLicenseInput {
		return &licensemanager.CheckoutLicenseInput{
			ProductSKU: aws.String("CRASH"), CheckoutType: types.CheckoutTypeProvisional, KeyFingerprint: aws.String(fp),
			Entitlements: []types.EntitlementData{{Name: aws.String("Seats"), Unit: types.EntitlementDataUnitCount, Value: aws.String("1")}},
			ClientToken:  aws.String(token), Beneficiary: aws.String("customer-1"),
		}
	}
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				a := &attempt{clientToken: fmt.Sprintf("w%d-%d", w, i)}
				mu.Lock()
				attempts = append(attempts, a)
				mu.Unlock()
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				out, err := lm.CheckoutLicense(ctx, checkoutReq(a.clientToken))
				cancel()
				if err != nil {
					return // the server is gone
				}
				mu.Lock()
				a.acked = aws.ToString(out.LicenseConsumptionToken)
				mu.Unlock()
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	srv.Process.Signal(syscall.SIGKILL)
	srv.Wait()
	close(stop)
	wg.Wait()

	acked := 0
	for _, a := range attempts {
		if a.acked != "" {
			acked++
		}
	}
	if acked < 50 {
		t.Fatalf("only %d checkouts acknowledged before the kill; the load did not run", acked)
	}

	_, url = serveProcess(t, bin, data)
	lm = sdkClient(url, "us-east-1", acct.AccessKeyId, acct.SecretAccessKey)
	for _, a := range attempts {
		out, err := lm.CheckoutLicense(context.Background(), checkoutReq(a.clientToken))
		if err != nil {
			t.Fatalf("retry %s: %v", a.clientToken, err)
		}
		if a.acked != "" && aws.ToString(out.LicenseConsumptionToken) != a.acked {
			t.Fatalf("acknowledged checkout %s lost: retry answered %s, first answer was %s", a.clientToken, aws.ToString(out.LicenseConsumptionToken), a.acked)
		}
	}
	arn := ""
	list, err := lm.ListLicenses(context.Background(), &licensemanager.ListLicensesInput{})
	if err != nil || len(list.Licenses) != 1 {
		t.Fatalf("list: %v", err)
	}
	arn = aws.ToString(list.Licenses[0].LicenseArn)
	usage, err := lm.GetLicenseUsage(context.Background(), &licensemanager.GetLicenseUsageInput{LicenseArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	got := aws.ToString(usage.LicenseUsage.EntitlementUsages[0].ConsumedValue)
	if got != strconv.Itoa(len(attempts)) {
		t.Fatalf("ConsumedValue = %s after retrying all %d attempts (%d acknowledged before the kill): something was lost or counted twice", got, len(attempts), acked)
	}
	t.Logf("%d checkouts acknowledged before SIGKILL, %d attempted; all present once after restart", acked, len(attempts))
}

func httpGetNoFail(url string) (int, error) {
	resp, err := httpClient.Get(url)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
