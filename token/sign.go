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
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
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
// crypto.Signer stands for its public key. Keys no honest signer has are
// refused: low-order Ed25519 points, RSA moduli outside MinRSABits to 8192
// bits, even moduli and exponents that are even or below 3.
func Algorithm(key crypto.PublicKey) (string, error) {
	alg, err := algorithm(publicOf(key))
	if err != nil {
		return "", fmt.Errorf("%w", err)
	}
	return alg, nil
}

// algorithm is Algorithm for a public key, with errors that do not name
// the package, for callers that add their own context.
func algorithm(key crypto.PublicKey) (string, error) {
	switch k := key.(type) {
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return "", fmt.Errorf("Ed25519 public key of %d bytes", len(k))
		}
		if ed25519LowOrder(k) {
			return "", errors.New("Ed25519 public key is a low-order point, which would verify forged signatures")
		}
		return EdDSA, nil
	case *ecdsa.PublicKey:
		if k == nil || k.Curve != elliptic.P256() {
			return "", errors.New("ECDSA keys must be on curve P-256 (ES256)")
		}
		return ES256, nil
	case *rsa.PublicKey:
		if k == nil || k.N == nil {
			return "", errors.New("nil RSA key")
		}
		if n := k.N.BitLen(); n < MinRSABits || n > maxRSABits {
			return "", fmt.Errorf("RSA key of %d bits (want %d to %d)", n, MinRSABits, maxRSABits)
		}
		if k.N.Bit(0) == 0 {
			return "", errors.New("RSA modulus is even")
		}
		if k.E < 3 || k.E&1 == 0 {
			return "", fmt.Errorf("RSA public exponent %d (want an odd number of 3 or more)", k.E)
		}
		return PS384, nil
	default:
		return "", fmt.Errorf("unsupported key type %T", key)
	}
}

// ed25519SmallOrder are the y coordinates, little-endian without the sign
// bit, of the points of order 1, 2, 4 and 8 on edwards25519, and the
// non-canonical encodings (y ≥ p) of those that have one: 0, 1, two of
// order 8, p-1, p and p+1. The list is libsodium's
// (ge25519_has_small_order). crypto/ed25519 accepts such keys, and with
// the identity as key any R = [S]B is a valid signature of every message.
var ed25519SmallOrder = [...][32]byte{
	{0x00},
	{0x01},
	{0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
		0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
	{0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
		0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
	{0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
	{0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
	{0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
}

// ed25519LowOrder reports whether k, 32 bytes, encodes a point of small
// order, whatever its sign bit.
func ed25519LowOrder(k ed25519.PublicKey) bool {
	var y [32]byte
	copy(y[:], k)
	y[31] &= 0x7f
	for _, s := range ed25519SmallOrder {
		if y == s {
			return true
		}
	}
	return false
}

// publicOf reduces a private key or signer to its public key.
func publicOf(key crypto.PublicKey) crypto.PublicKey {
	if k, ok := key.(interface{ Public() crypto.PublicKey }); ok {
		return k.Public()
	}
	return key
}

// Signer signs tokens with one key under one kid. Everything that does not
// depend on the claims (the algorithm, the encoded protected header) is
// worked out once by NewSigner, so Sign does only the claims encoding and
// the signature. A Signer is safe for concurrent use if its crypto.Signer
// is.
type Signer struct {
	signer crypto.Signer
	kid    string
	alg    string
	// prefix is the base64url protected header and the dot that follows
	// it: the start of every token.
	prefix string
	// sigSize is the length of a signature, to size the token's buffer.
	sigSize int
}

// NewSigner returns a Signer that signs with s, naming kid in each token's
// header {"alg":…,"kid":…,"typ":"JWT"}. The algorithm is the one of s's
// public key (see Algorithm). The key bytes are never needed: an HSM or KMS
// crypto.Signer works.
func NewSigner(s crypto.Signer, kid string) (*Signer, error) {
	if s == nil {
		return nil, errors.New("token: signer: nil crypto.Signer")
	}
	if kid == "" {
		return nil, errors.New("token: signer: kid is required")
	}
	alg, err := algorithm(publicOf(s.Public()))
	if err != nil {
		return nil, fmt.Errorf("token: signer: %w", err)
	}
	hdr, err := json.Marshal(struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ"`
	}{alg, kid, "JWT"})
	if err != nil {
		return nil, fmt.Errorf("token: signer: %w", err)
	}
	sigSize := 64 // EdDSA and ES256
	if pub, ok := publicOf(s.Public()).(*rsa.PublicKey); ok {
		sigSize = pub.Size()
	}
	return &Signer{signer: s, kid: kid, alg: alg, prefix: b64.EncodeToString(hdr) + ".", sigSize: sigSize}, nil
}

// Algorithm returns the JWS alg the Signer signs with.
func (s *Signer) Algorithm() string { return s.alg }

// KeyID returns the kid the Signer writes into every token.
func (s *Signer) KeyID() string { return s.kid }

// Sign returns c as a compact JWS. It fails if c lacks what Verify
// requires (Issuer, LicenseARN, ConsumptionToken, IssuedAt and a later
// Expiration) or if the crypto.Signer does.
func (s *Signer) Sign(c *Claims) (string, error) {
	if err := c.validate(); err != nil {
		return "", err
	}
	claims := appendClaims(make([]byte, 0, 1024), c)
	// One buffer, sized once, holds the whole token: header, payload and
	// signature.
	buf := make([]byte, 0, len(s.prefix)+b64.EncodedLen(len(claims))+1+b64.EncodedLen(s.sigSize))
	buf = append(buf, s.prefix...)
	buf = b64.AppendEncode(buf, claims)
	sig, err := s.sign(buf)
	if err != nil {
		return "", fmt.Errorf("token: sign: %w", err)
	}
	if len(sig) != s.sigSize {
		return "", fmt.Errorf("token: sign: the crypto.Signer returned a %d-byte %s signature, want %d bytes", len(sig), s.alg, s.sigSize)
	}
	buf = append(buf, '.')
	buf = b64.AppendEncode(buf, sig)
	return string(buf), nil
}

// sign returns the JWS signature of input (RFC 7518 §3).
func (s *Signer) sign(input []byte) ([]byte, error) {
	switch s.alg {
	case EdDSA:
		return s.signer.Sign(rand.Reader, input, crypto.Hash(0))
	case ES256:
		h := sha256.Sum256(input)
		der, err := s.signer.Sign(rand.Reader, h[:], crypto.SHA256)
		if err != nil {
			return nil, err
		}
		return ecdsaRaw(der, 32)
	case PS384:
		// crypto/rsa's default salt, like go-jose's cryptosigner's, is
		// the largest that fits; RFC 7518 §3.5 wants one as long as the
		// hash, and Verify insists on it.
		h := sha512.Sum384(input)
		return s.signer.Sign(rand.Reader, h[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA384})
	}
	return nil, fmt.Errorf("%w: %q", ErrUnsupportedAlgorithm, s.alg)
}

// Sign returns claims as a compact JWS signed by signer under alg, with the
// header {"alg": alg, "kid": kid, "typ": "JWT"}. alg must be the algorithm
// of signer's key (see Algorithm). Code that signs many tokens with one key
// should keep a Signer instead.
func Sign(signer crypto.Signer, kid string, alg string, claims Claims) (string, error) {
	s, err := NewSigner(signer, kid)
	if err != nil {
		return "", err
	}
	if alg != s.alg {
		return "", fmt.Errorf("token: sign: %w: alg %q does not match the key, which signs %s", ErrUnsupportedAlgorithm, alg, s.alg)
	}
	return s.Sign(&claims)
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
