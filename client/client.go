// Package client calls a licensor server over its wire protocol (AWS JSON
// 1.1, SigV4-signed). It is what the licensor CLI uses, and the seed of the
// native SDK for vendors' software; it depends only on the standard library
// and licensor's own light packages.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/licensorhq/licensor/sigv4"
)

// Client calls one licensor endpoint with one set of credentials.
type Client struct {
	Endpoint        string // e.g. http://127.0.0.1:8080
	Region          string
	AccessKeyID     string
	SecretAccessKey string
	HTTP            *http.Client
	Now             func() time.Time

	signerOnce sync.Once
	signer     *sigv4.Signer
}

// Error is an error answered by the server, in AWS's shape.
type Error struct {
	Status  int
	Type    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Type, e.Message) }

// Call invokes target (e.g. "Licensor.CreateAccount") with in as the JSON
// body and decodes the answer into out (which may be nil).
func (c *Client) Call(ctx context.Context, target string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.Endpoint, "/")+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", target)
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	c.signerOnce.Do(func() { c.signer = sigv4.NewSigner() })
	if err := c.signer.Sign(ctx, req, body, c.AccessKeyID, c.SecretAccessKey, c.Region, "license-manager", now()); err != nil {
		return err
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		json.Unmarshal(data, &e)
		if e.Type == "" {
			e.Type = resp.Header.Get("X-Amzn-ErrorType")
		}
		if e.Type == "" {
			e.Type, e.Message = "HTTP", strings.TrimSpace(string(data))
		}
		return &Error{Status: resp.StatusCode, Type: e.Type, Message: e.Message}
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}
