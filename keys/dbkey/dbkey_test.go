package dbkey_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/licensorhq/licensor"
	"github.com/licensorhq/licensor/keys"
	"github.com/licensorhq/licensor/keys/dbkey"
	"github.com/licensorhq/licensor/keys/keytest"
	"github.com/licensorhq/licensor/seal"
)

// store is an in-memory table of sealed keys.
type store struct {
	mu    sync.Mutex
	rows  map[string][]byte
	reads int
}

func (s *store) lookup(_ context.Context, id string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	b, ok := s.rows[id]
	if !ok {
		return nil, licensor.Errorf(licensor.ENOTFOUND, "Key %s not found.", id)
	}
	return b, nil
}

func mustBox(tb testing.TB) *seal.Box {
	tb.Helper()
	key := make([]byte, seal.KeySize)
	rand.Read(key)
	b, err := seal.New(key, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestKeyManager(t *testing.T) {
	box := mustBox(t)
	st := &store{rows: map[string][]byte{}}
	uris := map[string]string{}
	for _, alg := range []string{keys.EdDSA, keys.ES256, keys.PS384} {
		id := "k-" + strings.ToLower(alg)
		sealed, pub, err := dbkey.GenerateSealed(box, id, alg)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := keys.Algorithm(pub); err != nil || got != alg {
			t.Fatalf("GenerateSealed(%s) made a %s key (%v)", alg, got, err)
		}
		st.rows[id] = sealed
		uris[alg] = dbkey.URI(id)
	}
	km, err := keys.Open(context.Background(), "db:", map[string]keys.OpenFunc{"db": dbkey.Provider(st.lookup, box)})
	if err != nil {
		t.Fatal(err)
	}
	defer km.Close()
	keytest.Run(t, km, uris, "db:k-missing")
	if st.reads > len(uris)+2 {
		t.Errorf("%d store reads for %d keys: opened keys are not kept", st.reads, len(uris))
	}
	_, err = km.Signer(context.Background(), "db:k-missing")
	if licensor.ErrorCode(err) != licensor.ENOTFOUND {
		t.Errorf("missing key: code %q, want ENOTFOUND", licensor.ErrorCode(err))
	}
}

func TestGenerate(t *testing.T) {
	for _, alg := range []string{keys.EdDSA, keys.ES256, keys.PS384} {
		pemBytes, pub, err := dbkey.Generate(alg)
		if err != nil {
			t.Fatal(err)
		}
		s, err := keys.ParsePrivateKeyPEM(pemBytes)
		if err != nil {
			t.Fatal(err)
		}
		if !s.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(pub) {
			t.Errorf("%s: PEM and public key differ", alg)
		}
		if rk, ok := pub.(*rsa.PublicKey); ok && rk.N.BitLen() != 3072 {
			t.Errorf("RSA key of %d bits, want 3072", rk.N.BitLen())
		}
		keytest.MustSignVerify(t, s, alg)
	}
	if _, _, err := dbkey.Generate("HS256"); !errors.Is(err, keys.ErrUnsupported) {
		t.Errorf("Generate(HS256) = %v, want ErrUnsupported", err)
	}
}

// TestSealBinding: a sealed key opens only under its own id and master
// key, and the failures quote no key material.
func TestSealBinding(t *testing.T) {
	box := mustBox(t)
	pemBytes, _, err := dbkey.Generate(keys.EdDSA)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := box.Seal(pemBytes, []byte("k-a"))
	if err != nil {
		t.Fatal(err)
	}
	der := pemBytes[strings.Index(string(pemBytes), "\n")+1:]
	secrets := []string{string(der[10:50]), hex.EncodeToString(sealed[13:40]), base64.StdEncoding.EncodeToString(sealed[13:40])}

	for _, tt := range []struct {
		name string
		rows map[string][]byte
		box  *seal.Box
		uri  string
	}{
		{"moved to another id", map[string][]byte{"k-b": sealed}, box, "db:k-b"},
		{"other master key", map[string][]byte{"k-a": sealed}, mustBox(t), "db:k-a"},
		{"truncated", map[string][]byte{"k-a": sealed[:len(sealed)-1]}, box, "db:k-a"},
		{"sealed garbage", map[string][]byte{"k-a": mustSeal(t, box, []byte("not a key"), "k-a")}, box, "db:k-a"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := &store{rows: tt.rows}
			_, err := dbkey.New(st.lookup, tt.box).Signer(context.Background(), tt.uri)
			if err == nil {
				t.Fatal("Signer succeeded")
			}
			if errors.Is(err, keys.ErrNotFound) {
				t.Errorf("error %v wraps ErrNotFound", err)
			}
			for _, s := range secrets {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error quotes key material: %v", err)
				}
			}
			t.Log(err)
		})
	}

	// Under its own id it opens.
	st := &store{rows: map[string][]byte{"k-a": sealed}}
	s, err := dbkey.New(st.lookup, box).Signer(context.Background(), "db:k-a")
	if err != nil {
		t.Fatal(err)
	}
	keytest.MustSignVerify(t, s, keys.EdDSA)
}

func mustSeal(tb testing.TB, b *seal.Box, plain []byte, id string) []byte {
	tb.Helper()
	s, err := b.Seal(plain, []byte(id))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestURI(t *testing.T) {
	for _, bad := range []string{"db:", "file:///x", "db:a b", "db:a\nb", "db:\xff", "db:" + strings.Repeat("a", 257)} {
		if _, err := dbkey.ID(bad); !errors.Is(err, keys.ErrInvalidURI) {
			t.Errorf("ID(%q) = %v, want ErrInvalidURI", bad, err)
		}
	}
	if id, err := dbkey.ID(dbkey.URI("k-1")); err != nil || id != "k-1" {
		t.Errorf("ID(URI(k-1)) = %q, %v", id, err)
	}
}
