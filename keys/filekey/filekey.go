// Package filekey is the file: key provider: private keys in PEM files that
// the operator manages, named file:///absolute/path.pem.
package filekey

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sync"

	"github.com/licensorhq/licensor/keys"
)

// Scheme is the URI scheme of file keys.
const Scheme = "file"

// maxFileSize bounds what is read as a key file.
const maxFileSize = 1 << 20

// KeyManager reads PEM key files. A key is read once and kept: rotation
// gives a key a new file, never new contents under the old name.
type KeyManager struct {
	mu      sync.Mutex
	signers map[string]crypto.Signer // by cleaned path
}

var _ keys.KeyManager = (*KeyManager)(nil)

// New returns a KeyManager.
func New() *KeyManager { return &KeyManager{signers: map[string]crypto.Signer{}} }

// Open is the keys.OpenFunc of the file provider; uri is "file:".
func Open(_ context.Context, uri string) (keys.KeyManager, error) {
	if s, err := keys.Scheme(uri); err != nil || s != Scheme {
		return nil, fmt.Errorf("filekey: %w: %q is not a file: URI", keys.ErrInvalidURI, uri)
	}
	return New(), nil
}

// Path returns the file a file: URI names. Only absolute paths are
// accepted: file:///etc/licensor/issuer.pem (or file:/etc/…).
func Path(uri string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != Scheme || u.Opaque != "" || u.RawQuery != "" || u.Fragment != "" ||
		(u.Host != "" && u.Host != "localhost") || u.User != nil {
		return "", fmt.Errorf("filekey: %w: %q (want file:///absolute/path.pem)", keys.ErrInvalidURI, uri)
	}
	p := filepath.FromSlash(u.Path)
	if !filepath.IsAbs(p) {
		return "", fmt.Errorf("filekey: %w: %q: the path must be absolute", keys.ErrInvalidURI, uri)
	}
	return filepath.Clean(p), nil
}

// Signer returns the key of a file: URI. The error wraps keys.ErrNotFound
// when the file does not exist; it never quotes the file's contents.
func (m *KeyManager) Signer(_ context.Context, uri string) (crypto.Signer, error) {
	path, err := Path(uri)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.signers == nil {
		m.signers = map[string]crypto.Signer{}
	}
	if s, ok := m.signers[path]; ok {
		return s, nil
	}
	data, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	s, err := keys.ParsePrivateKeyPEM(data)
	clear(data)
	if err != nil {
		return nil, fmt.Errorf("filekey: %s: %w", path, err)
	}
	m.signers[path] = s
	return s, nil
}

func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("filekey: %s: %w", path, keys.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("filekey: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("filekey: %w", err)
	}
	if !fi.Mode().IsRegular() || fi.Size() > maxFileSize {
		return nil, fmt.Errorf("filekey: %s: not a regular file of at most %d bytes", path, maxFileSize)
	}
	data := make([]byte, fi.Size())
	if _, err := f.ReadAt(data, 0); err != nil {
		clear(data)
		return nil, fmt.Errorf("filekey: read %s: %w", path, err)
	}
	return data, nil
}

// PublicKey returns the public key of a file: URI.
func (m *KeyManager) PublicKey(ctx context.Context, uri string) (crypto.PublicKey, error) {
	s, err := m.Signer(ctx, uri)
	if err != nil {
		return nil, err
	}
	return s.Public(), nil
}

// Close forgets every key read.
func (m *KeyManager) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.signers = nil
	return nil
}
