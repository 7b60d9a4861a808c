package service

import (
	"encoding/base64"
	"strings"

	"github.com/licensorhq/licensor"
)

// Page tokens are opaque to clients: the store's cursor, tagged with the
// listing it belongs to, base64url-encoded. A token from another listing,
// or one a client edited, is rejected rather than silently misread.

func encodeToken(kind, cursor string) string {
	if cursor == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte("v1:" + kind + ":" + cursor))
}

func decodeToken(kind, token string) (string, error) {
	if token == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err == nil {
		if cursor, ok := strings.CutPrefix(string(b), "v1:"+kind+":"); ok && cursor != "" {
			return cursor, nil
		}
	}
	return "", licensor.Errorf(licensor.EINVALID, "1 validation error detected: NextToken is not valid for this request.")
}

// pageLimit returns the store limit for a MaxResults value (0 = default).
func pageLimit(n int) int {
	if n <= 0 {
		return 100
	}
	return n
}
