package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Sign signs r for service in region with the AWS SDK's SigV4 signer, as of
// now, and sets body as r's body (Body, GetBody and ContentLength), so that
// the signed payload hash and the sent body cannot disagree. It sets the
// X-Amz-Date and Authorization headers of r; the headers it signs are those
// the SDK signs: host, content-length when body is not empty, and every
// header of r except Authorization, User-Agent, X-Amzn-Trace-Id, Expect and
// Transfer-Encoding.
func Sign(ctx context.Context, r *http.Request, body []byte, accessKeyID, secret, region, service string, now time.Time) error {
	return NewSigner().Sign(ctx, r, body, accessKeyID, secret, region, service, now)
}

// Signer signs requests like Sign and keeps the derived signing keys
// between calls (one per credential, day, region and service), so a client
// making many calls does not derive the key each time. Safe for concurrent
// use.
type Signer struct {
	s *v4.Signer
}

// NewSigner returns a Signer.
func NewSigner() *Signer { return &Signer{s: v4.NewSigner()} }

// Sign signs r as the package-level Sign does.
func (sg *Signer) Sign(ctx context.Context, r *http.Request, body []byte, accessKeyID, secret, region, service string, now time.Time) error {
	r.ContentLength = int64(len(body))
	if len(body) == 0 {
		r.Body, r.GetBody = http.NoBody, func() (io.ReadCloser, error) { return http.NoBody, nil }
	} else {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: accessKeyID, SecretAccessKey: secret}
	return sg.s.SignHTTP(ctx, creds, r, hex.EncodeToString(sum[:]), service, region, now)
}
