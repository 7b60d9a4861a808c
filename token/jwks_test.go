package token_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/licensorhq/licensor/token"
)

// TestJWKSNeverPrivate builds a JWKS from private key objects (and an
// opaque signer) and checks that only public members come out.
func TestJWKSNeverPrivate(t *testing.T) {
	var in []token.PublicKey
	var secrets []string
	for _, k := range testKeys() {
		in = append(in, token.PublicKey{KeyID: k.kid, Key: k.signer, Issuer: issuer})
		switch p := k.signer.(type) {
		case ed25519.PrivateKey:
			secrets = append(secrets, base64.RawURLEncoding.EncodeToString(p.Seed()))
		case *ecdsa.PrivateKey:
			d, _ := p.Bytes()
			secrets = append(secrets, base64.RawURLEncoding.EncodeToString(d))
		case *rsa.PrivateKey:
			secrets = append(secrets, base64.RawURLEncoding.EncodeToString(p.D.Bytes()),
				base64.RawURLEncoding.EncodeToString(p.Primes[0].Bytes()))
		}
	}
	in = append(in, token.PublicKey{KeyID: "opaque", Key: opaque{testKeys()[0].signer}})
	out, err := token.JWKS(in)
	if err != nil {
		t.Fatal(err)
	}
	var set struct{ Keys []map[string]any }
	if err := json.Unmarshal(out, &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 4 {
		t.Fatalf("%d keys, want 4", len(set.Keys))
	}
	allowed := map[string]bool{"kty": true, "crv": true, "x": true, "y": true, "n": true, "e": true, "kid": true, "alg": true, "use": true, "iss": true}
	for _, k := range set.Keys {
		for m := range k {
			if !allowed[m] {
				t.Errorf("key %v has member %q", k["kid"], m)
			}
		}
		if k["use"] != "sig" {
			t.Errorf("key %v: use = %v", k["kid"], k["use"])
		}
	}
	for _, m := range []string{`"d"`, `"p"`, `"q"`, `"dp"`, `"dq"`, `"qi"`} {
		if strings.Contains(string(out), m) {
			t.Errorf("JWKS contains %s: %s", m, out)
		}
	}
	for _, s := range secrets {
		if strings.Contains(string(out), s) {
			t.Errorf("JWKS contains private key bytes")
		}
	}
}

func TestJWKSRoundTrip(t *testing.T) {
	var in []token.PublicKey
	for _, k := range testKeys() {
		in = append(in, token.PublicKey{KeyID: k.kid, Key: k.signer.Public(), Issuer: issuer})
	}
	out, err := token.JWKS(in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := token.ParseJWKS(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(in) {
		t.Fatalf("%d keys, want %d", len(got), len(in))
	}
	for i, k := range got {
		want := testKeys()[i]
		if k.KeyID != want.kid || k.Algorithm != want.alg || k.Issuer != issuer {
			t.Errorf("key %d = %q %q %q", i, k.KeyID, k.Algorithm, k.Issuer)
		}
		if !k.Key.(interface{ Equal(crypto.PublicKey) bool }).Equal(want.signer.Public()) {
			t.Errorf("key %d: public key differs", i)
		}
	}

	// go-jose reads our JWKS too.
	var js jose.JSONWebKeySet
	if err := json.Unmarshal(out, &js); err != nil || len(js.Keys) != 3 {
		t.Fatalf("go-jose: %v, %d keys", err, len(js.Keys))
	}

	// A Verifier built from the JWKS verifies what the keys sign.
	v, err := token.NewVerifierFromJWKS(out, token.VerifyOptions{Issuer: issuer, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range testKeys() {
		if _, err := v.Verify(mustSign(t, k, testClaims())); err != nil {
			t.Errorf("%s: %v", k.alg, err)
		}
	}
}

func TestParseJWKS(t *testing.T) {
	ed := testKeys()[0]
	edJWK := func(extra string) string {
		x := base64.RawURLEncoding.EncodeToString(ed.signer.Public().(ed25519.PublicKey))
		return `{"kty":"OKP","crv":"Ed25519","x":"` + x + `"` + extra + `}`
	}
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p384, _ := json.Marshal(jose.JSONWebKey{Key: ec384.Public(), KeyID: "p384", Algorithm: "ES384", Use: "sig"})
	priv, _ := json.Marshal(jose.JSONWebKey{Key: ed.signer, KeyID: "ed-priv", Algorithm: "EdDSA", Use: "sig"})
	zeroX := base64.RawURLEncoding.EncodeToString(make([]byte, 32))

	for _, tt := range []struct {
		name  string
		jwks  string
		kids  []string
		isErr bool
	}{
		{"one key", `{"keys":[` + edJWK(`,"kid":"a","alg":"EdDSA","use":"sig"`) + `]}`, []string{"a"}, false},
		{"alg and use optional", `{"keys":[` + edJWK(`,"kid":"a"`) + `]}`, []string{"a"}, false},
		{"skips unusable keys", `{"keys":[` +
			edJWK(`,"kid":"enc","use":"enc"`) + `,` + // not for signatures
			edJWK(`,"alg":"EdDSA"`) + `,` + // no kid
			edJWK(`,"kid":"wrong-alg","alg":"ES256"`) + `,` +
			string(p384) + `,` + // another curve
			`{"kty":"XYZ","kid":"future"},` +
			edJWK(`,"kid":"a"`) + `]}`, []string{"a"}, false},
		{"not JSON", `{"keys":`, nil, true},
		{"no usable key", `{"keys":[` + string(p384) + `]}`, nil, true},
		{"empty", `{"keys":[]}`, nil, true},
		{"duplicate kid", `{"keys":[` + edJWK(`,"kid":"a"`) + `,` + edJWK(`,"kid":"a"`) + `]}`, nil, true},
		{"private key", `{"keys":[` + string(priv) + `]}`, nil, true},
		{"symmetric key", `{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0"},` + edJWK(`,"kid":"a"`) + `]}`, nil, true},
		{"low-order Ed25519 key", `{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"z","x":"` + zeroX + `"}]}`, nil, true},
		{"bad EC point", `{"keys":[{"kty":"EC","crv":"P-256","kid":"e","x":"` + zeroX + `","y":"` + zeroX + `"}]}`, nil, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := token.ParseJWKS([]byte(tt.jwks))
			if tt.isErr {
				if err == nil {
					t.Fatalf("ParseJWKS = %v, want an error", keys)
				}
				t.Log(err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var kids []string
			for _, k := range keys {
				kids = append(kids, k.KeyID)
			}
			if strings.Join(kids, ",") != strings.Join(tt.kids, ",") {
				t.Errorf("kids = %v, want %v", kids, tt.kids)
			}
		})
	}
}

// TestThumbprint computes RFC 7638 thumbprints by hand from the JWKS
// members and compares.
func TestThumbprint(t *testing.T) {
	for _, k := range testKeys() {
		out, err := token.JWKS([]token.PublicKey{{KeyID: "k", Key: k.signer}})
		if err != nil {
			t.Fatal(err)
		}
		var set struct{ Keys []map[string]string }
		json.Unmarshal(out, &set)
		m := set.Keys[0]
		var canon string
		switch m["kty"] {
		case "OKP":
			canon = `{"crv":"` + m["crv"] + `","kty":"OKP","x":"` + m["x"] + `"}`
		case "EC":
			canon = `{"crv":"` + m["crv"] + `","kty":"EC","x":"` + m["x"] + `","y":"` + m["y"] + `"}`
		case "RSA":
			canon = `{"e":"` + m["e"] + `","kty":"RSA","n":"` + m["n"] + `"}`
		}
		sum := sha256.Sum256([]byte(canon))
		got, err := token.Thumbprint(k.signer)
		if err != nil {
			t.Fatal(err)
		}
		if want := base64.RawURLEncoding.EncodeToString(sum[:]); got != want {
			t.Errorf("%s: Thumbprint = %s, want %s", k.alg, got, want)
		}
	}
}

func TestJWKSRejects(t *testing.T) {
	ed := testKeys()[0].signer
	for _, tt := range []struct {
		name string
		keys []token.PublicKey
	}{
		{"no kid", []token.PublicKey{{Key: ed}}},
		{"duplicate kid", []token.PublicKey{{KeyID: "a", Key: ed}, {KeyID: "a", Key: ed}}},
		{"alg mismatch", []token.PublicKey{{KeyID: "a", Key: ed, Algorithm: token.ES256}}},
		{"unsupported key", []token.PublicKey{{KeyID: "a", Key: []byte("secret")}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if out, err := token.JWKS(tt.keys); err == nil {
				t.Fatalf("JWKS = %s, want an error", out)
			}
		})
	}
}
