package service_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/licensorhq/licensor"
	"github.com/licensorhq/licensor/keys"
	"github.com/licensorhq/licensor/keys/filekey"
	"github.com/licensorhq/licensor/service"
	"github.com/licensorhq/licensor/token"
)

// verifyWith checks a token against the service's published JWKS, as a
// vendor's software would offline.
func verifyWith(t *testing.T, svc *service.Service, clock interface{ Now() time.Time }, issuer, tok string) (*token.Claims, error) {
	t.Helper()
	jwks, err := svc.JWKS(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	v, err := token.NewVerifierFromJWKS(jwks, token.VerifyOptions{Issuer: issuer, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return v.Verify(tok)
}

func TestCheckoutTokenSignedAndVerifiable(t *testing.T) {
	svc, clock, ctx := newService(t)
	l := seatLicense(t, svc, ctx, "sig", licensor.RenewNone, licensor.Entitlement{Name: "Seats", Unit: "Count", MaxCount: ptr(int64(5))})
	res, err := checkout(svc, ctx, l, licensor.CheckoutProvisional, "c1", seats(2))
	if err != nil {
		t.Fatal(err)
	}
	if res.SignedToken == "" {
		t.Fatal("no SignedToken")
	}
	c, err := verifyWith(t, svc, clock, l.Issuer.KeyFingerprint, res.SignedToken)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if c.LicenseARN != l.ARN || c.LicenseVersion != "1" || c.NodeID != "node-1" || c.Beneficiary != l.Beneficiary ||
		c.ConsumptionToken != res.ConsumptionToken || c.Issuer != l.Issuer.KeyFingerprint || c.CheckoutType != "PROVISIONAL" ||
		!c.IssuedAt.Equal(res.IssuedAt.Truncate(time.Millisecond)) || !c.Expiration.Equal(res.Expiration.Truncate(time.Millisecond)) ||
		len(c.EntitlementsAllowed) != 1 || c.EntitlementsAllowed[0].Name != "Seats" || *c.EntitlementsAllowed[0].Value != "2" {
		t.Fatalf("claims = %+v", c)
	}
	// The same ClientToken replays the same answer, token included
	// (Ed25519 is deterministic).
	again, err := checkout(svc, ctx, l, licensor.CheckoutProvisional, "c1", seats(2))
	if err != nil || again.SignedToken != res.SignedToken {
		t.Fatalf("replay: %v, same token %v", err, again != nil && again.SignedToken == res.SignedToken)
	}
	// Another issuer's fingerprint is refused, and so is an expired token.
	if _, err := verifyWith(t, svc, clock, licensor.KeyFingerprint("123456789012", "I"), res.SignedToken); !errors.Is(err, token.ErrWrongIssuer) {
		t.Fatalf("wrong issuer: %v", err)
	}
	clock.Advance(2 * time.Hour)
	if _, err := verifyWith(t, svc, clock, l.Issuer.KeyFingerprint, res.SignedToken); !errors.Is(err, token.ErrExpired) {
		t.Fatalf("expired: %v", err)
	}
}

func TestKeyRotationAndDisable(t *testing.T) {
	svc, clock, ctx := newService(t)
	l := seatLicense(t, svc, ctx, "rot", licensor.RenewNone, licensor.Entitlement{Name: "Seats", Unit: "Count", MaxCount: ptr(int64(50))})
	first, err := checkout(svc, ctx, l, licensor.CheckoutProvisional, "r1", seats(1))
	if err != nil {
		t.Fatal(err)
	}
	ks, err := svc.ListKeys(ctx, "")
	if err != nil || len(ks) != 1 || ks[0].Algorithm != licensor.KeyAlgEdDSA || ks[0].Status != licensor.KeyActive || ks[0].Sealed != nil {
		t.Fatalf("ListKeys = %+v, %v", ks, err)
	}
	oldID := ks[0].ID

	nk, err := svc.RotateKey(ctx, licensor.CreateKeyInput{})
	if err != nil || nk.Status != licensor.KeyActive || nk.ID == oldID {
		t.Fatalf("RotateKey = %+v, %v", nk, err)
	}
	second, err := checkout(svc, ctx, l, licensor.CheckoutProvisional, "r2", seats(1))
	if err != nil {
		t.Fatal(err)
	}
	if kid(t, second.SignedToken) != nk.ID || kid(t, first.SignedToken) != oldID {
		t.Fatalf("kids: first %s (want %s), second %s (want %s)", kid(t, first.SignedToken), oldID, kid(t, second.SignedToken), nk.ID)
	}
	// Both verify: the retired key is still published.
	for _, tok := range []string{first.SignedToken, second.SignedToken} {
		if _, err := verifyWith(t, svc, clock, l.Issuer.KeyFingerprint, tok); err != nil {
			t.Fatalf("after rotation: %v", err)
		}
	}
	ks, _ = svc.ListKeys(ctx, "")
	if st := statusOf(ks, oldID); st != licensor.KeyRetired {
		t.Fatalf("old key status = %s", st)
	}
	// Disabled: the old key leaves the JWKS, so what it signed no longer
	// verifies; the new one still does.
	if k, err := svc.DisableKey(ctx, oldID); err != nil || k.Status != licensor.KeyDisabled {
		t.Fatalf("DisableKey = %+v, %v", k, err)
	}
	if _, err := verifyWith(t, svc, clock, l.Issuer.KeyFingerprint, first.SignedToken); !errors.Is(err, token.ErrUnknownKey) {
		t.Fatalf("token of a disabled key: %v", err)
	}
	if _, err := verifyWith(t, svc, clock, l.Issuer.KeyFingerprint, second.SignedToken); err != nil {
		t.Fatal(err)
	}
	// Disabling every key: the next checkout makes a new default key.
	if _, err := svc.DisableKey(ctx, nk.ID); err != nil {
		t.Fatal(err)
	}
	third, err := checkout(svc, ctx, l, licensor.CheckoutProvisional, "r3", seats(1))
	if err != nil {
		t.Fatal(err)
	}
	if k := kid(t, third.SignedToken); k == oldID || k == nk.ID {
		t.Fatalf("signed with a disabled key %s", k)
	}
	if _, err := verifyWith(t, svc, clock, l.Issuer.KeyFingerprint, third.SignedToken); err != nil {
		t.Fatal(err)
	}
}

// header decodes a token's JOSE header without verifying it.
func header(t *testing.T, tok string) (kid, alg string) {
	t.Helper()
	h64, _, _ := strings.Cut(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(h64)
	if err != nil {
		t.Fatal(err)
	}
	var h struct{ Kid, Alg string }
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	return h.Kid, h.Alg
}

func kid(t *testing.T, tok string) string {
	k, _ := header(t, tok)
	return k
}

func statusOf(ks []*licensor.IssuerKey, id string) licensor.KeyStatus {
	for _, k := range ks {
		if k.ID == id {
			return k.Status
		}
	}
	return ""
}

func TestKeyAuthorization(t *testing.T) {
	svc, _, seller := newService(t)
	root := licensor.NewContextWithPrincipal(context.Background(), &licensor.Principal{AccountID: licensor.RootAccountID})
	other, _, err := svc.CreateAccount(root, "Other")
	if err != nil {
		t.Fatal(err)
	}
	otherCtx := licensor.NewContextWithPrincipal(context.Background(), &licensor.Principal{AccountID: other.ID})
	sellerID := licensor.PrincipalFromContext(seller).AccountID

	k, err := svc.CreateKey(seller, licensor.CreateKeyInput{Algorithm: licensor.KeyAlgES256})
	if err != nil || k.AccountID != sellerID || k.Algorithm != licensor.KeyAlgES256 || k.URI != "db:"+k.ID {
		t.Fatalf("CreateKey = %+v, %v", k, err)
	}
	cases := []struct {
		name string
		call func() error
		want licensor.Code
	}{
		{"another account's keys", func() error { _, err := svc.ListKeys(otherCtx, sellerID); return err }, licensor.EFORBIDDEN},
		{"create for another account", func() error {
			_, err := svc.CreateKey(otherCtx, licensor.CreateKeyInput{AccountID: sellerID})
			return err
		}, licensor.EFORBIDDEN},
		{"disable another account's key", func() error { _, err := svc.DisableKey(otherCtx, k.ID); return err }, licensor.ENOTFOUND},
		{"register a file key without root", func() error {
			_, err := svc.CreateKey(seller, licensor.CreateKeyInput{URI: "file:///etc/passwd"})
			return err
		}, licensor.EFORBIDDEN},
		{"generate in an HSM without root", func() error {
			_, err := svc.CreateKey(seller, licensor.CreateKeyInput{Provider: "pkcs11"})
			return err
		}, licensor.EFORBIDDEN},
		{"bad algorithm", func() error {
			_, err := svc.CreateKey(seller, licensor.CreateKeyInput{Algorithm: "RS256"})
			return err
		}, licensor.EINVALID},
		{"bad key id", func() error { _, err := svc.DisableKey(seller, "k-1"); return err }, licensor.EINVALID},
		{"root: unknown account", func() error {
			_, err := svc.CreateKey(root, licensor.CreateKeyInput{AccountID: "999999999999"})
			return err
		}, licensor.ENOTFOUND},
		{"root: no pkcs11 provider", func() error {
			_, err := svc.CreateKey(root, licensor.CreateKeyInput{AccountID: sellerID, Provider: "pkcs11"})
			return err
		}, licensor.EINVALID},
		{"root: db: URIs are not registered", func() error {
			_, err := svc.CreateKey(root, licensor.CreateKeyInput{AccountID: sellerID, URI: "db:k-00000000000000000000000000000000"})
			return err
		}, licensor.EINVALID},
		{"root: a PIN in a key URI", func() error {
			_, err := svc.CreateKey(root, licensor.CreateKeyInput{AccountID: sellerID, URI: "pkcs11:object=x;pin-value=1234"})
			return err
		}, licensor.EINVALID},
		{"SignKey of another account", func() error {
			in := licenseInput("x")
			in.Issuer.SignKey = k.ID
			_, err := svc.CreateLicense(otherCtx, in)
			return err
		}, licensor.EINVALID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := licensor.ErrorCode(c.call()); got != c.want {
				t.Fatalf("code = %q, want %q", got, c.want)
			}
		})
	}
	// Root lists and disables any account's keys.
	ks, err := svc.ListKeys(root, sellerID)
	if err != nil || len(ks) != 1 {
		t.Fatalf("root ListKeys = %d keys, %v", len(ks), err)
	}
	if _, err := svc.DisableKey(root, k.ID); err != nil {
		t.Fatal(err)
	}
	// A disabled key cannot be named as SignKey.
	in := licenseInput("y")
	in.Issuer.SignKey = k.ID
	if _, err := svc.CreateLicense(seller, in); licensor.ErrorCode(err) != licensor.EINVALID {
		t.Fatalf("disabled SignKey: %v", err)
	}
}

// TestFileKeyRegisteredByRoot registers a PEM file the operator holds and
// names it as a license's SignKey: checkouts are signed by it.
func TestFileKeyRegisteredByRoot(t *testing.T) {
	svc, clock, seller := newService(t)
	svc.UseKeyProvider(filekey.Scheme, filekey.New())
	root := licensor.NewContextWithPrincipal(context.Background(), &licensor.Principal{AccountID: licensor.RootAccountID})
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pemBytes, err := keys.MarshalPrivateKeyPEM(priv)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "issuer.pem")
	if err := os.WriteFile(path, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	sellerID := licensor.PrincipalFromContext(seller).AccountID
	if _, err := svc.CreateKey(root, licensor.CreateKeyInput{AccountID: sellerID, URI: "file://" + path, Algorithm: licensor.KeyAlgEdDSA}); licensor.ErrorCode(err) != licensor.EINVALID {
		t.Fatalf("algorithm mismatch: %v", err)
	}
	if _, err := svc.CreateKey(root, licensor.CreateKeyInput{AccountID: sellerID, URI: "file://" + path + ".missing"}); licensor.ErrorCode(err) != licensor.EINVALID {
		t.Fatalf("missing file: %v", err)
	}
	k, err := svc.CreateKey(root, licensor.CreateKeyInput{AccountID: sellerID, URI: "file://" + path})
	if err != nil || k.Algorithm != licensor.KeyAlgES256 || k.Sealed != nil {
		t.Fatalf("CreateKey(file) = %+v, %v", k, err)
	}
	in := licenseInput("f")
	in.Issuer.SignKey = "file://" + path // by URI; the ID works too
	l, err := svc.CreateLicense(seller, in)
	if err != nil {
		t.Fatal(err)
	}
	res, err := checkout(svc, seller, l, licensor.CheckoutProvisional, "f1", seats(1))
	if err != nil {
		t.Fatal(err)
	}
	if got := kid(t, res.SignedToken); got != k.ID {
		t.Fatalf("signed by %s, want the file key %s", got, k.ID)
	}
	if _, err := verifyWith(t, svc, clock, l.Issuer.KeyFingerprint, res.SignedToken); err != nil {
		t.Fatal(err)
	}
}

func borrowLicense(t *testing.T, svc *service.Service, ctx context.Context, name string, max int64, early bool) *licensor.License {
	t.Helper()
	in := licenseInput(name)
	in.ProductSKU = "SKU-" + name
	in.Entitlements = []licensor.Entitlement{
		{Name: "Seats", Unit: "Count", MaxCount: ptr(max)},
		{Name: "Pro", Unit: "None"},
	}
	in.ConsumptionConfiguration = licensor.ConsumptionConfiguration{
		RenewType: licensor.RenewNone,
		Borrow:    &licensor.BorrowConfiguration{AllowEarlyCheckIn: early, MaxTimeToLiveInMinutes: 24 * 60},
	}
	l, err := svc.CreateLicense(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func borrow(svc *service.Service, ctx context.Context, arn, clientToken string, ents ...licensor.EntitlementData) (*licensor.CheckoutResult, error) {
	return svc.CheckoutBorrowLicense(ctx, licensor.BorrowInput{
		LicenseARN: arn, Entitlements: ents, DigitalSignatureMethod: licensor.DigitalSignatureJWTPS384,
		NodeID: "laptop-7", ClientToken: clientToken, CheckoutMetadata: []licensor.Metadata{{Name: "reason", Value: "flight"}},
	})
}

func TestBorrow(t *testing.T) {
	svc, clock, ctx := newService(t)
	l := borrowLicense(t, svc, ctx, "b", 3, true)
	res, err := borrow(svc, ctx, l.ARN, "b1", seats(2), licensor.EntitlementData{Name: "Pro", Unit: "None"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Expiration.Equal(res.IssuedAt.Add(24*time.Hour)) || len(res.EntitlementsAllowed) != 2 || res.NodeID != "laptop-7" ||
		len(res.CheckoutMetadata) != 1 {
		t.Fatalf("borrow = %+v", res)
	}
	if _, alg := header(t, res.SignedToken); alg != token.PS384 {
		t.Fatalf("borrow token alg = %s", alg)
	}
	c, err := verifyWith(t, svc, clock, l.Issuer.KeyFingerprint, res.SignedToken)
	if err != nil || c.CheckoutMetadata["reason"] != "flight" || c.NodeID != "laptop-7" || c.ConsumptionToken != res.ConsumptionToken {
		t.Fatalf("verify = %+v, %v", c, err)
	}
	if got := usageOf(t, svc, ctx, l.ARN, "Seats"); got != "2" {
		t.Fatalf("usage after borrow = %s", got)
	}
	// Replay: same answer, nothing consumed twice.
	again, err := borrow(svc, ctx, l.ARN, "b1", seats(2), licensor.EntitlementData{Name: "Pro", Unit: "None"})
	if err != nil || again.ConsumptionToken != res.ConsumptionToken {
		t.Fatalf("replay = %+v, %v", again, err)
	}
	if got := usageOf(t, svc, ctx, l.ARN, "Seats"); got != "2" {
		t.Fatalf("usage after replay = %s", got)
	}
	// The pool is shared with checkouts: 1 seat left.
	if _, err := borrow(svc, ctx, l.ARN, "b2", seats(2)); licensor.ErrorCode(err) != licensor.ENOENTITLEMENT {
		t.Fatalf("over the pool: %v", err)
	}
	if _, err := checkout(svc, ctx, l, licensor.CheckoutProvisional, "c1", seats(2)); licensor.ErrorCode(err) != licensor.ENOENTITLEMENT {
		t.Fatalf("checkout over the pool: %v", err)
	}
	// Borrowed checkouts cannot be extended.
	if _, err := svc.ExtendLicenseConsumption(ctx, res.ConsumptionToken, false); licensor.ErrorCode(err) != licensor.ESTATE {
		t.Fatalf("extend a borrow: %v", err)
	}
	// Early check-in is allowed here: the seats come back.
	if err := svc.CheckInLicense(ctx, res.ConsumptionToken, ""); err != nil {
		t.Fatal(err)
	}
	if got := usageOf(t, svc, ctx, l.ARN, "Seats"); got != "0" {
		t.Fatalf("usage after check-in = %s", got)
	}
}

func TestBorrowExpiresAndEarlyCheckInRule(t *testing.T) {
	svc, clock, ctx := newService(t)
	l := borrowLicense(t, svc, ctx, "e", 3, false)
	res, err := borrow(svc, ctx, l.ARN, "e1", seats(3))
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.CheckInLicense(ctx, res.ConsumptionToken, ""); licensor.ErrorCode(err) != licensor.ECONFLICT {
		t.Fatalf("early check-in not allowed: %v", err)
	}
	if got := usageOf(t, svc, ctx, l.ARN, "Seats"); got != "3" {
		t.Fatalf("usage = %s", got)
	}
	clock.Advance(24*time.Hour + time.Second)
	r, err := svc.Sweep(context.Background())
	if err != nil || r.Expired != 1 {
		t.Fatalf("sweep = %+v, %v", r, err)
	}
	if got := usageOf(t, svc, ctx, l.ARN, "Seats"); got != "0" {
		t.Fatalf("usage after expiry = %s", got)
	}
}

func TestBorrowRules(t *testing.T) {
	svc, _, ctx := newService(t)
	l := borrowLicense(t, svc, ctx, "r", 3, true)
	plain := seatLicense(t, svc, ctx, "p", licensor.RenewNone, licensor.Entitlement{Name: "Seats", Unit: "Count", MaxCount: ptr(int64(3))})
	cases := []struct {
		name string
		in   licensor.BorrowInput
		want licensor.Code
	}{
		{"unsupported method", licensor.BorrowInput{LicenseARN: l.ARN, Entitlements: []licensor.EntitlementData{seats(1)}, DigitalSignatureMethod: "JWT_RS256", ClientToken: "x1"}, licensor.EUNSUPPORTED},
		{"no method", licensor.BorrowInput{LicenseARN: l.ARN, Entitlements: []licensor.EntitlementData{seats(1)}, ClientToken: "x2"}, licensor.EINVALID},
		{"no client token", licensor.BorrowInput{LicenseARN: l.ARN, Entitlements: []licensor.EntitlementData{seats(1)}, DigitalSignatureMethod: "JWT_PS384"}, licensor.EINVALID},
		{"license without BorrowConfiguration", licensor.BorrowInput{LicenseARN: plain.ARN, Entitlements: []licensor.EntitlementData{seats(1)}, DigitalSignatureMethod: "JWT_PS384", ClientToken: "x3"}, licensor.EINVALID},
		{"partial: an entitlement it does not hold", licensor.BorrowInput{LicenseARN: l.ARN, Entitlements: []licensor.EntitlementData{seats(1), {Name: "Enterprise", Unit: "None"}}, DigitalSignatureMethod: "JWT_PS384", ClientToken: "x4"}, licensor.ENOTALLOWED},
		{"unknown license", licensor.BorrowInput{LicenseARN: licensor.LicenseARN("123456789012", "00000000000000000000000000000000"), Entitlements: []licensor.EntitlementData{seats(1)}, DigitalSignatureMethod: "JWT_PS384", ClientToken: "x5"}, licensor.ENOTFOUND},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := svc.CheckoutBorrowLicense(ctx, c.in)
			if got := licensor.ErrorCode(err); got != c.want {
				t.Fatalf("code = %q, want %q (%v)", got, c.want, err)
			}
		})
	}
	if got := usageOf(t, svc, ctx, l.ARN, "Seats"); got != "0" {
		t.Fatalf("refused borrows consumed %s", got)
	}
	// The borrow key is RSA; checkout keys stay fast.
	ks, err := svc.ListKeys(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var algs []string
	for _, k := range ks {
		algs = append(algs, k.Algorithm)
	}
	slices.Sort(algs)
	if !slices.Equal(algs, []string{licensor.KeyAlgEdDSA, licensor.KeyAlgPS384}) {
		t.Fatalf("keys = %v", algs)
	}
}
