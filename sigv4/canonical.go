package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// canonicalInput is what the canonical request is computed from, gathered once
// per Verify call.
type canonicalInput struct {
	r             *http.Request
	host          string
	rawPath       string // the escaped path as it was on the wire
	signedHeaders string // verbatim from the Authorization header
	payloadHash   [64]byte
	amzDate       string // request time in ISO 8601 basic format
	scope         string // date/region/service/aws4_request (no access key)
}

// pathMode selects how the canonical URI is derived from the wire path. SigV4
// clients disagree here; the verifier tries each distinct form in turn.
type pathMode int

const (
	// pathDouble URI-encodes the escaped wire path once more, as the AWS
	// SDK for Go v2 does for every service but S3, and as botocore does for
	// paths without dot segments or repeated slashes.
	pathDouble pathMode = iota
	// pathDoubleNormalized removes dot segments and empty segments from the
	// escaped wire path and then URI-encodes it (botocore).
	pathDoubleNormalized
	// pathSingleNormalized percent-decodes the wire path, removes dot and
	// empty segments and URI-encodes the result once: the canonical URI of
	// AWS's published test suite ("/example space/" -> "/example%20space/").
	pathSingleNormalized
)

// canonicalURI returns the wire path transformed for mode.
func canonicalURI(rawPath string, mode pathMode) string {
	switch mode {
	case pathDoubleNormalized:
		return normalizePath(rawPath)
	case pathSingleNormalized:
		p, err := url.PathUnescape(rawPath)
		if err != nil {
			p = rawPath
		}
		return normalizePath(p)
	}
	return rawPath
}

// normalizePath removes "." and ".." segments and empty segments, the way
// botocore's remove_dot_segments does: the result starts with '/', and ends
// with '/' when p does and something is left.
func normalizePath(p string) string {
	segs := strings.Split(p, "/")
	out := segs[:0]
	for _, s := range segs {
		switch s {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, s)
		}
	}
	n := "/" + strings.Join(out, "/")
	if len(out) > 0 && strings.HasSuffix(p, "/") {
		n += "/"
	}
	return n
}

// appendCanonicalRequest appends the canonical request to b:
//
//	Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n HexPayloadHash
//
// uri is already chosen (see canonicalURI) but not yet encoded. collapseAll
// selects the header-value whitespace rule: false collapses runs of spaces
// (the SigV4 specification and the AWS SDK for Go), true collapses runs of
// any ASCII white space into one space (botocore). otherWS reports whether
// a signed header value holds white space other than spaces, that is
// whether collapseAll can make a difference.
func appendCanonicalRequest(b []byte, in *canonicalInput, uri string, collapseAll bool) (_ []byte, otherWS bool) {
	b = append(b, in.r.Method...)
	b = append(b, '\n')
	b = appendURIEncoded(b, uri, true)
	b = append(b, '\n')
	b = appendCanonicalQuery(b, in.r.URL.RawQuery, false)
	b = append(b, '\n')
	for list := in.signedHeaders; list != ""; {
		var name string
		name, list, _ = strings.Cut(list, ";")
		b = append(b, name...)
		b = append(b, ':')
		switch name {
		case "host":
			b, otherWS = appendHeaderValue(b, in.host, collapseAll, otherWS)
		default:
			values := headerValues(in.r.Header, name)
			if len(values) == 0 {
				switch name {
				case "content-length":
					if in.r.ContentLength >= 0 {
						b = strconv.AppendInt(b, in.r.ContentLength, 10)
					}
				case "transfer-encoding":
					values = in.r.TransferEncoding
				}
			}
			for i, v := range values {
				if i > 0 {
					b = append(b, ',')
				}
				b, otherWS = appendHeaderValue(b, v, collapseAll, otherWS)
			}
		}
		b = append(b, '\n')
	}
	b = append(b, '\n')
	b = append(b, in.signedHeaders...)
	b = append(b, '\n')
	b = append(b, in.payloadHash[:]...)
	return b, otherWS
}

// headerValues returns the values of the header named by the lowercase name,
// without allocating when h is keyed canonically (as net/http servers key it).
func headerValues(h http.Header, name string) []string {
	var buf [64]byte
	if len(name) <= len(buf) {
		k := buf[:len(name)]
		upper := true
		for i := 0; i < len(name); i++ {
			c := name[i]
			if upper && 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			k[i] = c
			upper = c == '-'
		}
		if v, ok := h[string(k)]; ok {
			return v
		}
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// appendHeaderValue appends v trimmed of surrounding white space with inner
// runs of spaces (or, when collapseAll, of any ASCII white space) replaced by
// one space.
func appendHeaderValue(b []byte, v string, collapseAll, otherWS bool) ([]byte, bool) {
	v = strings.TrimSpace(v)
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		ws := c == ' '
		if c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' {
			otherWS = true
			ws = collapseAll
		}
		if ws {
			if !space {
				b = append(b, ' ')
			}
			space = true
			continue
		}
		space = false
		b = append(b, c)
	}
	return b, otherWS
}

// appendCanonicalQuery appends the canonical query string: every name and
// value percent-decoded ('+' meaning space, as url.ParseQuery has it), then
// URI-encoded, and the pairs sorted by encoded name, then encoded value.
//
// The verifier is lenient (strict false): a name or value with a malformed
// escape is taken as it stands. The signer is strict and drops the pairs
// url.ParseQuery drops, those with a semicolon or a malformed escape, as the
// AWS SDK for Go does, which signs (and sends) only what url.URL.Query
// returns.
func appendCanonicalQuery(b []byte, raw string, strict bool) []byte {
	if raw == "" {
		return b
	}
	type pair struct{ k, v string }
	var pairs []pair
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		if kv == "" || strict && strings.IndexByte(kv, ';') >= 0 {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		ek, okK := encodeQueryComponent(k)
		ev, okV := encodeQueryComponent(v)
		if strict && !(okK && okV) {
			continue
		}
		pairs = append(pairs, pair{ek, ev})
	}
	slices.SortFunc(pairs, func(x, y pair) int {
		if c := strings.Compare(x.k, y.k); c != 0 {
			return c
		}
		return strings.Compare(x.v, y.v)
	})
	for i, p := range pairs {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(b, p.k...)
		b = append(b, '=')
		b = append(b, p.v...)
	}
	return b
}

// encodeQueryComponent percent-decodes s and URI-encodes the result. When s
// holds a malformed escape it encodes s as it stands and reports false.
func encodeQueryComponent(s string) (string, bool) {
	d, err := url.QueryUnescape(s)
	if err == nil {
		s = d
	}
	return string(appendURIEncoded(nil, s, false)), err == nil
}

// appendURIEncoded appends s with every byte outside the RFC 3986 unreserved
// set (and, when keepSlash, other than '/') percent-encoded in upper case.
func appendURIEncoded(b []byte, s string, keepSlash bool) []byte {
	const hexUpper = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' || c == '/' && keepSlash {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexUpper[c>>4], hexUpper[c&15])
	}
	return b
}

// signature computes the SigV4 signature of a canonical request made at
// amzDate (ISO 8601 basic format) in the credential scope
// date/region/service/aws4_request.
func signature[S string | []byte](key *[32]byte, amzDate string, scope S, creq []byte) [32]byte {
	sum := sha256.Sum256(creq)
	var buf [256]byte
	sts := append(buf[:0], algorithm...)
	sts = append(sts, '\n')
	sts = append(sts, amzDate...)
	sts = append(sts, '\n')
	sts = append(sts, scope...)
	sts = append(sts, '\n')
	sts = hex.AppendEncode(sts, sum[:])
	return hmacKey32(key, sts)
}

// hmacKey32 computes HMAC-SHA256 (RFC 2104) under a 32-byte key (a SigV4
// signing key) without allocating, for the once-per-request signature:
// crypto/hmac allocates two hash states per call. deriveKey, which runs once
// per key and day, uses crypto/hmac; the tests check that the two agree.
func hmacKey32(key *[32]byte, msg []byte) [32]byte {
	const blockSize = 64 // SHA-256 block size; the key is zero-padded to it
	var ibuf [blockSize + 256]byte
	inner := ibuf[:blockSize]
	for i := range inner {
		inner[i] = 0x36
	}
	var outer [blockSize + sha256.Size]byte
	for i := range blockSize {
		outer[i] = 0x5c
	}
	for i, k := range key {
		inner[i] ^= k
		outer[i] ^= k
	}
	ih := sha256.Sum256(append(inner, msg...))
	copy(outer[blockSize:], ih[:])
	return sha256.Sum256(outer[:])
}

// deriveKey derives the SigV4 signing key of a secret for a scope.
func deriveKey(secret, date, region, service string) [32]byte {
	k := hmacSHA256([]byte("AWS4"+secret), []byte(date))
	k = hmacSHA256(k[:], []byte(region))
	k = hmacSHA256(k[:], []byte(service))
	return hmacSHA256(k[:], []byte(terminator))
}

func hmacSHA256(key, msg []byte) [32]byte {
	var out [32]byte
	h := hmac.New(sha256.New, key)
	h.Write(msg)
	h.Sum(out[:0])
	return out
}
