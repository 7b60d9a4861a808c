package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// MinRSABits is the smallest RSA key accepted.
const MinRSABits = 2048

// Algorithm returns the JWS algorithm a public key signs with: EdDSA for
// Ed25519, ES256 for ECDSA P-256, PS384 for RSA of MinRSABits or more.
// Other keys wrap ErrUnsupported.
func Algorithm(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		if len(k) == ed25519.PublicKeySize {
			return EdDSA, nil
		}
	case *ecdsa.PublicKey:
		if k != nil && k.Curve == elliptic.P256() {
			return ES256, nil
		}
	case *rsa.PublicKey:
		if k != nil && k.N != nil && k.N.BitLen() >= MinRSABits {
			return PS384, nil
		}
	}
	return "", fmt.Errorf("keys: %w: %s key (want Ed25519, ECDSA P-256 or RSA of %d bits or more)", ErrUnsupported, describe(pub), MinRSABits)
}

// describe names a key's type without revealing anything of it.
func describe(key any) string {
	switch k := key.(type) {
	case ed25519.PublicKey, ed25519.PrivateKey:
		return "Ed25519"
	case *ecdsa.PublicKey:
		if k != nil && k.Curve != nil {
			return "ECDSA " + k.Curve.Params().Name
		}
		return "ECDSA"
	case *ecdsa.PrivateKey:
		return describe(&k.PublicKey)
	case *rsa.PublicKey:
		if k != nil && k.N != nil {
			return fmt.Sprintf("RSA-%d", k.N.BitLen())
		}
		return "RSA"
	case *rsa.PrivateKey:
		return describe(&k.PublicKey)
	}
	return fmt.Sprintf("%T", key)
}

// ParsePrivateKeyPEM parses one PEM private key: PKCS#8 ("PRIVATE KEY"),
// or SEC 1 ("EC PRIVATE KEY") and PKCS#1 ("RSA PRIVATE KEY") as OpenSSL
// writes them. The key must be one Algorithm accepts. Errors never quote
// the input.
func ParsePrivateKeyPEM(data []byte) (crypto.Signer, error) {
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, errors.New("keys: no PEM block found")
	}
	if b, _ := pem.Decode(rest); b != nil {
		return nil, errors.New("keys: more than one PEM block; give one private key per file")
	}
	if _, ok := block.Headers["DEK-Info"]; ok {
		return nil, fmt.Errorf("keys: %w: encrypted PEM", ErrUnsupported)
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "ENCRYPTED PRIVATE KEY":
		return nil, fmt.Errorf("keys: %w: encrypted PKCS#8", ErrUnsupported)
	default:
		return nil, fmt.Errorf("keys: PEM block %q is not a private key", block.Type)
	}
	// The parsers' errors can describe the DER they choke on: drop them.
	if err != nil {
		return nil, fmt.Errorf("keys: %s block does not hold a valid private key", block.Type)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("keys: %w: %s key", ErrUnsupported, describe(key))
	}
	if _, err := Algorithm(signer.Public()); err != nil {
		return nil, err
	}
	return signer, nil
}

// MarshalPrivateKeyPEM encodes a private key as a PKCS#8 PEM block.
func MarshalPrivateKeyPEM(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("keys: %w: cannot encode %s key as PKCS#8", ErrUnsupported, describe(key))
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
