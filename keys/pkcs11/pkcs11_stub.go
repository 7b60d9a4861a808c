//go:build !(pkcs11 && cgo)

package pkcs11

import (
	"context"
	"fmt"

	"github.com/licensorhq/licensor/keys"
)

// Supported reports whether this binary can use PKCS #11 modules.
const Supported = false

// Open reports that this binary has no PKCS #11 support.
func Open(_ context.Context, _ string) (keys.KeyManager, error) {
	return nil, fmt.Errorf("pkcs11: %w: licensor was compiled without pkcs11 support (rebuild with CGO_ENABLED=1 and -tags pkcs11)", keys.ErrUnsupported)
}
