package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"

	"github.com/spf13/cobra"

	"github.com/licensorhq/licensor/client"
	"github.com/licensorhq/licensor/internal/bench"
)

func newBenchCmd(stdout, stderr io.Writer, getenv env) *cobra.Command {
	var (
		cf                 clientFlags
		data, db           string
		clients            int
		duration, warmup   time.Duration
		baseline, external bool
		cpuprofile         string
		pool               int64
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure checkout throughput and latency (and, with --baseline, the raw store)",
		Long: `Measure the checkout path: SigV4-signed CheckoutLicense(PROVISIONAL) +
CheckInLicense pairs from --clients concurrent clients for --duration.

Without --endpoint it starts a server in this process on 127.0.0.1:0 with a
fresh store in --data (a temporary directory by default). With --endpoint it
targets a running server, using root credentials (as for 'licensor account').

With --baseline it also measures, in the same run, the raw store: one durable
transaction of one counter UPDATE plus one row INSERT, single writer, on the
same disk; with --db, the same transaction on one hot row of PostgreSQL from
--clients connections (pgbench-style).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			external = cf.Endpoint != ""
			tuneGC(getenv) // the in-process server runs as serve would
			if cpuprofile != "" {
				f, err := os.Create(cpuprofile)
				if err != nil {
					return err
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return err
				}
				defer pprof.StopCPUProfile()
			}
			dir := data
			if dir == "" {
				tmp, err := os.MkdirTemp("", "licensor-bench-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(tmp)
				dir = tmp
			}
			var root *client.Client
			endpoint := cf.Endpoint
			if external {
				c, err := cf.client(getenv)
				if err != nil {
					return err
				}
				root = c
			} else {
				secret := make([]byte, 20)
				rand.Read(secret)
				id, sec := "LKIABENCHROOT0000001", hex.EncodeToString(secret)
				logger, _ := newLogger(stderr, "text", "warn")
				a := &app{
					Config: serveConfig{Listen: "127.0.0.1:0", Data: dir, Region: "us-east-1", DB: db, JobInterval: 30 * time.Second},
					Logger: logger,
					Getenv: func(k string) string {
						switch k {
						case "LICENSOR_ROOT_ACCESS_KEY_ID":
							return id
						case "LICENSOR_ROOT_SECRET_ACCESS_KEY":
							return sec
						}
						return getenv(k)
					},
				}
				if err := a.Open(ctx); err != nil {
					return err
				}
				defer a.Close(context.Background())
				endpoint = a.URL()
				root = &client.Client{Endpoint: endpoint, Region: "us-east-1", AccessKeyID: id, SecretAccessKey: sec}
			}
			fmt.Fprintf(stdout, "licensor bench: endpoint=%s store=%s clients=%d duration=%s\n", endpoint, storeName(db, external), clients, duration)
			if baseline {
				var b bench.Baseline
				var err error
				if db != "" {
					b, err = bench.PostgresBaseline(ctx, db, clients, duration)
				} else {
					b, err = bench.SQLiteBaseline(ctx, dir, duration)
				}
				if err != nil {
					return fmt.Errorf("baseline: %w", err)
				}
				fmt.Fprintf(stdout, "baseline: %s\n", b)
				r, err := bench.Run(ctx, bench.Config{Endpoint: endpoint, Root: root, Clients: clients, Duration: duration, Warmup: warmup, Pool: pool})
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "checkout: %s\n", r)
				fmt.Fprintf(stdout, "ratio: checkouts/s ÷ baseline tx/s = %.2f\n", r.PerSecond/b.PerSecond)
				return nil
			}
			r, err := bench.Run(ctx, bench.Config{Endpoint: endpoint, Root: root, Clients: clients, Duration: duration, Warmup: warmup, Pool: pool})
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "checkout: %s\n", r)
			return nil
		},
	}
	cf.register(cmd)
	f := cmd.Flags()
	f.StringVar(&data, "data", "", "data directory of the in-process server and the baseline database (default: a temporary directory)")
	f.StringVar(&db, "db", "", "PostgreSQL URL for the in-process server and the baseline")
	f.IntVar(&clients, "clients", 64, "concurrent clients")
	f.DurationVar(&duration, "duration", 10*time.Second, "measured duration")
	f.DurationVar(&warmup, "warmup", 2*time.Second, "unmeasured warm-up before measuring")
	f.BoolVar(&baseline, "baseline", false, "also measure the raw store's single-writer transaction rate")
	f.StringVar(&cpuprofile, "cpuprofile", "", "write a CPU profile of this process (client and, without --endpoint, server) to the file")
	f.Int64Var(&pool, "pool", 1_000_000_000, "MaxCount of the benchmark license's entitlement")
	return cmd
}

func storeName(db string, external bool) string {
	switch {
	case external:
		return "external"
	case db != "":
		return "postgres"
	}
	return "sqlite"
}
