package keys_test

import (
	"context"
	"errors"
	"testing"

	"github.com/licensorhq/licensor/keys"
)

func TestScheme(t *testing.T) {
	for uri, want := range map[string]string{
		"db:k-1": "db", "file:///etc/k.pem": "file", "PKCS11:token=x": "pkcs11", "awskms:key-id=alias/x": "awskms",
	} {
		if got, err := keys.Scheme(uri); err != nil || got != want {
			t.Errorf("Scheme(%q) = %q, %v; want %q", uri, got, err, want)
		}
	}
	for _, uri := range []string{"", "k-1", ":x", "1db:x", "d b:x", "/etc/k.pem"} {
		if _, err := keys.Scheme(uri); !errors.Is(err, keys.ErrInvalidURI) {
			t.Errorf("Scheme(%q) = %v, want ErrInvalidURI", uri, err)
		}
	}
}

func TestOpen(t *testing.T) {
	boom := errors.New("boom")
	providers := map[string]keys.OpenFunc{
		"db": func(context.Context, string) (keys.KeyManager, error) { return keys.Mux{}, nil },
		"x":  func(context.Context, string) (keys.KeyManager, error) { return nil, boom },
	}
	if _, err := keys.Open(context.Background(), "db:", providers); err != nil {
		t.Error(err)
	}
	if _, err := keys.Open(context.Background(), "x:", providers); !errors.Is(err, boom) {
		t.Errorf("Open(x:) = %v, want boom", err)
	}
	if _, err := keys.Open(context.Background(), "file:", providers); !errors.Is(err, keys.ErrUnsupported) {
		t.Errorf("Open(file:) = %v, want ErrUnsupported", err)
	}
}
