package token

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// Verification errors. Verify wraps exactly one of them, with details, so
// callers test with errors.Is and show Error() to people.
var (
	// ErrMalformed: not a compact JWS with a JSON header and claims of the
	// expected shape.
	ErrMalformed = errors.New("token: malformed")
	// ErrUnsupportedAlgorithm: alg is none, HMAC, unknown, or not the one
	// algorithm of the key named by kid.
	ErrUnsupportedAlgorithm = errors.New("token: unsupported algorithm")
	// ErrUnknownKey: no pinned key has the token's kid.
	ErrUnknownKey = errors.New("token: unknown signing key")
	// ErrBadSignature: the signature does not verify; the token was
	// altered or signed by another key.
	ErrBadSignature = errors.New("token: bad signature")
	// ErrExpired: the token's expiration has passed.
	ErrExpired = errors.New("token: expired")
	// ErrNotYetValid: the token's nbf or iat is in the future.
	ErrNotYetValid = errors.New("token: not yet valid")
	// ErrWrongIssuer: iss is not the expected issuer, or not the issuer the
	// signing key is bound to.
	ErrWrongIssuer = errors.New("token: wrong issuer")
	// ErrWrongNode: the token is locked to another node.
	ErrWrongNode = errors.New("token: wrong node")
	// ErrWrongAudience: aud does not name the expected audience.
	ErrWrongAudience = errors.New("token: wrong audience")
)

// DefaultClockSkew is how far the verifier's clock may be from the
// issuer's before exp, nbf and iat are held against a token.
const DefaultClockSkew = 60 * time.Second

// MaxTokenSize bounds the work Verify does on arbitrary input.
const MaxTokenSize = 64 << 10

// VerifyOptions are the expectations a token is held to.
type VerifyOptions struct {
	// Issuer is the KeyFingerprint the token must carry in iss. Required:
	// a verifier that accepted any issuer would accept every seller's
	// tokens.
	Issuer string
	// NodeID, when set, must equal the token's nodeId; a token without
	// one is not locked to a node and passes.
	NodeID string
	// Audience, when set, must be one of the token's aud values.
	Audience string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// ClockSkew is the allowance applied to exp, nbf and iat:
	// DefaultClockSkew when zero, none when negative.
	ClockSkew time.Duration
	// Thumbprints, when set, pins keys by their RFC 7638 SHA-256
	// thumbprint (see Thumbprint): NewVerifier drops every key whose
	// thumbprint is not listed, so that a JWKS fetched or shipped later
	// cannot add a key, and fails if none is left. Tokens naming a dropped
	// key's kid fail with ErrUnknownKey.
	Thumbprints []string
}

// Verifier checks tokens offline against pinned public keys. Keys are
// parsed once, when the Verifier is built; Verify is safe for concurrent
// use.
type Verifier struct {
	keys map[string]*verifyKey
	opts VerifyOptions
	skew time.Duration
}

type verifyKey struct {
	alg     string
	issuer  string
	account string
	ed      ed25519.PublicKey
	ec      *ecdsa.PublicKey
	pss     *pssKey
}

// NewVerifier returns a Verifier for keys, less those that
// opts.Thumbprints does not pin.
func NewVerifier(keys []PublicKey, opts VerifyOptions) (*Verifier, error) {
	if opts.Issuer == "" {
		return nil, errors.New("token: verifier: VerifyOptions.Issuer is required (the issuer's KeyFingerprint)")
	}
	if len(keys) == 0 {
		return nil, errors.New("token: verifier: no keys")
	}
	v := &Verifier{keys: make(map[string]*verifyKey, len(keys)), opts: opts, skew: opts.ClockSkew}
	switch {
	case v.skew == 0:
		v.skew = DefaultClockSkew
	case v.skew < 0:
		v.skew = 0
	}
	if v.opts.Now == nil {
		v.opts.Now = time.Now
	}
	pinned := make(map[string]bool, len(opts.Thumbprints))
	for _, tp := range opts.Thumbprints {
		pinned[tp] = true
	}
	v.opts.Thumbprints = nil // not needed after this, and not shared with the caller
	for _, k := range keys {
		k, err := k.normalize()
		if err != nil {
			return nil, fmt.Errorf("token: verifier: %w", err)
		}
		if _, ok := v.keys[k.KeyID]; ok {
			return nil, fmt.Errorf("token: verifier: duplicate kid %q", k.KeyID)
		}
		if len(pinned) > 0 {
			tp, err := thumbprint(k.Key)
			if err != nil {
				return nil, fmt.Errorf("token: verifier: key %q: %w", k.KeyID, err)
			}
			if !pinned[tp] {
				continue
			}
		}
		vk := &verifyKey{alg: k.Algorithm, issuer: k.Issuer, account: k.Account}
		switch pub := k.Key.(type) {
		case ed25519.PublicKey:
			vk.ed = pub
		case *ecdsa.PublicKey:
			vk.ec = pub
		case *rsa.PublicKey:
			vk.pss = newPSSKey(pub)
		}
		v.keys[k.KeyID] = vk
	}
	if len(v.keys) == 0 {
		return nil, fmt.Errorf("token: verifier: none of the %d keys has a pinned thumbprint", len(keys))
	}
	return v, nil
}

// NewVerifierFromJWKS returns a Verifier for the keys of a JWKS document.
func NewVerifierFromJWKS(jwks []byte, opts VerifyOptions) (*Verifier, error) {
	keys, err := ParseJWKS(jwks)
	if err != nil {
		return nil, err
	}
	return NewVerifier(keys, opts)
}

// header is the part of the JOSE header Verify reads.
type header struct {
	Alg  *string         `json:"alg"`
	Kid  string          `json:"kid"`
	Typ  string          `json:"typ"`
	Crit json.RawMessage `json:"crit"`
	B64  json.RawMessage `json:"b64"`
}

// Verify checks a compact JWS token and returns its claims. The checks run
// in this order, and the first failure is returned wrapping its sentinel:
// shape (ErrMalformed), alg (ErrUnsupportedAlgorithm), kid
// (ErrUnknownKey), signature (ErrBadSignature), claims shape
// (ErrMalformed), issuer (ErrWrongIssuer), audience (ErrWrongAudience),
// time (ErrNotYetValid, ErrExpired), node (ErrWrongNode).
func (v *Verifier) Verify(token string) (*Claims, error) {
	if len(token) > MaxTokenSize {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, MaxTokenSize)
	}
	for i := 0; i < len(token); i++ {
		if !isTokenChar(token[i]) {
			return nil, fmt.Errorf("%w: byte %d is not base64url or a dot", ErrMalformed, i)
		}
	}
	h64, rest, ok1 := strings.Cut(token, ".")
	p64, s64, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(s64, ".") {
		return nil, fmt.Errorf("%w: not a compact JWS (three base64url parts separated by dots)", ErrMalformed)
	}
	hb, err := decodeSegment(h64)
	if err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrMalformed, err)
	}
	var h header
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, fmt.Errorf("%w: header is not a JSON object", ErrMalformed)
	}
	if h.Alg == nil {
		return nil, fmt.Errorf("%w: header has no alg", ErrMalformed)
	}
	alg := *h.Alg
	switch alg {
	case EdDSA, ES256, PS384:
	case "none", "":
		return nil, fmt.Errorf("%w: unsigned tokens (alg %q) are never accepted", ErrUnsupportedAlgorithm, alg)
	default:
		return nil, fmt.Errorf("%w: alg %q (accepted: EdDSA, ES256, PS384)", ErrUnsupportedAlgorithm, clip(alg))
	}
	if h.Crit != nil || h.B64 != nil {
		return nil, fmt.Errorf("%w: header has crit or b64 extensions, which licensor tokens never use", ErrMalformed)
	}
	if h.Typ != "" && !strings.EqualFold(h.Typ, "JWT") {
		return nil, fmt.Errorf("%w: typ %q is not JWT", ErrMalformed, clip(h.Typ))
	}
	if h.Kid == "" {
		return nil, fmt.Errorf("%w: header has no kid", ErrUnknownKey)
	}
	k := v.keys[h.Kid]
	if k == nil {
		return nil, fmt.Errorf("%w: kid %q is not among the pinned keys", ErrUnknownKey, clip(h.Kid))
	}
	if alg != k.alg {
		return nil, fmt.Errorf("%w: alg %s, but key %q signs %s", ErrUnsupportedAlgorithm, alg, clip(h.Kid), k.alg)
	}
	sig, err := decodeSegment(s64)
	if err != nil {
		return nil, fmt.Errorf("%w: signature: %v", ErrMalformed, err)
	}
	if !k.verify(token[:len(h64)+1+len(p64)], sig) {
		return nil, fmt.Errorf("%w: the token was altered or not signed by key %q", ErrBadSignature, clip(h.Kid))
	}

	payload, err := decodeSegment(p64)
	if err != nil {
		return nil, fmt.Errorf("%w: claims: %v", ErrMalformed, err)
	}
	c, err := parseClaims(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if c.Issuer != v.opts.Issuer {
		return nil, fmt.Errorf("%w: issued by %q, expected %q", ErrWrongIssuer, clip(c.Issuer), v.opts.Issuer)
	}
	if k.issuer != "" && c.Issuer != k.issuer {
		return nil, fmt.Errorf("%w: key %q signs only for %q, not %q", ErrWrongIssuer, clip(h.Kid), k.issuer, clip(c.Issuer))
	}
	if k.account != "" {
		if acct, ok := fingerprintAccount(c.Issuer); !ok || acct != k.account {
			return nil, fmt.Errorf("%w: key %q signs only for issuers of account %s, not %q", ErrWrongIssuer, clip(h.Kid), k.account, clip(c.Issuer))
		}
	}
	if v.opts.Audience != "" && !contains(c.Audience, v.opts.Audience) {
		return nil, fmt.Errorf("%w: token is not for %q", ErrWrongAudience, v.opts.Audience)
	}
	now := v.opts.Now()
	if !c.NotBefore.IsZero() && now.Add(v.skew).Before(c.NotBefore) {
		return nil, fmt.Errorf("%w: valid from %s; it is %s (clock skew allowed %s)", ErrNotYetValid, c.NotBefore.Format(TimeFormat), now.UTC().Format(TimeFormat), v.skew)
	}
	if !c.IssuedAt.IsZero() && now.Add(v.skew).Before(c.IssuedAt) {
		return nil, fmt.Errorf("%w: issued at %s, in the future; it is %s (clock skew allowed %s)", ErrNotYetValid, c.IssuedAt.Format(TimeFormat), now.UTC().Format(TimeFormat), v.skew)
	}
	if !now.Add(-v.skew).Before(c.Expiration) {
		return nil, fmt.Errorf("%w: expired at %s; it is %s (clock skew allowed %s)", ErrExpired, c.Expiration.Format(TimeFormat), now.UTC().Format(TimeFormat), v.skew)
	}
	if v.opts.NodeID != "" && c.NodeID != "" && c.NodeID != v.opts.NodeID {
		return nil, fmt.Errorf("%w: token is locked to node %q, this is node %q", ErrWrongNode, clip(c.NodeID), v.opts.NodeID)
	}
	return c, nil
}

// verify checks sig over the JWS signing input with the key's algorithm.
func (k *verifyKey) verify(input string, sig []byte) bool {
	switch k.alg {
	case EdDSA:
		return len(sig) == ed25519.SignatureSize && ed25519.Verify(k.ed, []byte(input), sig)
	case ES256:
		if len(sig) != 64 {
			return false
		}
		h := sha256.Sum256([]byte(input))
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		return ecdsa.Verify(k.ec, h[:], r, s)
	case PS384:
		h := sha512.Sum384([]byte(input))
		return k.pss.verify(h[:], sig)
	}
	return false
}

// isTokenChar reports whether c may appear in a compact JWS. Checking this
// first matters: the base64 decoder skips CR and LF.
func isTokenChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
}

var b64Strict = base64.RawURLEncoding.Strict()

// decodeSegment decodes unpadded base64url strictly: every token has one
// encoding, so no byte of it can change without the signature failing.
func decodeSegment(s string) ([]byte, error) {
	b, err := b64Strict.DecodeString(s)
	if err != nil {
		return nil, errors.New("not unpadded base64url")
	}
	return b, nil
}

// clip shortens attacker-controlled text quoted in errors.
func clip(s string) string {
	if len(s) > 128 {
		return s[:128] + "…"
	}
	return s
}

// fingerprintAccount returns the account of a KeyFingerprint,
// aws:<12-digit account>:<issuer name>:issuer-fingerprint. It is
// licensor.ParseKeyFingerprint, repeated so that this package, which
// vendors' software links, needs nothing but the standard library.
func fingerprintAccount(fp string) (string, bool) {
	rest, ok := strings.CutPrefix(fp, "aws:")
	if !ok || len(rest) < 13 || rest[12] != ':' || !validAccount(rest[:12]) {
		return "", false
	}
	name, ok := strings.CutSuffix(rest[13:], ":issuer-fingerprint")
	if !ok || name == "" {
		return "", false
	}
	return rest[:12], true
}

// validAccount reports whether s is a 12-digit account ID.
func validAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
