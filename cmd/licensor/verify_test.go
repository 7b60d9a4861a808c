package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/licensorhq/licensor/token"
)

const verifyIssuer = "aws:111122223333:Example Vendor:issuer-fingerprint"

// runVerify runs `licensor verify args…` with stdin and returns what it
// printed and the exit code main would use.
func runVerify(t *testing.T, stdin string, args ...string) (string, int, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	root := newRootCmd(&stdout, &stderr, func(string) string { return "" })
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(append([]string{"verify"}, args...))
	err := root.ExecuteContext(context.Background())
	if err == nil {
		return stdout.String(), 0, nil
	}
	if stdout.Len() != 0 {
		t.Errorf("failure printed to stdout: %s", stdout.String())
	}
	return stdout.String(), exitCode(err), err
}

type verifyFixture struct {
	keys  map[string]crypto.Signer // by kid
	jwks  string                   // path of the JWKS with every key
	other crypto.Signer            // not in the JWKS
}

func newVerifyFixture(t *testing.T) *verifyFixture {
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	f := &verifyFixture{keys: map[string]crypto.Signer{"ed": ed, "ec": ec, "rsa": rk}, other: other}
	var pks []token.PublicKey
	for _, kid := range []string{"ed", "ec", "rsa"} {
		pks = append(pks, token.PublicKey{KeyID: kid, Key: f.keys[kid], Account: "111122223333"})
	}
	f.jwks = writeJWKS(t, pks)
	return f
}

func writeJWKS(t *testing.T, pks []token.PublicKey) string {
	t.Helper()
	doc, err := token.JWKS(pks)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(path, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// sign returns a token valid now, changed by mod.
func (f *verifyFixture) sign(t *testing.T, key crypto.Signer, kid string, mod func(*token.Claims)) string {
	t.Helper()
	now := time.Now()
	c := token.Claims{
		Issuer:              verifyIssuer,
		LicenseARN:          "arn:aws:license-manager::111122223333:license:l-0123456789abcdef0123456789abcdef",
		ConsumptionToken:    "3b6a0b6e-0d1e-4d0a-9b8e-0a2b3c4d5e6f",
		IssuedAt:            now.Add(-time.Minute),
		Expiration:          now.Add(time.Hour),
		NodeID:              "node-1",
		EntitlementsAllowed: []token.Entitlement{{Name: "Seats", Unit: "Count"}},
	}
	if mod != nil {
		mod(&c)
	}
	s, err := token.NewSigner(key, kid)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.Sign(&c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestVerifyValid(t *testing.T) {
	f := newVerifyFixture(t)
	for kid, alg := range map[string]string{"ed": "EdDSA", "ec": "ES256", "rsa": "PS384"} {
		t.Run(alg, func(t *testing.T) {
			tok := f.sign(t, f.keys[kid], kid, nil)
			for name, run := range map[string]func() (string, int, error){
				"argument": func() (string, int, error) { return runVerify(t, "", "--jwks", f.jwks, "--issuer", verifyIssuer, tok) },
				"stdin":    func() (string, int, error) { return runVerify(t, tok+"\n", "--jwks", f.jwks, "--issuer", verifyIssuer) },
				"dash": func() (string, int, error) {
					return runVerify(t, "  "+tok+"\r\n", "--jwks", f.jwks, "--issuer", verifyIssuer, "-")
				},
				"node": func() (string, int, error) {
					return runVerify(t, "", "--jwks", f.jwks, "--issuer", verifyIssuer, "--node", "node-1", tok)
				},
				"no clock skew": func() (string, int, error) {
					return runVerify(t, "", "--jwks", f.jwks, "--issuer", verifyIssuer, "--clock-skew", "0", tok)
				},
				"flags after it": func() (string, int, error) { return runVerify(t, "", tok, "--jwks", f.jwks, "--issuer", verifyIssuer) },
			} {
				out, code, err := run()
				if code != 0 {
					t.Fatalf("%s: exit %d: %v", name, code, err)
				}
				var got struct {
					Valid  bool
					Kid    string
					Alg    string
					Claims map[string]any
				}
				if err := json.Unmarshal([]byte(out), &got); err != nil || strings.Count(strings.TrimSpace(out), "\n") != 0 {
					t.Fatalf("%s: output is not one JSON object on one line: %q (%v)", name, out, err)
				}
				if !got.Valid || got.Kid != kid || got.Alg != alg || got.Claims["iss"] != verifyIssuer ||
					got.Claims["licenseConsumptionToken"] != "3b6a0b6e-0d1e-4d0a-9b8e-0a2b3c4d5e6f" || got.Claims["nodeId"] != "node-1" {
					t.Errorf("%s: output %s", name, out)
				}
			}
		})
	}
}

func TestVerifyExitCodes(t *testing.T) {
	f := newVerifyFixture(t)
	ed := f.keys["ed"]
	good := f.sign(t, ed, "ed", nil)
	base := []string{"--jwks", f.jwks, "--issuer", verifyIssuer}
	args := func(extra ...string) []string { return append(append([]string{}, base...), extra...) }
	dir := t.TempDir()
	privJWKS := filepath.Join(dir, "private.json")
	os.WriteFile(privJWKS, []byte(`{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0"}]}`), 0o644)
	notJSON := filepath.Join(dir, "not.json")
	os.WriteFile(notJSON, []byte(`keys`), 0o644)
	edTP, _ := token.Thumbprint(ed)
	ecTP, _ := token.Thumbprint(f.keys["ec"])
	otherTP, _ := token.Thumbprint(f.other)
	// A JWKS in which the key belongs to another account.
	otherAccount := writeJWKS(t, []token.PublicKey{{KeyID: "ed", Key: ed, Account: "999988887777"}})
	tampered := []byte(good)
	i := strings.IndexByte(good, '.') + 5
	tampered[i] ^= 0x01

	for _, tt := range []struct {
		name  string
		stdin string
		args  []string
		code  int
		msg   string
	}{
		{"no --jwks", "", []string{"--issuer", verifyIssuer, good}, exitUsage, "--jwks"},
		{"no --issuer", "", []string{"--jwks", f.jwks, good}, exitUsage, "--issuer"},
		{"issuer not a fingerprint", "", []string{"--jwks", f.jwks, "--issuer", "Example Vendor", good}, exitUsage, "KeyFingerprint"},
		{"unknown flag", "", args("--nodes", "x", good), exitUsage, "unknown flag"},
		{"bad duration", "", args("--clock-skew", "soon", good), exitUsage, "clock-skew"},
		{"negative skew", "", args("--clock-skew", "-1s", good), exitUsage, "clock-skew"},
		{"two tokens", "", args(good, good), exitUsage, "one token"},
		{"empty stdin", "\n", args(), exitUsage, "no token"},
		{"missing JWKS file", "", []string{"--jwks", filepath.Join(dir, "nope.json"), "--issuer", verifyIssuer, good}, exitUsage, "nope.json"},
		{"JWKS not JSON", "", []string{"--jwks", notJSON, "--issuer", verifyIssuer, good}, exitUsage, "not JSON"},
		{"JWKS with a secret", "", []string{"--jwks", privJWKS, "--issuer", verifyIssuer, good}, exitUsage, "private"},
		{"thumbprint pins no key", "", args("--thumbprint", otherTP, good), exitUsage, "thumbprint"},

		{"garbage", "", args("not-a-token"), exitInvalid, "malformed"},
		{"tampered", "", args(string(tampered)), exitInvalid, ""},
		{"alg none", "", args("eyJhbGciOiJub25lIiwia2lkIjoiZWQifQ.e30."), exitInvalid, "unsigned"},
		{"signed by another key under a pinned kid", "", args(f.sign(t, f.other, "ed", nil)), exitInvalid, "bad signature"},

		{"expired", "", args(f.sign(t, ed, "ed", func(c *token.Claims) {
			c.IssuedAt, c.Expiration = time.Now().Add(-2*time.Hour), time.Now().Add(-time.Hour)
		})), exitTime, "expired"},
		{"expired 30s ago, no skew", "", args("--clock-skew", "0", f.sign(t, ed, "ed", func(c *token.Claims) {
			c.IssuedAt, c.Expiration = time.Now().Add(-time.Hour), time.Now().Add(-30*time.Second)
		})), exitTime, "expired"},
		{"not yet valid", "", args(f.sign(t, ed, "ed", func(c *token.Claims) { c.NotBefore = time.Now().Add(time.Hour) })), exitTime, "not yet valid"},
		{"issued in the future", "", args(f.sign(t, ed, "ed", func(c *token.Claims) {
			c.IssuedAt, c.Expiration = time.Now().Add(time.Hour), time.Now().Add(2*time.Hour)
		})), exitTime, "not yet valid"},

		{"other issuer", "", args(f.sign(t, ed, "ed", func(c *token.Claims) {
			c.Issuer = "aws:111122223333:Other Issuer:issuer-fingerprint"
		})), exitWrongIssuer, "wrong issuer"},
		{"key of another account", "", []string{"--jwks", otherAccount, "--issuer", verifyIssuer, good}, exitWrongIssuer, "account 999988887777"},

		{"other node", "", args("--node", "node-2", good), exitWrongNode, "node-1"},

		{"kid not in the JWKS", "", args(f.sign(t, f.other, "nobody", nil)), exitUnknownKey, "nobody"},
		{"kid not pinned by thumbprint", "", args("--thumbprint", ecTP, good), exitUnknownKey, "unknown signing key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, code, err := runVerify(t, tt.stdin, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d (%v), want %d", code, err, tt.code)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("message %q does not mention %q", err, tt.msg)
			}
			t.Logf("licensor: %v", err)
		})
	}

	// The pinned key itself still verifies, and the skew default admits a
	// token expired 30 seconds ago.
	if _, code, err := runVerify(t, "", args("--thumbprint", edTP, good)...); code != 0 {
		t.Errorf("pinned key: exit %d: %v", code, err)
	}
	recent := f.sign(t, ed, "ed", func(c *token.Claims) {
		c.IssuedAt, c.Expiration = time.Now().Add(-time.Hour), time.Now().Add(-30*time.Second)
	})
	if _, code, err := runVerify(t, "", args(recent)...); code != 0 {
		t.Errorf("within the default skew: exit %d: %v", code, err)
	}
}

func TestExitCode(t *testing.T) {
	if exitCode(os.ErrNotExist) != 1 {
		t.Error("plain errors exit 1")
	}
	if exitCode(&exitCodeError{code: 7, err: os.ErrNotExist}) != 7 {
		t.Error("exitCodeError's code is used")
	}
}
