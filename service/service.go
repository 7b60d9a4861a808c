package service

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/licensorhq/licensor"
)

// Service implements licensor.Service. Set the fields, then use it; the
// zero values of Now, Rand and Logger are replaced by the real clock,
// crypto/rand and a discarding logger.
type Service struct {
	Store  licensor.Store
	Sealer licensor.Sealer
	Region string

	Now    func() time.Time
	Rand   io.Reader
	Logger *slog.Logger

	keys     *keyCache
	licenses *licenseCache
	ring     *keyring
	// exclusive is set when the store belongs to this process alone
	// (SQLite): every license change then goes through this Service, which
	// clears the license cache inside the changing transaction, so a
	// checkout need not confirm a cached license against the store.
	exclusive bool
}

// ExclusiveStore is implemented by stores that only one process can use
// at a time (SQLite).
type ExclusiveStore interface {
	Exclusive() bool
}

var _ licensor.Service = (*Service)(nil)
var _ licensor.Authenticator = (*Service)(nil)

// New returns a Service with the real clock and randomness.
func New(store licensor.Store, sealer licensor.Sealer, region string) *Service {
	s := &Service{Store: store, Sealer: sealer, Region: region}
	s.init()
	return s
}

func (s *Service) init() {
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Rand == nil {
		s.Rand = rand.Reader
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.keys == nil {
		s.keys = newKeyCache(s.Now)
	}
	if s.licenses == nil {
		s.licenses = newLicenseCache(s.Now)
	}
	if s.ring == nil {
		s.ring = s.newKeyring()
	}
	if x, ok := s.Store.(ExclusiveStore); ok {
		s.exclusive = x.Exclusive()
	}
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// caller returns the authenticated principal or EUNAUTHENTICATED.
func caller(ctx context.Context) (*licensor.Principal, error) {
	p := licensor.PrincipalFromContext(ctx)
	if p == nil || p.AccountID == "" {
		return nil, licensor.Errorf(licensor.EUNAUTHENTICATED, "The request is not authenticated.")
	}
	return p, nil
}

// rootCaller returns the principal if it is the operator's root account.
func rootCaller(ctx context.Context) (*licensor.Principal, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsRoot() {
		return nil, licensor.Errorf(licensor.EFORBIDDEN, "Only the root account may call administrative operations.")
	}
	return p, nil
}

func isCode(err error, code licensor.Code) bool {
	var e *licensor.Error
	return errors.As(err, &e) && e.Code == code
}
