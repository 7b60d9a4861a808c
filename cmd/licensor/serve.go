package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/licensorhq/licensor"
	"github.com/licensorhq/licensor/awsapi"
	"github.com/licensorhq/licensor/keys"
	"github.com/licensorhq/licensor/keys/filekey"
	"github.com/licensorhq/licensor/keys/pkcs11"
	"github.com/licensorhq/licensor/seal"
	"github.com/licensorhq/licensor/server"
	"github.com/licensorhq/licensor/service"
	"github.com/licensorhq/licensor/sigv4"
	"github.com/licensorhq/licensor/store/postgres"
	"github.com/licensorhq/licensor/store/sqlite"
)

// serveConfig is everything `licensor serve` needs.
type serveConfig struct {
	Listen       string
	Data         string
	Region       string
	DB           string
	LogFormat    string
	LogLevel     string
	JobInterval  time.Duration
	ShutdownWait time.Duration
	PKCS11       string
}

func newServeCmd(stderr io.Writer, getenv env) *cobra.Command {
	cfg := serveConfig{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the license server",
		Long: `Run the license server.

Environment:
  LICENSOR_ROOT_ACCESS_KEY_ID, LICENSOR_ROOT_SECRET_ACCESS_KEY
      root credentials, used on first start with an empty store; when unset
      they are generated and written to <data>/root-credentials (mode 0600).
  LICENSOR_MASTER_KEY
      32 random bytes, standard base64, encrypting secrets and db: issuer
      keys at rest; when unset one is generated into <data>/master.key
      (mode 0600).
  LICENSOR_PKCS11
      the default of --pkcs11.
  GOGC
      Go's garbage-collection target; unset, serve uses 400 (see
      docs/performance.md). GOMEMLIMIT is honoured as usual.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tuneGC(getenv)
			return runServe(cmd.Context(), cfg, stderr, getenv)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Listen, "listen", "127.0.0.1:8080", "address to listen on")
	f.StringVar(&cfg.Data, "data", "./licensor-data", "data directory (SQLite store, master key, root credentials)")
	f.StringVar(&cfg.Region, "region", "us-east-1", "the region this server is")
	f.StringVar(&cfg.DB, "db", "", "PostgreSQL connection URL (postgres://…); SQLite inside --data when empty")
	f.StringVar(&cfg.LogFormat, "log-format", "text", "log format: text or json")
	f.StringVar(&cfg.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	f.DurationVar(&cfg.JobInterval, "job-interval", 30*time.Second, "how often background jobs (expiry, purge) run")
	f.DurationVar(&cfg.ShutdownWait, "shutdown-timeout", 15*time.Second, "how long to wait for requests in flight on shutdown")
	f.StringVar(&cfg.PKCS11, "pkcs11", getenv("LICENSOR_PKCS11"), "PKCS#11 token holding issuer keys, as an RFC 7512 URI: pkcs11:token=LABEL?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=/path/to/pin (binaries built with -tags pkcs11)")
	return cmd
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json, not %q", format)
}

func runServe(ctx context.Context, cfg serveConfig, stderr io.Writer, getenv env) error {
	logger, err := newLogger(stderr, cfg.LogFormat, cfg.LogLevel)
	if err != nil {
		return err
	}
	a := &app{Config: cfg, Logger: logger, Getenv: getenv}
	if err := a.Open(ctx); err != nil {
		a.Close(context.Background())
		return err
	}
	<-ctx.Done()
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownWait)
	defer cancel()
	return a.Close(shutdownCtx)
}

// app is one running server: store, service, HTTP server and jobs. Tests
// open it on 127.0.0.1:0 and drive it through URL().
type app struct {
	Config serveConfig
	Logger *slog.Logger
	Getenv env

	store    licensor.Store
	hsm      keys.KeyManager
	svc      *service.Service
	srv      *server.Server
	stopJobs context.CancelFunc
	jobsDone chan struct{}
}

// Open wires everything and starts serving.
func (a *app) Open(ctx context.Context) error {
	cfg, logger, getenv := a.Config, a.Logger, a.Getenv
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	key, created, err := seal.LoadOrCreateKey(getenv("LICENSOR_MASTER_KEY"), cfg.Data, nil)
	if err != nil {
		return err
	}
	if created {
		logger.Info("generated master key", "path", filepath.Join(cfg.Data, "master.key"))
	}
	box, err := seal.New(key, nil)
	if err != nil {
		return err
	}

	switch {
	case cfg.DB == "":
		db, err := sqlite.Open(ctx, filepath.Join(cfg.Data, "licensor.db"))
		if err != nil {
			return fmt.Errorf("open store: %w", err)
		}
		a.store = db
	case strings.HasPrefix(cfg.DB, "postgres://"), strings.HasPrefix(cfg.DB, "postgresql://"):
		db, err := postgres.Open(ctx, cfg.DB)
		if err != nil {
			return fmt.Errorf("open store: %w", err)
		}
		a.store = db
	default:
		return errors.New("--db must be a postgres:// URL")
	}

	a.svc = service.New(a.store, box, cfg.Region)
	a.svc.Logger = logger
	a.svc.UseKeyProvider(filekey.Scheme, filekey.New())
	if cfg.PKCS11 != "" {
		km, err := pkcs11.Open(ctx, cfg.PKCS11)
		if err != nil {
			return fmt.Errorf("--pkcs11: %w", err)
		}
		a.hsm = km
		a.svc.UseKeyProvider("pkcs11", km)
		logger.Info("PKCS#11 key provider ready")
	}
	rootKey, err := a.svc.Bootstrap(ctx, getenv("LICENSOR_ROOT_ACCESS_KEY_ID"), getenv("LICENSOR_ROOT_SECRET_ACCESS_KEY"))
	if err != nil {
		return fmt.Errorf("root credentials: %w", err)
	}
	if rootKey != nil {
		if getenv("LICENSOR_ROOT_ACCESS_KEY_ID") != "" {
			logger.Info("root credentials set from LICENSOR_ROOT_ACCESS_KEY_ID", "access_key", rootKey.ID)
		} else {
			path := filepath.Join(cfg.Data, "root-credentials")
			if err := writeCredentialsFile(path, "licensor-root", rootKey.ID, rootKey.SecretAccessKey); err != nil {
				return err
			}
			logger.Info("generated root credentials", "path", path, "profile", "licensor-root", "access_key", rootKey.ID)
		}
	}

	verifier := &sigv4.Verifier{
		Service: "license-manager",
		Region:  cfg.Region,
		Keys:    sigv4.NewKeyCache(4096),
		Credentials: func(ctx context.Context, id string) (string, error) {
			secret, _, err := a.svc.LookupAccessKey(ctx, id)
			if licensor.ErrorCode(err) == licensor.EUNAUTHENTICATED {
				return "", sigv4.ErrUnknownKey
			}
			return secret, err
		},
	}
	a.srv = &server.Server{
		Addr:   cfg.Listen,
		API:    awsapi.NewHandler(a.svc, a.svc, verifier, logger),
		Logger: logger,
		Health: func(ctx context.Context) error {
			_, err := a.store.FindAccountByID(ctx, licensor.RootAccountID)
			return err
		},
		JWKS: a.svc.JWKS,
	}
	if err := a.srv.Open(); err != nil {
		return err
	}
	logger.Info("licensor serving", "url", a.srv.URL(), "region", cfg.Region, "data", cfg.Data)

	jobsCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	a.stopJobs, a.jobsDone = stopJobs, make(chan struct{})
	go func() { defer close(a.jobsDone); a.svc.RunJobs(jobsCtx, cfg.JobInterval) }()
	return nil
}

// URL is the base URL of the running server.
func (a *app) URL() string { return a.srv.URL() }

// Close stops serving (waiting for requests in flight up to ctx), stops the
// jobs and closes the store.
func (a *app) Close(ctx context.Context) error {
	var errs []error
	if a.srv != nil {
		errs = append(errs, a.srv.Close(ctx))
	}
	if a.stopJobs != nil {
		a.stopJobs()
		<-a.jobsDone
	}
	if a.store != nil {
		errs = append(errs, a.store.Close())
	}
	if a.hsm != nil {
		errs = append(errs, a.hsm.Close())
	}
	return errors.Join(errs...)
}

// writeCredentialsFile writes an AWS shared-credentials file (mode 0600).
func writeCredentialsFile(path, profile, id, secret string) error {
	content := fmt.Sprintf("[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n", profile, id, secret)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// serverGCPercent is the server's GOGC unless the environment sets one.
// The server's live heap is small (tens of MB: caches, prepared
// statements, connections) while every request allocates, so the default
// of 100 collects very often; 400 spends a few hundred MB at most for
// ~6% more checkouts per second on two cores (docs/performance.md).
const serverGCPercent = 400

// tuneGC applies serverGCPercent unless GOGC is set.
func tuneGC(getenv env) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
	}
}
