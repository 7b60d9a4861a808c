// Package awskms is the seam for keys held by AWS KMS, named
// awskms:key-id=<key id, ARN or alias>. It is built only with -tags awskms;
// without it, Open returns a "compiled without awskms support" error.
//
// The package does not import the AWS SDK: it signs through Client, the two
// KMS calls it needs, which cmd/licensor (keys_awskms.go) implements with
// the SDK. Other cloud KMSs fit the same shape.
package awskms

// Scheme is the URI scheme of AWS KMS keys.
const Scheme = "awskms"
