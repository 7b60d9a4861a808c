// Package pkcs11 is the pkcs11: key provider, for keys held by a hardware
// security module (tested with SoftHSM 2). It needs cgo and the pkcs11
// build tag; without them Open returns a "compiled without pkcs11 support"
// error.
//
// The provider is opened with a URI naming the module, the token and the
// PIN (RFC 7512):
//
//	pkcs11:token=licensor?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=/run/secrets/hsm-pin
//
// and keys are named by label and/or id on that token:
//
//	pkcs11:token=licensor;object=issuer-2024;id=%01
package pkcs11

import (
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/licensorhq/licensor/keys"
)

// Scheme is the URI scheme of PKCS #11 keys.
const Scheme = "pkcs11"

// URI is a parsed PKCS #11 URI. Only the attributes licensor uses are
// accepted; any other is an error, so that a typo does not silently match
// another key.
type URI struct {
	Token  string // token label
	Serial string // token serial number
	SlotID *uint
	Object string // key label (CKA_LABEL)
	ID     []byte // key id (CKA_ID)

	ModulePath string
	PinValue   string
	PinSource  string // a file holding the PIN
}

// ParseURI parses a pkcs11: URI. Errors name attributes but never quote
// values, since a URI may carry a PIN.
func ParseURI(s string) (*URI, error) {
	rest, ok := strings.CutPrefix(s, Scheme+":")
	if !ok {
		return nil, fmt.Errorf("pkcs11: %w: not a pkcs11: URI", keys.ErrInvalidURI)
	}
	path, query, _ := strings.Cut(rest, "?")
	u := &URI{}
	set := func(name, raw string) error {
		v, err := url.PathUnescape(raw)
		if err != nil {
			return fmt.Errorf("pkcs11: %w: attribute %s is not percent-encoded correctly", keys.ErrInvalidURI, name)
		}
		switch name {
		case "token":
			u.Token = v
		case "serial":
			u.Serial = v
		case "slot-id":
			n, err := strconv.ParseUint(v, 10, 0)
			if err != nil {
				return fmt.Errorf("pkcs11: %w: slot-id is not a number", keys.ErrInvalidURI)
			}
			id := uint(n)
			u.SlotID = &id
		case "object":
			u.Object = v
		case "id":
			u.ID = []byte(v)
		case "type":
			if v != "private" && v != "public" {
				return fmt.Errorf("pkcs11: %w: type must be private or public", keys.ErrInvalidURI)
			}
		case "module-path":
			u.ModulePath = v
		case "pin-value":
			u.PinValue = v
		case "pin-source":
			u.PinSource = strings.TrimPrefix(v, "file:")
		default:
			return fmt.Errorf("pkcs11: %w: unsupported attribute %q", keys.ErrInvalidURI, clip(name))
		}
		return nil
	}
	// RFC 7512 puts module-path and the PIN in the query; they are also
	// accepted in the path, as other tools write them there.
	for _, part := range [][2]string{{path, ";"}, {query, "&"}} {
		if part[0] == "" {
			continue
		}
		for _, attr := range strings.Split(part[0], part[1]) {
			name, value, ok := strings.Cut(attr, "=")
			if !ok || name == "" {
				return nil, fmt.Errorf("pkcs11: %w: attributes are name=value", keys.ErrInvalidURI)
			}
			if err := set(name, value); err != nil {
				return nil, err
			}
		}
	}
	return u, nil
}

// PIN returns the PIN: pin-value, or the first line of the pin-source file.
func (u *URI) PIN() (string, error) {
	if u.PinValue != "" || u.PinSource == "" {
		return u.PinValue, nil
	}
	b, err := os.ReadFile(u.PinSource)
	if err != nil {
		return "", fmt.Errorf("pkcs11: read pin-source: %w", err)
	}
	pin, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(pin), nil
}

// KeyURI returns the URI of a key on token with the given label and id.
func KeyURI(token, object string, id []byte) string {
	var b strings.Builder
	b.WriteString(Scheme + ":")
	var attrs []string
	if token != "" {
		attrs = append(attrs, "token="+escape(token))
	}
	if object != "" {
		attrs = append(attrs, "object="+escape(object))
	}
	if len(id) > 0 {
		var h strings.Builder
		for _, c := range id {
			fmt.Fprintf(&h, "%%%02X", c)
		}
		attrs = append(attrs, "id="+h.String())
	}
	b.WriteString(strings.Join(attrs, ";"))
	return b.String()
}

func escape(s string) string {
	return strings.NewReplacer(";", "%3B", "?", "%3F", "&", "%26", "=", "%3D").Replace(url.PathEscape(s))
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
