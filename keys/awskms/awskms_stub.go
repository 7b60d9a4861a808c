//go:build !awskms

package awskms

import (
	"context"
	"fmt"

	"github.com/licensorhq/licensor/keys"
)

// Supported reports whether this binary can use AWS KMS keys.
const Supported = false

// Open reports that this binary has no AWS KMS support.
func Open(_ context.Context, _ string) (keys.KeyManager, error) {
	return nil, fmt.Errorf("awskms: %w: licensor was compiled without awskms support (rebuild with -tags awskms)", keys.ErrUnsupported)
}
