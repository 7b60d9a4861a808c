package seal

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"
)

func TestSealOpen(t *testing.T) {
	key := make([]byte, KeySize)
	rand.Read(key)
	b, err := New(key, nil)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := b.Seal([]byte("secret"), []byte("AKID1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("secret")) {
		t.Fatal("plaintext visible in sealed value")
	}
	pt, err := b.Open(sealed, []byte("AKID1"))
	if err != nil || string(pt) != "secret" {
		t.Fatalf("Open = %q, %v", pt, err)
	}
	if _, err := b.Open(sealed, []byte("AKID2")); err != ErrOpen {
		t.Fatalf("wrong associated data: %v", err)
	}
	for i := range sealed {
		c := bytes.Clone(sealed)
		c[i] ^= 1
		if _, err := b.Open(c, []byte("AKID1")); err == nil {
			t.Fatalf("tampered byte %d opened", i)
		}
	}
	other := make([]byte, KeySize)
	rand.Read(other)
	b2, _ := New(other, nil)
	if _, err := b2.Open(sealed, []byte("AKID1")); err != ErrOpen {
		t.Fatal("opened with the wrong master key")
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	dir := t.TempDir()
	k1, created, err := LoadOrCreateKey("", dir, nil)
	if err != nil || !created || len(k1) != KeySize {
		t.Fatalf("create: %v %v", created, err)
	}
	st, err := os.Stat(filepath.Join(dir, "master.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("master.key mode: %v %v", st, err)
	}
	k2, created, err := LoadOrCreateKey("", dir, nil)
	if err != nil || created || !bytes.Equal(k1, k2) {
		t.Fatalf("reload: %v %v", created, err)
	}
	env := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	k3, _, err := LoadOrCreateKey(env, dir, nil)
	if err != nil || !bytes.Equal(k3, bytes.Repeat([]byte{7}, 32)) {
		t.Fatalf("env: %v", err)
	}
	for _, bad := range []string{"not base64!", base64.StdEncoding.EncodeToString([]byte("short"))} {
		if _, _, err := LoadOrCreateKey(bad, dir, nil); err == nil {
			t.Fatalf("accepted bad key %q", bad)
		}
	}
}
