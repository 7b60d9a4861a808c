//go:build awskms

package awskms_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"testing"

	"github.com/licensorhq/licensor/keys"
	"github.com/licensorhq/licensor/keys/awskms"
	"github.com/licensorhq/licensor/keys/keytest"
)

// fakeKMS signs with local keys as KMS would.
type fakeKMS map[string]crypto.Signer

func (f fakeKMS) GetPublicKey(_ context.Context, id string) ([]byte, error) {
	k, ok := f[id]
	if !ok {
		return nil, fmt.Errorf("NotFoundException: %w", keys.ErrNotFound)
	}
	return x509.MarshalPKIXPublicKey(k.Public())
}

func (f fakeKMS) Sign(_ context.Context, id string, digest []byte, alg string) ([]byte, error) {
	k := f[id]
	switch alg {
	case "ECDSA_SHA_256":
		return k.Sign(rand.Reader, digest, crypto.SHA256)
	case "RSASSA_PSS_SHA_384":
		return k.Sign(rand.Reader, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA384})
	}
	return nil, fmt.Errorf("ValidationException: %s", alg)
}

func TestKeyManager(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, keys.RSABits)
	kms := fakeKMS{"alias/ec": ec, "alias/rsa": rk}
	km, err := keys.Open(context.Background(), "awskms:", map[string]keys.OpenFunc{"awskms": awskms.Provider(kms)})
	if err != nil {
		t.Fatal(err)
	}
	keytest.Run(t, km, map[string]string{
		keys.ES256: "awskms:key-id=alias/ec",
		keys.PS384: "awskms:key-id=alias/rsa",
	}, "awskms:key-id=alias/missing")
}
