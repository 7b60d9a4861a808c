// Package bench measures the checkout path of a running licensor server:
// SigV4-signed CheckoutLicense(PROVISIONAL) + CheckInLicense pairs from N
// concurrent clients for a fixed duration, and, as a baseline in the same
// run, the raw store doing one durable transaction of one counter UPDATE
// plus one row INSERT from a single writer.
package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/licensorhq/licensor/client"
)

// Config is one benchmark run.
type Config struct {
	Endpoint string         // server URL
	Root     *client.Client // root credentials, to create the bench account
	Clients  int
	Duration time.Duration
	Warmup   time.Duration
	Pool     int64 // MaxCount of the bench entitlement
}

// Result is what a run measured.
type Result struct {
	Clients    int
	Duration   time.Duration
	Checkouts  int64
	Errors     int64
	PerSecond  float64
	P50, P99   time.Duration // checkout latency
	PairP50    time.Duration // checkout + check-in
	FirstError string
}

func (r Result) String() string {
	s := fmt.Sprintf("clients=%d duration=%s checkouts=%d errors=%d checkouts/s=%.0f checkout p50=%s p99=%s pair p50=%s",
		r.Clients, r.Duration.Round(time.Millisecond), r.Checkouts, r.Errors, r.PerSecond,
		r.P50.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond), r.PairP50.Round(10*time.Microsecond))
	if r.FirstError != "" {
		s += " first_error=" + r.FirstError
	}
	return s
}

// Run creates an account and a license with a large pool, then drives the
// server.
func Run(ctx context.Context, cfg Config) (Result, error) {
	var acct struct{ AccountId, AccessKeyId, SecretAccessKey string }
	if err := cfg.Root.Call(ctx, "Licensor.CreateAccount", map[string]string{"Name": "bench"}, &acct); err != nil {
		return Result{}, fmt.Errorf("create bench account: %w", err)
	}
	transport := &http.Transport{MaxIdleConns: cfg.Clients * 2, MaxIdleConnsPerHost: cfg.Clients * 2, IdleConnTimeout: time.Minute}
	defer transport.CloseIdleConnections()
	c := &client.Client{Endpoint: cfg.Endpoint, Region: cfg.Root.Region, AccessKeyID: acct.AccessKeyId, SecretAccessKey: acct.SecretAccessKey, HTTP: &http.Client{Transport: transport}}
	sku := fmt.Sprintf("BENCH-%d", time.Now().UnixNano())
	var created struct{ LicenseArn string }
	err := c.Call(ctx, "AWSLicenseManager.CreateLicense", map[string]any{
		"LicenseName": "bench", "ProductName": "bench", "ProductSKU": sku,
		"Issuer": map[string]any{"Name": "bench"}, "HomeRegion": cfg.Root.Region,
		"Validity":     map[string]any{"Begin": "2020-01-01T00:00:00Z"},
		"Entitlements": []any{map[string]any{"Name": "Seats", "Unit": "Count", "MaxCount": cfg.Pool, "AllowCheckIn": true}},
		"Beneficiary":  "bench", "ConsumptionConfiguration": map[string]any{"ProvisionalConfiguration": map[string]any{"MaxTimeToLiveInMinutes": 60}},
		"ClientToken": sku,
	}, &created)
	if err != nil {
		return Result{}, fmt.Errorf("create bench license: %w", err)
	}
	fp := "aws:" + acct.AccountId + ":bench:issuer-fingerprint"

	var (
		measuring atomic.Bool
		stop      atomic.Bool
		count     atomic.Int64
		errs      atomic.Int64
		seq       atomic.Int64
		mu        sync.Mutex
		lat, pair []time.Duration
		firstErr  string
	)
	type entitlementData struct{ Name, Unit, Value string }
	type checkoutRequest struct {
		ProductSKU, CheckoutType, KeyFingerprint string
		Entitlements                             []entitlementData
		ClientToken, Beneficiary, NodeId         string
	}
	type checkInRequest struct{ LicenseConsumptionToken string }
	worker := func() {
		ct, err := newConnTransport(cfg.Endpoint)
		if err != nil {
			errs.Add(1)
			return
		}
		defer ct.close()
		c := &client.Client{Endpoint: c.Endpoint, Region: c.Region, AccessKeyID: c.AccessKeyID,
			SecretAccessKey: c.SecretAccessKey, HTTP: &http.Client{Transport: ct}}
		var myLat, myPair []time.Duration
		req := checkoutRequest{
			ProductSKU: sku, CheckoutType: "PROVISIONAL", KeyFingerprint: fp,
			Entitlements: []entitlementData{{Name: "Seats", Unit: "Count", Value: "1"}},
			Beneficiary:  "bench", NodeId: "bench-node",
		}
		for !stop.Load() {
			start := time.Now()
			var out struct{ LicenseConsumptionToken string }
			req.ClientToken = "b-" + strconv.FormatInt(seq.Add(1), 10)
			err := c.Call(ctx, "AWSLicenseManager.CheckoutLicense", &req, &out)
			mid := time.Now()
			if err == nil {
				err = c.Call(ctx, "AWSLicenseManager.CheckInLicense", checkInRequest{out.LicenseConsumptionToken}, nil)
			}
			end := time.Now()
			if !measuring.Load() {
				continue
			}
			if err != nil {
				if errs.Add(1) == 1 {
					mu.Lock()
					firstErr = err.Error()
					mu.Unlock()
				}
				continue
			}
			count.Add(1)
			myLat = append(myLat, mid.Sub(start))
			myPair = append(myPair, end.Sub(start))
		}
		mu.Lock()
		lat = append(lat, myLat...)
		pair = append(pair, myPair...)
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for i := 0; i < cfg.Clients; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); worker() }()
	}
	time.Sleep(cfg.Warmup)
	measuring.Store(true)
	start := time.Now()
	time.Sleep(cfg.Duration)
	measuring.Store(false)
	elapsed := time.Since(start)
	stop.Store(true)
	wg.Wait()

	r := Result{Clients: cfg.Clients, Duration: elapsed, Checkouts: count.Load(), Errors: errs.Load(), FirstError: firstErr}
	r.PerSecond = float64(r.Checkouts) / elapsed.Seconds()
	r.P50, r.P99 = percentile(lat, 0.50), percentile(lat, 0.99)
	r.PairP50 = percentile(pair, 0.50)
	return r, nil
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	i := int(float64(len(d)-1) * p)
	return d[i]
}

// WaitHealthy polls url/healthz until it answers 200 or ctx ends.
func WaitHealthy(ctx context.Context, url string) error {
	for {
		resp, err := http.Get(url + "/healthz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
