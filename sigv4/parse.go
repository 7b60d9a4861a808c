package sigv4

import "strings"

const (
	algorithm  = "AWS4-HMAC-SHA256"
	timeFormat = "20060102T150405Z"
	dateFormat = "20060102"
	terminator = "aws4_request"
)

// authorization is a parsed "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
// Signature=..." header. All strings are substrings of the header.
type authorization struct {
	accessKeyID string
	date        string // credential scope date, YYYYMMDD (not yet validated)
	region      string
	service     string
	terminator  string
	// signedHeaders is the SignedHeaders value verbatim: lowercase names
	// separated by ';'. It enters the canonical request as is.
	signedHeaders string
	signature     string // hex, not yet validated
	// scope is the credential scope, "date/region/service/terminator".
	scope string
}

// parseAuthorization parses an Authorization header value. It checks the
// syntax only: the scope values are compared with the server's elsewhere.
// Every error it returns is of KindIncompleteSignature.
func parseAuthorization(h string) (authorization, *Error) {
	var a authorization
	alg, rest, _ := strings.Cut(h, " ")
	if alg != algorithm {
		if alg == "" {
			return a, newError(KindIncompleteSignature, "Authorization header is empty.")
		}
		return a, newError(KindIncompleteSignature, "Unsupported AWS 'algorithm': '"+clip(alg)+"'; only '"+algorithm+"' is supported.")
	}
	var credential string
	var haveCredential, haveSignedHeaders, haveSignature bool
	for rest != "" {
		var pair string
		pair, rest, _ = strings.Cut(rest, ",")
		pair = strings.Trim(pair, " \t")
		if pair == "" {
			continue
		}
		key, value, ok := strings.Cut(pair, "=")
		if !ok {
			return a, newError(KindIncompleteSignature, "'"+clip(pair)+"' not a valid key=value pair (missing equal-sign) in Authorization header.")
		}
		var dup bool
		switch key {
		case "Credential":
			dup, haveCredential, credential = haveCredential, true, value
		case "SignedHeaders":
			dup, haveSignedHeaders, a.signedHeaders = haveSignedHeaders, true, value
		case "Signature":
			dup, haveSignature, a.signature = haveSignature, true, value
		default:
			// AWS ignores parameters it does not know; so do we.
			continue
		}
		if dup {
			return a, newError(KindIncompleteSignature, "Authorization header has more than one '"+key+"' parameter.")
		}
	}
	var missing string
	if credential == "" {
		missing += "Authorization header requires 'Credential' parameter. "
	}
	if a.signature == "" {
		missing += "Authorization header requires 'Signature' parameter. "
	}
	if a.signedHeaders == "" {
		missing += "Authorization header requires 'SignedHeaders' parameter. "
	}
	if missing != "" {
		return a, newError(KindIncompleteSignature, strings.TrimSuffix(missing, " "))
	}

	// Credential=AKID/YYYYMMDD/region/service/aws4_request
	var parts [5]string
	n, c := 0, credential
	for ; n < len(parts)-1; n++ {
		var ok bool
		parts[n], c, ok = strings.Cut(c, "/")
		if !ok {
			break
		}
	}
	if n != len(parts)-1 || strings.IndexByte(c, '/') >= 0 {
		return a, newError(KindIncompleteSignature, "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '"+clip(credential)+"'")
	}
	parts[n] = c
	a.accessKeyID, a.date, a.region, a.service, a.terminator = parts[0], parts[1], parts[2], parts[3], parts[4]
	a.scope = credential[len(a.accessKeyID)+1:]
	if a.accessKeyID == "" {
		return a, newError(KindIncompleteSignature, "Credential has an empty access key id.")
	}

	// SignedHeaders=name;name;... with lowercase RFC 7230 token names.
	for s := a.signedHeaders; ; {
		name, more, found := strings.Cut(s, ";")
		if !validHeaderName(name) {
			return a, newError(KindIncompleteSignature, "SignedHeaders must be a ';'-separated list of lowercase header names, got '"+clip(a.signedHeaders)+"'.")
		}
		if !found {
			break
		}
		s = more
	}
	return a, nil
}

// signedHeader reports whether name is one of the ';'-separated names of list.
func signedHeader(list, name string) bool {
	for list != "" {
		var n string
		n, list, _ = strings.Cut(list, ";")
		if n == name {
			return true
		}
	}
	return false
}

// validHeaderName reports whether s is a non-empty RFC 7230 token without
// uppercase letters.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// decodeSignature decodes the 64 lowercase hexadecimal digits of a signature.
func decodeSignature(s string) ([32]byte, bool) {
	var sig [32]byte
	if len(s) != 2*len(sig) {
		return sig, false
	}
	for i := range sig {
		hi, ok1 := fromHex(s[2*i])
		lo, ok2 := fromHex(s[2*i+1])
		if !ok1 || !ok2 {
			return sig, false
		}
		sig[i] = hi<<4 | lo
	}
	return sig, true
}

// fromHex decodes one lowercase hexadecimal digit.
func fromHex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// clip shortens a client-supplied string quoted back in an error message.
func clip(s string) string {
	const max = 128
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
