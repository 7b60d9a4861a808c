//go:build pkcs11 && cgo

package main

import (
	"context"
	"crypto/rsa"
	"database/sql"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"

	"github.com/licensorhq/licensor/client"
	"github.com/licensorhq/licensor/internal/softhsmtest"
)

// TestPKCS11IssuerKeys: a server with a SoftHSM token; root generates an
// Ed25519 and an RSA key for a seller inside the HSM; the seller's license
// names the Ed25519 one, and its checkout and borrow tokens are signed in
// the HSM and verify, with go-jose and licensor's verifier, against the
// published JWKS. The store holds only their public halves.
func TestPKCS11IssuerKeys(t *testing.T) {
	uri := softhsmtest.Token(t)
	s := startServerWith(t, serverOptions{Config: func(c *serveConfig) { c.PKCS11 = uri }})
	ctx := context.Background()
	seller := s.createAccount("HSM Vendor")
	root := s.rootClient()
	type wireKey struct{ KeyId, AccountId, Algorithm, KeyUri, Status, PublicKeyPem string }
	hsmKey := func(alg string) wireKey {
		t.Helper()
		var out struct{ Key wireKey }
		if err := root.Call(ctx, "Licensor.CreateKey", map[string]string{"AccountId": seller.AccountId, "Provider": "pkcs11", "Algorithm": alg}, &out); err != nil {
			t.Fatalf("CreateKey pkcs11 %s: %v", alg, err)
		}
		k := out.Key
		if k.Algorithm != alg || k.AccountId != seller.AccountId || k.Status != "ACTIVE" || !strings.HasPrefix(k.KeyUri, "pkcs11:") ||
			strings.Contains(k.KeyUri, "pin") || strings.Contains(k.KeyUri, "1234") {
			t.Fatalf("HSM key = %+v", k)
		}
		return k
	}
	ed := hsmKey("EdDSA")
	ps := hsmKey("PS384")

	// A seller may not spend the operator's HSM.
	sc := &client.Client{Endpoint: s.URL, Region: "us-east-1", AccessKeyID: seller.AccessKeyId, SecretAccessKey: seller.SecretAccessKey}
	var ignored any
	if err := sc.Call(ctx, "Licensor.CreateKey", map[string]string{"Provider": "pkcs11", "Algorithm": "EdDSA"}, &ignored); err == nil {
		t.Fatal("a seller created a key in the HSM")
	}

	lm := s.sdk(seller)
	created, err := lm.CreateLicense(ctx, &licensemanager.CreateLicenseInput{
		LicenseName: aws.String("HSM"), ProductName: aws.String("Product"), ProductSKU: aws.String("HSM"),
		Issuer: &types.Issuer{Name: aws.String("HSM Vendor"), SignKey: aws.String(ed.KeyId)}, HomeRegion: aws.String("us-east-1"),
		Validity:    &types.DatetimeRange{Begin: aws.String("2020-01-01T00:00:00Z")},
		Beneficiary: aws.String("customer-1"),
		Entitlements: []types.Entitlement{
			{Name: aws.String("Seats"), Unit: types.EntitlementUnitCount, MaxCount: aws.Int64(5), AllowCheckIn: aws.Bool(true)},
		},
		ConsumptionConfiguration: &types.ConsumptionConfiguration{
			ProvisionalConfiguration: &types.ProvisionalConfiguration{MaxTimeToLiveInMinutes: aws.Int32(60)},
			BorrowConfiguration:      &types.BorrowConfiguration{AllowEarlyCheckIn: aws.Bool(true), MaxTimeToLiveInMinutes: aws.Int32(60)},
		},
		ClientToken: aws.String("hsm-license"),
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := lm.GetLicense(ctx, &licensemanager.GetLicenseInput{LicenseArn: created.LicenseArn})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.License.Issuer.SignKey) != ed.KeyId {
		t.Fatalf("Issuer.SignKey = %q, want %s", aws.ToString(got.License.Issuer.SignKey), ed.KeyId)
	}
	fp := aws.ToString(got.License.Issuer.KeyFingerprint)
	tok := checkoutToken(t, lm, "HSM", fp, "hsm-1", "host-1")
	borrow, err := lm.CheckoutBorrowLicense(ctx, &licensemanager.CheckoutBorrowLicenseInput{
		LicenseArn: created.LicenseArn, DigitalSignatureMethod: types.DigitalSignatureMethodJwtPs384, ClientToken: aws.String("hsm-borrow"),
		Entitlements: []types.EntitlementData{{Name: aws.String("Seats"), Unit: types.EntitlementDataUnitCount, Value: aws.String("1")}},
	})
	if err != nil {
		t.Fatal(err)
	}

	jwks := fetchJWKS(t, s.URL)
	set := joseKeySet(t, jwks)
	v, err := client.NewVerifier(jwks, client.VerifyOptions{Issuer: fp})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		tok, kid, alg string
	}{{tok, ed.KeyId, "EdDSA"}, {aws.ToString(borrow.SignedToken), ps.KeyId, "PS384"}} {
		h, claims := joseVerify(t, set, c.tok)
		if h.KeyID != c.kid || h.Algorithm != c.alg || claims.Iss != fp || claims.Sub != aws.ToString(created.LicenseArn) {
			t.Fatalf("token kid %s alg %s (want the HSM key %s, %s); claims %+v", h.KeyID, h.Algorithm, c.kid, c.alg, claims)
		}
		if _, err := v.Verify(c.tok); err != nil {
			t.Fatalf("licensor's verifier, %s token: %v", c.alg, err)
		}
	}
	if k, ok := set.Key(ps.KeyId)[0].Key.(*rsa.PublicKey); !ok || k.N.BitLen() != 3072 {
		t.Fatalf("HSM RSA key in the JWKS: %T", set.Key(ps.KeyId)[0].Key)
	}
	// Nothing of an HSM key is in the store but its public half.
	var listed struct{ Keys []wireKey }
	if err := sc.Call(ctx, "Licensor.ListKeys", map[string]string{}, &listed); err != nil {
		t.Fatal(err)
	}
	hsm := 0
	for _, k := range listed.Keys {
		if strings.HasPrefix(k.KeyUri, "pkcs11:") {
			hsm++
		}
	}
	if hsm != 2 {
		t.Fatalf("ListKeys shows %d HSM keys, want 2: %+v", hsm, listed.Keys)
	}
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: filepath.Join(s.Data, "licensor.db"), RawQuery: "mode=ro&_pragma=busy_timeout(5000)"}).String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var stored, sealed int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*), COUNT(sealed) FROM issuer_keys WHERE uri LIKE 'pkcs11:%'").Scan(&stored, &sealed); err != nil {
		t.Fatal(err)
	}
	if stored != 2 || sealed != 0 {
		t.Fatalf("store: %d HSM keys, %d with private material; want 2 and 0", stored, sealed)
	}
}
