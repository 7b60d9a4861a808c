package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// sdkSign is what Sign was before it had its own implementation: the AWS
// SDK's signer, with the body set as Sign sets it. It is the oracle Sign is
// held to. s should sign with one secret only: the SDK's key cache is keyed
// by access key id, region, service and day, not by secret.
func sdkSign(s *v4.Signer, r *http.Request, body []byte, accessKeyID, secret, region, service string, now time.Time) error {
	r.ContentLength = int64(len(body))
	if len(body) == 0 {
		r.Body, r.GetBody = http.NoBody, func() (io.ReadCloser, error) { return http.NoBody, nil }
	} else {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: accessKeyID, SecretAccessKey: secret}
	return s.SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), service, region, now)
}

// signCase is a request to sign, built afresh for each signer (signing
// writes into the header slices).
type signCase struct {
	method, url string
	opaque      string // URL.Opaque when not empty
	host        string // Request.Host when not empty
	headers     [][2]string
	rawHeaders  map[string][]string // set directly, keys not canonicalized
	body        []byte
	keyID       string
	secret      string
	region      string
	service     string
	when        time.Time
}

func (c *signCase) request(tb testing.TB) *http.Request {
	tb.Helper()
	r, err := http.NewRequest(c.method, c.url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if c.opaque != "" {
		r.URL.Opaque = c.opaque
	}
	if c.host != "" {
		r.Host = c.host
	}
	for _, h := range c.headers {
		r.Header.Add(h[0], h[1])
	}
	for k, vs := range c.rawHeaders {
		r.Header[k] = append([]string(nil), vs...)
	}
	return r
}

func (c *signCase) String() string {
	return fmt.Sprintf("%s %s (opaque %q, host %q) headers %q %q body %q as %s/%s at %v",
		c.method, c.url, c.opaque, c.host, c.headers, c.rawHeaders, c.body, c.region, c.service, c.when)
}

// signCaseGen generates varied requests: methods, hosts with and without
// (default) ports, paths with special characters, percent-escapes and dot
// segments, queries with repeated, empty, unsorted, '+'-encoded and
// malformed pairs, headers with repeated values and odd white space
// (including those the signer ignores), bodies, credentials, scopes and
// times in several zones.
type signCaseGen struct {
	rng *rand.Rand
	// forVerifier leaves out what the Verifier rejects by design (a
	// security token) or what does not survive a trip over the wire.
	forVerifier bool
}

func (g *signCaseGen) pick(xs ...string) string { return xs[g.rng.IntN(len(xs))] }

func (g *signCaseGen) str(chars string, n int) string {
	r := []rune(chars)
	var b strings.Builder
	for range n {
		b.WriteRune(r[g.rng.IntN(len(r))])
	}
	return b.String()
}

func (g *signCaseGen) next() *signCase {
	rng := g.rng
	c := &signCase{
		method: g.pick("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "PROPFIND"),
		keyID:  g.pick(testKeyID, "AKIDEXAMPLE", "LKIAQAAAAAAAAAAAAAAA"),
		secret: g.pick(testSecret, suiteSecret, "s", "with spaces and ünïcödé / + ="),
		region: g.pick("us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1", "us-gov-west-1"),
		service: g.pick("license-manager", "license-manager", "execute-api", "service", "host",
			"license-manager-user-subscriptions"),
	}
	zones := []*time.Location{time.UTC, time.FixedZone("IST", 5*3600+1800), time.FixedZone("PST", -8*3600), time.Local}
	c.when = time.Unix(rng.Int64N(4102444800), rng.Int64N(1e9)).In(zones[rng.IntN(len(zones))])

	base := g.pick("https://license-manager.us-east-1.amazonaws.com", "http://127.0.0.1:8080",
		"https://example.com:443", "http://example.com:80", "https://example.com:8443", "http://example.com:443",
		"http://[::1]:8080", "https://[::1]:443", "http://localhost", "HTTP://Example.COM:80")
	if g.forVerifier && strings.Contains(base, "[::1]:443") {
		base = "https://[::1]:8443" // the SDK sends it as "::1", which is no valid Host
	}
	var path strings.Builder
	if rng.IntN(8) > 0 {
		for range rng.IntN(5) {
			path.WriteByte('/')
			for range rng.IntN(4) {
				path.WriteString(g.pick("a", "Z", "09", "-", "_", ".", "~", "..", "%20", "%2F", "%25", "%41", "%e1%88%b4",
					"%E1%88%B4", "ሴ", "$", "&", "+", "=", ":", "@", "!", "'", "(", ")", "*", ",", ";", "/", ""))
			}
		}
		if rng.IntN(4) == 0 {
			path.WriteByte('/')
		}
	}
	var query []string
	for range rng.IntN(6) {
		k := g.pick("Param1", "param1", "a", "b", "A", "", "%E1%88%B4", "a+b", "a%20b", "a%2Bb", "x.y~z", "k_-", "%2F")
		v := g.pick("", "1", "value", "Value", "a b", "a+b", "%2B", "%26", "=", "x=y", "%E1%88%B4", "ሴ", "/?", "*")
		switch rng.IntN(12) {
		case 0:
			query = append(query, k) // no '='
		case 1:
			query = append(query, "") // empty pair
		case 2:
			query = append(query, k+"=%zz") // malformed escape: dropped
		case 3:
			query = append(query, k+"=1;b=2") // semicolon: dropped
		default:
			query = append(query, k+"="+v)
		}
		if rng.IntN(4) == 0 {
			query = append(query, query[len(query)-1]) // repeated
		}
	}
	c.url = base + path.String()
	if len(query) > 0 || rng.IntN(8) == 0 {
		c.url += "?" + strings.Join(query, "&")
	}
	if u, err := url.Parse(c.url); err == nil && rng.IntN(10) == 0 &&
		// An absolute request target names the host with its port, which
		// the server takes over the Host header the SDK's rule strips it from.
		// And a server reads the path of an opaque target in the form
		// EscapedPath gives it.
		!(g.forVerifier && (u.Port() == "80" || u.Port() == "443" || u.EscapedPath() != path.String())) {
		c.opaque = "//" + u.Host + path.String()
		if c.opaque == "//"+u.Host {
			c.opaque += "/"
		}
	}
	if rng.IntN(10) == 0 && !(g.forVerifier && c.opaque != "") {
		c.host = g.pick("other.example", "other.example:443", "other.example:80", "10.0.0.1:9000")
	}

	const valueChars = "abc XYZ 019-_.~!\"#$%&'()*+,/:;<=>?@[\\]^`{|}    \tሴ"
	value := func() string {
		v := g.str(valueChars, rng.IntN(16))
		switch rng.IntN(6) {
		case 0:
			v = "   " + v
		case 1:
			v += "  \t "
		case 2:
			v = ""
		}
		return v
	}
	names := []string{"Content-Type", "X-Amz-Target", "X-Test-A", "X-Test-b", "Amz-Sdk-Request", "Amz-Sdk-Invocation-Id",
		"X-Amz-Content-Sha256", "X-Amz-Meta-Foo", "Accept", "Date", "My-Header1",
		"User-Agent", "X-Amzn-Trace-Id", "Expect", "Authorization", "Content-Length", "X-Amz-Date", "Host"}
	if !g.forVerifier {
		names = append(names, "X-Amz-Security-Token", "Transfer-Encoding")
	}
	for range rng.IntN(7) {
		name := names[rng.IntN(len(names))]
		for range 1 + rng.IntN(3) {
			c.headers = append(c.headers, [2]string{name, value()})
		}
	}
	if rng.IntN(6) == 0 {
		// A key set directly, not canonicalized: the SDK signs it too.
		c.rawHeaders = map[string][]string{g.pick("x-lower-case", "X-MIXED-case", "x_under"): {value(), value()}}
	}
	if rng.IntN(3) > 0 {
		c.body = []byte(g.str(valueChars, 1+rng.IntN(300)))
	}
	return c
}

// TestSignMatchesSDK signs varied requests with Signer and with the SDK's
// signer and requires the same request afterwards: byte-identical
// Authorization and X-Amz-Date, and the same headers, host, URL and body.
func TestSignMatchesSDK(t *testing.T) {
	g := &signCaseGen{rng: rand.New(rand.NewPCG(20260514, 4))}
	sg := NewSigner() // one for all: its cache must tell secrets apart
	var zero Signer   // the zero value derives every key
	for i := range 4000 {
		c := g.next()
		ours, theirs := c.request(t), c.request(t)
		var err error
		switch i % 3 {
		case 0:
			err = sg.Sign(context.Background(), ours, c.body, c.keyID, c.secret, c.region, c.service, c.when)
		case 1:
			err = Sign(context.Background(), ours, c.body, c.keyID, c.secret, c.region, c.service, c.when)
		default:
			err = zero.Sign(context.Background(), ours, c.body, c.keyID, c.secret, c.region, c.service, c.when)
		}
		if err != nil {
			t.Fatalf("#%d %v: %v", i, c, err)
		}
		if err := sdkSign(v4.NewSigner(), theirs, c.body, c.keyID, c.secret, c.region, c.service, c.when); err != nil {
			t.Fatal(err)
		}
		if got, want := ours.Header.Get("Authorization"), theirs.Header.Get("Authorization"); got != want {
			t.Fatalf("#%d %v\nAuthorization %q\nSDK's         %q", i, c, got, want)
		}
		if got, want := ours.Header.Get("X-Amz-Date"), theirs.Header.Get("X-Amz-Date"); got != want {
			t.Fatalf("#%d %v\nX-Amz-Date %q; SDK's %q", i, c, got, want)
		}
		if !reflect.DeepEqual(ours.Header, theirs.Header) {
			t.Fatalf("#%d %v\nheaders %q\nSDK's   %q", i, c, ours.Header, theirs.Header)
		}
		if ours.Host != theirs.Host || ours.URL.String() != theirs.URL.String() || ours.ContentLength != theirs.ContentLength {
			t.Fatalf("#%d %v\nhost, URL, length %q %q %d\nSDK's             %q %q %d", i, c,
				ours.Host, ours.URL, ours.ContentLength, theirs.Host, theirs.URL, theirs.ContentLength)
		}
		for _, r := range []*http.Request{ours, ours} { // Body, then GetBody
			b, err := io.ReadAll(r.Body)
			if err != nil || !bytes.Equal(b, c.body) {
				t.Fatalf("#%d body %q, %v; want %q", i, b, err, c.body)
			}
			if r.Body, err = r.GetBody(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestSignDuplicateKeys signs a header set under two keys that differ in
// case. The SDK takes their values in map order, so its signature varies
// between runs; Signer's must be one of those it produces.
func TestSignDuplicateKeys(t *testing.T) {
	c := &signCase{method: "POST", url: "https://example.com/", body: []byte("{}"),
		rawHeaders: map[string][]string{"X-Dup": {"a", " b "}, "x-dup": {"c"}},
		keyID:      testKeyID, secret: testSecret, region: testRegion, service: testService, when: signTime}
	r := c.request(t)
	if err := NewSigner().Sign(context.Background(), r, c.body, c.keyID, c.secret, c.region, c.service, c.when); err != nil {
		t.Fatal(err)
	}
	got := r.Header.Get("Authorization")
	sdk := map[string]bool{}
	for range 200 {
		r := c.request(t)
		if err := sdkSign(v4.NewSigner(), r, c.body, c.keyID, c.secret, c.region, c.service, c.when); err != nil {
			t.Fatal(err)
		}
		sdk[r.Header.Get("Authorization")] = true
		if sdk[got] {
			return
		}
	}
	t.Fatalf("Authorization %q is none of the SDK's %v", got, sdk)
}

// TestSignSuiteVectors signs the cases of AWS's test suite that the SDK's
// rules reproduce (an empty body, every header signed, a path that neither
// needs decoding nor has dot segments) and expects the published
// signatures: a check of Sign independent of the SDK.
func TestSignSuiteVectors(t *testing.T) {
	n := 0
	for _, vec := range suiteVectors {
		path, _, _ := strings.Cut(vec.target, "?")
		if vec.y2011 || vec.body != "" || strings.Contains(path, "%") || normalizePath(path) != path {
			continue
		}
		n++
		r, err := http.NewRequest(vec.method, "https://"+suite15Host+vec.target, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range vec.headers {
			if h[0] != "X-Amz-Date" {
				r.Header.Add(h[0], h[1])
			}
		}
		if err := Sign(context.Background(), r, nil, suiteAccessKey, suiteSecret, suiteRegion, suite15Service,
			mustParse(timeFormat, suite15Date)); err != nil {
			t.Fatal(err)
		}
		if got := r.Header.Get("Authorization"); got != vec.authz {
			t.Errorf("%s: Authorization\n%s\nwant\n%s", vec.name, got, vec.authz)
		}
	}
	if n < 15 {
		t.Fatalf("only %d vectors apply", n)
	}
}

// TestSignVerifies signs varied requests with Signer, sends each through
// net/http's wire format (http.Request.Write, http.ReadRequest) and expects
// a Verifier for the request's region and service, its clock at the signing
// time, to accept it, and to reject it when the body differs from the one
// signed.
func TestSignVerifies(t *testing.T) {
	g := &signCaseGen{rng: rand.New(rand.NewPCG(7, 20260514)), forVerifier: true}
	sg, keys := NewSigner(), NewKeyCache(64)
	ctx := context.Background()
	for i := range 2000 {
		c := g.next()
		r := c.request(t)
		if err := sg.Sign(ctx, r, c.body, c.keyID, c.secret, c.region, c.service, c.when); err != nil {
			t.Fatal(err)
		}
		var wire bytes.Buffer
		if err := r.Write(&wire); err != nil {
			t.Fatalf("#%d %v: Write: %v", i, c, err)
		}
		sent := wire.String()
		sr, err := http.ReadRequest(bufio.NewReader(&wire))
		if err != nil {
			t.Fatalf("#%d %v: ReadRequest: %v\n%s", i, c, err, sent)
		}
		body, err := io.ReadAll(sr.Body)
		if err != nil {
			t.Fatal(err)
		}
		if c.method != "HEAD" && !bytes.Equal(body, c.body) {
			t.Fatalf("#%d: body sent %q; want %q", i, body, c.body)
		}
		v := &Verifier{
			Service:     c.service,
			Region:      c.region,
			Credentials: staticCredentials(map[string]string{c.keyID: c.secret}),
			Now:         fixedClock(c.when),
			Keys:        keys,
		}
		if id, err := v.Verify(ctx, sr, body); err != nil || id != c.keyID {
			t.Fatalf("#%d %v: Verify = %q, %v\n%s", i, c, id, err, sent)
		}
		if len(body) > 0 {
			body[g.rng.IntN(len(body))] ^= 0x20
			if _, err := v.Verify(ctx, sr, body); KindOf(err) != KindInvalidSignature {
				t.Fatalf("#%d %v: altered body: Verify error %v; want InvalidSignature", i, c, err)
			}
		}
	}
}

// TestSignerConcurrent signs with one Signer from many goroutines (run with
// -race) and compares with Sign.
func TestSignerConcurrent(t *testing.T) {
	sg := NewSigner()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := &signCaseGen{rng: rand.New(rand.NewPCG(uint64(w), 99))}
			for range 200 {
				c := g.next()
				r1, r2 := c.request(t), c.request(t)
				if err := sg.Sign(context.Background(), r1, c.body, c.keyID, c.secret, c.region, c.service, c.when); err != nil {
					t.Error(err)
					return
				}
				if err := Sign(context.Background(), r2, c.body, c.keyID, c.secret, c.region, c.service, c.when); err != nil {
					t.Error(err)
					return
				}
				if a, b := r1.Header.Get("Authorization"), r2.Header.Get("Authorization"); a != b {
					t.Errorf("%v: Signer %q, Sign %q", c, a, b)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := sg.keys.Len(); n == 0 || n > signerKeys {
		t.Errorf("Signer caches %d keys; want 1..%d", n, signerKeys)
	}
}

func TestSignNoRequest(t *testing.T) {
	if err := Sign(context.Background(), &http.Request{}, nil, "a", "s", "r", "s", signTime); err == nil {
		t.Error("Sign accepted a request without a URL")
	}
}

// BenchmarkSign signs a CheckoutLicense call as the licensor client makes it
// (the load generator of licensor bench makes these), with Signer and with
// the SDK's signer, each keeping its derived key.
func BenchmarkSign(b *testing.B) {
	body := []byte(`{"ProductSKU":"BENCH-1747200000000000000","CheckoutType":"PROVISIONAL",` +
		`"KeyFingerprint":"aws:123456789012:bench:issuer-fingerprint","Entitlements":[{"Name":"Seats","Unit":"Count","Value":"1"}],` +
		`"ClientToken":"b-12345","Beneficiary":"bench","NodeId":"bench-node"}`)
	r, err := http.NewRequest("POST", "http://127.0.0.1:8080/", nil)
	if err != nil {
		b.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "AWSLicenseManager.CheckoutLicense")
	ctx := context.Background()
	ours, sdk := NewSigner(), v4.NewSigner()
	signers := []struct {
		name string
		sign func() error
	}{
		{"licensor", func() error {
			return ours.Sign(ctx, r, body, testKeyID, testSecret, testRegion, testService, signTime)
		}},
		{"sdk", func() error {
			return sdkSign(sdk, r, body, testKeyID, testSecret, testRegion, testService, signTime)
		}},
	}
	for _, s := range signers {
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				// As on a new request: no X-Amz-Date or Authorization yet.
				delete(r.Header, "X-Amz-Date")
				delete(r.Header, "Authorization")
				if err := s.sign(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
