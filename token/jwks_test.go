package token_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/big"
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
		in = append(in, token.PublicKey{KeyID: k.kid, Key: k.signer, Account: "111122223333", Issuer: issuer})
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
	allowed := map[string]bool{"kty": true, "crv": true, "x": true, "y": true, "n": true, "e": true, "kid": true, "alg": true, "use": true, "iss": true, "account": true}
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
		in = append(in, token.PublicKey{KeyID: k.kid, Key: k.signer.Public(), Account: "111122223333", Issuer: issuer})
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
		if k.KeyID != want.kid || k.Algorithm != want.alg || k.Account != "111122223333" || k.Issuer != issuer {
			t.Errorf("key %d = %q %q %q %q", i, k.KeyID, k.Algorithm, k.Account, k.Issuer)
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
	enc := base64.RawURLEncoding
	ed := testKeys()[0]
	edX := enc.EncodeToString(ed.signer.Public().(ed25519.PublicKey))
	edJWK := func(extra string) string {
		return `{"kty":"OKP","crv":"Ed25519","x":"` + edX + `"` + extra + `}`
	}
	ecPub := testKeys()[1].signer.Public().(*ecdsa.PublicKey)
	pt, _ := ecPub.Bytes()
	ecX, ecY := enc.EncodeToString(pt[1:33]), enc.EncodeToString(pt[33:])
	ecJWK := func(x, y, extra string) string {
		return `{"kty":"EC","crv":"P-256","kid":"e","x":"` + x + `","y":"` + y + `"` + extra + `}`
	}
	rsaPub := testKeys()[2].signer.Public().(*rsa.PublicKey)
	rsaN := enc.EncodeToString(rsaPub.N.Bytes())
	rsaJWK := func(n, e string) string { return `{"kty":"RSA","kid":"r","n":"` + n + `","e":"` + e + `"}` }
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p384, _ := json.Marshal(jose.JSONWebKey{Key: ec384.Public(), KeyID: "p384", Algorithm: "ES384", Use: "sig"})
	zero := enc.EncodeToString(make([]byte, 32))
	set := func(keys ...string) string { return `{"keys":[` + strings.Join(keys, ",") + `]}` }

	for _, tt := range []struct {
		name  string
		jwks  string
		kids  []string
		isErr bool
	}{
		{"one key", set(edJWK(`,"kid":"a","alg":"EdDSA","use":"sig"`)), []string{"a"}, false},
		{"alg and use optional", set(edJWK(`,"kid":"a"`)), []string{"a"}, false},
		{"every type", set(edJWK(`,"kid":"a"`), ecJWK(ecX, ecY, ""), rsaJWK(rsaN, "AQAB")), []string{"a", "e", "r"}, false},
		{"unknown members ignored", set(edJWK(`,"kid":"a","x5c":["MII"],"key_ops":["verify"],"ext":true`)), []string{"a"}, false},
		{"account and iss", set(edJWK(`,"kid":"a","account":"111122223333","iss":"` + issuer + `"`)), []string{"a"}, false},
		{"skips keys not for signatures", set(edJWK(`,"kid":"enc","use":"enc"`), `{"kty":"XYZ","kid":"x","use":"enc"}`, edJWK(`,"kid":"a"`)), []string{"a"}, false},
		{"skips keys without kid", set(edJWK(`,"alg":"EdDSA"`), edJWK(`,"kid":"a"`)), []string{"a"}, false},

		{"not JSON", `{"keys":`, nil, true},
		{"not a set", `[]`, nil, true},
		{"no keys member", `{}`, nil, true},
		{"key not an object", `{"keys":[1]}`, nil, true},
		{"null key", `{"keys":[null]}`, nil, true},
		{"empty", `{"keys":[]}`, nil, true},
		{"only keys without kid", set(edJWK(``)), nil, true},
		{"duplicate kid", set(edJWK(`,"kid":"a"`), edJWK(`,"kid":"a"`)), nil, true},
		{"unknown kty skipped (RFC 7517 §5)", set(`{"kty":"XYZ","kid":"future"}`, edJWK(`,"kid":"a"`)), []string{"a"}, false},
		{"unknown curve and alg skipped", set(`{"kty":"OKP","crv":"Ed448","kid":"f","x":"AA"}`, edJWK(`,"kid":"n","alg":"Ed448"`), edJWK(`,"kid":"a"`)), []string{"a"}, false},
		{"no kty", set(`{"kid":"k","x":"` + edX + `"}`), nil, true},
		{"kty in capitals", set(`{"KTY":"OKP","crv":"Ed25519","kid":"k","x":"` + edX + `"}`), nil, true},
		{"unknown OKP curve", set(`{"kty":"OKP","crv":"X25519","kid":"k","x":"` + edX + `"}`), nil, true},
		{"P-384", set(string(p384)), nil, true},
		{"unknown alg", set(edJWK(`,"kid":"a","alg":"Ed448"`)), nil, true},
		{"alg of another key type", set(edJWK(`,"kid":"a","alg":"ES256"`)), nil, true},
		{"RS256 on an RSA key", set(`{"kty":"RSA","kid":"r","alg":"RS256","n":"` + rsaN + `","e":"AQAB"}`), nil, true},
		{"kid not a string", set(`{"kty":"OKP","crv":"Ed25519","kid":1,"x":"` + edX + `"}`), nil, true},
		{"x not a string", set(`{"kty":"OKP","crv":"Ed25519","kid":"k","x":["` + edX + `"]}`), nil, true},
		{"bad account", set(edJWK(`,"kid":"a","account":"1111"`)), nil, true},
		{"iss of another account", set(edJWK(`,"kid":"a","account":"999988887777","iss":"` + issuer + `"`)), nil, true},

		{"Ed25519 x short", set(`{"kty":"OKP","crv":"Ed25519","kid":"k","x":"` + edX[:40] + `"}`), nil, true},
		{"Ed25519 x padded", set(`{"kty":"OKP","crv":"Ed25519","kid":"k","x":"` + enc.EncodeToString(make([]byte, 32)) + `="}`), nil, true},
		{"Ed25519 x missing", set(`{"kty":"OKP","crv":"Ed25519","kid":"k"}`), nil, true},
		{"low-order Ed25519 key", set(`{"kty":"OKP","crv":"Ed25519","kid":"z","x":"` + zero + `"}`), nil, true},
		{"EC point not on curve", set(ecJWK(zero, zero, "")), nil, true},
		{"EC y of another point", set(ecJWK(ecX, ecX, "")), nil, true},
		{"EC x short", set(ecJWK(enc.EncodeToString(pt[2:33]), ecY, "")), nil, true},
		{"EC y long", set(ecJWK(ecX, enc.EncodeToString(append([]byte{0}, pt[33:]...)), "")), nil, true},
		{"EC y missing", set(`{"kty":"EC","crv":"P-256","kid":"e","x":"` + ecX + `"}`), nil, true},
		{"RSA 1024 bits", set(rsaJWK(enc.EncodeToString(small.N.Bytes()), "AQAB")), nil, true},
		{"RSA n with a leading zero", set(rsaJWK(enc.EncodeToString(append([]byte{0}, rsaPub.N.Bytes()...)), "AQAB")), nil, true},
		{"RSA n even", set(rsaJWK(enc.EncodeToString(new(big.Int).Add(rsaPub.N, big.NewInt(1)).Bytes()), "AQAB")), nil, true},
		{"RSA n missing", set(`{"kty":"RSA","kid":"r","e":"AQAB"}`), nil, true},
		{"RSA e even", set(rsaJWK(rsaN, "AQAA")), nil, true},
		{"RSA e 1", set(rsaJWK(rsaN, "AQ")), nil, true},
		{"RSA e with a leading zero", set(rsaJWK(rsaN, "AAEAAQ")), nil, true},
		{"RSA e wider than int", set(rsaJWK(rsaN, enc.EncodeToString([]byte{1, 0, 0, 0, 0, 0, 0, 0, 1}))), nil, true},
		{"RSA e missing", set(`{"kty":"RSA","kid":"r","n":"` + rsaN + `"}`), nil, true},
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

// TestParseJWKSPrivate: a key set that carries any private or symmetric
// member is refused, whether go-jose wrote it from a private key or the
// member was added by hand, even on a key that would otherwise be skipped.
func TestParseJWKSPrivate(t *testing.T) {
	var sets []string
	for _, k := range testKeys() {
		priv, err := json.Marshal(jose.JSONWebKey{Key: k.signer, KeyID: k.kid, Algorithm: k.alg, Use: "sig"})
		if err != nil {
			t.Fatal(err)
		}
		sets = append(sets, `{"keys":[`+string(priv)+`]}`)
	}
	pub, err := token.JWKS(publicKeys())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k", "priv"} {
		sets = append(sets,
			strings.Replace(string(pub), `"kid":"rsa-1"`, `"kid":"rsa-1","`+m+`":"AQAB"`, 1),
			strings.Replace(string(pub), `"kid":"ed-1"`, `"kid":"ed-1","use":"enc","`+m+`":null`, 1))
	}
	sets = append(sets, `{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0"},`+string(pub[len(`{"keys":[`):]))
	for _, s := range sets {
		keys, err := token.ParseJWKS([]byte(s))
		if err == nil || !strings.Contains(err.Error(), "private") {
			t.Errorf("ParseJWKS(%.120s…) = %v, %v; want a private-material error", s, keys, err)
		}
	}
}

// TestLowOrderEd25519 holds our list of low-order Ed25519 encodings to
// go-jose's, and shows why it matters: with the identity as key, [S]B is
// a signature of anything.
func TestLowOrderEd25519(t *testing.T) {
	ys := []string{
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	}
	for _, y := range ys {
		for _, sign := range []byte{0, 0x80} {
			b, _ := hex.DecodeString(y)
			b[31] |= sign
			key := ed25519.PublicKey(b)
			if _, err := token.Algorithm(key); err == nil {
				t.Errorf("Algorithm accepts low-order key %x", b)
			}
			j := `{"kty":"OKP","crv":"Ed25519","x":"` + base64.RawURLEncoding.EncodeToString(b) + `"}`
			var jk jose.JSONWebKey
			if err := jk.UnmarshalJSON([]byte(j)); err == nil {
				t.Errorf("go-jose accepts %x, which we refuse", b)
			}
		}
	}
	// The forgery that the check prevents: under the identity as key,
	// R = identity and S = 0 satisfy [S]B = R + [k]A for every message.
	identity, _ := hex.DecodeString(ys[1])
	forged := append(bytes.Clone(identity), make([]byte, 32)...)
	for _, msg := range []string{"", "any message", "another"} {
		if !ed25519.Verify(identity, []byte(msg), forged) {
			t.Fatalf("crypto/ed25519 no longer accepts the forgery; update this test")
		}
	}
	if _, err := token.NewVerifier([]token.PublicKey{{KeyID: "z", Key: ed25519.PublicKey(identity)}}, token.VerifyOptions{Issuer: issuer}); err == nil {
		t.Error("NewVerifier accepts the identity as a key")
	}
	for i := 0; i < 100; i++ {
		_, k, _ := ed25519.GenerateKey(rand.Reader)
		if _, err := token.Algorithm(k.Public()); err != nil {
			t.Fatalf("random key refused: %v", err)
		}
	}
}

// TestThumbprint computes RFC 7638 thumbprints by hand from the JWKS
// members and with go-jose, and checks RFC 7638's own example.
func TestThumbprint(t *testing.T) {
	for _, k := range append(testKeys(), otherKeys()...) {
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
		theirs, err := (&jose.JSONWebKey{Key: k.signer.Public()}).Thumbprint(crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if want := base64.RawURLEncoding.EncodeToString(theirs); got != want {
			t.Errorf("%s: Thumbprint = %s, go-jose says %s", k.alg, got, want)
		}
		// The key parsed back from the JWKS has the same thumbprint.
		back, err := token.ParseJWKS(out)
		if err != nil {
			t.Fatal(err)
		}
		if tp, _ := token.Thumbprint(back[0].Key); tp != got {
			t.Errorf("%s: thumbprint after a JWKS round trip = %s, want %s", k.alg, tp, got)
		}
	}

	// RFC 7638 §3.1.
	const rfcN = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
	keys, err := token.ParseJWKS([]byte(`{"keys":[{"kty":"RSA","n":"` + rfcN + `","e":"AQAB","alg":"PS384","kid":"2011-04-29"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if tp, _ := token.Thumbprint(keys[0].Key); tp != "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs" {
		t.Errorf("RFC 7638 example: Thumbprint = %s", tp)
	}

	if _, err := token.Thumbprint([]byte("secret")); err == nil {
		t.Error("Thumbprint of a []byte: want an error")
	}
}

// FuzzParseJWKS: ParseJWKS never panics, what it accepts is a valid key
// set that JWKS writes back to the same keys, and a set with a private
// member is never accepted.
func FuzzParseJWKS(f *testing.F) {
	var pks []token.PublicKey
	for _, k := range testKeys() {
		pks = append(pks, token.PublicKey{KeyID: k.kid, Key: k.signer, Account: "111122223333", Issuer: issuer})
	}
	ours, err := token.JWKS(pks)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(ours)
	f.Add([]byte(`{"keys":[]}`))
	f.Add([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"z","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB","alg":"PS384"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0"}]}`))
	for _, k := range testKeys() {
		priv, _ := json.Marshal(jose.JSONWebKey{Key: k.signer, KeyID: k.kid, Algorithm: k.alg, Use: "sig"})
		pub, _ := json.Marshal(jose.JSONWebKey{Key: k.signer.Public(), KeyID: k.kid, Algorithm: k.alg, Use: "sig"})
		f.Add([]byte(`{"keys":[` + string(priv) + `]}`))
		f.Add([]byte(`{"keys":[` + string(pub) + `]}`))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := token.ParseJWKS(data)
		if err != nil {
			if keys != nil {
				t.Fatalf("ParseJWKS returned keys and %v", err)
			}
			return
		}
		if len(keys) == 0 {
			t.Fatal("ParseJWKS returned no keys and no error")
		}
		var set struct{ Keys []map[string]json.RawMessage }
		if json.Unmarshal(data, &set) == nil {
			for _, k := range set.Keys {
				for _, m := range []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k", "priv"} {
					if _, ok := k[m]; ok {
						t.Fatalf("accepted a key set with private member %q", m)
					}
				}
			}
		}
		out, err := token.JWKS(keys)
		if err != nil {
			t.Fatalf("JWKS of parsed keys: %v", err)
		}
		again, err := token.ParseJWKS(out)
		if err != nil {
			t.Fatalf("ParseJWKS(JWKS(keys)): %v", err)
		}
		for i, k := range keys {
			a := again[i]
			if a.KeyID != k.KeyID || a.Algorithm != k.Algorithm || a.Account != k.Account || a.Issuer != k.Issuer ||
				!a.Key.(interface{ Equal(crypto.PublicKey) bool }).Equal(k.Key) {
				t.Fatalf("round trip: %+v, want %+v", a, k)
			}
			if _, err := token.Thumbprint(k.Key); err != nil {
				t.Fatalf("Thumbprint of a parsed key: %v", err)
			}
		}
		if _, err := token.NewVerifier(keys, token.VerifyOptions{Issuer: issuer}); err != nil {
			t.Fatalf("NewVerifier of parsed keys: %v", err)
		}
	})
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
