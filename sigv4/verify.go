package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultMaxSkew is the clock skew AWS tolerates between the request time and
// the server's clock, in either direction.
const DefaultMaxSkew = 5 * time.Minute

// CredentialsFunc looks up the secret access key of an access key id. It
// returns an error wrapping ErrUnknownKey when the key does not exist or is
// not active; any other error is a failure of the credential store.
type CredentialsFunc func(ctx context.Context, accessKeyID string) (secret string, err error)

// Verifier verifies AWS Signature Version 4 signed requests made to one
// service in one region. Its fields are read-only once it is in use; a
// Verifier is safe for concurrent use.
type Verifier struct {
	// Service is the signing name of the service, e.g. "license-manager".
	Service string
	// Region is the server's region, e.g. "us-east-1".
	Region string
	// Credentials looks up secrets. It is required.
	Credentials CredentialsFunc
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// MaxSkew is the tolerated difference between the request time and Now
	// in either direction; zero or negative means DefaultMaxSkew.
	MaxSkew time.Duration
	// Keys, when set, caches derived signing keys; nil derives the key on
	// every request.
	Keys *KeyCache
}

// Verify checks the SigV4 signature of r, whose body the caller has already
// read into body, and returns the access key id that signed it.
//
// The payload hash is computed from body; X-Amz-Content-Sha256 is never
// trusted. Only the Authorization header form of SigV4 is accepted: presigned
// (query-string) requests are rejected.
//
// A failure to authenticate the request is returned as an *Error (see Kind);
// any other error (a misconfigured Verifier, a failing credential store, a
// cancelled ctx) is returned as is, wrapped, and is an internal failure.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, body []byte) (accessKeyID string, err error) {
	if v.Service == "" || v.Region == "" || v.Credentials == nil {
		return "", errors.New("sigv4: Verifier needs Service, Region and Credentials")
	}
	authz := r.Header["Authorization"]
	switch {
	case len(authz) == 0:
		if q := r.URL.RawQuery; strings.Contains(q, "X-Amz-Signature=") || strings.Contains(q, "X-Amz-Credential=") {
			return "", newError(KindIncompleteSignature, "Query-string (presigned) authentication is not supported; sign the request with the Authorization header.")
		}
		return "", newError(KindMissingAuthenticationToken, msgMissingAuthenticationToken)
	case len(authz) > 1:
		return "", newError(KindIncompleteSignature, "Request has more than one Authorization header.")
	}
	a, perr := parseAuthorization(authz[0])
	if perr != nil {
		return "", perr
	}
	if a.terminator != terminator {
		return "", newError(KindIncompleteSignature, "Credential should be scoped with a valid terminator: '"+terminator+"', not '"+clip(a.terminator)+"'. ")
	}

	// The request time: X-Amz-Date, or else the Date header, which must then
	// be signed in its place.
	var when time.Time
	var amzDate, dateHeader string
	if d := r.Header["X-Amz-Date"]; len(d) > 0 {
		if len(d) > 1 {
			return "", newError(KindIncompleteSignature, "Request has more than one X-Amz-Date header.")
		}
		t, err := time.Parse(timeFormat, d[0])
		if err != nil || !basicFormat(d[0]) {
			return "", newError(KindIncompleteSignature, "Date must be in ISO-8601 'basic format'. Got '"+clip(d[0])+"'. See http://en.wikipedia.org/wiki/ISO_8601")
		}
		when, amzDate, dateHeader = t, d[0], "x-amz-date"
	} else if d := r.Header.Get("Date"); d != "" {
		t, err := http.ParseTime(d)
		if err != nil {
			return "", newError(KindIncompleteSignature, "Date header is not a valid HTTP date: '"+clip(d)+"'.")
		}
		when, amzDate, dateHeader = t.UTC(), t.UTC().Format(timeFormat), "date"
	} else {
		return "", newError(KindIncompleteSignature, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if !signedHeader(a.signedHeaders, "host") {
		return "", newError(KindIncompleteSignature, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	if !signedHeader(a.signedHeaders, dateHeader) {
		return "", newError(KindIncompleteSignature, "'"+dateHeader+"' must be a 'SignedHeader' in the AWS Authorization.")
	}
	if a.date != amzDate[:len(dateFormat)] {
		return "", newError(KindScopeDateMismatch, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '"+
			clip(a.date)+"' != '"+amzDate[:len(dateFormat)]+"', from '"+amzDate+"'.")
	}
	if a.region != v.Region {
		return "", newError(KindWrongRegion, "Credential should be scoped to a valid region, not '"+clip(a.region)+"'. ")
	}
	if a.service != v.Service {
		return "", newError(KindWrongService, "Credential should be scoped to correct service: '"+v.Service+"'. ")
	}
	if err := v.checkSkew(when, amzDate); err != nil {
		return "", err
	}

	// Temporary credentials. Extension point: when session tokens are
	// supported, a SessionTokenFunc hook on Verifier will resolve the token
	// (which must then be a signed header) to its secret here, instead of the
	// long-term key lookup below.
	if _, ok := r.Header["X-Amz-Security-Token"]; ok || signedHeader(a.signedHeaders, "x-amz-security-token") {
		return "", newError(KindUnrecognizedClient, msgUnrecognizedClient)
	}

	want, ok := decodeSignature(a.signature)
	if !ok {
		return "", newError(KindInvalidSignature, msgInvalidSignature)
	}
	secret, err := v.Credentials(ctx, a.accessKeyID)
	switch {
	case errors.Is(err, ErrUnknownKey):
		return "", newError(KindUnrecognizedClient, msgUnrecognizedClient)
	case err != nil:
		return "", fmt.Errorf("sigv4: looking up access key %q: %w", a.accessKeyID, err)
	case secret == "":
		// An empty secret would make the signature computable by anyone.
		return "", newError(KindUnrecognizedClient, msgUnrecognizedClient)
	}
	var key [32]byte
	if v.Keys != nil {
		key = v.Keys.key(secret, a.date, a.region, a.service)
	} else {
		key = deriveKey(secret, a.date, a.region, a.service)
	}

	in := canonicalInput{
		r:             r,
		host:          r.Host,
		rawPath:       wirePath(r),
		signedHeaders: a.signedHeaders,
		amzDate:       amzDate,
		scope:         a.scope,
	}
	if in.host == "" {
		in.host = r.URL.Host
	}
	sum := sha256.Sum256(body)
	hex.Encode(in.payloadHash[:], sum[:])
	if v.match(&key, &in, want) {
		return a.accessKeyID, nil
	}
	return "", newError(KindInvalidSignature, msgInvalidSignature)
}

// match reports whether want is the signature of the request under one of
// the canonicalizations that SigV4 clients use. The first candidate is the
// one the AWS SDKs produce for the requests of JSON protocols; the others are
// computed only when they differ from it.
func (v *Verifier) match(key *[32]byte, in *canonicalInput, want [32]byte) bool {
	var buf [1024]byte
	var uris [3]string
	n := 0
	for _, mode := range []pathMode{pathDouble, pathDoubleNormalized, pathSingleNormalized} {
		if mode == pathSingleNormalized && strings.IndexByte(in.rawPath, '%') < 0 {
			continue // decoding changes nothing: same as pathDoubleNormalized
		}
		u := canonicalURI(in.rawPath, mode)
		if slices.Contains(uris[:n], u) {
			continue
		}
		uris[n] = u
		n++
		creq, otherWS := appendCanonicalRequest(buf[:0], in, u, false)
		got := signature(key, in.amzDate, in.scope, creq)
		if hmac.Equal(got[:], want[:]) {
			return true
		}
		if otherWS {
			creq, _ = appendCanonicalRequest(buf[:0], in, u, true)
			got = signature(key, in.amzDate, in.scope, creq)
			if hmac.Equal(got[:], want[:]) {
				return true
			}
		}
	}
	return false
}

// wirePath returns the escaped path of r as the client sent it: from the
// request line when r came from a server, else from r.URL.
func wirePath(r *http.Request) string {
	p := r.RequestURI
	if strings.HasPrefix(p, "/") {
		if i := strings.IndexByte(p, '?'); i >= 0 {
			p = p[:i]
		}
	} else {
		p = r.URL.EscapedPath()
	}
	if p == "" {
		p = "/"
	}
	return p
}

// basicFormat reports whether s has the shape of an ISO 8601 basic format
// time, YYYYMMDD'T'HHMMSS'Z' (time.Parse alone admits one-digit hours).
func basicFormat(s string) bool {
	if len(s) != len(timeFormat) {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch i {
		case 8:
			if s[i] != 'T' {
				return false
			}
		case 15:
			if s[i] != 'Z' {
				return false
			}
		default:
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
	}
	return true
}

// checkSkew rejects request times further than MaxSkew from Now, with AWS's
// messages.
func (v *Verifier) checkSkew(when time.Time, amzDate string) error {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	t := now().UTC()
	skew := v.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	var span string
	if skew%time.Minute == 0 {
		span = strconv.FormatInt(int64(skew/time.Minute), 10) + " min."
	} else {
		span = skew.String() + "."
	}
	switch {
	case when.Before(t.Add(-skew)):
		return newError(KindSignatureExpired, "Signature expired: "+amzDate+" is now earlier than "+
			t.Add(-skew).Format(timeFormat)+" ("+t.Format(timeFormat)+" - "+span+")")
	case when.After(t.Add(skew)):
		return newError(KindSignatureExpired, "Signature not yet current: "+amzDate+" is still later than "+
			t.Add(skew).Format(timeFormat)+" ("+t.Format(timeFormat)+" + "+span+")")
	}
	return nil
}
