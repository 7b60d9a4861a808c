// Package keytest is the behavior every keys.KeyManager must have, as one
// suite that each provider's tests run.
package keytest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/licensorhq/licensor/keys"
)

// Run checks km. uris maps an algorithm (keys.EdDSA, keys.ES256,
// keys.PS384) to the URI of a key of that type that km holds; missing is a
// URI of km's scheme that names no key.
func Run(t *testing.T, km keys.KeyManager, uris map[string]string, missing string) {
	ctx := context.Background()
	for alg, uri := range uris {
		t.Run(alg, func(t *testing.T) {
			s, err := km.Signer(ctx, uri)
			if err != nil {
				t.Fatalf("Signer(%q): %v", uri, err)
			}
			pub, err := km.PublicKey(ctx, uri)
			if err != nil {
				t.Fatalf("PublicKey(%q): %v", uri, err)
			}
			if !s.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(pub) {
				t.Fatal("Signer().Public() and PublicKey() differ")
			}
			if got, err := keys.Algorithm(pub); err != nil || got != alg {
				t.Fatalf("Algorithm(PublicKey) = %q, %v; want %q", got, err, alg)
			}
			MustSignVerify(t, s, alg)

			// Signers may be shared: sign concurrently.
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					s, err := km.Signer(ctx, uri)
					if err != nil {
						t.Error(err)
						return
					}
					if err := SignVerify(s, alg); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
		})
	}
	t.Run("missing", func(t *testing.T) {
		if _, err := km.Signer(ctx, missing); !errors.Is(err, keys.ErrNotFound) {
			t.Errorf("Signer(%q) = %v, want ErrNotFound", missing, err)
		}
		if _, err := km.PublicKey(ctx, missing); !errors.Is(err, keys.ErrNotFound) {
			t.Errorf("PublicKey(%q) = %v, want ErrNotFound", missing, err)
		}
	})
}

// MustSignVerify is SignVerify that fails the test.
func MustSignVerify(tb testing.TB, s crypto.Signer, alg string) {
	tb.Helper()
	if err := SignVerify(s, alg); err != nil {
		tb.Fatal(err)
	}
}

// SignVerify signs with s as a token signer would for alg, and checks the
// signature with the standard library.
func SignVerify(s crypto.Signer, alg string) error {
	msg := []byte("header.payload")
	var sig []byte
	var err error
	var ok bool
	switch alg {
	case keys.EdDSA:
		if sig, err = s.Sign(rand.Reader, msg, crypto.Hash(0)); err == nil {
			ok = ed25519.Verify(s.Public().(ed25519.PublicKey), msg, sig)
		}
	case keys.ES256:
		h := sha256.Sum256(msg)
		if sig, err = s.Sign(rand.Reader, h[:], crypto.SHA256); err == nil {
			ok = ecdsa.VerifyASN1(s.Public().(*ecdsa.PublicKey), h[:], sig)
		}
	case keys.PS384:
		h := sha512.Sum384(msg)
		opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA384}
		if sig, err = s.Sign(rand.Reader, h[:], opts); err == nil {
			ok = rsa.VerifyPSS(s.Public().(*rsa.PublicKey), crypto.SHA384, h[:], sig, &rsa.PSSOptions{SaltLength: sha512.Size384}) == nil
		}
	default:
		return fmt.Errorf("unknown algorithm %q", alg)
	}
	if err != nil {
		return fmt.Errorf("%s sign: %w", alg, err)
	}
	if !ok {
		return fmt.Errorf("%s signature does not verify with the standard library", alg)
	}
	return nil
}
