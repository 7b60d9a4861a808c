package pkcs11_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/licensorhq/licensor/keys"
	"github.com/licensorhq/licensor/keys/pkcs11"
)

func TestParseURI(t *testing.T) {
	u, err := pkcs11.ParseURI("pkcs11:token=my%20token;object=issuer-1;id=%01%02;slot-id=3?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=1234")
	if err != nil {
		t.Fatal(err)
	}
	if u.Token != "my token" || u.Object != "issuer-1" || !bytes.Equal(u.ID, []byte{1, 2}) || u.SlotID == nil || *u.SlotID != 3 ||
		u.ModulePath != "/usr/lib/softhsm/libsofthsm2.so" || u.PinValue != "1234" {
		t.Errorf("ParseURI = %+v", u)
	}
	back, err := pkcs11.ParseURI(pkcs11.KeyURI("a;b=c?d", "x y", []byte{0xff}))
	if err != nil || back.Token != "a;b=c?d" || back.Object != "x y" || !bytes.Equal(back.ID, []byte{0xff}) {
		t.Errorf("KeyURI round trip = %+v, %v", back, err)
	}
	for _, bad := range []string{"file:///x", "pkcs11:tokn=x", "pkcs11:token", "pkcs11:id=%zz", "pkcs11:slot-id=x", "pkcs11:type=secret-key"} {
		if _, err := pkcs11.ParseURI(bad); !errors.Is(err, keys.ErrInvalidURI) {
			t.Errorf("ParseURI(%q) = %v, want ErrInvalidURI", bad, err)
		}
	}
	// The PIN is never quoted.
	if _, err := pkcs11.ParseURI("pkcs11:token=x?pin-value=s3cret&bogus=1"); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error %v", err)
	}
}

func TestOpenWithoutSupport(t *testing.T) {
	if pkcs11.Supported {
		t.Skip("built with pkcs11 support")
	}
	_, err := pkcs11.Open(context.Background(), "pkcs11:token=x?module-path=/nonexistent.so")
	if !errors.Is(err, keys.ErrUnsupported) || !strings.Contains(err.Error(), "compiled without pkcs11 support") {
		t.Errorf("Open = %v", err)
	}
}
