package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Sign signs r for service in region with SigV4, as of now, and sets body as
// r's body (Body, GetBody and ContentLength), so that the signed payload hash
// and the sent body cannot disagree. It sets the X-Amz-Date and
// Authorization headers of r; the headers it signs are those the AWS SDK for
// Go v2 signer signs: host, content-length when body is not empty, and every
// header of r except Authorization, User-Agent, X-Amzn-Trace-Id, Expect and
// Transfer-Encoding. It adds no other header (no X-Amz-Content-Sha256).
//
// Like the SDK signer, Sign also puts r's URL query in canonical form (pairs
// sorted and URI-encoded; pairs url.ParseQuery rejects, with a semicolon or a
// malformed escape, are dropped), and removes a default port (":80" for
// http, ":443" for https) from the host by setting r.Host. The signature is
// byte for byte the one the SDK signer computes for service in region; the
// tests check this against the SDK.
//
// Sign derives the signing key on every call; a Signer caches it.
func Sign(ctx context.Context, r *http.Request, body []byte, accessKeyID, secret, region, service string, now time.Time) error {
	return sign(nil, r, body, accessKeyID, secret, region, service, now)
}

// Signer signs requests like Sign and keeps the derived signing keys
// between calls (one per secret, day, region and service) in a bounded
// KeyCache, so a client making many calls does not derive the key each time.
// Safe for concurrent use. The zero value is usable and caches nothing.
type Signer struct {
	keys *KeyCache
}

// signerKeys bounds a Signer's key cache: a client signs with one credential
// for one region and service, and its key changes once a day.
const signerKeys = 16

// NewSigner returns a Signer.
func NewSigner() *Signer { return &Signer{keys: NewKeyCache(signerKeys)} }

// Sign signs r as the package-level Sign does.
func (sg *Signer) Sign(ctx context.Context, r *http.Request, body []byte, accessKeyID, secret, region, service string, now time.Time) error {
	return sign(sg.keys, r, body, accessKeyID, secret, region, service, now)
}

// signHeader is one header of the request to sign.
type signHeader struct {
	// name is the lowercase name, names[off:end] of sign's name buffer
	// (held as offsets: slices into it would move it to the heap).
	off, end int
	kind     uint8  // headerOther, headerHost or headerContentLength
	key      string // key in the request's Header (headerOther)
	vals     []string
}

const (
	headerOther = iota
	headerHost
	headerContentLength
)

// sign signs r, with the signing key from keys, or derived when keys is nil.
//
// The canonical request is assembled from the verifier's pieces (see
// canonical.go); what the signer adds is the choice of the headers, which
// follows the SDK signer. It allocates the two header values it sets and
// little else: the canonical request, the names and the Authorization value
// are built in stack buffers.
func sign(keys *KeyCache, r *http.Request, body []byte, accessKeyID, secret, region, service string, now time.Time) error {
	if r == nil || r.URL == nil {
		return errors.New("sigv4: Sign needs a request with a URL")
	}
	r.ContentLength = int64(len(body))
	if len(body) == 0 {
		r.Body, r.GetBody = http.NoBody, func() (io.ReadCloser, error) { return http.NoBody, nil }
	} else {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	if r.Header == nil {
		r.Header = make(http.Header)
	}

	var tbuf [len(timeFormat)]byte
	amzDate := string(now.UTC().AppendFormat(tbuf[:0], timeFormat))
	// The scope date is what precedes "THHMMSSZ" (YYYYMMDD but for years
	// outside 0..9999, where it is what time.Format makes of them).
	date := amzDate[:len(amzDate)-len("T150405Z")]
	r.Header["X-Amz-Date"] = append(r.Header["X-Amz-Date"][:0], amzDate)
	host := sanitizeHost(r)

	var qbuf [256]byte
	query := appendCanonicalQuery(qbuf[:0], r.URL.RawQuery, true)
	if string(query) != r.URL.RawQuery {
		r.URL.RawQuery = string(query)
	}

	// The signed headers, sorted by lowercase name. Two keys of r.Header
	// with the same lowercase name (possible only when the map is written
	// directly) make one header; the SDK takes their values in map order,
	// this in the order of the keys.
	var hbuf [16]signHeader
	var nbuf [512]byte
	hs, names := hbuf[:0], nbuf[:0]
	names = append(names, "host"...)
	hs = append(hs, signHeader{off: 0, end: len(names), kind: headerHost})
	if r.ContentLength > 0 {
		n := len(names)
		names = append(names, "content-length"...)
		hs = append(hs, signHeader{off: n, end: len(names), kind: headerContentLength})
	}
	for k, v := range r.Header {
		switch k {
		case "Authorization", "User-Agent", "X-Amzn-Trace-Id", "Expect", "Transfer-Encoding":
			continue // ignored by the SDK signer, which matches them exactly
		}
		if strings.EqualFold(k, "content-length") {
			continue // signed from ContentLength above, or not at all
		}
		n := len(names)
		names = appendLower(names, k)
		if string(names[n:]) == "host" {
			names = names[:n]
			continue // the SDK signs the request's host, not this header's values
		}
		hs = append(hs, signHeader{off: n, end: len(names), key: k, vals: v})
	}
	sortHeaders(hs, names)
	name := func(i int) []byte { return names[hs[i].off:hs[i].end] }

	var abuf [512]byte
	a := append(abuf[:0], algorithm+" Credential="...)
	a = append(a, accessKeyID...)
	a = append(a, '/')
	scope := len(a)
	a = append(a, date...)
	a = append(a, '/')
	a = append(a, region...)
	a = append(a, '/')
	a = append(a, service...)
	a = append(a, "/"+terminator...)
	scopeEnd := len(a)
	a = append(a, ", SignedHeaders="...)
	signed := len(a)
	for i := range hs {
		if i > 0 {
			if bytes.Equal(name(i), name(i-1)) {
				continue
			}
			a = append(a, ';')
		}
		a = append(a, name(i)...)
	}
	signedEnd := len(a)

	// Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n HexPayloadHash
	var cbuf [1024]byte
	c := append(cbuf[:0], r.Method...)
	c = append(c, '\n')
	c = appendURIEncoded(c, uriPath(r.URL), true)
	c = append(c, '\n')
	c = append(c, query...)
	c = append(c, '\n')
	values := 0 // of the current header
	for i, h := range hs {
		if i == 0 || !bytes.Equal(name(i), name(i-1)) {
			if i > 0 {
				c = append(c, '\n')
			}
			c = append(c, name(i)...)
			c = append(c, ':')
			values = 0
		}
		switch h.kind {
		case headerHost:
			c = appendStripSpaces(c, host)
		case headerContentLength:
			c = strconv.AppendInt(c, r.ContentLength, 10)
		default:
			for _, v := range h.vals {
				if values > 0 {
					c = append(c, ',')
				}
				c, _ = appendHeaderValue(c, v, false, false)
				values++
			}
		}
	}
	c = append(c, '\n', '\n')
	c = append(c, a[signed:signedEnd]...)
	c = append(c, '\n')
	sum := sha256.Sum256(body)
	c = hex.AppendEncode(c, sum[:])

	var key [32]byte
	if keys != nil {
		key = keys.key(secret, date, region, service)
	} else {
		key = deriveKey(secret, date, region, service)
	}
	sig := signature(&key, amzDate, a[scope:scopeEnd], c)
	a = append(a, ", Signature="...)
	a = hex.AppendEncode(a, sig[:])
	r.Header["Authorization"] = append(r.Header["Authorization"][:0], string(a))
	return nil
}

// sortHeaders sorts hs by name, then key. It is an insertion sort: a
// request has a handful of headers, and slices.SortFunc, calling its
// comparison through a func value, would move the name buffer to the heap.
func sortHeaders(hs []signHeader, names []byte) {
	for i := 1; i < len(hs); i++ {
		for j := i; j > 0 && headerLess(&hs[j], &hs[j-1], names); j-- {
			hs[j], hs[j-1] = hs[j-1], hs[j]
		}
	}
}

func headerLess(x, y *signHeader, names []byte) bool {
	if c := bytes.Compare(names[x.off:x.end], names[y.off:y.end]); c != 0 {
		return c < 0
	}
	return x.key < y.key
}

// appendLower appends s in lower case, as strings.ToLower has it.
func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return append(b, strings.ToLower(s)...)
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// appendStripSpaces appends s without leading and trailing spaces and with
// inner runs of spaces replaced by one, the SDK's rule for the host value
// (other white space is kept; a valid host has none).
func appendStripSpaces(b []byte, s string) []byte {
	s = strings.Trim(s, " ")
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' && i > 0 && s[i-1] == ' ' {
			continue
		}
		b = append(b, s[i])
	}
	return b
}

// uriPath returns the escaped path the SDK signer signs: the path of
// URL.Opaque when it is set ("//host/path"), else URL.EscapedPath, and "/"
// for an empty path.
func uriPath(u *url.URL) string {
	var p string
	if u.Opaque != "" {
		o := u.Opaque
		if i := strings.IndexByte(o, '?'); i >= 0 {
			o = o[:i]
		}
		o = strings.TrimPrefix(o, "//")
		if i := strings.IndexByte(o, '/'); i >= 0 {
			p = o[i:]
		}
	} else {
		p = u.EscapedPath()
	}
	if p == "" {
		p = "/"
	}
	return p
}

// sanitizeHost removes a default port from the host of r, as the SDK signer
// does (setting r.Host, so that the host sent is the host signed), and
// returns the host to sign.
func sanitizeHost(r *http.Request) string {
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	if port := portOnly(host); port != "" && isDefaultPort(r.URL.Scheme, port) {
		r.Host = stripPort(host)
	}
	if r.Host != "" {
		return r.Host
	}
	return r.URL.Host
}

// stripPort, portOnly and isDefaultPort are the SDK signer's (which, for
// instance, also strips the brackets of an IPv6 literal with a default port).

func stripPort(hostport string) string {
	colon := strings.IndexByte(hostport, ':')
	if colon == -1 {
		return hostport
	}
	if i := strings.IndexByte(hostport, ']'); i != -1 {
		return strings.TrimPrefix(hostport[:i], "[")
	}
	return hostport[:colon]
}

func portOnly(hostport string) string {
	colon := strings.IndexByte(hostport, ':')
	if colon == -1 {
		return ""
	}
	if i := strings.Index(hostport, "]:"); i != -1 {
		return hostport[i+len("]:"):]
	}
	if strings.Contains(hostport, "]") {
		return ""
	}
	return hostport[colon+len(":"):]
}

func isDefaultPort(scheme, port string) bool {
	scheme = strings.ToLower(scheme)
	return scheme == "http" && port == "80" || scheme == "https" && port == "443"
}
