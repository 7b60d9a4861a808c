package client_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/licensorhq/licensor/client"
	"github.com/licensorhq/licensor/token"
)

const issuer = "aws:111122223333:Example Vendor:issuer-fingerprint"

func TestVerifier(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	jwks, err := token.JWKS([]token.PublicKey{
		{KeyID: "k1", Key: priv, Account: "111122223333"},
		{KeyID: "k2", Key: other, Account: "111122223333"},
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(path, jwks, 0o644); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	sign := func(t *testing.T, key ed25519.PrivateKey, kid string, mod func(*client.Claims)) string {
		t.Helper()
		s, err := token.NewSigner(key, kid)
		if err != nil {
			t.Fatal(err)
		}
		c := client.Claims{
			Issuer: issuer, LicenseARN: "arn:aws:license-manager::111122223333:license:l-0123456789abcdef0123456789abcdef",
			ConsumptionToken: "ct", IssuedAt: now, Expiration: now.Add(time.Hour), NodeID: "node-1",
			EntitlementsAllowed: []client.Entitlement{{Name: "Seats", Unit: "Count"}},
		}
		if mod != nil {
			mod(&c)
		}
		tok, err := s.Sign(&c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	opts := client.VerifyOptions{Issuer: issuer, NodeID: "node-1", Now: func() time.Time { return now }}

	v, err := client.NewVerifierFromFile(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	c, err := v.Verify(sign(t, priv, "k1", nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.ConsumptionToken != "ct" || len(c.EntitlementsAllowed) != 1 {
		t.Errorf("claims = %+v", c)
	}
	for _, tt := range []struct {
		name string
		tok  string
		want error
	}{
		{"expired", sign(t, priv, "k1", func(c *client.Claims) { c.IssuedAt, c.Expiration = now.Add(-2*time.Hour), now.Add(-time.Hour) }), client.ErrExpired},
		{"wrong node", sign(t, priv, "k1", func(c *client.Claims) { c.NodeID = "node-2" }), client.ErrWrongNode},
		{"unknown kid", sign(t, priv, "k9", nil), client.ErrUnknownKey},
		{"other key under k1", sign(t, other, "k1", nil), client.ErrBadSignature},
		{"garbage", "not a token", client.ErrMalformed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := v.Verify(tt.tok); !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}

	// Pinned by thumbprint: only k2 is trusted, so k1's tokens name an
	// unknown key.
	tp, err := token.Thumbprint(other)
	if err != nil {
		t.Fatal(err)
	}
	pinned := opts
	pinned.Thumbprints = []string{tp}
	pv, err := client.NewVerifier(jwks, pinned)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pv.Verify(sign(t, other, "k2", nil)); err != nil {
		t.Errorf("pinned key: %v", err)
	}
	if _, err := pv.Verify(sign(t, priv, "k1", nil)); !errors.Is(err, client.ErrUnknownKey) {
		t.Errorf("unpinned key: Verify = %v, want ErrUnknownKey", err)
	}
	tp1, _ := token.Thumbprint(priv)
	pinned.Thumbprints = []string{strings.ToUpper(tp1)}
	if _, err := client.NewVerifier(jwks, pinned); err == nil {
		t.Error("no key pinned: want an error")
	}
}

func TestNewVerifierFromFileErrors(t *testing.T) {
	dir := t.TempDir()
	opts := client.VerifyOptions{Issuer: issuer}
	if _, err := client.NewVerifierFromFile(filepath.Join(dir, "missing.json"), opts); err == nil {
		t.Error("missing file: want an error")
	}
	big := filepath.Join(dir, "big.json")
	os.WriteFile(big, []byte(`{"keys":[`+strings.Repeat(" ", 2<<20)+`]}`), 0o644)
	if _, err := client.NewVerifierFromFile(big, opts); err == nil || !strings.Contains(err.Error(), "larger") {
		t.Errorf("large file: %v", err)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0"}]}`), 0o644)
	if _, err := client.NewVerifierFromFile(bad, opts); err == nil || !strings.Contains(err.Error(), "private") {
		t.Errorf("secret key: %v", err)
	}
}
