// Package server composes the HTTP surface of licensor: the AWS API on
// POST /, health checks, and the middleware every request passes (request
// ID, panic recovery, access log), with graceful shutdown.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/licensorhq/licensor"
)

// Server is the HTTP server. Set the fields, call Open, then Close.
type Server struct {
	Addr   string       // listen address, e.g. 127.0.0.1:8080 (":0" in tests)
	API    http.Handler // the AWS JSON 1.1 endpoint (awsapi.Handler)
	Health func(ctx context.Context) error
	// JWKS returns the JSON Web Key Set of the issuer keys, served
	// unauthenticated at /.well-known/jwks.json. Nil: not served.
	JWKS   func(ctx context.Context) ([]byte, error)
	Logger *slog.Logger

	ln  net.Listener
	srv *http.Server
}

// Open starts listening and serving in the background.
func (s *Server) Open() error {
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", s.Addr, err)
	}
	s.ln = ln
	s.srv = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.Logger.Error("serve", "err", err)
		}
	}()
	return nil
}

// URL returns the base URL the server listens on.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Close stops accepting requests and waits for those in flight, up to ctx.
func (s *Server) Close(ctx context.Context) error {
	if s.srv == nil {
		return nil
	}
	return s.srv.Shutdown(ctx)
}

// Handler returns the routed, wrapped handler (useful with httptest).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /{$}", s.API)
	mux.HandleFunc("GET /healthz", s.handleHealth)
	if s.JWKS != nil {
		mux.HandleFunc("GET /.well-known/jwks.json", s.handleJWKS)
	}
	return s.middleware(mux)
}

// jwksMaxAge is how long verifiers may cache the key set. Short, so a
// rotated-in key is fetched soon; a verifier meeting an unknown kid should
// fetch again anyway.
const jwksMaxAge = "max-age=60"

func (s *Server) handleJWKS(w http.ResponseWriter, r *http.Request) {
	doc, err := s.JWKS(r.Context())
	if err != nil {
		s.Logger.ErrorContext(r.Context(), "jwks", "err", err)
		http.Error(w, "key set unavailable\n", http.StatusServiceUnavailable)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/jwk-set+json")
	h.Set("Cache-Control", "public, "+jwksMaxAge)
	w.Write(doc)
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	if s.Health != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.Health(ctx); err != nil {
			s.Logger.WarnContext(ctx, "health check failed", "err", err)
			http.Error(w, "unhealthy\n", http.StatusServiceUnavailable)
			return
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// middleware assigns a request ID (x-amzn-RequestId, which the AWS SDKs
// report), recovers panics into an AWS-shaped 500, and logs requests that
// the API handler does not log itself.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := newRequestID()
		w.Header().Set("X-Amzn-Requestid", id)
		ctx := licensor.NewContextWithRequestID(r.Context(), id)
		r = r.WithContext(ctx)
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Logger.ErrorContext(ctx, "panic", "request_id", id, "panic", fmt.Sprint(v))
				w.Header().Set("Content-Type", "application/x-amz-json-1.1")
				w.Header().Set("X-Amzn-ErrorType", "ServerInternalException")
				w.WriteHeader(http.StatusInternalServerError)
				w.Write([]byte(`{"__type":"ServerInternalException","message":"Internal error."}`))
			}
		}()
		if r.Method == http.MethodPost && r.URL.Path == "/" {
			next.ServeHTTP(w, r) // awsapi logs its own line, with principal and target
			return
		}
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		s.Logger.InfoContext(ctx, "http", "request_id", id, "method", r.Method, "path", r.URL.Path,
			"status", rec.status, "duration_ms", float64(time.Since(start).Microseconds())/1000)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
