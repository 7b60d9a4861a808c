package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PostgresBaseline runs, for d, pgbench-style transactions of one UPDATE of
// one hot counter row plus one INSERT, from clients concurrent connections,
// in tables of its own (created and dropped here) in the database at url.
// It is the raw rate the checkout path is compared with on PostgreSQL: the
// same shape of durable write on one hot row, without the server.
func PostgresBaseline(ctx context.Context, url string, clients int, d time.Duration) (Baseline, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return Baseline{}, err
	}
	cfg.MaxConns = int32(clients)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return Baseline{}, err
	}
	defer pool.Close()
	suffix := fmt.Sprint(time.Now().UnixNano())
	counter, rows := "bench_counter_"+suffix, "bench_rows_"+suffix
	for _, q := range []string{
		`CREATE TABLE ` + counter + ` (id int PRIMARY KEY, n bigint NOT NULL)`,
		`CREATE TABLE ` + rows + ` (seq bigserial PRIMARY KEY, token text NOT NULL, at bigint NOT NULL)`,
		`INSERT INTO ` + counter + ` VALUES (1, 0)`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			return Baseline{}, err
		}
	}
	defer pool.Exec(context.WithoutCancel(ctx), `DROP TABLE `+counter+`, `+rows)

	var n atomic.Int64
	var firstErr error
	var once sync.Once
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
					if _, err := tx.Exec(ctx, `UPDATE `+counter+` SET n = n + 1 WHERE id = 1`); err != nil {
						return err
					}
					_, err := tx.Exec(ctx, `INSERT INTO `+rows+` (token, at) VALUES ($1, $2)`, fmt.Sprint("t", i), time.Now().UnixMicro())
					return err
				})
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return Baseline{}, firstErr
	}
	el := time.Since(start)
	return Baseline{Transactions: n.Load(), Duration: el, PerSecond: float64(n.Load()) / el.Seconds(), Shape: fmt.Sprintf("%d clients, one hot row", clients)}, nil
}
