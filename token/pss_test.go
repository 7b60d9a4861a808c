package token

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha512"
	"math/big"
	"sync"
	"testing"
)

// pssKeys: 3072 bits as licensor generates; 2048, the minimum; and 2057,
// where modBits-1 is a multiple of 8 so EM is one byte shorter than the
// modulus.
var pssKeys = sync.OnceValue(func() []*rsa.PrivateKey {
	var ks []*rsa.PrivateKey
	for _, bits := range []int{3072, 2048, 2057} {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			panic(err)
		}
		ks = append(ks, k)
	}
	return ks
})

func stdlibPSS(pub *rsa.PublicKey, digest, sig []byte) bool {
	return rsa.VerifyPSS(pub, crypto.SHA384, digest, sig, &rsa.PSSOptions{SaltLength: pssSaltLen}) == nil
}

// TestPSSMatchesStdlib holds pssKey to crypto/rsa.VerifyPSS on good
// signatures, wrong salts, wrong messages and corrupted signatures.
func TestPSSMatchesStdlib(t *testing.T) {
	for _, priv := range pssKeys() {
		pub := &priv.PublicKey
		p := newPSSKey(pub)
		digest := sha512.Sum384([]byte("message"))
		other := sha512.Sum384([]byte("other"))
		good, err := rsa.SignPSS(rand.Reader, priv, crypto.SHA384, digest[:], &rsa.PSSOptions{SaltLength: pssSaltLen})
		if err != nil {
			t.Fatal(err)
		}
		maxSalt, _ := rsa.SignPSS(rand.Reader, priv, crypto.SHA384, digest[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
		noSalt, _ := rsa.SignPSS(rand.Reader, priv, crypto.SHA384, digest[:], &rsa.PSSOptions{SaltLength: 0})
		pkcs1, _ := rsa.SignPKCS1v15(rand.Reader, priv, crypto.SHA384, digest[:])
		random := make([]byte, pub.Size())
		rand.Read(random)
		for _, tt := range []struct {
			name   string
			digest []byte
			sig    []byte
			want   bool
		}{
			{"good", digest[:], good, true},
			{"other message", other[:], good, false},
			{"max salt", digest[:], maxSalt, false},
			{"no salt", digest[:], noSalt, false},
			{"PKCS#1 v1.5", digest[:], pkcs1, false},
			{"random", digest[:], random, false},
			{"short", digest[:], good[1:], false},
			{"modulus", digest[:], pub.N.FillBytes(make([]byte, pub.Size())), false},
			{"zero", digest[:], make([]byte, pub.Size()), false},
		} {
			if got, std := p.verify(tt.digest, tt.sig), stdlibPSS(pub, tt.digest, tt.sig); got != tt.want || std != tt.want {
				t.Errorf("%d bits, %s: pssKey %v, crypto/rsa %v, want %v", pub.N.BitLen(), tt.name, got, std, tt.want)
			}
		}
		for i := range good {
			b := append([]byte(nil), good...)
			b[i] ^= 0x80
			if got, std := p.verify(digest[:], b), stdlibPSS(pub, digest[:], b); got || std {
				t.Fatalf("%d bits, byte %d flipped: pssKey %v, crypto/rsa %v", pub.N.BitLen(), i, got, std)
			}
		}
	}
}

// FuzzPSS: pssKey and crypto/rsa agree on signatures of arbitrary encoded
// messages. The fuzzer mutates EM (seeded with a valid one) and the test
// signs it with the raw private key, so mutations reach every check of the
// PSS decoding rather than dying at the exponentiation.
func FuzzPSS(f *testing.F) {
	priv := pssKeys()[1] // 2048 bits: the raw private operation below is slow when instrumented
	pub := &priv.PublicKey
	digest := sha512.Sum384([]byte("message"))
	good, _ := rsa.SignPSS(rand.Reader, priv, crypto.SHA384, digest[:], &rsa.PSSOptions{SaltLength: pssSaltLen})
	em := new(big.Int).Exp(new(big.Int).SetBytes(good), big.NewInt(int64(pub.E)), pub.N).Bytes()
	f.Add(em)
	f.Add(em[1:])
	f.Add([]byte{0xbc})
	p := newPSSKey(pub)
	f.Fuzz(func(t *testing.T, em []byte) {
		m := new(big.Int).SetBytes(em)
		if m.Cmp(pub.N) >= 0 {
			return
		}
		sig := rawSign(priv, m).FillBytes(make([]byte, pub.Size()))
		if got, std := p.verify(digest[:], sig), stdlibPSS(pub, digest[:], sig); got != std {
			t.Fatalf("EM %x: pssKey %v, crypto/rsa %v", em, got, std)
		}
	})
}

// rawSign returns m^d mod n by the Chinese remainder theorem.
func rawSign(priv *rsa.PrivateKey, m *big.Int) *big.Int {
	p, q := priv.Primes[0], priv.Primes[1]
	m1 := new(big.Int).Exp(m, priv.Precomputed.Dp, p)
	m2 := new(big.Int).Exp(m, priv.Precomputed.Dq, q)
	h := m1.Sub(m1, m2)
	h.Mul(h, priv.Precomputed.Qinv).Mod(h, p)
	return h.Mul(h, q).Add(h, m2)
}
