package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
)

// PublicKey is one verification key: what a JWKS entry holds.
type PublicKey struct {
	// KeyID is the JWS "kid" that selects the key. Required.
	KeyID string
	// Algorithm is EdDSA, ES256 or PS384; "" means the algorithm of Key.
	Algorithm string
	// Key is an ed25519.PublicKey, *ecdsa.PublicKey (P-256) or
	// *rsa.PublicKey. A private key or crypto.Signer is reduced to its
	// public part: nothing private is kept or serialized.
	Key crypto.PublicKey
	// Account, when set, is the 12-digit seller account the key belongs
	// to: the key then only verifies tokens whose iss is a KeyFingerprint
	// of that account (aws:<Account>:<issuer name>:issuer-fingerprint),
	// whatever the issuer name, because an account's key signs for all of
	// its issuers. A JWKS that publishes the keys of several accounts must
	// set it (or Issuer), or one seller's key could sign tokens claiming
	// to be another's. It is written as the JWK member "account".
	Account string
	// Issuer, when set, is the only KeyFingerprint the key may sign for: a
	// narrower pin than Account. It is written as the JWK member "iss".
	Issuer string
}

// normalize reduces Key to a public key and checks Algorithm, Account and
// Issuer against it and each other.
func (k PublicKey) normalize() (PublicKey, error) {
	if k.KeyID == "" {
		return k, errors.New("key without kid")
	}
	k.Key = publicOf(k.Key)
	alg, err := algorithm(k.Key)
	if err != nil {
		return k, fmt.Errorf("key %q: %w", k.KeyID, err)
	}
	if k.Algorithm == "" {
		k.Algorithm = alg
	} else if k.Algorithm != alg {
		return k, fmt.Errorf("key %q: alg %q does not match the key, which signs %s", k.KeyID, k.Algorithm, alg)
	}
	if k.Account != "" && !validAccount(k.Account) {
		return k, fmt.Errorf("key %q: account %q is not a 12-digit account ID", k.KeyID, k.Account)
	}
	if k.Account != "" && k.Issuer != "" {
		if acct, ok := fingerprintAccount(k.Issuer); !ok || acct != k.Account {
			return k, fmt.Errorf("key %q: iss %q is not an issuer of account %s", k.KeyID, k.Issuer, k.Account)
		}
	}
	return k, nil
}

// jwk is the JSON form of a public key. It has no member for private
// material, so none can ever be written.
type jwk struct {
	Kty     string `json:"kty"`
	Crv     string `json:"crv,omitempty"`
	X       string `json:"x,omitempty"`
	Y       string `json:"y,omitempty"`
	N       string `json:"n,omitempty"`
	E       string `json:"e,omitempty"`
	Kid     string `json:"kid"`
	Alg     string `json:"alg"`
	Use     string `json:"use"`
	Account string `json:"account,omitempty"`
	Iss     string `json:"iss,omitempty"`
}

var b64 = base64.RawURLEncoding

// keyMembers fills the members of j that RFC 7638 hashes: kty and crv/x/y
// or n/e. pub is a public key that Algorithm accepts.
func keyMembers(j *jwk, pub crypto.PublicKey) error {
	switch pub := pub.(type) {
	case ed25519.PublicKey:
		j.Kty, j.Crv, j.X = "OKP", "Ed25519", b64.EncodeToString(pub)
	case *ecdsa.PublicKey:
		pt, err := pub.Bytes() // 0x04 || X || Y
		if err != nil {
			return err
		}
		size := (len(pt) - 1) / 2
		j.Kty, j.Crv = "EC", "P-256"
		j.X, j.Y = b64.EncodeToString(pt[1:1+size]), b64.EncodeToString(pt[1+size:])
	case *rsa.PublicKey:
		j.Kty = "RSA"
		j.N = b64.EncodeToString(pub.N.Bytes())
		j.E = b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes())
	default:
		return fmt.Errorf("unsupported key type %T", pub)
	}
	return nil
}

// JWKS returns the JSON Web Key Set of keys: {"keys":[{kty, crv/x/y or
// n/e, kid, alg, use: "sig", and account and iss when set}]}, in the order
// given, with public parts only.
func JWKS(keys []PublicKey) ([]byte, error) {
	set := struct {
		Keys []jwk `json:"keys"`
	}{Keys: make([]jwk, 0, len(keys))}
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		k, err := k.normalize()
		if err != nil {
			return nil, fmt.Errorf("token: jwks: %w", err)
		}
		if seen[k.KeyID] {
			return nil, fmt.Errorf("token: jwks: duplicate kid %q", k.KeyID)
		}
		seen[k.KeyID] = true
		j := jwk{Kid: k.KeyID, Alg: k.Algorithm, Use: "sig", Account: k.Account, Iss: k.Issuer}
		if err := keyMembers(&j, k.Key); err != nil {
			return nil, fmt.Errorf("token: jwks: key %q: %w", k.KeyID, err)
		}
		set.Keys = append(set.Keys, j)
	}
	return json.Marshal(&set)
}

// privateMembers are the JWK members that hold private or symmetric key
// material (RFC 7518 §6): their presence means the key set leaks a secret.
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k", "priv"}

// ParseJWKS parses a JSON Web Key Set. Keys whose "use" is not "sig" and
// keys without a kid are skipped, as they can never verify a token. Every
// other key must be one this package verifies with (OKP Ed25519, EC P-256
// or RSA, with "alg", if present, that key's own algorithm) and must be
// well formed; otherwise the whole set is refused, as it is if two keys
// share a kid, if no key is left, or if any key carries private material:
// a key set that leaks a private key must not be pinned.
//
// Member names are matched exactly (JSON members are case-sensitive) and
// members this package does not know, such as x5c, are ignored.
func ParseJWKS(data []byte) ([]PublicKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, fmt.Errorf("token: jwks: not JSON: %v", err)
		}
		return nil, errors.New(`token: jwks: not a JSON Web Key Set (an object with a "keys" array of objects)`)
	}
	if set.Keys == nil {
		return nil, errors.New(`token: jwks: not a JSON Web Key Set: no "keys" array`)
	}
	var keys []PublicKey
	seen := map[string]bool{}
	for i, raw := range set.Keys {
		var members map[string]json.RawMessage
		if err := json.Unmarshal(raw, &members); err != nil || members == nil {
			return nil, fmt.Errorf("token: jwks: key %d is not a JSON object", i)
		}
		for _, m := range privateMembers {
			if _, ok := members[m]; ok {
				return nil, fmt.Errorf("token: jwks: key %d contains private key material (member %q); refusing the key set", i, m)
			}
		}
		k, skip, err := parseJWK(members)
		if err != nil {
			if kid, _ := member(members, "kid"); kid != "" {
				return nil, fmt.Errorf("token: jwks: key %q: %v", clip(kid), err)
			}
			return nil, fmt.Errorf("token: jwks: key %d: %v", i, err)
		}
		if skip {
			continue
		}
		// normalize checks the rest: the algorithm against the key, RSA
		// sizes and exponent, low-order Ed25519 points, account and iss.
		if k, err = k.normalize(); err != nil {
			return nil, fmt.Errorf("token: jwks: %w", err)
		}
		if seen[k.KeyID] {
			return nil, fmt.Errorf("token: jwks: duplicate kid %q", clip(k.KeyID))
		}
		seen[k.KeyID] = true
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("token: jwks: no signing key (EdDSA, ES256 or PS384 with a kid)")
	}
	return keys, nil
}

// parseJWK decodes one JWK without private members; normalize checks
// the key it returns. skip is true for keys
// that are not for verifying tokens: no kid, "use" other than "sig", or a
// key type, curve or algorithm this package does not verify (a newer
// server's keys must not make old verifiers refuse the whole set).
func parseJWK(m map[string]json.RawMessage) (k PublicKey, skip bool, err error) {
	var s [10]string
	for i, name := range [...]string{"kty", "crv", "x", "y", "n", "e", "kid", "alg", "use", "account"} {
		if s[i], err = member(m, name); err != nil {
			return k, false, err
		}
	}
	kty, crv, x, y, n, e, kid, alg, use, account := s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9]
	iss, err := member(m, "iss")
	if err != nil {
		return k, false, err
	}
	if kid == "" || use != "" && use != "sig" {
		return k, true, nil
	}
	k = PublicKey{KeyID: kid, Account: account, Issuer: iss}
	switch kty {
	case "OKP":
		if crv != "Ed25519" {
			return k, true, nil // another curve: not ours to use (RFC 7517 §5)
		}
		xb, err := coordinate("x", x, ed25519.PublicKeySize)
		if err != nil {
			return k, false, err
		}
		k.Key = ed25519.PublicKey(xb)
	case "EC":
		if crv != "P-256" {
			return k, true, nil
		}
		xb, err := coordinate("x", x, 32)
		if err != nil {
			return k, false, err
		}
		yb, err := coordinate("y", y, 32)
		if err != nil {
			return k, false, err
		}
		pt := append(append([]byte{4}, xb...), yb...)
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), pt)
		if err != nil {
			return k, false, errors.New("x and y are not a point on P-256")
		}
		k.Key = pub
	case "RSA":
		nb, err := unsignedInt("n", n)
		if err != nil {
			return k, false, err
		}
		eb, err := unsignedInt("e", e)
		if err != nil {
			return k, false, err
		}
		ev := new(big.Int).SetBytes(eb)
		if !ev.IsInt64() || ev.Int64() > math.MaxInt {
			return k, false, errors.New("e is too large")
		}
		k.Key = &rsa.PublicKey{N: new(big.Int).SetBytes(nb), E: int(ev.Int64())}
	case "":
		return k, false, errors.New("kty is missing")
	default:
		// A key type a later server may publish: ignored, as RFC 7517 §5
		// asks, so verifiers already in the field keep working.
		return k, true, nil
	}
	switch alg {
	case "", EdDSA, ES256, PS384:
	default:
		return k, true, nil
	}
	k.Algorithm = alg
	return k, false, nil
}

// member returns the string member name of a JWK, "" when absent.
func member(m map[string]json.RawMessage, name string) (string, error) {
	raw, ok := m[name]
	if !ok {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("member %q is not a string", name)
	}
	return s, nil
}

// coordinate decodes a fixed-size base64url member (RFC 7518 §6.2.1.2 and
// RFC 8037 §2 want the full length, leading zeros included).
func coordinate(name, s string, size int) ([]byte, error) {
	if s == "" {
		return nil, fmt.Errorf("member %q is missing", name)
	}
	b, err := b64Strict.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("member %q is not unpadded base64url", name)
	}
	if len(b) != size {
		return nil, fmt.Errorf("member %q is %d bytes, want %d", name, len(b), size)
	}
	return b, nil
}

// unsignedInt decodes a base64url Base64urlUInt member (RFC 7518 §2): a
// big-endian integer in the fewest bytes, so that every key has one
// encoding and the thumbprint of the text is that of the key.
func unsignedInt(name, s string) ([]byte, error) {
	b, err := b64Strict.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("member %q is not unpadded base64url", name)
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("member %q is missing or empty", name)
	}
	if b[0] == 0 {
		return nil, fmt.Errorf("member %q has leading zero bytes", name)
	}
	if len(b) > maxRSABits/8 {
		return nil, fmt.Errorf("member %q is longer than %d bytes", name, maxRSABits/8)
	}
	return b, nil
}

// Thumbprint returns the RFC 7638 SHA-256 thumbprint of a public key,
// base64url-encoded: a kid derived from the key itself. A private key or
// crypto.Signer stands for its public key.
func Thumbprint(key crypto.PublicKey) (string, error) {
	key = publicOf(key)
	if _, err := algorithm(key); err != nil {
		return "", fmt.Errorf("token: thumbprint: %w", err)
	}
	tp, err := thumbprint(key)
	if err != nil {
		return "", fmt.Errorf("token: thumbprint: %w", err)
	}
	return tp, nil
}

// thumbprint is Thumbprint for a key that algorithm accepts.
func thumbprint(key crypto.PublicKey) (string, error) {
	var j jwk
	if err := keyMembers(&j, key); err != nil {
		return "", err
	}
	// The required members in lexicographic order, no whitespace (RFC
	// 7638 §3.2). Every value is base64url or a fixed name, so none needs
	// escaping.
	var canon string
	switch j.Kty {
	case "OKP":
		canon = `{"crv":"` + j.Crv + `","kty":"OKP","x":"` + j.X + `"}`
	case "EC":
		canon = `{"crv":"` + j.Crv + `","kty":"EC","x":"` + j.X + `","y":"` + j.Y + `"}`
	case "RSA":
		canon = `{"e":"` + j.E + `","kty":"RSA","n":"` + j.N + `"}`
	}
	sum := sha256.Sum256([]byte(canon))
	return b64.EncodeToString(sum[:]), nil
}
