package token

import (
	"encoding/json"
	"reflect"
	"strconv"
	"testing"
	"time"
)

// marshalReference is the encoding/json form of c, the way Sign wrote
// claims before appendClaims: appendClaims must produce the same bytes.
func marshalReference(c *Claims) ([]byte, error) {
	iat, exp := c.IssuedAt.UTC().Truncate(time.Millisecond), c.Expiration.UTC().Truncate(time.Millisecond)
	w := wireClaims{
		Iss:                     c.Issuer,
		Sub:                     c.LicenseARN,
		Aud:                     audience(c.Audience),
		Iat:                     json.Number(strconv.FormatInt(iat.Unix(), 10)),
		Exp:                     json.Number(strconv.FormatInt(exp.Unix(), 10)),
		Jti:                     c.ConsumptionToken,
		LicenseArn:              c.LicenseARN,
		LicenseVersion:          c.LicenseVersion,
		EntitlementsAllowed:     c.EntitlementsAllowed,
		NodeID:                  c.NodeID,
		Beneficiary:             c.Beneficiary,
		CheckoutType:            c.CheckoutType,
		CheckoutMetadata:        c.CheckoutMetadata,
		LicenseConsumptionToken: c.ConsumptionToken,
		IssuedAt:                iat.Format(TimeFormat),
		Expiration:              exp.Format(TimeFormat),
	}
	if w.EntitlementsAllowed == nil {
		w.EntitlementsAllowed = []Entitlement{}
	}
	if !c.NotBefore.IsZero() {
		w.Nbf = json.Number(strconv.FormatInt(c.NotBefore.Unix(), 10))
	}
	return json.Marshal(&w)
}

func strp(s string) *string { return &s }

var claimsT0 = time.Date(2030, 5, 6, 7, 8, 9, 123_456_789, time.FixedZone("X", 3600))

func baseClaims() Claims {
	return Claims{
		Issuer:           "aws:111122223333:Example Vendor:issuer-fingerprint",
		IssuedAt:         claimsT0,
		Expiration:       claimsT0.Add(time.Hour),
		LicenseARN:       "arn:aws:license-manager::111122223333:license:l-0123456789abcdef0123456789abcdef",
		ConsumptionToken: "3b6a0b6e-0d1e-4d0a-9b8e-0a2b3c4d5e6f",
	}
}

// awkward are strings that exercise every branch of appendString.
var awkward = []string{
	"", "plain", `quote " and backslash \`, "<script>&amp;</script>", "\x00\x01\x1f\x7f",
	"\b\f\n\r\t", "\u2028\u2029", "é漢字🙂", "\xff\xfe", "a\xc3", "\xed\xa0\x80", "x\u00e9\xffy\u2028z",
}

func TestAppendClaimsMatchesEncodingJSON(t *testing.T) {
	cases := map[string]func(c *Claims){
		"minimal":   func(c *Claims) {},
		"one aud":   func(c *Claims) { c.Audience = []string{"app"} },
		"two aud":   func(c *Claims) { c.Audience = []string{"a", "b<"} },
		"empty aud": func(c *Claims) { c.Audience = []string{} },
		"nbf":       func(c *Claims) { c.NotBefore = claimsT0.Add(-time.Minute) },
		"entitlements": func(c *Claims) {
			c.EntitlementsAllowed = []Entitlement{{Name: "Seats", Unit: "Count", Value: strp("3")}, {Name: "Pro", Unit: "None"}, {Value: strp("")}}
		},
		"empty entitlements": func(c *Claims) { c.EntitlementsAllowed = []Entitlement{} },
		"metadata": func(c *Claims) {
			c.CheckoutMetadata = map[string]string{"z": "1", "a": "2", "M": "3", "é": "4", "<": ">", "": ""}
		},
		"empty metadata": func(c *Claims) { c.CheckoutMetadata = map[string]string{} },
		"everything": func(c *Claims) {
			c.Audience = []string{"x"}
			c.NotBefore = claimsT0
			c.LicenseVersion, c.NodeID, c.Beneficiary, c.CheckoutType = "2", "node-7", "444455556666", "PROVISIONAL"
			c.CheckoutMetadata = map[string]string{"Customer": "ACME"}
		},
		"epoch and year 9999": func(c *Claims) {
			c.IssuedAt = time.Unix(0, 0)
			c.Expiration = time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC)
		},
	}
	for i, s := range awkward {
		s := s
		cases["awkward "+strconv.Itoa(i)] = func(c *Claims) {
			c.Issuer, c.LicenseARN, c.ConsumptionToken = s+"i", s+"a", s+"c"
			c.Audience = []string{s, s}
			c.LicenseVersion, c.NodeID, c.Beneficiary, c.CheckoutType = s, s, s, s
			c.EntitlementsAllowed = []Entitlement{{Name: s, Unit: s, Value: &s}}
			c.CheckoutMetadata = map[string]string{s: s, s + "k": ""}
		}
	}
	for name, mod := range cases {
		t.Run(name, func(t *testing.T) {
			c := baseClaims()
			mod(&c)
			checkAppendClaims(t, &c)
		})
	}
}

// checkAppendClaims holds appendClaims to encoding/json, and checks that
// parseClaims reads back what was written.
func checkAppendClaims(t *testing.T, c *Claims) {
	t.Helper()
	got := appendClaims(nil, c)
	want, err := marshalReference(c)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("appendClaims\n got %s\nwant %s", got, want)
	}
	if !json.Valid(got) {
		t.Fatalf("invalid JSON %s", got)
	}
	back, err := parseClaims(got)
	if err != nil {
		if c.LicenseARN == "" || c.ConsumptionToken == "" {
			return // the twins fall back to each other; nothing more to compare
		}
		t.Fatalf("parseClaims(%s): %v", got, err)
	}
	// What encoding/json reads back from the reference is the standard.
	var ref wireClaims
	if err := json.Unmarshal(want, &ref); err != nil {
		t.Fatal(err)
	}
	if back.Issuer != ref.Iss || back.LicenseARN != ref.Sub || back.ConsumptionToken != ref.Jti ||
		back.NodeID != ref.NodeID || back.Beneficiary != ref.Beneficiary || back.CheckoutType != ref.CheckoutType ||
		back.LicenseVersion != ref.LicenseVersion ||
		!reflect.DeepEqual(back.Audience, []string(ref.Aud)) ||
		!reflect.DeepEqual(back.EntitlementsAllowed, ref.EntitlementsAllowed) ||
		!reflect.DeepEqual(back.CheckoutMetadata, ref.CheckoutMetadata) {
		t.Errorf("round trip\n got %+v\nwant %+v", back, ref)
	}
	if w := c.IssuedAt.UTC().Truncate(time.Millisecond); !back.IssuedAt.Equal(w) {
		t.Errorf("IssuedAt = %v, want %v", back.IssuedAt, w)
	}
	if w := c.Expiration.UTC().Truncate(time.Millisecond); !back.Expiration.Equal(w) {
		t.Errorf("Expiration = %v, want %v", back.Expiration, w)
	}
	if w := c.NotBefore.Truncate(time.Second); !back.NotBefore.Equal(w) && !(c.NotBefore.IsZero() && back.NotBefore.IsZero()) {
		t.Errorf("NotBefore = %v, want %v", back.NotBefore, w)
	}
}

func FuzzAppendClaims(f *testing.F) {
	for _, s := range awkward {
		f.Add(s, s, s, s, int64(1), uint16(1))
	}
	f.Fuzz(func(t *testing.T, a, b, k, v string, iat int64, n uint16) {
		c := baseClaims()
		c.Issuer, c.NodeID, c.CheckoutType = a, b, v
		c.Audience = []string{a, b}[:n%3]
		c.EntitlementsAllowed = []Entitlement{{Name: a, Unit: b, Value: &v}}
		c.CheckoutMetadata = map[string]string{k: v, a: b}
		c.IssuedAt = time.Unix(iat%maxUnix, int64(n)*1_000_003).UTC()
		if c.IssuedAt.Unix() < 0 {
			c.IssuedAt = time.Unix(-c.IssuedAt.Unix(), 0)
		}
		c.Expiration = c.IssuedAt.Add(time.Duration(n) * time.Second)
		if !inRange(c.Expiration) {
			return
		}
		checkAppendClaims(t, &c)
	})
}

func BenchmarkAppendClaims(b *testing.B) {
	c := baseClaims()
	c.EntitlementsAllowed = []Entitlement{{Name: "Seats", Unit: "Count", Value: strp("3")}, {Name: "Pro", Unit: "None"}}
	c.NodeID, c.Beneficiary, c.CheckoutType, c.LicenseVersion = "node-7", "444455556666", "PROVISIONAL", "2"
	c.CheckoutMetadata = map[string]string{"Customer": "ACME"}
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 1024)
		for b.Loop() {
			buf = appendClaims(buf[:0], &c)
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := marshalReference(&c); err != nil {
				b.Fatal(err)
			}
		}
	})
}
