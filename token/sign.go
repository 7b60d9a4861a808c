package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"github.com/go-jose/go-jose/v4"
)

// The signature algorithms (JWS "alg" values) of licensor tokens. Each key
// type signs with exactly one of them.
const (
	EdDSA = "EdDSA" // Ed25519
	ES256 = "ES256" // ECDSA P-256 with SHA-256
	PS384 = "PS384" // RSASSA-PSS with SHA-384 and a 48-byte salt; RSA keys of 2048 bits or more
)

// MinRSABits is the smallest RSA modulus accepted for signing or
// verification. licensor generates 3072-bit keys.
const MinRSABits = 2048

// maxRSABits bounds the cost of one verification.
const maxRSABits = 8192

// Algorithm returns the one algorithm a public key signs with: EdDSA for
// Ed25519, ES256 for ECDSA P-256 and PS384 for RSA. A private key or
// crypto.Signer stands for its public key.
func Algorithm(key crypto.PublicKey) (string, error) {
	key = publicOf(key)
	switch k := key.(type) {
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return "", fmt.Errorf("token: Ed25519 public key of %d bytes", len(k))
		}
		return EdDSA, nil
	case *ecdsa.PublicKey:
		if k == nil || k.Curve != elliptic.P256() {
			return "", errors.New("token: ECDSA keys must be on curve P-256 (ES256)")
		}
		return ES256, nil
	case *rsa.PublicKey:
		if k == nil || k.N == nil {
			return "", errors.New("token: nil RSA key")
		}
		if n := k.N.BitLen(); n < MinRSABits || n > maxRSABits {
			return "", fmt.Errorf("token: RSA key of %d bits (want %d to %d)", n, MinRSABits, maxRSABits)
		}
		return PS384, nil
	default:
		return "", fmt.Errorf("token: unsupported key type %T", key)
	}
}

// publicOf reduces a private key or signer to its public key.
func publicOf(key crypto.PublicKey) crypto.PublicKey {
	if k, ok := key.(interface{ Public() crypto.PublicKey }); ok {
		return k.Public()
	}
	return key
}

// Sign returns claims as a compact JWS signed by signer under alg, with the
// header {"alg": alg, "kid": kid, "typ": "JWT"}. alg must be the algorithm
// of signer's key (see Algorithm). The signer's key bytes are never needed:
// an HSM or KMS signer works.
func Sign(signer crypto.Signer, kid string, alg string, claims Claims) (string, error) {
	if signer == nil {
		return "", errors.New("token: sign: nil signer")
	}
	if kid == "" {
		return "", errors.New("token: sign: kid is required")
	}
	want, err := Algorithm(signer.Public())
	if err != nil {
		return "", fmt.Errorf("token: sign: %w", err)
	}
	if alg != want {
		return "", fmt.Errorf("token: sign: %w: alg %q does not match the key, which signs %s", ErrUnsupportedAlgorithm, alg, want)
	}
	if err := claims.validate(); err != nil {
		return "", err
	}
	payload, err := claims.marshal()
	if err != nil {
		return "", fmt.Errorf("token: sign: %w", err)
	}
	op := &opaqueSigner{signer: signer, alg: jose.SignatureAlgorithm(alg), kid: kid}
	js, err := jose.NewSigner(jose.SigningKey{Algorithm: op.alg, Key: op}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", fmt.Errorf("token: sign: %w", err)
	}
	obj, err := js.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("token: sign: %w", err)
	}
	return obj.CompactSerialize()
}

// opaqueSigner adapts a crypto.Signer to go-jose. go-jose's cryptosigner
// would do, except that it signs PSS with the largest salt, where RFC 7518
// wants one as long as the hash.
type opaqueSigner struct {
	signer crypto.Signer
	alg    jose.SignatureAlgorithm
	kid    string
}

var _ jose.OpaqueSigner = (*opaqueSigner)(nil)

// Public returns the public key with the kid, which go-jose copies into the
// protected header.
func (s *opaqueSigner) Public() *jose.JSONWebKey {
	return &jose.JSONWebKey{Key: s.signer.Public(), KeyID: s.kid, Algorithm: string(s.alg), Use: "sig"}
}

func (s *opaqueSigner) Algs() []jose.SignatureAlgorithm { return []jose.SignatureAlgorithm{s.alg} }

func (s *opaqueSigner) SignPayload(payload []byte, alg jose.SignatureAlgorithm) ([]byte, error) {
	if alg != s.alg {
		return nil, jose.ErrUnsupportedAlgorithm
	}
	switch alg {
	case EdDSA:
		return s.signer.Sign(rand.Reader, payload, crypto.Hash(0))
	case ES256:
		h := sha256.Sum256(payload)
		der, err := s.signer.Sign(rand.Reader, h[:], crypto.SHA256)
		if err != nil {
			return nil, err
		}
		return ecdsaRaw(der, 32)
	case PS384:
		h := sha512.Sum384(payload)
		return s.signer.Sign(rand.Reader, h[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA384})
	}
	return nil, jose.ErrUnsupportedAlgorithm
}

// ecdsaRaw converts an ASN.1 DER ECDSA signature, what crypto.Signer
// returns, to the fixed-size R||S that JWS uses (RFC 7518 §3.4).
func ecdsaRaw(der []byte, size int) ([]byte, error) {
	var sig struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &sig)
	if err != nil || len(rest) != 0 || sig.R == nil || sig.S == nil ||
		sig.R.Sign() <= 0 || sig.S.Sign() <= 0 || sig.R.BitLen() > size*8 || sig.S.BitLen() > size*8 {
		return nil, errors.New("token: signer returned a malformed ECDSA signature")
	}
	out := make([]byte, 2*size)
	sig.R.FillBytes(out[:size])
	sig.S.FillBytes(out[size:])
	return out, nil
}
