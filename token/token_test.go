package token_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/licensorhq/licensor/token"
)

const (
	issuer  = "aws:111122223333:Example Vendor:issuer-fingerprint"
	arn     = "arn:aws:license-manager::111122223333:license:l-0123456789abcdef0123456789abcdef"
	consume = "3b6a0b6e-0d1e-4d0a-9b8e-0a2b3c4d5e6f"
)

var t0 = time.Date(2030, 5, 6, 7, 8, 9, 123_000_000, time.UTC)

// testKey is one signing key of each algorithm, generated once (RSA-3072
// takes a while).
type testKey struct {
	alg    string
	kid    string
	signer crypto.Signer
}

var testKeys = sync.OnceValue(func() []testKey {
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 3072)
	return []testKey{
		{token.EdDSA, "ed-1", ed},
		{token.ES256, "ec-1", ec},
		{token.PS384, "rsa-1", rk},
	}
})

// otherKeys are keys of the same types that the verifier does not pin.
var otherKeys = sync.OnceValue(func() []testKey {
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 3072)
	return []testKey{
		{token.EdDSA, "ed-1", ed},
		{token.ES256, "ec-1", ec},
		{token.PS384, "rsa-1", rk},
	}
})

func publicKeys() []token.PublicKey {
	var pks []token.PublicKey
	for _, k := range testKeys() {
		pks = append(pks, token.PublicKey{KeyID: k.kid, Algorithm: k.alg, Key: k.signer.Public()})
	}
	return pks
}

func str(s string) *string { return &s }

func testClaims() token.Claims {
	return token.Claims{
		Issuer:         issuer,
		IssuedAt:       t0,
		Expiration:     t0.Add(time.Hour),
		LicenseARN:     arn,
		LicenseVersion: "2",
		EntitlementsAllowed: []token.Entitlement{
			{Name: "Seats", Unit: "Count", Value: str("3")},
			{Name: "Pro", Unit: "None"},
		},
		NodeID:           "node-7",
		Beneficiary:      "444455556666",
		CheckoutType:     "PROVISIONAL",
		CheckoutMetadata: map[string]string{"Customer": "ACME"},
		ConsumptionToken: consume,
	}
}

func mustSign(tb testing.TB, k testKey, c token.Claims) string {
	tb.Helper()
	tok, err := token.Sign(k.signer, k.kid, k.alg, c)
	if err != nil {
		tb.Fatalf("Sign(%s): %v", k.alg, err)
	}
	return tok
}

func mustVerifier(tb testing.TB, opts token.VerifyOptions) *token.Verifier {
	tb.Helper()
	if opts.Issuer == "" {
		opts.Issuer = issuer
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return t0.Add(time.Minute) }
	}
	v, err := token.NewVerifier(publicKeys(), opts)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// opaque hides a signer's concrete type, as an HSM's crypto.Signer would:
// Sign may use only Public and Sign.
type opaque struct{ s crypto.Signer }

func (o opaque) Public() crypto.PublicKey { return o.s.Public() }
func (o opaque) Sign(r io.Reader, d []byte, opts crypto.SignerOpts) ([]byte, error) {
	return o.s.Sign(r, d, opts)
}

func TestSignVerify(t *testing.T) {
	for _, k := range testKeys() {
		t.Run(k.alg, func(t *testing.T) {
			want := testClaims()
			tok, err := token.Sign(opaque{k.signer}, k.kid, k.alg, want)
			if err != nil {
				t.Fatal(err)
			}
			got, err := mustVerifier(t, token.VerifyOptions{NodeID: "node-7"}).Verify(tok)
			if err != nil {
				t.Fatal(err)
			}
			if !got.IssuedAt.Equal(want.IssuedAt) || !got.Expiration.Equal(want.Expiration) {
				t.Errorf("times = %v, %v; want %v, %v", got.IssuedAt, got.Expiration, want.IssuedAt, want.Expiration)
			}
			got.IssuedAt, got.Expiration = want.IssuedAt, want.Expiration
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(want)
			if string(gj) != string(wj) {
				t.Errorf("claims\n got %s\nwant %s", gj, wj)
			}
		})
	}
}

// TestWireFormat pins the header and claim names that other
// implementations read.
func TestWireFormat(t *testing.T) {
	k := testKeys()[0]
	c := testClaims()
	c.Audience = []string{"my-app"}
	c.NotBefore = t0
	parts := strings.Split(mustSign(t, k, c), ".")
	var hdr, claims map[string]any
	mustDecodeJSON(t, parts[0], &hdr)
	mustDecodeJSON(t, parts[1], &claims)
	if hdr["alg"] != "EdDSA" || hdr["kid"] != "ed-1" || hdr["typ"] != "JWT" || len(hdr) != 3 {
		t.Errorf("header = %v", hdr)
	}
	want := map[string]any{
		"iss": issuer, "sub": arn, "aud": "my-app", "jti": consume,
		"iat": float64(t0.Unix()), "exp": float64(t0.Add(time.Hour).Unix()), "nbf": float64(t0.Unix()),
		"licenseArn": arn, "licenseVersion": "2", "nodeId": "node-7", "beneficiary": "444455556666",
		"checkoutType": "PROVISIONAL", "licenseConsumptionToken": consume,
		"issuedAt": "2030-05-06T07:08:09.123Z", "expiration": "2030-05-06T08:08:09.123Z",
	}
	for name, v := range want {
		if claims[name] != v {
			t.Errorf("claim %s = %#v, want %#v", name, claims[name], v)
		}
	}
	ents, _ := json.Marshal(claims["entitlementsAllowed"])
	if string(ents) != `[{"name":"Seats","unit":"Count","value":"3"},{"name":"Pro","unit":"None"}]` {
		t.Errorf("entitlementsAllowed = %s", ents)
	}
	if md, _ := json.Marshal(claims["checkoutMetadata"]); string(md) != `{"Customer":"ACME"}` {
		t.Errorf("checkoutMetadata = %s", md)
	}
}

func mustDecodeJSON(tb testing.TB, seg string, v any) {
	tb.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		tb.Fatal(err)
	}
}

// TestIndependentVerification checks signatures with the standard library
// alone, as RFC 7515 and RFC 7518 describe them, not with this package or
// go-jose.
func TestIndependentVerification(t *testing.T) {
	for _, k := range testKeys() {
		t.Run(k.alg, func(t *testing.T) {
			tok := mustSign(t, opaque{k.signer}.key(k), testClaims())
			i := strings.LastIndexByte(tok, '.')
			input := []byte(tok[:i])
			sig, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
			if err != nil {
				t.Fatal(err)
			}
			var ok bool
			switch pub := k.signer.Public().(type) {
			case ed25519.PublicKey:
				ok = ed25519.Verify(pub, input, sig)
			case *ecdsa.PublicKey:
				h := sha256.Sum256(input)
				ok = len(sig) == 64 && ecdsa.Verify(pub, h[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
			case *rsa.PublicKey:
				h := sha512.Sum384(input)
				err := rsa.VerifyPSS(pub, crypto.SHA384, h[:], sig, &rsa.PSSOptions{SaltLength: sha512.Size384})
				if err != nil {
					t.Log(err)
				}
				ok = err == nil
			}
			if !ok {
				t.Fatal("signature does not verify with the standard library")
			}
		})
	}
}

// mustSign for an opaque signer keeps alg and kid of k.
func (o opaque) key(k testKey) testKey { return testKey{k.alg, k.kid, o} }

// TestGoJOSEInterop checks both directions against go-jose, an
// independent JOSE implementation: go-jose verifies our tokens with the
// keys it reads from our JWKS, and we verify tokens go-jose signs from the
// raw private keys.
func TestGoJOSEInterop(t *testing.T) {
	v := mustVerifier(t, token.VerifyOptions{})
	jwks, err := token.JWKS(publicKeys())
	if err != nil {
		t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(jwks, &set); err != nil {
		t.Fatalf("go-jose cannot read our JWKS: %v", err)
	}
	for _, k := range testKeys() {
		t.Run(k.alg, func(t *testing.T) {
			keys := set.Key(k.kid)
			if len(keys) != 1 || !keys[0].Valid() || !keys[0].IsPublic() || keys[0].Algorithm != k.alg || keys[0].Use != "sig" {
				t.Fatalf("go-jose reads key %s as %+v", k.kid, keys)
			}
			s, err := token.NewSigner(k.signer, k.kid)
			if err != nil {
				t.Fatal(err)
			}
			c := testClaims()
			tok, err := s.Sign(&c)
			if err != nil {
				t.Fatal(err)
			}
			obj, err := jose.ParseSigned(tok, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(k.alg)})
			if err != nil {
				t.Fatal(err)
			}
			if len(obj.Signatures) != 1 || obj.Signatures[0].Protected.KeyID != k.kid {
				t.Fatalf("go-jose reads header %+v", obj.Signatures)
			}
			payload, err := obj.Verify(keys[0])
			if err != nil {
				t.Fatalf("go-jose rejects our token: %v", err)
			}
			var m map[string]any
			if err := json.Unmarshal(payload, &m); err != nil || m["iss"] != issuer || m["jti"] != consume {
				t.Fatalf("go-jose reads claims %s (%v)", payload, err)
			}
			// A token from another key under the same kid must fail in
			// go-jose too: the cross-check has teeth.
			other := otherKeys()[slices.IndexFunc(otherKeys(), func(o testKey) bool { return o.alg == k.alg })]
			bad := mustSign(t, other, testClaims())
			if obj, err := jose.ParseSigned(bad, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(k.alg)}); err == nil {
				if _, err := obj.Verify(keys[0]); err == nil {
					t.Fatal("go-jose accepts a token signed by another key")
				}
			}

			theirs, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(k.alg), Key: k.signer},
				(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", k.kid))
			if err != nil {
				t.Fatal(err)
			}
			payload = []byte(`{"iss":"` + issuer + `","sub":"` + arn + `","jti":"x","iat":` +
				itoa(t0.Unix()) + `,"exp":` + itoa(t0.Add(time.Hour).Unix()) + `}`)
			sobj, err := theirs.Sign(payload)
			if err != nil {
				t.Fatal(err)
			}
			ctok, _ := sobj.CompactSerialize()
			got, err := v.Verify(ctok)
			if err != nil {
				t.Fatalf("we reject go-jose's token: %v", err)
			}
			if got.Issuer != issuer || got.LicenseARN != arn || got.ConsumptionToken != "x" {
				t.Errorf("claims of go-jose's token = %+v", got)
			}
		})
	}
}

// TestSigner checks the Signer's accessors and that its header is the
// JSON of alg, kid and typ, escaped where kid needs it.
func TestSigner(t *testing.T) {
	for _, k := range testKeys() {
		kid := k.kid + ` "quoted" <&> é`
		s, err := token.NewSigner(opaque{k.signer}, kid)
		if err != nil {
			t.Fatal(err)
		}
		if s.Algorithm() != k.alg || s.KeyID() != kid {
			t.Errorf("Algorithm, KeyID = %q, %q; want %q, %q", s.Algorithm(), s.KeyID(), k.alg, kid)
		}
		c := testClaims()
		tok, err := s.Sign(&c)
		if err != nil {
			t.Fatal(err)
		}
		var hdr map[string]string
		mustDecodeJSON(t, strings.Split(tok, ".")[0], &hdr)
		if len(hdr) != 3 || hdr["alg"] != k.alg || hdr["kid"] != kid || hdr["typ"] != "JWT" {
			t.Errorf("header = %v", hdr)
		}
		// Two tokens from one Signer share the header and nothing else
		// needs state: the second verifies as well.
		c.ConsumptionToken = "second"
		tok2, err := s.Sign(&c)
		if err != nil {
			t.Fatal(err)
		}
		pk := token.PublicKey{KeyID: kid, Key: k.signer.Public()}
		v, err := token.NewVerifier([]token.PublicKey{pk}, token.VerifyOptions{Issuer: issuer, Now: func() time.Time { return t0 }})
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range []string{tok, tok2} {
			if _, err := v.Verify(tk); err != nil {
				t.Errorf("%s: %v", k.alg, err)
			}
		}
		if _, err := s.Sign(&token.Claims{}); err == nil {
			t.Error("Sign of empty claims: want an error")
		}
	}
	if _, err := token.NewSigner(nil, "k"); err == nil {
		t.Error("nil signer: want an error")
	}
}

func itoa(n int64) string { return big.NewInt(n).String() }

// TestEveryByteFlip changes each byte of a valid token in turn; every
// variant must be rejected.
func TestEveryByteFlip(t *testing.T) {
	v := mustVerifier(t, token.VerifyOptions{})
	for _, k := range testKeys() {
		t.Run(k.alg, func(t *testing.T) {
			tok := mustSign(t, k, testClaims())
			if _, err := v.Verify(tok); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < len(tok); i++ {
				for _, mask := range []byte{0x01, 0x02, 0x20, 0x40} {
					b := []byte(tok)
					b[i] ^= mask
					if _, err := v.Verify(string(b)); err == nil {
						t.Fatalf("byte %d ^ %#x: altered token verifies", i, mask)
					}
				}
			}
			for _, bad := range []string{tok + "A", tok[:len(tok)-1], "\n" + tok, tok[:10] + "\n" + tok[10:], tok + "."} {
				if _, err := v.Verify(bad); err == nil {
					t.Fatalf("altered token %q verifies", bad)
				}
			}
		})
	}
}

// TestEverySubstitution replaces each byte of a short token with every
// other byte a token may hold: no variant verifies.
func TestEverySubstitution(t *testing.T) {
	k := testKeys()[0]
	v := mustVerifier(t, token.VerifyOptions{})
	tok := forge(t, &k, `{"alg":"EdDSA","kid":"ed-1"}`, `{"iss":"`+issuer+`","exp":`+itoa(t0.Add(time.Hour).Unix())+`}`, nil)
	if _, err := v.Verify(tok); err != nil {
		t.Fatal(err)
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
	n := 0
	for i := 0; i < len(tok); i++ {
		for j := 0; j < len(alphabet); j++ {
			if alphabet[j] == tok[i] {
				continue
			}
			b := []byte(tok)
			b[i] = alphabet[j]
			if _, err := v.Verify(string(b)); err == nil {
				t.Fatalf("byte %d = %q: altered token verifies", i, alphabet[j])
			}
			n++
		}
		// Deleting the byte fails as well.
		if _, err := v.Verify(tok[:i] + tok[i+1:]); err == nil {
			t.Fatalf("token without byte %d verifies", i)
		}
	}
	t.Logf("%d-byte token, %d variants rejected", len(tok), n)
}

// forge builds a compact JWS from raw header and claims JSON, signed by k
// with the standard library (or HMAC when k is nil and hmacKey is set).
func forge(tb testing.TB, k *testKey, hdr, claims string, hmacKey []byte) string {
	tb.Helper()
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(hdr)) + "." + enc.EncodeToString([]byte(claims))
	var sig []byte
	var err error
	switch {
	case hmacKey != nil:
		m := hmac.New(sha256.New, hmacKey)
		m.Write([]byte(input))
		sig = m.Sum(nil)
	case k == nil:
	case k.alg == token.EdDSA:
		sig, err = k.signer.Sign(rand.Reader, []byte(input), crypto.Hash(0))
	case k.alg == token.ES256:
		h := sha256.Sum256([]byte(input))
		r, s, e := ecdsa.Sign(rand.Reader, k.signer.(*ecdsa.PrivateKey), h[:])
		sig, err = append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...), e
	case k.alg == token.PS384:
		h := sha512.Sum384([]byte(input))
		sig, err = rsa.SignPSS(rand.Reader, k.signer.(*rsa.PrivateKey), crypto.SHA384, h[:], &rsa.PSSOptions{SaltLength: 48})
	}
	if err != nil {
		tb.Fatal(err)
	}
	return input + "." + enc.EncodeToString(sig)
}

func claimsJSON(mod func(map[string]any)) string {
	m := map[string]any{
		"iss": issuer, "sub": arn, "jti": consume, "licenseArn": arn, "licenseConsumptionToken": consume,
		"iat": t0.Unix(), "exp": t0.Add(time.Hour).Unix(), "nodeId": "node-7",
		"issuedAt": t0.Format(token.TimeFormat), "expiration": t0.Add(time.Hour).Format(token.TimeFormat),
		"entitlementsAllowed": []any{},
	}
	if mod != nil {
		mod(m)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func TestVerifyRejects(t *testing.T) {
	keys := testKeys()
	ed, ec, rk := &keys[0], &keys[1], &keys[2]
	other := otherKeys()
	good := claimsJSON(nil)
	edHdr := `{"alg":"EdDSA","kid":"ed-1","typ":"JWT"}`
	rsaPub := keys[2].signer.Public().(*rsa.PublicKey)
	for _, tt := range []struct {
		name  string
		token func(t *testing.T) string
		opts  token.VerifyOptions
		want  error
	}{
		{"empty", func(*testing.T) string { return "" }, token.VerifyOptions{}, token.ErrMalformed},
		{"two parts", func(*testing.T) string { return "eyJhbGciOiJFZERTQSJ9.e30" }, token.VerifyOptions{}, token.ErrMalformed},
		{"four parts", func(t *testing.T) string { return forge(t, ed, edHdr, good, nil) + ".AA" }, token.VerifyOptions{}, token.ErrMalformed},
		{"padding", func(t *testing.T) string { return forge(t, ed, edHdr, good, nil) + "==" }, token.VerifyOptions{}, token.ErrMalformed},
		{"header not json", func(t *testing.T) string { return forge(t, ed, `not json`, good, nil) }, token.VerifyOptions{}, token.ErrMalformed},
		{"header no alg", func(t *testing.T) string { return forge(t, ed, `{"kid":"ed-1"}`, good, nil) }, token.VerifyOptions{}, token.ErrMalformed},
		{"crit header", func(t *testing.T) string {
			return forge(t, ed, `{"alg":"EdDSA","kid":"ed-1","crit":["exp"],"exp":1}`, good, nil)
		}, token.VerifyOptions{}, token.ErrMalformed},
		{"typ not JWT", func(t *testing.T) string {
			return forge(t, ed, `{"alg":"EdDSA","kid":"ed-1","typ":"JOSE+JSON"}`, good, nil)
		}, token.VerifyOptions{}, token.ErrMalformed},
		{"too long", func(*testing.T) string { return strings.Repeat("A", token.MaxTokenSize+1) }, token.VerifyOptions{}, token.ErrMalformed},
		{"claims not json", func(t *testing.T) string { return forge(t, ed, edHdr, `[1,2]`, nil) }, token.VerifyOptions{}, token.ErrMalformed},
		{"claims no exp", func(t *testing.T) string {
			return forge(t, ed, edHdr, claimsJSON(func(m map[string]any) { delete(m, "exp"); delete(m, "expiration") }), nil)
		}, token.VerifyOptions{}, token.ErrMalformed},
		{"claims exp disagrees with expiration", func(t *testing.T) string {
			return forge(t, ed, edHdr, claimsJSON(func(m map[string]any) { m["exp"] = t0.Add(48 * time.Hour).Unix() }), nil)
		}, token.VerifyOptions{}, token.ErrMalformed},
		{"claims sub disagrees with licenseArn", func(t *testing.T) string {
			return forge(t, ed, edHdr, claimsJSON(func(m map[string]any) { m["sub"] = "arn:other" }), nil)
		}, token.VerifyOptions{}, token.ErrMalformed},

		{"alg none", func(t *testing.T) string { return forge(t, nil, `{"alg":"none","kid":"ed-1"}`, good, nil) }, token.VerifyOptions{}, token.ErrUnsupportedAlgorithm},
		{"alg None", func(t *testing.T) string { return forge(t, nil, `{"alg":"None","kid":"ed-1"}`, good, nil) }, token.VerifyOptions{}, token.ErrUnsupportedAlgorithm},
		{"alg empty", func(t *testing.T) string { return forge(t, nil, `{"alg":"","kid":"ed-1"}`, good, nil) }, token.VerifyOptions{}, token.ErrUnsupportedAlgorithm},
		{"HS256 keyed with the public key", func(t *testing.T) string {
			// The classic confusion: an HMAC over the RSA public key's bytes.
			return forge(t, nil, `{"alg":"HS256","kid":"rsa-1"}`, good, rsaPub.N.Bytes())
		}, token.VerifyOptions{}, token.ErrUnsupportedAlgorithm},
		{"RS384 on a PS384 key", func(t *testing.T) string {
			return forge(t, rk, `{"alg":"RS384","kid":"rsa-1"}`, good, nil)
		}, token.VerifyOptions{}, token.ErrUnsupportedAlgorithm},
		{"ES256 token naming the Ed25519 key", func(t *testing.T) string {
			return forge(t, ec, `{"alg":"ES256","kid":"ed-1"}`, good, nil)
		}, token.VerifyOptions{}, token.ErrUnsupportedAlgorithm},

		{"no kid", func(t *testing.T) string { return forge(t, ed, `{"alg":"EdDSA"}`, good, nil) }, token.VerifyOptions{}, token.ErrUnknownKey},
		{"unknown kid", func(t *testing.T) string { return forge(t, ed, `{"alg":"EdDSA","kid":"ed-9"}`, good, nil) }, token.VerifyOptions{}, token.ErrUnknownKey},

		{"tampered claims", func(t *testing.T) string {
			tok := forge(t, ed, edHdr, good, nil)
			parts := strings.Split(tok, ".")
			parts[1] = base64.RawURLEncoding.EncodeToString([]byte(claimsJSON(func(m map[string]any) { m["exp"] = t0.Add(9999 * time.Hour).Unix() })))
			return strings.Join(parts, ".")
		}, token.VerifyOptions{}, token.ErrBadSignature},
		{"signed by another Ed25519 key", func(t *testing.T) string { return forge(t, &other[0], edHdr, good, nil) }, token.VerifyOptions{}, token.ErrBadSignature},
		{"signed by another P-256 key", func(t *testing.T) string {
			return forge(t, &other[1], `{"alg":"ES256","kid":"ec-1"}`, good, nil)
		}, token.VerifyOptions{}, token.ErrBadSignature},
		{"signed by another RSA key", func(t *testing.T) string {
			return forge(t, &other[2], `{"alg":"PS384","kid":"rsa-1"}`, good, nil)
		}, token.VerifyOptions{}, token.ErrBadSignature},
		{"PSS with the maximum salt", func(t *testing.T) string {
			enc := base64.RawURLEncoding
			input := enc.EncodeToString([]byte(`{"alg":"PS384","kid":"rsa-1"}`)) + "." + enc.EncodeToString([]byte(good))
			h := sha512.Sum384([]byte(input))
			sig, err := rsa.SignPSS(rand.Reader, rk.signer.(*rsa.PrivateKey), crypto.SHA384, h[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
			if err != nil {
				t.Fatal(err)
			}
			return input + "." + enc.EncodeToString(sig)
		}, token.VerifyOptions{}, token.ErrBadSignature},
		{"empty signature", func(t *testing.T) string {
			tok := forge(t, ed, edHdr, good, nil)
			return tok[:strings.LastIndexByte(tok, '.')+1]
		}, token.VerifyOptions{}, token.ErrBadSignature},

		{"wrong issuer", func(t *testing.T) string { return forge(t, ed, edHdr, good, nil) },
			token.VerifyOptions{Issuer: "aws:999988887777:Other:issuer-fingerprint"}, token.ErrWrongIssuer},
		{"wrong audience", func(t *testing.T) string {
			return forge(t, ed, edHdr, claimsJSON(func(m map[string]any) { m["aud"] = []string{"a", "b"} }), nil)
		}, token.VerifyOptions{Audience: "c"}, token.ErrWrongAudience},
		{"expired", func(t *testing.T) string { return forge(t, ed, edHdr, good, nil) },
			token.VerifyOptions{Now: func() time.Time { return t0.Add(time.Hour + 61*time.Second) }}, token.ErrExpired},
		{"expired, no skew", func(t *testing.T) string { return forge(t, ed, edHdr, good, nil) },
			token.VerifyOptions{Now: func() time.Time { return t0.Add(time.Hour) }, ClockSkew: -1}, token.ErrExpired},
		{"not before", func(t *testing.T) string {
			return forge(t, ed, edHdr, claimsJSON(func(m map[string]any) { m["nbf"] = t0.Add(10 * time.Minute).Unix() }), nil)
		}, token.VerifyOptions{}, token.ErrNotYetValid},
		{"issued in the future", func(t *testing.T) string { return forge(t, ed, edHdr, good, nil) },
			token.VerifyOptions{Now: func() time.Time { return t0.Add(-2 * time.Minute) }}, token.ErrNotYetValid},
		{"wrong node", func(t *testing.T) string { return forge(t, ed, edHdr, good, nil) },
			token.VerifyOptions{NodeID: "node-8"}, token.ErrWrongNode},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tok := tt.token(t)
			_, err := mustVerifier(t, tt.opts).Verify(tok)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
			for _, other := range allErrors {
				if other != tt.want && errors.Is(err, other) {
					t.Errorf("error %v also matches %v", err, other)
				}
			}
			t.Log(err)
		})
	}
}

var allErrors = []error{
	token.ErrMalformed, token.ErrUnsupportedAlgorithm, token.ErrUnknownKey, token.ErrBadSignature,
	token.ErrExpired, token.ErrNotYetValid, token.ErrWrongIssuer, token.ErrWrongNode, token.ErrWrongAudience,
}

func TestVerifyAccepts(t *testing.T) {
	ed := &testKeys()[0]
	edHdr := `{"alg":"EdDSA","kid":"ed-1","typ":"JWT"}`
	for _, tt := range []struct {
		name   string
		claims string
		opts   token.VerifyOptions
	}{
		{"within skew after exp", claimsJSON(nil), token.VerifyOptions{Now: func() time.Time { return t0.Add(time.Hour + 59*time.Second) }}},
		{"within skew before iat", claimsJSON(nil), token.VerifyOptions{Now: func() time.Time { return t0.Add(-59 * time.Second) }}},
		{"custom skew", claimsJSON(nil), token.VerifyOptions{Now: func() time.Time { return t0.Add(time.Hour + 4*time.Minute) }, ClockSkew: 5 * time.Minute}},
		{"not node-locked", claimsJSON(func(m map[string]any) { delete(m, "nodeId") }), token.VerifyOptions{NodeID: "node-8"}},
		{"node not checked", claimsJSON(nil), token.VerifyOptions{}},
		{"audience string", claimsJSON(func(m map[string]any) { m["aud"] = "c" }), token.VerifyOptions{Audience: "c"}},
		{"registered claims only", `{"iss":"` + issuer + `","exp":` + itoa(t0.Add(time.Hour).Unix()) + `}`, token.VerifyOptions{}},
		{"fractional exp", `{"iss":"` + issuer + `","exp":` + itoa(t0.Add(time.Hour).Unix()) + `.5}`, token.VerifyOptions{}},
		{"typ absent", claimsJSON(nil), token.VerifyOptions{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			hdr := edHdr
			if tt.name == "typ absent" {
				hdr = `{"alg":"EdDSA","kid":"ed-1"}`
			}
			if _, err := mustVerifier(t, tt.opts).Verify(forge(t, ed, hdr, tt.claims, nil)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestKeyBoundToIssuer: when a JWKS carries the keys of several issuers,
// one issuer's key cannot sign for another.
func TestKeyBoundToIssuer(t *testing.T) {
	ed := testKeys()[0]
	v, err := token.NewVerifier([]token.PublicKey{{KeyID: "ed-1", Key: ed.signer.Public(), Issuer: "aws:999988887777:Mallory:issuer-fingerprint"}},
		token.VerifyOptions{Issuer: issuer, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(mustSign(t, ed, testClaims())); !errors.Is(err, token.ErrWrongIssuer) {
		t.Fatalf("Verify = %v, want ErrWrongIssuer", err)
	}
}

// TestKeyBoundToAccount: a key with Account signs for every issuer name
// of that account and for no other account.
func TestKeyBoundToAccount(t *testing.T) {
	ed := testKeys()[0]
	pk := token.PublicKey{KeyID: "ed-1", Key: ed.signer.Public(), Account: "111122223333"}
	for _, tt := range []struct {
		iss  string
		want error
	}{
		{issuer, nil},
		{"aws:111122223333:Another Issuer:issuer-fingerprint", nil},
		{"aws:111122223333:a:b:issuer-fingerprint", nil},
		{"aws:999988887777:Example Vendor:issuer-fingerprint", token.ErrWrongIssuer},
		{"aws:1111222233334:Example Vendor:issuer-fingerprint", token.ErrWrongIssuer},
		{"aws:11112222333:Example Vendor:issuer-fingerprint", token.ErrWrongIssuer},
		{"aws:111122223333::issuer-fingerprint", token.ErrWrongIssuer},
		{"aws:111122223333:Example Vendor:issuer-fingerprintX", token.ErrWrongIssuer},
		{"aws:111122223333:Example Vendor", token.ErrWrongIssuer},
		{"AWS:111122223333:Example Vendor:issuer-fingerprint", token.ErrWrongIssuer},
		{"111122223333", token.ErrWrongIssuer},
	} {
		t.Run(tt.iss, func(t *testing.T) {
			v, err := token.NewVerifier([]token.PublicKey{pk}, token.VerifyOptions{Issuer: tt.iss, Now: func() time.Time { return t0 }})
			if err != nil {
				t.Fatal(err)
			}
			c := testClaims()
			c.Issuer = tt.iss
			if _, err := v.Verify(mustSign(t, ed, c)); !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
	// Account and Issuer together must agree.
	for _, bad := range []token.PublicKey{
		{KeyID: "a", Key: ed.signer, Account: "12345"},
		{KeyID: "a", Key: ed.signer, Account: "11112222333x"},
		{KeyID: "a", Key: ed.signer, Account: "999988887777", Issuer: issuer},
	} {
		if _, err := token.NewVerifier([]token.PublicKey{bad}, token.VerifyOptions{Issuer: issuer}); err == nil {
			t.Errorf("NewVerifier(%+v): want an error", bad)
		}
		if _, err := token.JWKS([]token.PublicKey{bad}); err == nil {
			t.Errorf("JWKS(%+v): want an error", bad)
		}
	}
	if _, err := token.NewVerifier([]token.PublicKey{{KeyID: "a", Key: ed.signer, Account: "111122223333", Issuer: issuer}}, token.VerifyOptions{Issuer: issuer}); err != nil {
		t.Errorf("Account with an Issuer of it: %v", err)
	}
}

// TestThumbprintPins: only keys whose thumbprint is pinned are trusted.
func TestThumbprintPins(t *testing.T) {
	keys := testKeys()
	tp, err := token.Thumbprint(keys[1].signer)
	if err != nil {
		t.Fatal(err)
	}
	v := mustVerifier(t, token.VerifyOptions{Thumbprints: []string{"not-a-thumbprint", tp}})
	if _, err := v.Verify(mustSign(t, keys[1], testClaims())); err != nil {
		t.Errorf("pinned key: %v", err)
	}
	for _, k := range []testKey{keys[0], keys[2]} {
		if _, err := v.Verify(mustSign(t, k, testClaims())); !errors.Is(err, token.ErrUnknownKey) {
			t.Errorf("%s, not pinned: Verify = %v, want ErrUnknownKey", k.alg, err)
		}
	}
	other, _ := token.Thumbprint(otherKeys()[1].signer)
	if _, err := token.NewVerifier(publicKeys(), token.VerifyOptions{Issuer: issuer, Thumbprints: []string{other}}); err == nil {
		t.Error("no key pinned: want an error")
	}
}

func TestSignRejects(t *testing.T) {
	keys := testKeys()
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	for _, tt := range []struct {
		name   string
		signer crypto.Signer
		kid    string
		alg    string
		mod    func(*token.Claims)
	}{
		{"alg of another key type", keys[0].signer, "k", token.ES256, nil},
		{"RS256", keys[2].signer, "k", "RS256", nil},
		{"none", keys[0].signer, "k", "none", nil},
		{"P-384", ec384, "k", token.ES256, nil},
		{"no kid", keys[0].signer, "", token.EdDSA, nil},
		{"no issuer", keys[0].signer, "k", token.EdDSA, func(c *token.Claims) { c.Issuer = "" }},
		{"no expiration", keys[0].signer, "k", token.EdDSA, func(c *token.Claims) { c.Expiration = time.Time{} }},
		{"expiration before issue", keys[0].signer, "k", token.EdDSA, func(c *token.Claims) { c.Expiration = c.IssuedAt.Add(-time.Second) }},
		{"no consumption token", keys[0].signer, "k", token.EdDSA, func(c *token.Claims) { c.ConsumptionToken = "" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := testClaims()
			if tt.mod != nil {
				tt.mod(&c)
			}
			if tok, err := token.Sign(tt.signer, tt.kid, tt.alg, c); err == nil {
				t.Fatalf("Sign = %q, want an error", tok)
			}
		})
	}
}

func TestNewVerifierRejects(t *testing.T) {
	pks := publicKeys()
	if _, err := token.NewVerifier(pks, token.VerifyOptions{}); err == nil {
		t.Error("no issuer: want an error")
	}
	if _, err := token.NewVerifier(append(pks, pks[0]), token.VerifyOptions{Issuer: issuer}); err == nil {
		t.Error("duplicate kid: want an error")
	}
	bad := []token.PublicKey{{KeyID: "ed-1", Algorithm: token.PS384, Key: pks[0].Key}}
	if _, err := token.NewVerifier(bad, token.VerifyOptions{Issuer: issuer}); err == nil {
		t.Error("alg not matching key: want an error")
	}
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	if _, err := token.NewVerifier([]token.PublicKey{{KeyID: "r", Key: &small.PublicKey}}, token.VerifyOptions{Issuer: issuer}); err == nil {
		t.Error("1024-bit RSA: want an error")
	}
}

func FuzzVerify(f *testing.F) {
	keys := testKeys()
	for _, k := range keys {
		f.Add(mustSign(f, k, testClaims()))
	}
	f.Add("")
	f.Add("..")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add(forge(f, &keys[0], `{"alg":"EdDSA","kid":"ed-1"}`, `{"iss":1,"exp":"x","aud":[1]}`, nil))
	f.Add(forge(f, &keys[0], `{"alg":"EdDSA","kid":"ed-1"}`, `{"iss":"`+issuer+`","exp":1e400,"nbf":-1}`, nil))
	v := mustVerifier(f, token.VerifyOptions{NodeID: "node-7", Audience: "a"})
	f.Fuzz(func(t *testing.T, s string) {
		c, err := v.Verify(s)
		if (c == nil) == (err == nil) {
			t.Fatalf("Verify = %v, %v", c, err)
		}
		if err != nil {
			for _, e := range allErrors {
				if errors.Is(err, e) {
					return
				}
			}
			t.Fatalf("error %v wraps no sentinel", err)
		}
	})
}

func benchmarkVerify(b *testing.B, i int) {
	k := testKeys()[i]
	tok := mustSign(b, k, testClaims())
	v := mustVerifier(b, token.VerifyOptions{NodeID: "node-7"})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := v.Verify(tok); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
}

func BenchmarkVerifyEd25519(b *testing.B) { benchmarkVerify(b, 0) }
func BenchmarkVerifyES256(b *testing.B)   { benchmarkVerify(b, 1) }
func BenchmarkVerifyPS384(b *testing.B)   { benchmarkVerify(b, 2) }

// benchmarkSign measures a Signer, as the checkout path keeps one per
// key.
func benchmarkSign(b *testing.B, i int) {
	k := testKeys()[i]
	c := testClaims()
	s, err := token.NewSigner(k.signer, k.kid)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Sign(&c); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signatures/s")
}

func BenchmarkSignEdDSA(b *testing.B) { benchmarkSign(b, 0) }
func BenchmarkSignES256(b *testing.B) { benchmarkSign(b, 1) }
func BenchmarkSignPS384(b *testing.B) { benchmarkSign(b, 2) }
