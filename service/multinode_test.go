package service_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/licensorhq/licensor"
	"github.com/licensorhq/licensor/internal/pgtest"
	"github.com/licensorhq/licensor/internal/testutil"
	"github.com/licensorhq/licensor/seal"
	"github.com/licensorhq/licensor/service"
	"github.com/licensorhq/licensor/store/postgres"
)

// TestSweepersOnManyNodes: three services (three nodes) on one PostgreSQL
// database, one fake clock. After the TTL, all three sweep at once; every
// expired checkout's units come back exactly once, and the purge of a
// deleted license happens once.
func TestSweepersOnManyNodes(t *testing.T) {
	u := pgtest.Schema(t)
	clock := testutil.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	box, _ := seal.New(make([]byte, 32), nil)
	var nodes []*service.Service
	for i := 0; i < 3; i++ {
		db, err := postgres.Open(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		svc := service.New(db, box, "us-east-1")
		svc.Now = clock.Now
		nodes = append(nodes, svc)
	}
	if _, err := nodes[0].Bootstrap(context.Background(), "", ""); err != nil {
		t.Fatal(err)
	}
	root := licensor.NewContextWithPrincipal(context.Background(), &licensor.Principal{AccountID: licensor.RootAccountID})
	acct, _, err := nodes[1].CreateAccount(root, "Vendor")
	if err != nil {
		t.Fatal(err)
	}
	ctx := licensor.NewContextWithPrincipal(context.Background(), &licensor.Principal{AccountID: acct.ID})
	l := seatLicense(t, nodes[2], ctx, "multi", "", licensor.Entitlement{Name: "Seats", Unit: "Count", MaxCount: ptr(int64(30))})
	for i := 0; i < 30; i++ {
		if _, err := checkout(nodes[i%3], ctx, l, licensor.CheckoutProvisional, fmt.Sprint("c", i), seats(1)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := checkout(nodes[0], ctx, l, licensor.CheckoutProvisional, "full", seats(1)); licensor.ErrorCode(err) != licensor.ENOENTITLEMENT {
		t.Fatalf("31st seat: %v", err)
	}
	clock.Advance(61 * time.Minute)
	var wg sync.WaitGroup
	reports := make([]service.SweepReport, 3)
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := n.Sweep(context.Background())
			if err != nil {
				t.Errorf("sweep on node %d: %v", i, err)
			}
			reports[i] = r
		}()
	}
	wg.Wait()
	if total := reports[0].Expired + reports[1].Expired + reports[2].Expired; total != 30 {
		t.Fatalf("expired %d checkouts across nodes (%+v), want exactly 30", total, reports)
	}
	if got := usageOf(t, nodes[1], ctx, l.ARN, "Seats"); got != "0" {
		t.Fatalf("usage after the sweep = %s, want 0", got)
	}
	recs, err := nodes[0].Store.FindUsageRecords(context.Background(), licensor.UsageFilter{LicenseARN: l.ARN, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	expires := 0
	for _, r := range recs {
		if r.Kind == licensor.UsageExpire {
			expires++
		}
	}
	if expires != 30 {
		t.Fatalf("%d EXPIRE records, want 30", expires)
	}
	// Idempotency across nodes: a ClientToken seen by node 0 is answered by node 2.
	a, err := checkout(nodes[0], ctx, l, licensor.CheckoutProvisional, "retry", seats(1))
	if err != nil {
		t.Fatal(err)
	}
	b, err := checkout(nodes[2], ctx, l, licensor.CheckoutProvisional, "retry", seats(1))
	if err != nil || b.ConsumptionToken != a.ConsumptionToken {
		t.Fatalf("retry on another node = %+v, %v", b, err)
	}
	// Purge after six months happens once.
	if _, err := nodes[1].DeleteLicense(ctx, l.ARN, "1"); err != nil {
		t.Fatal(err)
	}
	nodes[0].Sweep(context.Background())
	clock.Advance(licensor.LicenseRetention + time.Hour)
	purged := 0
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := n.Sweep(context.Background())
			if err != nil {
				t.Errorf("sweep on node %d: %v", i, err)
			}
			mu.Lock()
			purged += r.Purged
			mu.Unlock()
		}()
	}
	wg.Wait()
	if purged != 1 {
		t.Fatalf("purged %d times, want once", purged)
	}
}

var mu sync.Mutex
