// Package sigv4 verifies AWS Signature Version 4 (SigV4) signed HTTP requests
// on the server side, and signs requests on the client side.
//
// A Verifier checks the Authorization header of a request to one service in
// one region: its syntax, the credential scope (date, region, service,
// terminator), the request time against an injectable clock, and finally the
// signature, which it recomputes from the secret returned by a
// CredentialsFunc. Failures are *Error values whose Kind maps to the AWS
// error shape (the JSON "__type") and HTTP status an AWS JSON 1.1 service
// answers with; the awsapi package puts them on the wire.
//
// The package depends on the standard library only. The AWS SDK for Go v2
// signer (github.com/aws/aws-sdk-go-v2/aws/signer/v4) and client are used in
// its tests alone, as independent oracles for both the verifier and the
// signer.
//
// # Why the canonical request is computed here, not by the SDK signer
//
// The verifier builds the canonical request itself, from the header names the
// client listed in SignedHeaders. Re-signing a copy of the request with the
// SDK signer cannot verify what other clients send:
//
//   - the SDK chooses the headers it signs: it always signs host and
//     X-Amz-Date, signs Content-Length exactly when ContentLength > 0, and never
//     signs Authorization, User-Agent, X-Amzn-Trace-Id, Expect or
//     Transfer-Encoding, whereas a verifier must use exactly the client's
//     list, which may name any header (awscli signs
//     "content-type;host;x-amz-date;x-amz-target", no content-length); when
//     the lists differ the SDK's signature can only mismatch;
//   - the SDK overwrites X-Amz-Date, so the Date-header form of SigV4 (a
//     signed "date" header and no X-Amz-Date) cannot be reproduced;
//   - the SDK double-encodes the path and does not remove dot segments,
//     while botocore removes them and AWS's published test suite encodes the
//     decoded path once: a server has to accept each of these forms.
//
// The SigV4 canonical request is fully specified, so computing it here is
// short and exact; it is tested against AWS's published test-suite vectors,
// against requests signed by the SDK signer and by the licensemanager client,
// and against the Debian awscli (botocore) when it is installed.
//
// The canonical URI is tried in up to three forms (the escaped wire path
// encoded once more, the same after removing dot and empty segments, and
// the decoded path with those segments removed, encoded once); for JSON
// protocols the path is "/" and the three coincide, so one signature is
// computed. Header values are trimmed and runs of spaces collapsed; when a
// signed value contains other white space (a tab), botocore's rule of
// collapsing all white space is tried as well.
//
// # Signing
//
// Sign and Signer, the client side, build the canonical request with the
// verifier's code (URI and query encoding, header-value trimming, the
// string to sign and its HMAC) and choose the headers to sign, the path
// form and the canonical query by the SDK signer's rules, so that a
// signature is byte for byte the SDK's: the tests sign thousands of varied
// requests with both and compare, and check that Verify accepts what Sign
// produces. A Signer caches its derived keys in a KeyCache; signing a
// request allocates the X-Amz-Date and Authorization values and the body
// reader, and builds the rest in stack buffers.
//
// Derived signing keys may be cached in a KeyCache, which is bounded,
// concurrency-safe and injected through Verifier.Keys; the package has no
// global mutable state. With a cached key, verifying a request does not
// allocate: the final HMAC is computed on stack buffers (checked against
// crypto/hmac in the tests) and signatures are compared with hmac.Equal.
//
// The host header is always signed, so a reverse proxy in front of the
// server must pass Host through unchanged.
//
// Not supported yet: presigned (query-string) requests, which are rejected
// as IncompleteSignature, and temporary credentials: a request carrying
// X-Amz-Security-Token is rejected as UnrecognizedClient (see the extension
// point in Verifier.Verify).
package sigv4
