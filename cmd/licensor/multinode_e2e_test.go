package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
	"github.com/jackc/pgx/v5"
)

// freshDatabase creates an empty database on the server of
// LICENSOR_TEST_POSTGRES and returns its URL; the test is skipped when the
// variable is unset.
func freshDatabase(t *testing.T) string {
	t.Helper()
	base := os.Getenv("LICENSOR_TEST_POSTGRES")
	if base == "" {
		t.Skip("LICENSOR_TEST_POSTGRES is not set")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect %s: %v", base, err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("licensor_e2e_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err == nil {
			c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(context.Background())
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// startNode runs `licensor serve --db` as a child process on a free port.
func startNode(t *testing.T, bin, db, masterKey string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve", "--listen", addr, "--data", t.TempDir(), "--db", db, "--log-level", "warn", "--job-interval", "250ms")
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LICENSOR_MASTER_KEY=" + masterKey,
		"LICENSOR_ROOT_ACCESS_KEY_ID=" + testRootKey, "LICENSOR_ROOT_SECRET_ACCESS_KEY=" + testRootSecret}
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	u := "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if code, _ := httpGetNoFail(u + "/healthz"); code == 200 {
			return u
		}
	}
	t.Fatal("node did not become healthy")
	return ""
}

// TestManyNodesOneDatabase runs three licensor nodes on one PostgreSQL
// database and races 300 checkouts for 10 seats across them: exactly 10 are
// granted. A ClientToken retried on another node is answered, not
// consumed again, and any node verifies any access key.
func TestManyNodesOneDatabase(t *testing.T) {
	db := freshDatabase(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "licensor")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	key := make([]byte, 32)
	rand.Read(key)
	master := base64.StdEncoding.EncodeToString(key)
	var nodes []string
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ { // started together: they race to migrate and bootstrap
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := startNode(t, bin, db, master)
			mu.Lock()
			nodes = append(nodes, u)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(nodes) != 3 {
		t.Fatalf("%d nodes started", len(nodes))
	}

	s := &testServer{t: t, URL: nodes[0]}
	acct := s.createAccount("Vendor")
	clients := make([]*licensemanager.Client, len(nodes))
	for i, n := range nodes {
		clients[i] = sdkClient(n, "us-east-1", acct.AccessKeyId, acct.SecretAccessKey)
	}
	arn, fp := seatsLicense(t, clients[1], "MULTI", 10)

	req := func(token string) *licensemanager.CheckoutLicenseInput {
		return &licensemanager.CheckoutLicenseInput{
			ProductSKU: aws.String("MULTI"), CheckoutType: types.CheckoutTypeProvisional, KeyFingerprint: aws.String(fp),
			Entitlements: []types.EntitlementData{{Name: aws.String("Seats"), Unit: types.EntitlementDataUnitCount, Value: aws.String("1")}},
			ClientToken:  aws.String(token), Beneficiary: aws.String("customer-1"),
		}
	}
	granted := map[string]string{}
	refused := 0
	for i := 0; i < 300; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			token := fmt.Sprint("race-", i)
			out, err := clients[i%3].CheckoutLicense(context.Background(), req(token))
			var nea *types.NoEntitlementsAllowedException
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				granted[token] = aws.ToString(out.LicenseConsumptionToken)
			case errors.As(err, &nea):
				refused++
			default:
				t.Errorf("checkout on node %d: %v", i%3, err)
			}
		}()
	}
	wg.Wait()
	if len(granted) != 10 || refused != 290 {
		t.Fatalf("granted %d, refused %d across 3 nodes; want 10 and 290", len(granted), refused)
	}
	// Idempotency across nodes: each granted token retried on every node.
	for token, lct := range granted {
		for i, c := range clients {
			out, err := c.CheckoutLicense(context.Background(), req(token))
			if err != nil || aws.ToString(out.LicenseConsumptionToken) != lct {
				t.Fatalf("retry of %s on node %d = %v, %v; want %s", token, i, out, err, lct)
			}
		}
	}
	for i, c := range clients {
		usage, err := c.GetLicenseUsage(context.Background(), &licensemanager.GetLicenseUsageInput{LicenseArn: aws.String(arn)})
		if err != nil || aws.ToString(usage.LicenseUsage.EntitlementUsages[0].ConsumedValue) != "10" {
			t.Fatalf("usage on node %d: %v %v", i, usage, err)
		}
	}
	// A check-in on one node frees a seat for a checkout on another.
	for _, lct := range granted {
		if _, err := clients[2].CheckInLicense(context.Background(), &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: aws.String(lct)}); err != nil {
			t.Fatal(err)
		}
		break
	}
	if _, err := clients[0].CheckoutLicense(context.Background(), req("after-checkin")); err != nil {
		t.Fatalf("checkout after a check-in on another node: %v", err)
	}
	if !strings.HasPrefix(arn, "arn:aws:license-manager::") {
		t.Fatal(arn)
	}
}
