package token

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// TimeFormat is the layout of the issuedAt and expiration claims: ISO 8601
// in UTC with milliseconds, as the AWS License Manager API writes IssuedAt
// and Expiration.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// Claims is what a checkout token asserts. Some values appear twice on the
// wire, once as a registered JWT claim and once under the name AWS's
// documented borrow token uses, so that both generic JWT libraries and code
// written for AWS tokens can read them:
//
//	Issuer           iss
//	LicenseARN       sub and licenseArn
//	ConsumptionToken jti and licenseConsumptionToken
//	IssuedAt         iat (seconds) and issuedAt (TimeFormat)
//	Expiration       exp (seconds) and expiration (TimeFormat)
type Claims struct {
	// Issuer is the KeyFingerprint of the issuer that signed the token:
	// aws:<account>:<issuer name>:issuer-fingerprint.
	Issuer string
	// Audience is optional (aud).
	Audience []string
	// IssuedAt and Expiration bound the token. Both are required.
	IssuedAt   time.Time
	Expiration time.Time
	// NotBefore is optional (nbf); zero when absent.
	NotBefore time.Time

	LicenseARN          string
	LicenseVersion      string
	EntitlementsAllowed []Entitlement
	NodeID              string
	Beneficiary         string
	CheckoutType        string
	// CheckoutMetadata carries the borrow request's metadata.
	CheckoutMetadata map[string]string
	// ConsumptionToken is the checkout's LicenseConsumptionToken.
	ConsumptionToken string
}

// Entitlement is one entitlement the token allows. Value is the quantity
// of a counted entitlement, as the API writes it (a decimal string); it is
// absent for unlimited entitlements.
type Entitlement struct {
	Name  string  `json:"name"`
	Unit  string  `json:"unit"`
	Value *string `json:"value,omitempty"`
}

// wireClaims is the JSON form of Claims.
type wireClaims struct {
	Iss                     string            `json:"iss"`
	Sub                     string            `json:"sub"`
	Aud                     audience          `json:"aud,omitempty"`
	Iat                     json.Number       `json:"iat"`
	Exp                     json.Number       `json:"exp"`
	Nbf                     json.Number       `json:"nbf,omitempty"`
	Jti                     string            `json:"jti"`
	LicenseArn              string            `json:"licenseArn"`
	LicenseVersion          string            `json:"licenseVersion,omitempty"`
	EntitlementsAllowed     []Entitlement     `json:"entitlementsAllowed"`
	NodeID                  string            `json:"nodeId,omitempty"`
	Beneficiary             string            `json:"beneficiary,omitempty"`
	CheckoutType            string            `json:"checkoutType,omitempty"`
	CheckoutMetadata        map[string]string `json:"checkoutMetadata,omitempty"`
	LicenseConsumptionToken string            `json:"licenseConsumptionToken"`
	IssuedAt                string            `json:"issuedAt"`
	Expiration              string            `json:"expiration"`
}

// audience is aud: one string or an array of strings (RFC 7519 §4.1.3).
type audience []string

func (a audience) MarshalJSON() ([]byte, error) {
	if len(a) == 1 {
		return json.Marshal(a[0])
	}
	return json.Marshal([]string(a))
}

func (a *audience) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*a = audience{s}
		return nil
	}
	var ss []string
	if err := json.Unmarshal(b, &ss); err != nil {
		return err
	}
	*a = ss
	return nil
}

// validate checks what Sign needs to produce a token Verify accepts.
func (c *Claims) validate() error {
	switch {
	case c.Issuer == "":
		return fmt.Errorf("token: claims: Issuer is required")
	case c.LicenseARN == "":
		return fmt.Errorf("token: claims: LicenseARN is required")
	case c.ConsumptionToken == "":
		return fmt.Errorf("token: claims: ConsumptionToken is required")
	case c.IssuedAt.IsZero():
		return fmt.Errorf("token: claims: IssuedAt is required")
	case c.Expiration.IsZero():
		return fmt.Errorf("token: claims: Expiration is required")
	case !c.Expiration.After(c.IssuedAt):
		return fmt.Errorf("token: claims: Expiration must be after IssuedAt")
	}
	return nil
}

// marshal returns the JSON payload of c. Times are written at millisecond
// precision in the ISO claims and whole seconds in the numeric ones.
func (c *Claims) marshal() ([]byte, error) {
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

// parseClaims decodes a verified payload. The registered claims are
// authoritative; their AWS-named twins, when present, must agree with them,
// so that a reader of either sees the same token.
func parseClaims(payload []byte) (*Claims, error) {
	var w wireClaims
	if err := json.Unmarshal(payload, &w); err != nil {
		return nil, fmt.Errorf("claims are not a JSON object of the expected shape: %v", err)
	}
	c := &Claims{
		Issuer:              w.Iss,
		Audience:            []string(w.Aud),
		LicenseARN:          w.Sub,
		LicenseVersion:      w.LicenseVersion,
		EntitlementsAllowed: w.EntitlementsAllowed,
		NodeID:              w.NodeID,
		Beneficiary:         w.Beneficiary,
		CheckoutType:        w.CheckoutType,
		CheckoutMetadata:    w.CheckoutMetadata,
		ConsumptionToken:    w.Jti,
	}
	if c.LicenseARN == "" {
		c.LicenseARN = w.LicenseArn
	} else if w.LicenseArn != "" && w.LicenseArn != c.LicenseARN {
		return nil, fmt.Errorf("claims licenseArn and sub disagree")
	}
	if c.ConsumptionToken == "" {
		c.ConsumptionToken = w.LicenseConsumptionToken
	} else if w.LicenseConsumptionToken != "" && w.LicenseConsumptionToken != c.ConsumptionToken {
		return nil, fmt.Errorf("claims licenseConsumptionToken and jti disagree")
	}
	var err error
	if c.Expiration, err = dateClaims("exp", w.Exp, "expiration", w.Expiration, true); err != nil {
		return nil, err
	}
	if c.IssuedAt, err = dateClaims("iat", w.Iat, "issuedAt", w.IssuedAt, false); err != nil {
		return nil, err
	}
	if c.NotBefore, err = dateClaims("nbf", w.Nbf, "", "", false); err != nil {
		return nil, err
	}
	return c, nil
}

// dateClaims returns the time of a NumericDate claim, refined to the
// milliseconds of its ISO twin when that is present and agrees.
func dateClaims(name string, n json.Number, isoName, iso string, required bool) (time.Time, error) {
	if n == "" {
		if required {
			return time.Time{}, fmt.Errorf("claim %s is required", name)
		}
		if iso != "" {
			return time.Time{}, fmt.Errorf("claim %s is present without %s", isoName, name)
		}
		return time.Time{}, nil
	}
	t, err := numericDate(n)
	if err != nil {
		return time.Time{}, fmt.Errorf("claim %s: %v", name, err)
	}
	if iso == "" {
		return t, nil
	}
	it, err := time.Parse(TimeFormat, iso)
	if err != nil {
		return time.Time{}, fmt.Errorf("claim %s is not an ISO 8601 time in %s", isoName, TimeFormat)
	}
	if it.Unix() != t.Unix() {
		return time.Time{}, fmt.Errorf("claims %s and %s disagree", isoName, name)
	}
	return it, nil
}

// numericDate parses a NumericDate: seconds since the epoch, possibly
// fractional (RFC 7519 §2).
func numericDate(n json.Number) (time.Time, error) {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		if i < 0 || i > maxUnix {
			return time.Time{}, fmt.Errorf("out of range")
		}
		return time.Unix(i, 0).UTC(), nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > maxUnix {
		return time.Time{}, fmt.Errorf("not a NumericDate")
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

// maxUnix is the start of year 10000, the last time TimeFormat can write.
const maxUnix = 253402300800
