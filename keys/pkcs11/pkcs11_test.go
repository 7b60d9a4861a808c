//go:build pkcs11 && cgo

package pkcs11_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/licensorhq/licensor/internal/softhsmtest"
	"github.com/licensorhq/licensor/keys"
	"github.com/licensorhq/licensor/keys/keytest"
	"github.com/licensorhq/licensor/keys/pkcs11"
	"github.com/licensorhq/licensor/token"
)

func TestKeyManager(t *testing.T) {
	ctx := context.Background()
	km, err := keys.Open(ctx, softhsmtest.Token(t), map[string]keys.OpenFunc{"pkcs11": pkcs11.Open})
	if err != nil {
		t.Fatal(err)
	}
	defer km.Close()
	uris := map[string]string{}
	for _, alg := range []string{keys.EdDSA, keys.ES256, keys.PS384} {
		uri, pub, err := km.(keys.Creator).CreateKey(ctx, "issuer-"+strings.ToLower(alg), alg)
		if err != nil {
			t.Fatalf("CreateKey(%s): %v", alg, err)
		}
		if got, _ := keys.Algorithm(pub); got != alg {
			t.Fatalf("CreateKey(%s) made a %s key", alg, got)
		}
		t.Logf("%s: %s", alg, uri)
		uris[alg] = uri
	}
	keytest.Run(t, km, uris, "pkcs11:token=test;object=nope")

	if _, _, err := km.(keys.Creator).CreateKey(ctx, "issuer-eddsa", keys.EdDSA); err == nil {
		t.Error("CreateKey with a taken label succeeded")
	}
	// By label alone, too.
	if _, err := km.Signer(ctx, "pkcs11:object=issuer-es256"); err != nil {
		t.Error(err)
	}

	// Tokens signed on the HSM verify offline.
	for alg, uri := range uris {
		s, err := km.Signer(ctx, uri)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		c := token.Claims{Issuer: "aws:111122223333:HSM:issuer-fingerprint", LicenseARN: "arn:x", ConsumptionToken: "c",
			IssuedAt: now, Expiration: now.Add(time.Hour)}
		tok, err := token.Sign(s, "kid-"+alg, alg, c)
		if err != nil {
			t.Fatalf("%s: token.Sign: %v", alg, err)
		}
		v, err := token.NewVerifier([]token.PublicKey{{KeyID: "kid-" + alg, Key: s.Public()}}, token.VerifyOptions{Issuer: c.Issuer})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(tok); err != nil {
			t.Errorf("%s: %v", alg, err)
		}
	}
}

func TestOpenRejects(t *testing.T) {
	uri := softhsmtest.Token(t)
	module := uri[strings.Index(uri, "module-path=")+len("module-path=") : strings.Index(uri, "&")]
	for _, tt := range []struct {
		name string
		uri  string
		want error
	}{
		{"wrong PIN", "pkcs11:token=test?module-path=" + module + "&pin-value=9999", nil},
		{"no such token", "pkcs11:token=other?module-path=" + module + "&pin-value=1234", keys.ErrNotFound},
		{"no module", "pkcs11:token=test?pin-value=1234", keys.ErrInvalidURI},
		{"bad module", "pkcs11:token=test?module-path=/nonexistent.so&pin-value=1234", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			km, err := pkcs11.Open(context.Background(), tt.uri)
			if err == nil {
				km.Close()
				t.Fatal("Open succeeded")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Open = %v, want %v", err, tt.want)
			}
			if strings.Contains(err.Error(), "9999") || strings.Contains(err.Error(), "1234") {
				t.Errorf("error quotes the PIN: %v", err)
			}
			t.Log(err)
		})
	}
}
