package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"

	"github.com/go-jose/go-jose/v4"
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
	// Issuer, when set, is the only KeyFingerprint the key may sign for.
	// A JWKS that publishes the keys of several issuers must set it, or
	// one issuer's key could sign tokens claiming to be another's. It is
	// written as the JWK member "iss".
	Issuer string
}

// normalize reduces Key to a public key and checks Algorithm against it.
func (k PublicKey) normalize() (PublicKey, error) {
	if k.KeyID == "" {
		return k, errors.New("token: key: kid is required")
	}
	k.Key = publicOf(k.Key)
	alg, err := Algorithm(k.Key)
	if err != nil {
		return k, fmt.Errorf("token: key %q: %w", k.KeyID, err)
	}
	if k.Algorithm == "" {
		k.Algorithm = alg
	} else if k.Algorithm != alg {
		return k, fmt.Errorf("token: key %q: alg %q does not match the key, which signs %s", k.KeyID, k.Algorithm, alg)
	}
	return k, nil
}

// jwk is the JSON form of a public key. It has no member for private
// material, so none can ever be written.
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	Iss string `json:"iss,omitempty"`
}

var b64 = base64.RawURLEncoding

// JWKS returns the JSON Web Key Set of keys: {"keys":[{kty, crv/x/y or
// n/e, kid, alg, use: "sig"}]}, in the order given, with public parts only.
func JWKS(keys []PublicKey) ([]byte, error) {
	set := struct {
		Keys []jwk `json:"keys"`
	}{Keys: make([]jwk, 0, len(keys))}
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		k, err := k.normalize()
		if err != nil {
			return nil, err
		}
		if seen[k.KeyID] {
			return nil, fmt.Errorf("token: jwks: duplicate kid %q", k.KeyID)
		}
		seen[k.KeyID] = true
		j := jwk{Kid: k.KeyID, Alg: k.Algorithm, Use: "sig", Iss: k.Issuer}
		switch pub := k.Key.(type) {
		case ed25519.PublicKey:
			j.Kty, j.Crv, j.X = "OKP", "Ed25519", b64.EncodeToString(pub)
		case *ecdsa.PublicKey:
			pt, err := pub.Bytes() // 0x04 || X || Y
			if err != nil {
				return nil, fmt.Errorf("token: jwks: key %q: %w", k.KeyID, err)
			}
			size := (len(pt) - 1) / 2
			j.Kty, j.Crv = "EC", "P-256"
			j.X, j.Y = b64.EncodeToString(pt[1:1+size]), b64.EncodeToString(pt[1+size:])
		case *rsa.PublicKey:
			j.Kty = "RSA"
			j.N = b64.EncodeToString(pub.N.Bytes())
			j.E = b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes())
		}
		set.Keys = append(set.Keys, j)
	}
	return json.Marshal(&set)
}

// privateMembers are the JWK members that hold private or symmetric key
// material (RFC 7518 §6).
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k", "priv"}

// ParseJWKS parses a JSON Web Key Set. Following RFC 7517 §5, keys this
// package cannot use (another kty or curve, an algorithm other than the
// key's own, use other than "sig", no kid) are skipped; it is an error if
// none is left, if two usable keys share a kid, or if any key carries
// private material: a key set that leaks a private key must not be pinned.
func ParseJWKS(data []byte) ([]PublicKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("token: jwks: not a JSON Web Key Set: %v", err)
	}
	var keys []PublicKey
	seen := map[string]bool{}
	for i, raw := range set.Keys {
		var members map[string]json.RawMessage
		if err := json.Unmarshal(raw, &members); err != nil {
			return nil, fmt.Errorf("token: jwks: key %d is not a JSON object", i)
		}
		for _, m := range privateMembers {
			if _, ok := members[m]; ok {
				return nil, fmt.Errorf("token: jwks: key %d contains private key material (%q); refusing the key set", i, m)
			}
		}
		var hdr struct {
			Kty, Crv, Kid, Alg, Use, Iss string
		}
		if err := json.Unmarshal(raw, &hdr); err != nil {
			return nil, fmt.Errorf("token: jwks: key %d: %v", i, err)
		}
		supported := hdr.Kty == "RSA" || hdr.Kty == "EC" && hdr.Crv == "P-256" || hdr.Kty == "OKP" && hdr.Crv == "Ed25519"
		if !supported || hdr.Kid == "" || hdr.Use != "" && hdr.Use != "sig" {
			continue
		}
		var jk jose.JSONWebKey
		if err := jk.UnmarshalJSON(raw); err != nil {
			return nil, fmt.Errorf("token: jwks: key %q: %v", hdr.Kid, err)
		}
		if !jk.IsPublic() {
			return nil, fmt.Errorf("token: jwks: key %q contains private key material; refusing the key set", hdr.Kid)
		}
		k, err := PublicKey{KeyID: hdr.Kid, Key: jk.Key, Issuer: hdr.Iss}.normalize()
		if err != nil {
			return nil, fmt.Errorf("token: jwks: %w", err)
		}
		if hdr.Alg != "" && hdr.Alg != k.Algorithm {
			continue
		}
		if seen[k.KeyID] {
			return nil, fmt.Errorf("token: jwks: duplicate kid %q", k.KeyID)
		}
		seen[k.KeyID] = true
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("token: jwks: no usable signing key (EdDSA, ES256 or PS384 with a kid)")
	}
	return keys, nil
}

// Thumbprint returns the RFC 7638 SHA-256 thumbprint of a public key,
// base64url-encoded: a kid derived from the key itself.
func Thumbprint(key crypto.PublicKey) (string, error) {
	key = publicOf(key)
	if _, err := Algorithm(key); err != nil {
		return "", err
	}
	tp, err := (&jose.JSONWebKey{Key: key}).Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("token: thumbprint: %w", err)
	}
	return b64.EncodeToString(tp), nil
}
