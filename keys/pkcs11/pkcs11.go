//go:build pkcs11 && cgo

package pkcs11

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sync"

	p11 "github.com/miekg/pkcs11"

	"github.com/licensorhq/licensor/keys"
)

// Supported reports whether this binary can use PKCS #11 modules.
const Supported = true

// PKCS #11 3.0 values for Ed25519, which the module's v2.40 headers lack.
const (
	ckkECEdwards           = 0x40
	ckmECEdwardsKeyPairGen = 0x1055
	ckmEdDSA               = 0x1057
	maxSessions            = 8
	maxObjectsPerSearch    = 2
	errAlreadyInitialized  = p11.Error(p11.CKR_CRYPTOKI_ALREADY_INITIALIZED)
	errUserAlreadyLoggedIn = p11.Error(p11.CKR_USER_ALREADY_LOGGED_IN)
)

var (
	oidP256    = mustOID(asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7})
	oidEd25519 = mustOID(asn1.ObjectIdentifier{1, 3, 101, 112})
	// edwards25519 as a PrintableString: SoftHSM's and PKCS #11 3.0's name.
	nameEd25519, _ = asn1.MarshalWithParams("edwards25519", "printable")
)

func mustOID(oid asn1.ObjectIdentifier) []byte {
	b, err := asn1.Marshal(oid)
	if err != nil {
		panic(err)
	}
	return b
}

// KeyManager signs with keys on one token of a PKCS #11 module.
type KeyManager struct {
	ctx   *p11.Ctx
	slot  uint
	token string
	pin   string

	sessions chan p11.SessionHandle // idle, logged-in sessions

	mu      sync.Mutex
	open    int // sessions opened, idle or busy
	closed  bool
	signers map[string]*signer
}

var (
	_ keys.KeyManager = (*KeyManager)(nil)
	_ keys.Creator    = (*KeyManager)(nil)
)

// Open loads the module named by uri's module-path, finds its token (by
// token label, serial or slot-id) and logs in with the PIN.
func Open(_ context.Context, uri string) (keys.KeyManager, error) {
	cfg, err := ParseURI(uri)
	if err != nil {
		return nil, err
	}
	if cfg.ModulePath == "" {
		return nil, fmt.Errorf("pkcs11: %w: module-path is required", keys.ErrInvalidURI)
	}
	if cfg.Token == "" && cfg.Serial == "" && cfg.SlotID == nil {
		return nil, fmt.Errorf("pkcs11: %w: name the token (token=, serial= or slot-id=)", keys.ErrInvalidURI)
	}
	pin, err := cfg.PIN()
	if err != nil {
		return nil, err
	}
	c := p11.New(cfg.ModulePath)
	if c == nil {
		return nil, fmt.Errorf("pkcs11: cannot load module %s", cfg.ModulePath)
	}
	if err := c.Initialize(); err != nil && !errors.Is(err, errAlreadyInitialized) {
		c.Destroy()
		return nil, fmt.Errorf("pkcs11: initialize %s: %w", cfg.ModulePath, err)
	}
	m := &KeyManager{ctx: c, pin: pin, sessions: make(chan p11.SessionHandle, maxSessions), signers: map[string]*signer{}}
	if m.slot, m.token, err = findSlot(c, cfg); err != nil {
		m.finalize()
		return nil, err
	}
	// Log in now, so a wrong PIN fails at start-up and not at the first
	// checkout.
	sh, err := m.session()
	if err != nil {
		m.finalize()
		return nil, err
	}
	m.release(sh)
	return m, nil
}

func findSlot(c *p11.Ctx, cfg *URI) (uint, string, error) {
	slots, err := c.GetSlotList(true)
	if err != nil {
		return 0, "", fmt.Errorf("pkcs11: list slots: %w", err)
	}
	for _, s := range slots {
		if cfg.SlotID != nil && s != *cfg.SlotID {
			continue
		}
		ti, err := c.GetTokenInfo(s)
		if err != nil {
			continue
		}
		if cfg.Token != "" && ti.Label != cfg.Token || cfg.Serial != "" && ti.SerialNumber != cfg.Serial {
			continue
		}
		return s, ti.Label, nil
	}
	return 0, "", fmt.Errorf("pkcs11: %w: no token matches %s", keys.ErrNotFound, describeToken(cfg))
}

func describeToken(cfg *URI) string {
	switch {
	case cfg.Token != "":
		return fmt.Sprintf("label %q", cfg.Token)
	case cfg.Serial != "":
		return fmt.Sprintf("serial %q", cfg.Serial)
	case cfg.SlotID != nil:
		return fmt.Sprintf("slot %d", *cfg.SlotID)
	}
	return "the URI"
}

// session takes an idle session, or opens one while fewer than
// maxSessions exist, or waits for one. A PKCS #11 session runs one
// operation at a time, so a session is never shared.
func (m *KeyManager) session() (p11.SessionHandle, error) {
	select {
	case sh := <-m.sessions:
		return sh, nil
	default:
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return 0, errors.New("pkcs11: key manager is closed")
	}
	if m.open >= maxSessions {
		m.mu.Unlock()
		return <-m.sessions, nil
	}
	m.open++
	m.mu.Unlock()
	sh, err := m.ctx.OpenSession(m.slot, p11.CKF_SERIAL_SESSION|p11.CKF_RW_SESSION)
	if err == nil {
		// Login state belongs to the application, not the session.
		if err = m.ctx.Login(sh, p11.CKU_USER, m.pin); errors.Is(err, errUserAlreadyLoggedIn) {
			err = nil
		} else if err != nil {
			m.ctx.CloseSession(sh)
			err = fmt.Errorf("pkcs11: log in to token %q: %w", m.token, err)
		}
	} else {
		err = fmt.Errorf("pkcs11: open session: %w", err)
	}
	if err != nil {
		m.mu.Lock()
		m.open--
		m.mu.Unlock()
		return 0, err
	}
	return sh, nil
}

func (m *KeyManager) release(sh p11.SessionHandle) { m.sessions <- sh }

// Signer returns the private key a key URI names by object (label) and/or
// id. The error wraps keys.ErrNotFound when the token has no such key.
func (m *KeyManager) Signer(_ context.Context, uri string) (crypto.Signer, error) {
	k, err := ParseURI(uri)
	if err != nil {
		return nil, err
	}
	if k.Object == "" && len(k.ID) == 0 {
		return nil, fmt.Errorf("pkcs11: %w: a key URI needs object= or id=", keys.ErrInvalidURI)
	}
	if k.Token != "" && k.Token != m.token {
		return nil, fmt.Errorf("pkcs11: %w: key is on token %q, this provider uses %q", keys.ErrNotFound, k.Token, m.token)
	}
	cacheKey := k.Object + "\x00" + string(k.ID)
	m.mu.Lock()
	s, ok := m.signers[cacheKey]
	m.mu.Unlock()
	if ok {
		return s, nil
	}

	sh, err := m.session()
	if err != nil {
		return nil, err
	}
	defer m.release(sh)
	priv, err := m.find(sh, p11.CKO_PRIVATE_KEY, k)
	if err != nil {
		return nil, err
	}
	pubObj, err := m.find(sh, p11.CKO_PUBLIC_KEY, k)
	if err != nil {
		return nil, fmt.Errorf("pkcs11: the public key of %s: %w", describeKey(k), err)
	}
	pub, err := m.readPublic(sh, pubObj)
	if err != nil {
		return nil, fmt.Errorf("pkcs11: %s: %w", describeKey(k), err)
	}
	s = &signer{m: m, obj: priv, pub: pub}
	m.mu.Lock()
	m.signers[cacheKey] = s
	m.mu.Unlock()
	return s, nil
}

// PublicKey returns the public key of a key URI.
func (m *KeyManager) PublicKey(ctx context.Context, uri string) (crypto.PublicKey, error) {
	s, err := m.Signer(ctx, uri)
	if err != nil {
		return nil, err
	}
	return s.Public(), nil
}

func describeKey(k *URI) string {
	switch {
	case k.Object != "" && len(k.ID) > 0:
		return fmt.Sprintf("key %q (id %x)", k.Object, k.ID)
	case k.Object != "":
		return fmt.Sprintf("key %q", k.Object)
	}
	return fmt.Sprintf("key id %x", k.ID)
}

func (m *KeyManager) find(sh p11.SessionHandle, class uint, k *URI) (p11.ObjectHandle, error) {
	tmpl := []*p11.Attribute{p11.NewAttribute(p11.CKA_CLASS, class)}
	if k.Object != "" {
		tmpl = append(tmpl, p11.NewAttribute(p11.CKA_LABEL, k.Object))
	}
	if len(k.ID) > 0 {
		tmpl = append(tmpl, p11.NewAttribute(p11.CKA_ID, k.ID))
	}
	if err := m.ctx.FindObjectsInit(sh, tmpl); err != nil {
		return 0, fmt.Errorf("pkcs11: find %s: %w", describeKey(k), err)
	}
	objs, _, err := m.ctx.FindObjects(sh, maxObjectsPerSearch)
	if ferr := m.ctx.FindObjectsFinal(sh); err == nil {
		err = ferr
	}
	switch {
	case err != nil:
		return 0, fmt.Errorf("pkcs11: find %s: %w", describeKey(k), err)
	case len(objs) == 0:
		return 0, fmt.Errorf("pkcs11: %s: %w", describeKey(k), keys.ErrNotFound)
	case len(objs) > 1:
		return 0, fmt.Errorf("pkcs11: %s names more than one key; add id=", describeKey(k))
	}
	return objs[0], nil
}

func (m *KeyManager) readPublic(sh p11.SessionHandle, obj p11.ObjectHandle) (crypto.PublicKey, error) {
	attrs, err := m.ctx.GetAttributeValue(sh, obj, []*p11.Attribute{p11.NewAttribute(p11.CKA_KEY_TYPE, nil)})
	if err != nil || len(attrs) != 1 {
		return nil, fmt.Errorf("read key type: %w", err)
	}
	var kt uint64 // a CK_ULONG, in host byte order
	switch v := attrs[0].Value; len(v) {
	case 8:
		kt = binary.NativeEndian.Uint64(v)
	case 4:
		kt = uint64(binary.NativeEndian.Uint32(v))
	default:
		return nil, errors.New("read key type: unexpected size")
	}
	switch kt {
	case p11.CKK_RSA:
		a, err := m.ctx.GetAttributeValue(sh, obj, []*p11.Attribute{
			p11.NewAttribute(p11.CKA_MODULUS, nil), p11.NewAttribute(p11.CKA_PUBLIC_EXPONENT, nil)})
		if err != nil || len(a) != 2 {
			return nil, fmt.Errorf("read RSA public key: %w", err)
		}
		e := new(big.Int).SetBytes(a[1].Value)
		if !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 {
			return nil, errors.New("RSA public exponent out of range")
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(a[0].Value), E: int(e.Int64())}
		if _, err := keys.Algorithm(pub); err != nil {
			return nil, err
		}
		return pub, nil
	case p11.CKK_EC, ckkECEdwards:
		a, err := m.ctx.GetAttributeValue(sh, obj, []*p11.Attribute{
			p11.NewAttribute(p11.CKA_EC_PARAMS, nil), p11.NewAttribute(p11.CKA_EC_POINT, nil)})
		if err != nil || len(a) != 2 {
			return nil, fmt.Errorf("read EC public key: %w", err)
		}
		params, point := a[0].Value, unwrapOctetString(a[1].Value)
		switch {
		case kt == p11.CKK_EC && bytes.Equal(params, oidP256):
			return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
		case kt == ckkECEdwards && (bytes.Equal(params, oidEd25519) || bytes.Equal(params, nameEd25519)):
			if len(point) != ed25519.PublicKeySize {
				return nil, errors.New("Ed25519 public key of the wrong size")
			}
			return ed25519.PublicKey(bytes.Clone(point)), nil
		}
		return nil, fmt.Errorf("%w: elliptic curve (want P-256 or Ed25519)", keys.ErrUnsupported)
	}
	return nil, fmt.Errorf("%w: key type %#x", keys.ErrUnsupported, kt)
}

// unwrapOctetString returns CKA_EC_POINT's point: the standard wraps it
// in a DER OCTET STRING, some modules do not.
func unwrapOctetString(b []byte) []byte {
	var inner []byte
	if rest, err := asn1.Unmarshal(b, &inner); err == nil && len(rest) == 0 {
		return inner
	}
	return b
}

// CreateKey generates a key pair on the token, labelled name with a random
// id; the private half is sensitive and not extractable.
func (m *KeyManager) CreateKey(_ context.Context, name, alg string) (string, crypto.PublicKey, error) {
	if name == "" {
		return "", nil, errors.New("pkcs11: create key: a name is required")
	}
	id := make([]byte, 16)
	if _, err := io.ReadFull(rand.Reader, id); err != nil {
		return "", nil, err
	}
	pubT := []*p11.Attribute{
		p11.NewAttribute(p11.CKA_TOKEN, true), p11.NewAttribute(p11.CKA_VERIFY, true),
		p11.NewAttribute(p11.CKA_LABEL, name), p11.NewAttribute(p11.CKA_ID, id),
	}
	privT := []*p11.Attribute{
		p11.NewAttribute(p11.CKA_TOKEN, true), p11.NewAttribute(p11.CKA_SIGN, true),
		p11.NewAttribute(p11.CKA_PRIVATE, true), p11.NewAttribute(p11.CKA_SENSITIVE, true),
		p11.NewAttribute(p11.CKA_EXTRACTABLE, false),
		p11.NewAttribute(p11.CKA_LABEL, name), p11.NewAttribute(p11.CKA_ID, id),
	}
	var mech uint
	switch alg {
	case keys.EdDSA:
		mech = ckmECEdwardsKeyPairGen
		pubT = append(pubT, p11.NewAttribute(p11.CKA_EC_PARAMS, oidEd25519))
	case keys.ES256:
		mech = p11.CKM_EC_KEY_PAIR_GEN
		pubT = append(pubT, p11.NewAttribute(p11.CKA_EC_PARAMS, oidP256))
	case keys.PS384:
		mech = p11.CKM_RSA_PKCS_KEY_PAIR_GEN
		pubT = append(pubT, p11.NewAttribute(p11.CKA_MODULUS_BITS, keys.RSABits),
			p11.NewAttribute(p11.CKA_PUBLIC_EXPONENT, []byte{1, 0, 1}))
	default:
		return "", nil, fmt.Errorf("pkcs11: %w: algorithm %q", keys.ErrUnsupported, alg)
	}
	sh, err := m.session()
	if err != nil {
		return "", nil, err
	}
	defer m.release(sh)
	if _, err := m.find(sh, p11.CKO_PRIVATE_KEY, &URI{Object: name}); err == nil {
		return "", nil, fmt.Errorf("pkcs11: a key labelled %q already exists", name)
	}
	pubObj, _, err := m.ctx.GenerateKeyPair(sh, []*p11.Mechanism{p11.NewMechanism(mech, nil)}, pubT, privT)
	if err != nil {
		return "", nil, fmt.Errorf("pkcs11: generate %s key: %w", alg, err)
	}
	pub, err := m.readPublic(sh, pubObj)
	if err != nil {
		return "", nil, fmt.Errorf("pkcs11: generated key: %w", err)
	}
	return KeyURI(m.token, name, id), pub, nil
}

// Close logs out, closes every session and unloads the module.
func (m *KeyManager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	m.signers = nil
	m.mu.Unlock()
	return m.finalize()
}

func (m *KeyManager) finalize() error {
	m.ctx.CloseAllSessions(m.slot)
	err := m.ctx.Finalize()
	m.ctx.Destroy()
	return err
}

// signer is a private key on the token.
type signer struct {
	m   *KeyManager
	obj p11.ObjectHandle
	pub crypto.PublicKey
}

func (s *signer) Public() crypto.PublicKey { return s.pub }

// Sign implements crypto.Signer: Ed25519 signs the message (opts.HashFunc()
// zero); ECDSA signs a digest and returns ASN.1 DER; RSA signs a digest
// with PSS when opts is *rsa.PSSOptions, PKCS #1 v1.5 otherwise.
func (s *signer) Sign(_ io.Reader, data []byte, opts crypto.SignerOpts) ([]byte, error) {
	var mech *p11.Mechanism
	input := data
	switch pub := s.pub.(type) {
	case ed25519.PublicKey:
		if opts.HashFunc() != 0 {
			return nil, fmt.Errorf("pkcs11: %w: Ed25519ph", keys.ErrUnsupported)
		}
		mech = p11.NewMechanism(ckmEdDSA, nil)
	case *ecdsa.PublicKey:
		if opts.HashFunc() == 0 || len(data) != opts.HashFunc().Size() {
			return nil, errors.New("pkcs11: ECDSA signs a digest of the size of opts.HashFunc()")
		}
		mech = p11.NewMechanism(p11.CKM_ECDSA, nil)
	case *rsa.PublicKey:
		h := opts.HashFunc()
		hm, ok := rsaHashes[h]
		if !ok || len(data) != h.Size() {
			return nil, fmt.Errorf("pkcs11: %w: RSA with hash %v", keys.ErrUnsupported, h)
		}
		if pss, ok := opts.(*rsa.PSSOptions); ok {
			salt := pss.SaltLength
			switch salt {
			case rsa.PSSSaltLengthEqualsHash:
				salt = h.Size()
			case rsa.PSSSaltLengthAuto:
				salt = pub.Size() - h.Size() - 2
			}
			if salt < 0 {
				return nil, errors.New("pkcs11: invalid PSS salt length")
			}
			mech = p11.NewMechanism(p11.CKM_RSA_PKCS_PSS, p11.NewPSSParams(hm.mech, hm.mgf, uint(salt)))
		} else {
			mech = p11.NewMechanism(p11.CKM_RSA_PKCS, nil)
			input = append(append([]byte(nil), hm.prefix...), data...)
		}
	default:
		return nil, fmt.Errorf("pkcs11: %w: key type %T", keys.ErrUnsupported, s.pub)
	}

	m := s.m
	sh, err := m.session()
	if err != nil {
		return nil, err
	}
	defer m.release(sh)
	if err := m.ctx.SignInit(sh, []*p11.Mechanism{mech}, s.obj); err != nil {
		return nil, fmt.Errorf("pkcs11: sign: %w", err)
	}
	sig, err := m.ctx.Sign(sh, input)
	if err != nil {
		return nil, fmt.Errorf("pkcs11: sign: %w", err)
	}
	if _, ok := s.pub.(*ecdsa.PublicKey); ok {
		// PKCS #11 returns r || s; crypto.Signer returns DER.
		if len(sig) == 0 || len(sig)%2 != 0 {
			return nil, errors.New("pkcs11: malformed ECDSA signature from the token")
		}
		r, sv := new(big.Int).SetBytes(sig[:len(sig)/2]), new(big.Int).SetBytes(sig[len(sig)/2:])
		return asn1.Marshal(struct{ R, S *big.Int }{r, sv})
	}
	return sig, nil
}

var rsaHashes = map[crypto.Hash]struct {
	mech, mgf uint
	prefix    []byte // DigestInfo for PKCS #1 v1.5
}{
	crypto.SHA256: {p11.CKM_SHA256, p11.CKG_MGF1_SHA256, []byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}},
	crypto.SHA384: {p11.CKM_SHA384, p11.CKG_MGF1_SHA384, []byte{0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30}},
	crypto.SHA512: {p11.CKM_SHA512, p11.CKG_MGF1_SHA512, []byte{0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40}},
}
