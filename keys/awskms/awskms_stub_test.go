//go:build !awskms

package awskms_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/licensorhq/licensor/keys"
	"github.com/licensorhq/licensor/keys/awskms"
)

func TestOpenWithoutSupport(t *testing.T) {
	_, err := awskms.Open(context.Background(), "awskms:")
	if !errors.Is(err, keys.ErrUnsupported) || !strings.Contains(err.Error(), "compiled without awskms support") {
		t.Errorf("Open = %v", err)
	}
}
