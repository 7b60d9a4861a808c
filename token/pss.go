package token

import (
	"crypto/rsa"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/binary"
	"math/big"
)

// pssKey verifies RSASSA-PSS with SHA-384, MGF1-SHA-384 and a 48-byte salt
// (RFC 8017 §8.1.2 and §9.1.2), the PS384 of RFC 7518 §3.5.
//
// crypto/rsa.VerifyPSS gives the same answers (the tests hold the two
// against each other) but rebuilds its Montgomery modulus on every call,
// which makes a 3072-bit verification take about three times as long as
// the exponentiation itself. A verification touches only public values, so
// the variable-time math/big exponentiation is fine here.
type pssKey struct {
	n *big.Int
	e *big.Int
	k int // modulus length in bytes
}

func newPSSKey(pub *rsa.PublicKey) *pssKey {
	return &pssKey{n: pub.N, e: big.NewInt(int64(pub.E)), k: pub.Size()}
}

const (
	pssHashLen = sha512.Size384
	pssSaltLen = sha512.Size384
)

// verify reports whether sig is a PS384 signature of digest, the SHA-384
// of the message.
func (p *pssKey) verify(digest, sig []byte) bool {
	if len(sig) != p.k || len(digest) != pssHashLen {
		return false
	}
	s := new(big.Int).SetBytes(sig)
	if s.Cmp(p.n) >= 0 {
		return false
	}
	m := s.Exp(s, p.e, p.n)

	// EM is emLen = ceil((modBits-1)/8) bytes; when modBits-1 is a
	// multiple of 8 the k-byte encoding of m has one more, zero, byte.
	emBits := p.n.BitLen() - 1
	emLen := (emBits + 7) / 8
	if m.BitLen() > emBits || emLen < pssHashLen+pssSaltLen+2 {
		return false
	}
	em := m.FillBytes(make([]byte, emLen))
	if em[emLen-1] != 0xbc {
		return false
	}
	db := em[:emLen-pssHashLen-1]
	h := em[emLen-pssHashLen-1 : emLen-1]
	topMask := byte(0xff >> (8*emLen - emBits))
	if db[0]&^topMask != 0 {
		return false
	}
	mgf1XOR(db, h)
	db[0] &= topMask
	ps := len(db) - pssSaltLen - 1
	for _, b := range db[:ps] {
		if b != 0 {
			return false
		}
	}
	if db[ps] != 0x01 {
		return false
	}
	salt := db[ps+1:]

	d := sha512.New384()
	var zeros [8]byte
	d.Write(zeros[:])
	d.Write(digest)
	d.Write(salt)
	var sum [pssHashLen]byte
	return subtle.ConstantTimeCompare(d.Sum(sum[:0]), h) == 1
}

// mgf1XOR XORs out with MGF1-SHA-384(seed, len(out)).
func mgf1XOR(out, seed []byte) {
	d := sha512.New384()
	var ctr [4]byte
	var sum [pssHashLen]byte
	for i, c := 0, uint32(0); i < len(out); c++ {
		binary.BigEndian.PutUint32(ctr[:], c)
		d.Reset()
		d.Write(seed)
		d.Write(ctr[:])
		for _, b := range d.Sum(sum[:0]) {
			if i == len(out) {
				break
			}
			out[i] ^= b
			i++
		}
	}
}
