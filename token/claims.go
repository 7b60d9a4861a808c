package token

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
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
	case !inRange(c.IssuedAt) || !inRange(c.Expiration) || !c.NotBefore.IsZero() && !inRange(c.NotBefore):
		return fmt.Errorf("token: claims: times must be between 1970 and 9999")
	}
	return nil
}

// appendClaims appends the JSON payload of c to dst. Times are written at
// millisecond precision in the ISO claims and whole seconds in the numeric
// ones. The output is byte for byte what encoding/json makes of the
// equivalent wireClaims (the tests hold the two together); it is written
// by hand because signing is on the checkout path and reflection was most
// of its cost besides the signature.
func appendClaims(dst []byte, c *Claims) []byte {
	iat, exp := c.IssuedAt.UTC().Truncate(time.Millisecond), c.Expiration.UTC().Truncate(time.Millisecond)
	dst = append(dst, `{"iss":`...)
	dst = appendString(dst, c.Issuer)
	dst = append(dst, `,"sub":`...)
	dst = appendString(dst, c.LicenseARN)
	switch len(c.Audience) {
	case 0:
	case 1:
		dst = append(dst, `,"aud":`...)
		dst = appendString(dst, c.Audience[0])
	default:
		dst = append(dst, `,"aud":[`...)
		for i, a := range c.Audience {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, a)
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"iat":`...)
	dst = strconv.AppendInt(dst, iat.Unix(), 10)
	dst = append(dst, `,"exp":`...)
	dst = strconv.AppendInt(dst, exp.Unix(), 10)
	if !c.NotBefore.IsZero() {
		dst = append(dst, `,"nbf":`...)
		dst = strconv.AppendInt(dst, c.NotBefore.Unix(), 10)
	}
	dst = append(dst, `,"jti":`...)
	dst = appendString(dst, c.ConsumptionToken)
	dst = append(dst, `,"licenseArn":`...)
	dst = appendString(dst, c.LicenseARN)
	dst = appendOptional(dst, `,"licenseVersion":`, c.LicenseVersion)
	dst = append(dst, `,"entitlementsAllowed":[`...)
	for i, e := range c.EntitlementsAllowed {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"name":`...)
		dst = appendString(dst, e.Name)
		dst = append(dst, `,"unit":`...)
		dst = appendString(dst, e.Unit)
		if e.Value != nil {
			dst = append(dst, `,"value":`...)
			dst = appendString(dst, *e.Value)
		}
		dst = append(dst, '}')
	}
	dst = append(dst, ']')
	dst = appendOptional(dst, `,"nodeId":`, c.NodeID)
	dst = appendOptional(dst, `,"beneficiary":`, c.Beneficiary)
	dst = appendOptional(dst, `,"checkoutType":`, c.CheckoutType)
	if len(c.CheckoutMetadata) > 0 {
		dst = append(dst, `,"checkoutMetadata":{`...)
		// encoding/json sorts map keys; so must we, for one encoding.
		var small [8]string
		keys := small[:0]
		for k := range c.CheckoutMetadata {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, k)
			dst = append(dst, ':')
			dst = appendString(dst, c.CheckoutMetadata[k])
		}
		dst = append(dst, '}')
	}
	dst = append(dst, `,"licenseConsumptionToken":`...)
	dst = appendString(dst, c.ConsumptionToken)
	dst = append(dst, `,"issuedAt":"`...)
	dst = iat.AppendFormat(dst, TimeFormat)
	dst = append(dst, `","expiration":"`...)
	dst = exp.AppendFormat(dst, TimeFormat)
	return append(dst, `"}`...)
}

// appendOptional appends member and s unless s is empty (omitempty).
func appendOptional(dst []byte, member, s string) []byte {
	if s == "" {
		return dst
	}
	return appendString(append(dst, member...), s)
}

// appendString appends s as a JSON string exactly as encoding/json writes
// it: <, >, &, U+2028 and U+2029 escaped, and invalid UTF-8 replaced by
// U+FFFD.
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
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

// inRange reports whether t is a NumericDate that TimeFormat can write.
func inRange(t time.Time) bool { u := t.Unix(); return u >= 0 && u < maxUnix }

// maxUnix is the start of year 10000, the last time TimeFormat can write.
const maxUnix = 253402300800
