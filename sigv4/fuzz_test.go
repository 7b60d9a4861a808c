package sigv4

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzParseAuthorization feeds arbitrary Authorization, X-Amz-Date and signed
// header values to the parser and to Verify: neither may panic, the parser
// may only fail with IncompleteSignature, and Verify may only fail with an
// *Error.
func FuzzParseAuthorization(f *testing.F) {
	for _, vec := range suiteVectors {
		date, value := suite15Date, ""
		for _, h := range vec.headers {
			switch strings.ToLower(h[0]) {
			case "x-amz-date", "date":
				date = h[1]
			default:
				value = h[1]
			}
		}
		f.Add(vec.authz, date, value, []byte(vec.body))
	}
	f.Add("AWS4-HMAC-SHA256 Credential=a/b/c/d/e/f, SignedHeaders=;, Signature=zz", "", "\t x \t", []byte{0})
	f.Add("AWS4-HMAC-SHA256 ,,,Credential=//////,Credential", "20150830T123600", "", []byte(nil))

	v := &Verifier{
		Service:     suite15Service,
		Region:      suiteRegion,
		Credentials: staticCredentials(map[string]string{suiteAccessKey: suiteSecret}),
		Now:         fixedClock(mustParse(timeFormat, suite15Date)),
		Keys:        NewKeyCache(4),
	}
	f.Fuzz(func(t *testing.T, authz, date, value string, body []byte) {
		a, perr := parseAuthorization(authz)
		if perr != nil {
			if perr.Kind != KindIncompleteSignature || perr.Message == "" {
				t.Fatalf("parse error %#v", perr)
			}
		} else {
			credential := a.accessKeyID + "/" + a.scope
			if !strings.Contains(authz, "Credential="+credential) || a.scope != a.date+"/"+a.region+"/"+a.service+"/"+a.terminator {
				t.Fatalf("parsed %+v from %q", a, authz)
			}
			if !strings.Contains(authz, "SignedHeaders="+a.signedHeaders) || !strings.Contains(authz, "Signature="+a.signature) {
				t.Fatalf("parsed %+v from %q", a, authz)
			}
		}

		r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		r.Host = suite15Host
		r.Header = http.Header{
			"Authorization": {authz},
			"My-Header1":    {value},
			"Content-Type":  {value},
			"P":             {value, value},
		}
		if date != "" {
			r.Header["X-Amz-Date"] = []string{date}
		} else {
			r.Header["Date"] = []string{value}
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		id, err := v.Verify(ctx, r, body)
		if err != nil && KindOf(err) == 0 {
			t.Fatalf("Verify error without a kind: %v", err)
		}
		if err == nil && id != suiteAccessKey {
			t.Fatalf("Verify accepted id %q", id)
		}
	})
}
