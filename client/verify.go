package client

import (
	"fmt"
	"io"
	"os"

	"github.com/licensorhq/licensor/token"
)

// Offline verification of checkout tokens. The names below are those of
// package token, re-exported so that vendors' software need import only
// this package; see NewVerifier.
type (
	// Verifier checks tokens against pinned keys; see token.Verifier.
	Verifier = token.Verifier
	// VerifyOptions are the expectations a token is held to, including
	// the optional Thumbprints pin; see token.VerifyOptions.
	VerifyOptions = token.VerifyOptions
	// Claims is what a verified token asserts; see token.Claims.
	Claims = token.Claims
	// Entitlement is one entitlement a token allows.
	Entitlement = token.Entitlement
)

// The errors Verifier.Verify wraps, one per cause; test with errors.Is.
var (
	ErrMalformed            = token.ErrMalformed
	ErrUnsupportedAlgorithm = token.ErrUnsupportedAlgorithm
	ErrUnknownKey           = token.ErrUnknownKey
	ErrBadSignature         = token.ErrBadSignature
	ErrExpired              = token.ErrExpired
	ErrNotYetValid          = token.ErrNotYetValid
	ErrWrongIssuer          = token.ErrWrongIssuer
	ErrWrongNode            = token.ErrWrongNode
	ErrWrongAudience        = token.ErrWrongAudience
)

// NewVerifier returns a Verifier for the keys of a JWKS document, for
// vendors' software to check checkout tokens offline. Pin the issuer's
// JWKS (shipped with the product, or fetched once and stored), build one
// Verifier, and check each token a checkout returns:
//
//	v, err := client.NewVerifierFromFile("issuer-jwks.json", client.VerifyOptions{
//		Issuer:      "aws:111122223333:Example Vendor:issuer-fingerprint",
//		NodeID:      nodeID,                 // when tokens are node-locked
//		Thumbprints: []string{"NzbLsXh8…"}, // optional: trust only these keys
//	})
//	…
//	claims, err := v.Verify(tok)
//	if errors.Is(err, client.ErrExpired) { … check out again … }
//
// It
// fails if the document is not a JWKS, carries private key material, holds
// a key of a kind licensor does not sign with, or, when opts.Thumbprints is
// set, holds no key with a pinned thumbprint; opts.Issuer is required.
func NewVerifier(jwks []byte, opts VerifyOptions) (*Verifier, error) {
	return token.NewVerifierFromJWKS(jwks, opts)
}

// maxJWKSFile bounds what NewVerifierFromFile reads; a JWKS of a few keys
// is a few kilobytes.
const maxJWKSFile = 1 << 20

// NewVerifierFromFile is NewVerifier for a JWKS file.
func NewVerifierFromFile(path string, opts VerifyOptions) (*Verifier, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read jwks: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxJWKSFile+1))
	if err != nil {
		return nil, fmt.Errorf("read jwks %s: %w", path, err)
	}
	if len(data) > maxJWKSFile {
		return nil, fmt.Errorf("read jwks %s: larger than %d bytes", path, maxJWKSFile)
	}
	v, err := NewVerifier(data, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}
