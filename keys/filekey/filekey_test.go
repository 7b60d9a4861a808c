package filekey_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/licensorhq/licensor/keys"
	"github.com/licensorhq/licensor/keys/filekey"
	"github.com/licensorhq/licensor/keys/keytest"
)

func writePEM(tb testing.TB, dir, name, typ string, der []byte) string {
	tb.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		tb.Fatal(err)
	}
	return "file://" + filepath.ToSlash(path)
}

func pkcs8(tb testing.TB, k crypto.Signer) []byte {
	tb.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		tb.Fatal(err)
	}
	return der
}

func TestKeyManager(t *testing.T) {
	dir := t.TempDir()
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, keys.RSABits)
	km, err := keys.Open(context.Background(), "file:", map[string]keys.OpenFunc{"file": filekey.Open})
	if err != nil {
		t.Fatal(err)
	}
	defer km.Close()
	keytest.Run(t, km, map[string]string{
		keys.EdDSA: writePEM(t, dir, "ed.pem", "PRIVATE KEY", pkcs8(t, ed)),
		keys.ES256: writePEM(t, dir, "ec.pem", "PRIVATE KEY", pkcs8(t, ec)),
		keys.PS384: writePEM(t, dir, "rsa.pem", "PRIVATE KEY", pkcs8(t, rk)),
	}, "file://"+filepath.ToSlash(filepath.Join(dir, "missing.pem")))
}

// TestOpenSSLForms: SEC 1 and PKCS#1 files, as `openssl ecparam -genkey`
// and older `openssl genrsa` write them, load too.
func TestOpenSSLForms(t *testing.T) {
	dir := t.TempDir()
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	sec1, _ := x509.MarshalECPrivateKey(ec)
	km := filekey.New()
	for alg, uri := range map[string]string{
		keys.ES256: writePEM(t, dir, "sec1.pem", "EC PRIVATE KEY", sec1),
		keys.PS384: writePEM(t, dir, "pkcs1.pem", "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rk)),
	} {
		s, err := km.Signer(context.Background(), uri)
		if err != nil {
			t.Fatal(err)
		}
		keytest.MustSignVerify(t, s, alg)
	}
}

func TestRejects(t *testing.T) {
	dir := t.TempDir()
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	good := pkcs8(t, ed)
	corrupt := append([]byte(nil), good...)
	corrupt[len(corrupt)-40] ^= 0xff
	corrupt[5] ^= 0x30
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	pubDER, _ := x509.MarshalPKIXPublicKey(ed.Public())
	twoBlocks := filepath.Join(dir, "two.pem")
	os.WriteFile(twoBlocks, append(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: good}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: good})...), 0o600)
	notPEM := filepath.Join(dir, "raw.der")
	os.WriteFile(notPEM, good, 0o600)
	encrypted := filepath.Join(dir, "enc.pem")
	os.WriteFile(encrypted, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY",
		Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-256-CBC,00"}, Bytes: good}), 0o600)

	// Key material that must never appear in an error.
	secrets := []string{
		base64.StdEncoding.EncodeToString(good)[20:60], hex.EncodeToString(good[16:48]),
		base64.StdEncoding.EncodeToString(ed.Seed())[:20], hex.EncodeToString(ed.Seed()),
	}
	for _, tt := range []struct {
		name string
		uri  string
		want error
	}{
		{"relative path", "file:keys/issuer.pem", keys.ErrInvalidURI},
		{"host", "file://example.com/etc/issuer.pem", keys.ErrInvalidURI},
		{"query", "file:///etc/issuer.pem?x=1", keys.ErrInvalidURI},
		{"other scheme", "db:k-1", keys.ErrInvalidURI},
		{"missing", "file:///nonexistent/issuer.pem", keys.ErrNotFound},
		{"directory", "file://" + filepath.ToSlash(dir), nil},
		{"corrupt DER", writePEM(t, dir, "corrupt.pem", "PRIVATE KEY", corrupt), nil},
		{"public key", writePEM(t, dir, "pub.pem", "PUBLIC KEY", pubDER), nil},
		{"P-384", writePEM(t, dir, "p384.pem", "PRIVATE KEY", pkcs8(t, p384)), keys.ErrUnsupported},
		{"RSA-1024", writePEM(t, dir, "rsa1024.pem", "PRIVATE KEY", pkcs8(t, small)), keys.ErrUnsupported},
		{"two blocks", "file://" + filepath.ToSlash(twoBlocks), nil},
		{"not PEM", "file://" + filepath.ToSlash(notPEM), nil},
		{"encrypted", "file://" + filepath.ToSlash(encrypted), keys.ErrUnsupported},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := filekey.New().Signer(context.Background(), tt.uri)
			if err == nil {
				t.Fatal("Signer succeeded")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Signer = %v, want %v", err, tt.want)
			}
			for _, s := range secrets {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error quotes key material: %v", err)
				}
			}
			t.Log(err)
		})
	}
}

func TestMux(t *testing.T) {
	dir := t.TempDir()
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	uri := writePEM(t, dir, "ed.pem", "PRIVATE KEY", pkcs8(t, ed))
	m := keys.Mux{"file": filekey.New()}
	defer m.Close()
	s, err := m.Signer(context.Background(), uri)
	if err != nil {
		t.Fatal(err)
	}
	keytest.MustSignVerify(t, s, keys.EdDSA)
	if _, err := m.Signer(context.Background(), "pkcs11:object=x"); !errors.Is(err, keys.ErrUnsupported) {
		t.Errorf("unknown scheme: %v, want ErrUnsupported", err)
	}
	if _, err := m.PublicKey(context.Background(), "no-scheme"); !errors.Is(err, keys.ErrInvalidURI) {
		t.Errorf("no scheme: %v, want ErrInvalidURI", err)
	}
	if _, err := keys.Open(context.Background(), "pkcs11:token=x", map[string]keys.OpenFunc{"file": filekey.Open}); !errors.Is(err, keys.ErrUnsupported) {
		t.Errorf("Open unknown scheme: %v, want ErrUnsupported", err)
	}
}
