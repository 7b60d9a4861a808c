// Package seal encrypts secrets at rest (access key secrets, issuer private
// keys) under the server's master key with AES-256-GCM.
//
// A sealed value is: version byte (1) || 12-byte random nonce || ciphertext
// and tag. The associated data binds a value to its owner (an access key ID,
// a key ID), so a sealed secret copied onto another row fails to open.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/licensorhq/licensor"
)

// KeySize is the size of a master key in bytes.
const KeySize = 32

const version1 = 1

// Box seals and opens secrets with one master key.
type Box struct {
	aead cipher.AEAD
	rand io.Reader
}

var _ licensor.Sealer = (*Box)(nil)

// New returns a Box for a 32-byte key. rnd supplies nonces (crypto/rand.Reader
// when nil).
func New(key []byte, rnd io.Reader) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("master key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	return &Box{aead: aead, rand: rnd}, nil
}

// Seal encrypts plaintext bound to associatedData.
func (b *Box) Seal(plaintext, associatedData []byte) ([]byte, error) {
	out := make([]byte, 1+b.aead.NonceSize(), 1+b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	out[0] = version1
	if _, err := io.ReadFull(b.rand, out[1:]); err != nil {
		return nil, fmt.Errorf("seal: nonce: %w", err)
	}
	return b.aead.Seal(out, out[1:], plaintext, associatedData), nil
}

// ErrOpen is returned when a sealed value cannot be opened: wrong master
// key, tampering, or the wrong associated data. It never says which.
var ErrOpen = errors.New("seal: cannot open sealed value (wrong master key or corrupted data)")

// Open decrypts a value sealed by Seal with the same associated data.
func (b *Box) Open(sealed, associatedData []byte) ([]byte, error) {
	ns := b.aead.NonceSize()
	if len(sealed) < 1+ns+b.aead.Overhead() || sealed[0] != version1 {
		return nil, ErrOpen
	}
	pt, err := b.aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], associatedData)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// ParseKey decodes a master key given as standard base64 (the form of
// LICENSOR_MASTER_KEY and of the master.key file).
func ParseKey(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, errors.New("master key is not valid standard base64")
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("master key must decode to %d bytes, got %d", KeySize, len(key))
	}
	return key, nil
}

// LoadOrCreateKey returns the master key: from env when non-empty, else from
// <dir>/master.key, which is created (mode 0600) with a random key when
// missing. created reports whether a new key was written.
func LoadOrCreateKey(env, dir string, rnd io.Reader) (key []byte, created bool, err error) {
	if env != "" {
		key, err := ParseKey(env)
		if err != nil {
			return nil, false, fmt.Errorf("LICENSOR_MASTER_KEY: %w", err)
		}
		return key, false, nil
	}
	path := filepath.Join(dir, "master.key")
	data, err := os.ReadFile(path)
	if err == nil {
		key, err := ParseKey(string(data))
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", path, err)
		}
		return key, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	key = make([]byte, KeySize)
	if _, err := io.ReadFull(rnd, key); err != nil {
		return nil, false, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, err
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, false, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, false, err
	}
	return key, true, f.Close()
}
