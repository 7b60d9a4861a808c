package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
	"github.com/go-jose/go-jose/v4"

	"github.com/licensorhq/licensor"
	"github.com/licensorhq/licensor/client"
	"github.com/licensorhq/licensor/keys"
	"github.com/licensorhq/licensor/seal"
)

// tokenAlgs are the algorithms licensor signs with; go-jose is told to
// accept only these.
var tokenAlgs = []jose.SignatureAlgorithm{jose.EdDSA, jose.ES256, jose.PS384}

// privateJWKMembers are the members of a JWK that carry private key
// material (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2).
var privateJWKMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// fetchJWKS gets /.well-known/jwks.json and checks its shape: 200, the
// JWKS media type, and every key public, with kid, alg, use "sig", kty.
func fetchJWKS(t *testing.T, base string) []byte {
	t.Helper()
	resp, err := http.Get(base + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("GET jwks.json: %d %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/jwk-set+json" {
		t.Fatalf("GET jwks.json: Content-Type %q, want application/jwk-set+json", ct)
	}
	var doc struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("jwks.json is not a JWKS: %v: %s", err, body)
	}
	for i, k := range doc.Keys {
		for _, m := range []string{"kid", "alg", "kty"} {
			if s, _ := k[m].(string); s == "" {
				t.Errorf("jwks key %d has no %s: %v", i, m, k)
			}
		}
		if k["use"] != "sig" {
			t.Errorf("jwks key %d: use = %v, want sig", i, k["use"])
		}
		for _, m := range privateJWKMembers {
			if _, ok := k[m]; ok {
				t.Errorf("jwks key %d carries private member %q", i, m)
			}
		}
	}
	return body
}

// joseKeySet parses a JWKS with go-jose and checks every key is a valid
// public key.
func joseKeySet(t *testing.T, jwks []byte) *jose.JSONWebKeySet {
	t.Helper()
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(jwks, &set); err != nil {
		t.Fatalf("go-jose cannot read the JWKS: %v", err)
	}
	for _, k := range set.Keys {
		if !k.Valid() || !k.IsPublic() || k.Use != "sig" || k.KeyID == "" || k.Algorithm == "" {
			t.Fatalf("go-jose: key %q: valid %v public %v use %q alg %q", k.KeyID, k.Valid(), k.IsPublic(), k.Use, k.Algorithm)
		}
	}
	return &set
}

// tokenClaims is the payload of a licensor token, as read by go-jose's
// caller.
type tokenClaims struct {
	Iss                     string            `json:"iss"`
	Sub                     string            `json:"sub"`
	Iat                     int64             `json:"iat"`
	Exp                     int64             `json:"exp"`
	Jti                     string            `json:"jti"`
	LicenseArn              string            `json:"licenseArn"`
	LicenseVersion          string            `json:"licenseVersion"`
	EntitlementsAllowed     []map[string]any  `json:"entitlementsAllowed"`
	NodeID                  string            `json:"nodeId"`
	Beneficiary             string            `json:"beneficiary"`
	CheckoutType            string            `json:"checkoutType"`
	CheckoutMetadata        map[string]string `json:"checkoutMetadata"`
	LicenseConsumptionToken string            `json:"licenseConsumptionToken"`
	IssuedAt                string            `json:"issuedAt"`
	Expiration              string            `json:"expiration"`
}

// joseVerify verifies tok with go-jose against the key of set whose kid
// is the header's, and returns the header and claims.
func joseVerify(t *testing.T, set *jose.JSONWebKeySet, tok string) (jose.Header, tokenClaims) {
	t.Helper()
	h, payload, err := joseCheck(set, tok)
	if err != nil {
		t.Fatalf("go-jose rejects the token: %v", err)
	}
	var c tokenClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatalf("claims: %v: %s", err, payload)
	}
	return h, c
}

func joseCheck(set *jose.JSONWebKeySet, tok string) (jose.Header, []byte, error) {
	jws, err := jose.ParseSigned(tok, tokenAlgs)
	if err != nil {
		return jose.Header{}, nil, err
	}
	if len(jws.Signatures) != 1 {
		return jose.Header{}, nil, fmt.Errorf("%d signatures", len(jws.Signatures))
	}
	h := jws.Signatures[0].Header
	ks := set.Key(h.KeyID)
	if len(ks) != 1 {
		return h, nil, fmt.Errorf("kid %q: %d keys in the JWKS", h.KeyID, len(ks))
	}
	if ks[0].Algorithm != h.Algorithm {
		return h, nil, fmt.Errorf("header alg %s, key alg %s", h.Algorithm, ks[0].Algorithm)
	}
	payload, err := jws.Verify(ks[0])
	return h, payload, err
}

// decodeSegments decodes the three segments of a compact JWS the way a
// lenient decoder does (trailing bits ignored); ok false if it cannot.
func decodeSegments(tok string) ([3][]byte, bool) {
	var out [3][]byte
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return out, false
	}
	for i, p := range parts {
		b, err := base64.RawURLEncoding.DecodeString(p)
		if err != nil {
			return out, false
		}
		out[i] = b
	}
	return out, true
}

const b64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// TestSignedCheckoutToken: every CheckoutLicense answer carries a token
// that go-jose, an independent JOSE implementation, verifies with the key
// it reads from the server's JWKS, whose claims are the answer's, and
// that no single changed character of survives.
func TestSignedCheckoutToken(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	seller := s.createAccount("Vendor")
	lm := s.sdk(seller)
	arn, fp := seatsLicense(t, lm, "SIGNED", 5)
	if fp != "aws:"+seller.AccountId+":Vendor:issuer-fingerprint" {
		t.Fatalf("KeyFingerprint = %q", fp)
	}
	out, err := lm.CheckoutLicense(ctx, &licensemanager.CheckoutLicenseInput{
		ProductSKU: aws.String("SIGNED"), CheckoutType: types.CheckoutTypeProvisional, KeyFingerprint: aws.String(fp),
		Entitlements: []types.EntitlementData{{Name: aws.String("Seats"), Unit: types.EntitlementDataUnitCount, Value: aws.String("2")}},
		ClientToken:  aws.String("signed-1"), Beneficiary: aws.String("customer-1"), NodeId: aws.String("host-42"),
	})
	if err != nil {
		t.Fatal(err)
	}
	tok := aws.ToString(out.SignedToken)
	if strings.Count(tok, ".") != 2 {
		t.Fatalf("SignedToken = %q, want a compact JWS", tok)
	}
	jwks := fetchJWKS(t, s.URL)
	set := joseKeySet(t, jwks)
	h, c := joseVerify(t, set, tok)
	if h.Algorithm != "EdDSA" || !licensor.ValidKeyID(h.KeyID) {
		t.Fatalf("header: alg %q kid %q, want EdDSA and a key ID", h.Algorithm, h.KeyID)
	}
	// The signing key is published with the account it signs for.
	var raw struct{ Keys []map[string]any }
	json.Unmarshal(jwks, &raw)
	found := false
	for _, k := range raw.Keys {
		if k["kid"] == h.KeyID {
			found = true
			if k["kty"] != "OKP" || k["crv"] != "Ed25519" || k["account"] != seller.AccountId {
				t.Fatalf("signing key in the JWKS = %v", k)
			}
		}
	}
	if !found {
		t.Fatalf("kid %s not in the JWKS", h.KeyID)
	}
	exp, err := time.Parse(time.RFC3339, aws.ToString(out.Expiration))
	if err != nil {
		t.Fatal(err)
	}
	iat, _ := time.Parse(time.RFC3339, aws.ToString(out.IssuedAt))
	wantEnt := []map[string]any{{"name": "Seats", "unit": "Count", "value": "2"}}
	if c.Sub != arn || c.LicenseArn != arn || c.Jti != aws.ToString(out.LicenseConsumptionToken) || c.LicenseConsumptionToken != c.Jti ||
		c.Iss != fp || c.NodeID != "host-42" || c.Exp != exp.Unix() || c.Expiration != aws.ToString(out.Expiration) ||
		c.Iat != iat.Unix() || c.IssuedAt != aws.ToString(out.IssuedAt) || c.CheckoutType != "PROVISIONAL" || c.Beneficiary != "customer-1" ||
		!reflect.DeepEqual(c.EntitlementsAllowed, wantEnt) {
		t.Fatalf("claims = %+v\nanswer = %+v", c, out)
	}
	// Our own verifier agrees with go-jose.
	v, err := client.NewVerifier(jwks, client.VerifyOptions{Issuer: fp, NodeID: "host-42"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(tok); err != nil {
		t.Fatalf("licensor's verifier: %v", err)
	}

	// Every single changed character is caught. Each position is replaced
	// twice: flipping the top bit of its 6-bit group (always significant)
	// and the bottom one (a no-op in the last character of a segment,
	// whose trailing bits a lenient decoder drops: then the decoded token
	// must be the original, byte for byte).
	orig, ok := decodeSegments(tok)
	if !ok {
		t.Fatal("token does not decode")
	}
	rejected, noop := 0, 0
	for i := 0; i < len(tok); i++ {
		var repl []byte
		if j := strings.IndexByte(b64url, tok[i]); j >= 0 {
			repl = []byte{b64url[j^32], b64url[j^1]}
		} else {
			repl = []byte{'A'} // a '.'
		}
		for _, r := range repl {
			bad := tok[:i] + string(r) + tok[i+1:]
			if bad == tok {
				t.Fatalf("replacement at %d is not a change", i)
			}
			_, _, err := joseCheck(set, bad)
			if err != nil {
				rejected++
				if _, err := v.Verify(bad); err == nil {
					t.Errorf("licensor's verifier accepts the token changed at %d (%q→%q)", i, tok[i], r)
				}
				continue
			}
			got, ok := decodeSegments(bad)
			if !ok || !bytes.Equal(got[0], orig[0]) || !bytes.Equal(got[1], orig[1]) || !bytes.Equal(got[2], orig[2]) {
				t.Fatalf("go-jose accepts the token changed at %d (%q→%q), which decodes differently", i, tok[i], r)
			}
			noop++
		}
	}
	t.Logf("%d-character token: %d changed tokens rejected, %d changes only in base64 trailing bits", len(tok), rejected, noop)
	if noop > 3 { // at most the last character of each of three segments, once each
		t.Fatalf("%d changes were no-ops", noop)
	}
}

// borrowableLicense creates a license whose seats can be borrowed for ttl
// minutes; it returns the ARN and fingerprint.
func borrowableLicense(t *testing.T, lm *licensemanager.Client, sku string, seats int64, ttl int32, earlyCheckIn bool) (string, string) {
	t.Helper()
	ctx := context.Background()
	out, err := lm.CreateLicense(ctx, &licensemanager.CreateLicenseInput{
		LicenseName: aws.String("Borrowable"), ProductName: aws.String("Product"), ProductSKU: aws.String(sku),
		Issuer: &types.Issuer{Name: aws.String("Vendor")}, HomeRegion: aws.String("us-east-1"),
		Validity:    &types.DatetimeRange{Begin: aws.String("2020-01-01T00:00:00Z")},
		Beneficiary: aws.String("customer-1"),
		Entitlements: []types.Entitlement{
			{Name: aws.String("Seats"), Unit: types.EntitlementUnitCount, MaxCount: aws.Int64(seats), AllowCheckIn: aws.Bool(true)},
			{Name: aws.String("Offline"), Unit: types.EntitlementUnitNone},
		},
		ConsumptionConfiguration: &types.ConsumptionConfiguration{
			RenewType:           types.RenewTypeNone,
			BorrowConfiguration: &types.BorrowConfiguration{AllowEarlyCheckIn: aws.Bool(earlyCheckIn), MaxTimeToLiveInMinutes: aws.Int32(ttl)},
		},
		ClientToken: aws.String("create-" + sku),
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := lm.GetLicense(ctx, &licensemanager.GetLicenseInput{LicenseArn: out.LicenseArn})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.LicenseArn), aws.ToString(got.License.Issuer.KeyFingerprint)
}

// seatsConsumed returns the ConsumedValue of the Seats entitlement.
func seatsConsumed(t *testing.T, lm *licensemanager.Client, arn string) string {
	t.Helper()
	u, err := lm.GetLicenseUsage(context.Background(), &licensemanager.GetLicenseUsageInput{LicenseArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range u.LicenseUsage.EntitlementUsages {
		if aws.ToString(e.Name) == "Seats" {
			return aws.ToString(e.ConsumedValue)
		}
	}
	t.Fatalf("no Seats in usage %+v", u.LicenseUsage)
	return ""
}

// TestBorrowWithSDK: CheckoutBorrowLicense through the official SDK, and
// once through awscli: a PS384 token go-jose verifies, the pool counted,
// idempotency, and every documented refusal in its SDK error type.
func TestBorrowWithSDK(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	seller := s.createAccount("Vendor")
	lm := s.sdk(seller)
	arn, fp := borrowableLicense(t, lm, "BORROW", 2, 60, true)
	borrowIn := func(clientToken, method string, ents ...types.EntitlementData) *licensemanager.CheckoutBorrowLicenseInput {
		return &licensemanager.CheckoutBorrowLicenseInput{
			LicenseArn: aws.String(arn), Entitlements: ents, DigitalSignatureMethod: types.DigitalSignatureMethod(method),
			NodeId: aws.String("laptop-7"), ClientToken: aws.String(clientToken),
			CheckoutMetadata: []types.Metadata{{Name: aws.String("user"), Value: aws.String("alice")}, {Name: aws.String("reason"), Value: aws.String("travel")}},
		}
	}
	seats := func(n string) types.EntitlementData {
		return types.EntitlementData{Name: aws.String("Seats"), Unit: types.EntitlementDataUnitCount, Value: aws.String(n)}
	}
	out, err := lm.CheckoutBorrowLicense(ctx, borrowIn("borrow-1", "JWT_PS384", seats("2"),
		types.EntitlementData{Name: aws.String("Offline"), Unit: types.EntitlementDataUnitNone}))
	if err != nil {
		t.Fatal(err)
	}
	iat, err1 := time.Parse(time.RFC3339, aws.ToString(out.IssuedAt))
	exp, err2 := time.Parse(time.RFC3339, aws.ToString(out.Expiration))
	if err1 != nil || err2 != nil || exp.Sub(iat) != 60*time.Minute {
		t.Fatalf("IssuedAt %q, Expiration %q: want 60 minutes apart", aws.ToString(out.IssuedAt), aws.ToString(out.Expiration))
	}
	if aws.ToString(out.LicenseArn) != arn || aws.ToString(out.NodeId) != "laptop-7" || len(out.EntitlementsAllowed) != 2 ||
		len(out.CheckoutMetadata) != 2 || aws.ToString(out.LicenseConsumptionToken) == "" {
		t.Fatalf("borrow answer = %+v", out)
	}
	set := joseKeySet(t, fetchJWKS(t, s.URL))
	h, c := joseVerify(t, set, aws.ToString(out.SignedToken))
	if h.Algorithm != "PS384" {
		t.Fatalf("borrow token alg = %s, want PS384", h.Algorithm)
	}
	k := set.Key(h.KeyID)[0]
	if rk, ok := k.Key.(*rsa.PublicKey); !ok || rk.N.BitLen() != 3072 {
		t.Fatalf("borrow key %s is %T, want RSA-3072", h.KeyID, k.Key)
	}
	if c.Iss != fp || c.Sub != arn || c.NodeID != "laptop-7" || c.Jti != aws.ToString(out.LicenseConsumptionToken) ||
		!reflect.DeepEqual(c.CheckoutMetadata, map[string]string{"user": "alice", "reason": "travel"}) ||
		c.Exp != exp.Unix() || c.Iat != iat.Unix() || c.Exp-c.Iat != 3600 || len(c.EntitlementsAllowed) != 2 {
		t.Fatalf("borrow claims = %+v", c)
	}
	if got := seatsConsumed(t, lm, arn); got != "2" {
		t.Fatalf("Seats consumed after borrowing 2 = %s", got)
	}
	// The same ClientToken replays the answer and consumes nothing more.
	again, err := lm.CheckoutBorrowLicense(ctx, borrowIn("borrow-1", "JWT_PS384", seats("2"),
		types.EntitlementData{Name: aws.String("Offline"), Unit: types.EntitlementDataUnitNone}))
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	if aws.ToString(again.LicenseConsumptionToken) != aws.ToString(out.LicenseConsumptionToken) {
		t.Fatalf("replay answered consumption token %s, first %s", aws.ToString(again.LicenseConsumptionToken), aws.ToString(out.LicenseConsumptionToken))
	}
	if _, c2 := joseVerify(t, set, aws.ToString(again.SignedToken)); c2.Jti != c.Jti {
		t.Fatalf("replayed token jti %s, want %s", c2.Jti, c.Jti)
	}
	if got := seatsConsumed(t, lm, arn); got != "2" {
		t.Fatalf("Seats consumed after a replay = %s, want 2", got)
	}
	// Beyond the pool.
	var nea *types.NoEntitlementsAllowedException
	if _, err := lm.CheckoutBorrowLicense(ctx, borrowIn("borrow-2", "JWT_PS384", seats("1"))); !errors.As(err, &nea) {
		t.Fatalf("borrow beyond the pool: %v, want NoEntitlementsAllowedException", err)
	}
	// Only JWT_PS384.
	var unsupported *types.UnsupportedDigitalSignatureMethodException
	if _, err := lm.CheckoutBorrowLicense(ctx, borrowIn("borrow-3", "JWT_RS256", seats("1"))); !errors.As(err, &unsupported) {
		t.Fatalf("JWT_RS256: %v, want UnsupportedDigitalSignatureMethodException", err)
	}
	// A license without BorrowConfiguration.
	plain, _ := seatsLicense(t, lm, "NOBORROW", 5)
	in := borrowIn("borrow-4", "JWT_PS384", seats("1"))
	in.LicenseArn = aws.String(plain)
	var ve *types.ValidationException
	if _, err := lm.CheckoutBorrowLicense(ctx, in); !errors.As(err, &ve) {
		t.Fatalf("borrow of a license without BorrowConfiguration: %v, want ValidationException", err)
	}
	// An entitlement the license lacks: nothing is borrowed.
	var ena *types.EntitlementNotAllowedException
	if _, err := lm.CheckoutBorrowLicense(ctx, borrowIn("borrow-5", "JWT_PS384",
		types.EntitlementData{Name: aws.String("Gold"), Unit: types.EntitlementDataUnitCount, Value: aws.String("1")})); !errors.As(err, &ena) {
		t.Fatalf("unknown entitlement: %v, want EntitlementNotAllowedException", err)
	}
	// Early check-in returns the seats.
	if _, err := lm.CheckInLicense(ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: out.LicenseConsumptionToken}); err != nil {
		t.Fatalf("check-in of a borrow: %v", err)
	}
	if got := seatsConsumed(t, lm, arn); got != "0" {
		t.Fatalf("Seats consumed after check-in = %s, want 0", got)
	}
	if _, err := lm.CheckoutBorrowLicense(ctx, borrowIn("borrow-6", "JWT_PS384", seats("1"))); err != nil {
		t.Fatalf("borrow after check-in: %v", err)
	}
	// Without AllowEarlyCheckIn, a borrow stays out until it expires.
	strict, _ := borrowableLicense(t, lm, "STRICT", 2, 60, false)
	in = borrowIn("borrow-7", "JWT_PS384", seats("1"))
	in.LicenseArn = aws.String(strict)
	held, err := lm.CheckoutBorrowLicense(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	var conflict *types.ConflictException
	if _, err := lm.CheckInLicense(ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: held.LicenseConsumptionToken}); !errors.As(err, &conflict) {
		t.Fatalf("early check-in without AllowEarlyCheckIn: %v, want ConflictException", err)
	}
	if got := seatsConsumed(t, lm, strict); got != "1" {
		t.Fatalf("Seats consumed after a refused check-in = %s, want 1", got)
	}

	t.Run("awscli", func(t *testing.T) {
		sub := &testServer{t: t, app: s.app, URL: s.URL, Data: s.Data}
		res, stderr, code := sub.awsCLI(seller, "license-manager", "checkout-borrow-license",
			"--license-arn", arn, "--entitlements", "Name=Seats,Value=1,Unit=Count",
			"--digital-signature-method", "JWT_PS384", "--node-id", "cli-node",
			"--checkout-metadata", "Name=user,Value=bob", "--client-token", "cli-borrow-1")
		if code != 0 {
			t.Fatalf("checkout-borrow-license: exit %d: %s", code, stderr)
		}
		tok, _ := res["SignedToken"].(string)
		h, c := joseVerify(t, joseKeySet(t, fetchJWKS(t, s.URL)), tok)
		if h.Algorithm != "PS384" || c.NodeID != "cli-node" || c.CheckoutMetadata["user"] != "bob" || c.Jti != res["LicenseConsumptionToken"] || res["NodeId"] != "cli-node" {
			t.Fatalf("awscli borrow = %v; claims %+v", res, c)
		}
		if got := seatsConsumed(t, lm, arn); got != "2" {
			t.Fatalf("Seats consumed after the CLI borrow = %s, want 2", got)
		}
		_, stderr, code = sub.awsCLI(seller, "license-manager", "checkout-borrow-license",
			"--license-arn", arn, "--entitlements", "Name=Seats,Value=1,Unit=Count",
			"--digital-signature-method", "JWT_PS384", "--client-token", "cli-borrow-2")
		if code == 0 || !strings.Contains(stderr, "NoEntitlementsAllowedException") {
			t.Fatalf("CLI borrow beyond the pool: exit %d: %s", code, stderr)
		}
	})
}

// runLicensor runs the licensor command in-process with the given
// environment and standard input; it returns standard output, standard
// error and the exit code main would use.
func runLicensor(t *testing.T, environ map[string]string, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	root := newRootCmd(&stdout, &stderr, func(k string) string { return environ[k] })
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	if err := root.ExecuteContext(context.Background()); err != nil {
		fmt.Fprintln(&stderr, "licensor:", err)
		return stdout.String(), stderr.String(), exitCode(err)
	}
	return stdout.String(), stderr.String(), 0
}

// cliKey is a key as `licensor key` prints it.
type cliKey struct {
	KeyId, AccountId, Algorithm, KeyUri, Status, PublicKeyPem, Thumbprint string
}

// checkoutToken checks out one seat of a license and returns the token.
func checkoutToken(t *testing.T, lm *licensemanager.Client, sku, fp, clientToken, node string) string {
	t.Helper()
	out, err := lm.CheckoutLicense(context.Background(), &licensemanager.CheckoutLicenseInput{
		ProductSKU: aws.String(sku), CheckoutType: types.CheckoutTypeProvisional, KeyFingerprint: aws.String(fp),
		Entitlements: []types.EntitlementData{{Name: aws.String("Seats"), Unit: types.EntitlementDataUnitCount, Value: aws.String("1")}},
		ClientToken:  aws.String(clientToken), Beneficiary: aws.String("customer-1"), NodeId: aws.String(node),
	})
	if err != nil {
		t.Fatalf("checkout %s: %v", clientToken, err)
	}
	return aws.ToString(out.SignedToken)
}

// tokenKID returns the kid of a compact JWS header.
func tokenKID(t *testing.T, tok string) string {
	t.Helper()
	jws, err := jose.ParseSigned(tok, tokenAlgs)
	if err != nil {
		t.Fatal(err)
	}
	return jws.Signatures[0].Header.KeyID
}

// TestKeyCommandsAndVerify drives `licensor key create|list|rotate|disable`
// with a seller's credentials, shows what rotation and disabling do to
// tokens, and runs `licensor verify` on real tokens for each exit code.
func TestKeyCommandsAndVerify(t *testing.T) {
	s := startServer(t)
	seller := s.createAccount("Vendor")
	lm := s.sdk(seller)
	_, fp := seatsLicense(t, lm, "KEYS", 50)
	environ := map[string]string{"AWS_ACCESS_KEY_ID": seller.AccessKeyId, "AWS_SECRET_ACCESS_KEY": seller.SecretAccessKey, "LICENSOR_ENDPOINT": s.URL}
	keyCmd := func(args ...string) cliKey {
		t.Helper()
		out, stderr, code := runLicensor(t, environ, "", append([]string{"key"}, args...)...)
		if code != 0 {
			t.Fatalf("licensor key %v: exit %d: %s", args, code, stderr)
		}
		var r struct{ Key cliKey }
		if err := json.Unmarshal([]byte(out), &r); err != nil || r.Key.KeyId == "" {
			t.Fatalf("licensor key %v printed %q (%v)", args, out, err)
		}
		if strings.Contains(out, "PRIVATE") {
			t.Fatalf("licensor key %v printed a private key: %s", args, out)
		}
		return r.Key
	}
	listKeys := func() map[string]cliKey {
		t.Helper()
		out, stderr, code := runLicensor(t, environ, "", "key", "list")
		if code != 0 {
			t.Fatalf("licensor key list: exit %d: %s", code, stderr)
		}
		var r struct{ Keys []cliKey }
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("key list printed %q: %v", out, err)
		}
		m := map[string]cliKey{}
		for _, k := range r.Keys {
			m[k.KeyId] = k
		}
		return m
	}
	ourVerify := func(jwks []byte, tok string) error {
		t.Helper()
		v, err := client.NewVerifier(jwks, client.VerifyOptions{Issuer: fp})
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.Verify(tok)
		return err
	}

	// The license made the default EdDSA key; a new ES256 key is newer, so
	// it signs.
	k1 := keyCmd("create", "--alg", "ES256")
	if k1.Algorithm != "ES256" || k1.Status != "ACTIVE" || k1.AccountId != seller.AccountId || k1.KeyUri != "db:"+k1.KeyId ||
		!strings.Contains(k1.PublicKeyPem, "BEGIN PUBLIC KEY") || k1.Thumbprint == "" {
		t.Fatalf("key create = %+v", k1)
	}
	if block, _ := pem.Decode([]byte(k1.PublicKeyPem)); block == nil {
		t.Fatalf("PublicKeyPem %q", k1.PublicKeyPem)
	} else if pub, err := x509.ParsePKIXPublicKey(block.Bytes); err != nil {
		t.Fatal(err)
	} else if _, ok := pub.(*ecdsa.PublicKey); !ok {
		t.Fatalf("ES256 key's public half is %T", pub)
	}
	ks := listKeys()
	if len(ks) != 2 || ks[k1.KeyId].Status != "ACTIVE" {
		t.Fatalf("key list = %+v", ks)
	}
	tok1 := checkoutToken(t, lm, "KEYS", fp, "k-1", "host-1")
	if kid := tokenKID(t, tok1); kid != k1.KeyId {
		t.Fatalf("checkout signed by %s, want the new ES256 key %s", kid, k1.KeyId)
	}
	// Rotation: the new key signs, the old one is RETIRED and still verifies.
	k2 := keyCmd("rotate", "--alg", "ES256")
	if k2.KeyId == k1.KeyId || k2.Algorithm != "ES256" || k2.Status != "ACTIVE" {
		t.Fatalf("key rotate = %+v", k2)
	}
	ks = listKeys()
	if ks[k1.KeyId].Status != "RETIRED" || ks[k2.KeyId].Status != "ACTIVE" {
		t.Fatalf("after rotate: %+v", ks)
	}
	tok2 := checkoutToken(t, lm, "KEYS", fp, "k-2", "host-1")
	if kid := tokenKID(t, tok2); kid != k2.KeyId {
		t.Fatalf("after rotate, checkout signed by %s, want %s", kid, k2.KeyId)
	}
	jwks := fetchJWKS(t, s.URL)
	set := joseKeySet(t, jwks)
	joseVerify(t, set, tok1)
	joseVerify(t, set, tok2)
	if err := ourVerify(jwks, tok1); err != nil {
		t.Fatalf("token of the retired key: %v", err)
	}
	// Disabling: the key leaves the JWKS, its tokens stop verifying.
	if d := keyCmd("disable", k1.KeyId); d.KeyId != k1.KeyId || d.Status != "DISABLED" {
		t.Fatalf("key disable = %+v", d)
	}
	if listKeys()[k1.KeyId].Status != "DISABLED" {
		t.Fatal("key list does not show the key disabled")
	}
	jwks = fetchJWKS(t, s.URL)
	if len(joseKeySet(t, jwks).Key(k1.KeyId)) != 0 {
		t.Fatal("a disabled key is still in the JWKS")
	}
	if err := ourVerify(jwks, tok1); !errors.Is(err, client.ErrUnknownKey) {
		t.Fatalf("token of a disabled key: %v, want ErrUnknownKey", err)
	}
	if err := ourVerify(jwks, tok2); err != nil {
		t.Fatalf("token of the active key: %v", err)
	}
	// Refusals exit 1 with the server's error.
	if _, stderr, code := runLicensor(t, environ, "", "key", "create", "--alg", "RS256"); code != 1 || !strings.Contains(stderr, "Algorithm") {
		t.Fatalf("key create --alg RS256: exit %d: %s", code, stderr)
	}
	other := s.createAccount("Other")
	if _, stderr, code := runLicensor(t, map[string]string{"AWS_ACCESS_KEY_ID": other.AccessKeyId, "AWS_SECRET_ACCESS_KEY": other.SecretAccessKey, "LICENSOR_ENDPOINT": s.URL},
		"", "key", "disable", k2.KeyId); code != 1 {
		t.Fatalf("another account disabled the key: exit %d: %s", code, stderr)
	}

	// licensor verify, offline, against the downloaded JWKS.
	jwksFile := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(jwksFile, fetchJWKS(t, s.URL), 0o644); err != nil {
		t.Fatal(err)
	}
	tok3 := checkoutToken(t, lm, "KEYS", fp, "k-3", "host-1")
	verify := func(stdin string, args ...string) (string, int) {
		t.Helper()
		out, _, code := runLicensor(t, nil, stdin, append([]string{"verify", "--jwks", jwksFile}, args...)...)
		return out, code
	}
	out, code := verify("", "--issuer", fp, "--node", "host-1", tok3)
	var res struct {
		Valid  bool
		Kid    string
		Alg    string
		Claims tokenClaims
	}
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || !res.Valid || res.Kid != k2.KeyId || res.Alg != "ES256" ||
		res.Claims.Iss != fp || res.Claims.NodeID != "host-1" {
		t.Fatalf("verify a fresh token: exit %d: %s", code, out)
	}
	if _, code := verify(tok3+"\n", "--issuer", fp); code != 0 {
		t.Fatalf("verify from stdin: exit %d", code)
	}
	parts := strings.Split(tok3, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString(bytes.Replace(payload, []byte(`"value":"1"`), []byte(`"value":"9"`), 1)) + "." + parts[2]
	if forged == tok3 {
		t.Fatal("forgery did not change the token")
	}
	if _, code := verify("", "--issuer", fp, forged); code != 3 {
		t.Fatalf("verify a tampered token: exit %d, want 3", code)
	}
	if _, code := verify("", "--issuer", "aws:"+seller.AccountId+":Someone Else:issuer-fingerprint", tok3); code != 5 {
		t.Fatalf("verify with another issuer: exit %d, want 5", code)
	}
	if _, code := verify("", "--issuer", "aws:"+other.AccountId+":Vendor:issuer-fingerprint", tok3); code != 5 {
		t.Fatalf("verify with another account's issuer: exit %d, want 5", code)
	}
	if _, code := verify("", "--issuer", fp, "--node", "host-2", tok3); code != 6 {
		t.Fatalf("verify on another node: exit %d, want 6", code)
	}
	if _, code := verify("", tok3); code != 2 {
		t.Fatalf("verify without --issuer: exit %d, want 2", code)
	}
	keyCmd("disable", k2.KeyId)
	if err := os.WriteFile(jwksFile, fetchJWKS(t, s.URL), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, code := verify("", "--issuer", fp, tok3); code != 7 {
		t.Fatalf("verify after its key is disabled: exit %d, want 7", code)
	}
	// The account still signs, with its remaining (EdDSA) key.
	tok4 := checkoutToken(t, lm, "KEYS", fp, "k-4", "host-1")
	if out, code := verify("", "--issuer", fp, tok4); code != 0 || !strings.Contains(out, `"alg":"EdDSA"`) {
		t.Fatalf("verify a token of the remaining key: exit %d: %s", code, out)
	}
}

// recorder is an http.RoundTripper that keeps every response body.
type recorder struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	r.add(b)
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

func (r *recorder) add(b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bodies = append(r.bodies, b)
}

// syncBuffer is a bytes.Buffer safe for the server's concurrent logging.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// secretEncodings returns the ways a private key could leak: its PEM body,
// its PKCS#8 DER in several encodings, and its secret scalars.
func secretEncodings(t *testing.T, pemBytes []byte, key any) map[string]string {
	t.Helper()
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		t.Fatal("sealed key is not PEM")
	}
	der := block.Bytes
	body := strings.TrimSpace(strings.SplitN(strings.SplitN(string(pemBytes), "-----\n", 2)[1], "-----END", 2)[0])
	enc := map[string]string{
		"PEM":                 string(pemBytes),
		"PEM body":            body,
		"PEM body first line": strings.SplitN(body, "\n", 2)[0],
		"DER base64":          base64.StdEncoding.EncodeToString(der),
		"DER base64url":       base64.RawURLEncoding.EncodeToString(der),
		"DER hex":             hex.EncodeToString(der),
	}
	// A scalar whole, and its first half (a truncated leak).
	scalar := func(name string, b []byte) {
		for part, v := range map[string][]byte{"": b, " (first half)": b[:len(b)/2]} {
			enc[name+part+" base64url"] = base64.RawURLEncoding.EncodeToString(v)
			enc[name+part+" base64"] = base64.StdEncoding.EncodeToString(v)
			enc[name+part+" hex"] = hex.EncodeToString(v)
		}
	}
	bigScalar := func(name string, n *big.Int) {
		scalar(name, n.Bytes())
		enc[name+" decimal"] = n.String()
	}
	switch k := key.(type) {
	case ed25519.PrivateKey:
		scalar("Ed25519 seed", k.Seed())
		scalar("Ed25519 private key", k)
	case *ecdsa.PrivateKey:
		d, err := k.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		scalar("ECDSA D", d)
		bigScalar("ECDSA D", new(big.Int).SetBytes(d))
	case *rsa.PrivateKey:
		bigScalar("RSA D", k.D)
		for i, p := range k.Primes {
			bigScalar(fmt.Sprint("RSA prime ", i), p)
		}
		bigScalar("RSA Dp", k.Precomputed.Dp)
		bigScalar("RSA Dq", k.Precomputed.Dq)
		bigScalar("RSA Qinv", k.Precomputed.Qinv)
		scalar("PKCS#1 DER", x509.MarshalPKCS1PrivateKey(k))
	default:
		t.Fatalf("unexpected key type %T", key)
	}
	return enc
}

// TestPrivateKeysNeverLeak exercises every key operation, checkouts,
// borrows, the JWKS and some errors with the server logging at debug
// level, then opens every db: key from the store with the master key and
// looks for its secret material, in many encodings, in the log and in
// every response.
func TestPrivateKeysNeverLeak(t *testing.T) {
	logs := &syncBuffer{}
	s := startServerWith(t, serverOptions{Log: logs, LogLevel: "debug"})
	ctx := context.Background()
	rec := &recorder{}
	httpc := &http.Client{Transport: rec, Timeout: 30 * time.Second}
	seller := s.createAccount("Vendor")
	lm := licensemanager.New(licensemanager.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(s.URL), HTTPClient: httpc, RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: seller.AccessKeyId, SecretAccessKey: seller.SecretAccessKey, Source: "test"}, nil
		}),
	})
	sc := &client.Client{Endpoint: s.URL, Region: "us-east-1", AccessKeyID: seller.AccessKeyId, SecretAccessKey: seller.SecretAccessKey, HTTP: httpc}
	root := s.rootClient()
	root.HTTP = httpc
	call := func(c *client.Client, target string, in any, wantErr bool) json.RawMessage {
		t.Helper()
		var out json.RawMessage
		err := c.Call(ctx, target, in, &out)
		if (err != nil) != wantErr {
			t.Fatalf("%s %v: err = %v, want error %v", target, in, err, wantErr)
		}
		return out
	}
	keyID := func(raw json.RawMessage) string {
		var r struct{ Key struct{ KeyId string } }
		json.Unmarshal(raw, &r)
		return r.Key.KeyId
	}

	arn, fp := borrowableLicense(t, lm, "LEAK", 100, 60, true)
	ed := keyID(call(sc, "Licensor.CreateKey", map[string]string{"Algorithm": "EdDSA"}, false))
	es := keyID(call(sc, "Licensor.CreateKey", map[string]string{"Algorithm": "ES256"}, false))
	ps := keyID(call(sc, "Licensor.CreateKey", map[string]string{"Algorithm": "PS384"}, false))
	call(sc, "Licensor.ListKeys", map[string]string{}, false)
	tokens := []string{}
	for i := 0; i < 3; i++ {
		tokens = append(tokens, checkoutToken(t, lm, "LEAK", fp, fmt.Sprint("leak-", i), "n"))
	}
	rot := keyID(call(sc, "Licensor.RotateKey", map[string]string{"Algorithm": "ES256"}, false))
	call(root, "Licensor.RotateKey", map[string]string{"AccountId": seller.AccountId, "Algorithm": "EdDSA"}, false)
	tokens = append(tokens, checkoutToken(t, lm, "LEAK", fp, "leak-after-rotate", "n"))
	for i := 0; i < 2; i++ {
		out, err := lm.CheckoutBorrowLicense(ctx, &licensemanager.CheckoutBorrowLicenseInput{
			LicenseArn: aws.String(arn), DigitalSignatureMethod: types.DigitalSignatureMethodJwtPs384, ClientToken: aws.String(fmt.Sprint("leak-borrow-", i)),
			Entitlements: []types.EntitlementData{{Name: aws.String("Seats"), Unit: types.EntitlementDataUnitCount, Value: aws.String("1")}},
		})
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, aws.ToString(out.SignedToken))
	}
	call(root, "Licensor.ListKeys", map[string]string{"AccountId": seller.AccountId}, false)
	call(sc, "Licensor.DisableKey", map[string]string{"KeyId": es}, false)
	call(sc, "Licensor.DisableKey", map[string]string{"KeyId": ps}, false)
	tokens = append(tokens, checkoutToken(t, lm, "LEAK", fp, "leak-after-disable", "n"))
	// Errors.
	call(sc, "Licensor.CreateKey", map[string]string{"Algorithm": "RS256"}, true)
	call(sc, "Licensor.CreateKey", map[string]string{"KeyUri": "file:///etc/passwd"}, true)
	call(sc, "Licensor.DisableKey", map[string]string{"KeyId": "k-0123456789abcdef0123456789abcdef"}, true)
	call(sc, "Licensor.DisableKey", map[string]string{"KeyId": "nope"}, true)
	call(sc, "Licensor.ListKeys", map[string]string{"AccountId": "123456789012"}, true)
	if _, err := lm.CheckoutBorrowLicense(ctx, &licensemanager.CheckoutBorrowLicenseInput{
		LicenseArn: aws.String(arn), DigitalSignatureMethod: "JWT_RS256", ClientToken: aws.String("leak-bad"),
		Entitlements: []types.EntitlementData{{Name: aws.String("Seats"), Unit: types.EntitlementDataUnitCount, Value: aws.String("1")}},
	}); err == nil {
		t.Fatal("JWT_RS256 borrow succeeded")
	}
	// The JWKS, through the recording client too.
	resp, err := httpc.Get(s.URL + "/.well-known/jwks.json")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("jwks: %v", err)
	}
	resp.Body.Close()
	set := joseKeySet(t, fetchJWKS(t, s.URL))
	for _, tok := range tokens[len(tokens)-1:] {
		joseVerify(t, set, tok)
	}
	if !strings.Contains(logs.String(), "level=DEBUG") && !strings.Contains(logs.String(), "level=INFO") {
		t.Fatalf("the server logged nothing: %q", logs.String())
	}

	// Open every db: key straight from the store.
	key, created, err := seal.LoadOrCreateKey("", s.Data, nil)
	if err != nil || created {
		t.Fatalf("master key: created %v, %v", created, err)
	}
	box, err := seal.New(key, nil)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: filepath.Join(s.Data, "licensor.db"), RawQuery: "mode=ro&_pragma=busy_timeout(5000)"}).String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT id, algorithm, sealed FROM issuer_keys WHERE sealed IS NOT NULL ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	algs := map[string]int{}
	ids := map[string]bool{}
	var secrets []map[string]string
	for rows.Next() {
		var id, alg string
		var sealed []byte
		if err := rows.Scan(&id, &alg, &sealed); err != nil {
			t.Fatal(err)
		}
		pemBytes, err := box.Open(sealed, []byte(id))
		if err != nil {
			t.Fatalf("open sealed key %s: %v", id, err)
		}
		if _, err := box.Open(sealed, []byte(id+"x")); err == nil {
			t.Fatalf("sealed key %s opens under another key id", id)
		}
		signer, err := keys.ParsePrivateKeyPEM(pemBytes)
		if err != nil {
			t.Fatalf("key %s: %v", id, err)
		}
		if got, _ := keys.Algorithm(signer.Public()); got != alg {
			t.Fatalf("key %s is stored as %s but is a %s key", id, alg, got)
		}
		if bytes.Contains(sealed, pemBytes[30:60]) {
			t.Fatalf("key %s is stored in the clear", id)
		}
		algs[alg]++
		ids[id] = true
		secrets = append(secrets, secretEncodings(t, pemBytes, signer))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// The default EdDSA and PS384 keys, the three created, two rotations.
	for _, id := range []string{ed, es, ps, rot} {
		if !ids[id] {
			t.Fatalf("key %s not among the sealed keys %v", id, ids)
		}
	}
	if algs["EdDSA"] < 3 || algs["ES256"] < 2 || algs["PS384"] < 2 {
		t.Fatalf("sealed keys by algorithm: %v", algs)
	}

	rec.mu.Lock()
	bodies := rec.bodies
	rec.mu.Unlock()
	if len(bodies) < 25 {
		t.Fatalf("recorded only %d responses", len(bodies))
	}
	haystacks := map[string]string{"log": logs.String()}
	for i, b := range bodies {
		haystacks[fmt.Sprint("response ", i)] = string(b)
	}
	for i, tok := range tokens {
		haystacks[fmt.Sprint("token ", i)] = tok
		if segs, ok := decodeSegments(tok); ok {
			haystacks[fmt.Sprint("token ", i, " decoded")] = string(segs[0]) + string(segs[1]) + string(segs[2])
		}
	}
	checked := 0
	for _, enc := range secrets {
		for what, secret := range enc {
			if len(secret) < 16 {
				t.Fatalf("%s is too short to search for", what)
			}
			for where, text := range haystacks {
				checked++
				if strings.Contains(text, secret) {
					t.Errorf("%s of a private key appears in %s", what, where)
				}
			}
		}
	}
	if strings.Contains(logs.String(), "PRIVATE KEY") {
		t.Error("the log mentions a PRIVATE KEY")
	}
	t.Logf("%d sealed keys %v, %d responses, %d log bytes, %d searches", len(secrets), algs, len(bodies), len(logs.String()), checked)
}

// TestMultiNodeSigning: two nodes on one PostgreSQL database share the db:
// keys through the store, so a token node B signs for a license created on
// node A verifies with node A's JWKS.
func TestMultiNodeSigning(t *testing.T) {
	db := freshDatabase(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "licensor")
	if out, err := execGoBuild(bin); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	master := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	a := startNode(t, bin, db, master)
	b := startNode(t, bin, db, master)
	sa := &testServer{t: t, URL: a}
	seller := sa.createAccount("Vendor")
	lmA := sdkClient(a, "us-east-1", seller.AccessKeyId, seller.SecretAccessKey)
	lmB := sdkClient(b, "us-east-1", seller.AccessKeyId, seller.SecretAccessKey)
	arn, fp := borrowableLicense(t, lmA, "MULTI", 10, 30, true)
	tok := checkoutToken(t, lmB, "MULTI", fp, "multi-1", "node-b")
	out, err := lmB.CheckoutBorrowLicense(context.Background(), &licensemanager.CheckoutBorrowLicenseInput{
		LicenseArn: aws.String(arn), DigitalSignatureMethod: types.DigitalSignatureMethodJwtPs384, ClientToken: aws.String("multi-borrow"),
		Entitlements: []types.EntitlementData{{Name: aws.String("Seats"), Unit: types.EntitlementDataUnitCount, Value: aws.String("1")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	jwksA := fetchJWKS(t, a)
	set := joseKeySet(t, jwksA)
	for _, tk := range []string{tok, aws.ToString(out.SignedToken)} {
		_, c := joseVerify(t, set, tk)
		if c.Iss != fp || c.Sub != arn {
			t.Fatalf("claims = %+v", c)
		}
		v, err := client.NewVerifier(jwksA, client.VerifyOptions{Issuer: fp})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(tk); err != nil {
			t.Fatalf("node B's token with node A's JWKS: %v", err)
		}
	}
	if !bytes.Equal(jwksA, fetchJWKS(t, b)) {
		t.Fatal("the nodes publish different JWKS")
	}

	// The other way round: a key made on node B signs, on node A, the
	// tokens of a license that names it.
	cb := &client.Client{Endpoint: b, Region: "us-east-1", AccessKeyID: seller.AccessKeyId, SecretAccessKey: seller.SecretAccessKey}
	var created struct{ Key struct{ KeyId string } }
	if err := cb.Call(context.Background(), "Licensor.CreateKey", map[string]string{"Algorithm": "ES256"}, &created); err != nil {
		t.Fatal(err)
	}
	kid := created.Key.KeyId
	_, err = lmA.CreateLicense(context.Background(), &licensemanager.CreateLicenseInput{
		LicenseName: aws.String("Pinned"), ProductName: aws.String("Product"), ProductSKU: aws.String("PINNED"),
		Issuer: &types.Issuer{Name: aws.String("Vendor"), SignKey: aws.String(kid)}, HomeRegion: aws.String("us-east-1"),
		Validity:                 &types.DatetimeRange{Begin: aws.String("2020-01-01T00:00:00Z")},
		Beneficiary:              aws.String("customer-1"),
		Entitlements:             []types.Entitlement{{Name: aws.String("Seats"), Unit: types.EntitlementUnitCount, MaxCount: aws.Int64(5)}},
		ConsumptionConfiguration: &types.ConsumptionConfiguration{ProvisionalConfiguration: &types.ProvisionalConfiguration{MaxTimeToLiveInMinutes: aws.Int32(60)}},
		ClientToken:              aws.String("pinned"),
	})
	if err != nil {
		t.Fatalf("license on node A naming node B's key: %v", err)
	}
	tok = checkoutToken(t, lmA, "PINNED", fp, "pinned-1", "node-a")
	if got := tokenKID(t, tok); got != kid {
		t.Fatalf("node A signed with %s, want node B's key %s", got, kid)
	}
	joseVerify(t, joseKeySet(t, fetchJWKS(t, b)), tok)
	// Node A serves its JWKS from a cache of at most a few seconds; the key
	// made on node B appears in it once that expires.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		set := joseKeySet(t, fetchJWKS(t, a))
		if len(set.Key(kid)) == 1 {
			joseVerify(t, set, tok)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node A's JWKS never published node B's key %s", kid)
		}
	}
}

func execGoBuild(bin string) ([]byte, error) {
	return exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
}
