// Package token is licensor's signed-token format: a compact JWS (RFC 7515)
// carrying JWT claims (RFC 7519) about one checkout, signed with EdDSA
// (Ed25519), ES256 (ECDSA P-256) or PS384 (RSASSA-PSS with SHA-384, the
// algorithm AWS uses for borrow tokens), and the JWKS (RFC 7517) that
// publishes the public keys.
//
// Signer takes any crypto.Signer, so keys held by an HSM or a KMS sign
// without their bytes leaving it; it encodes the header once and the
// claims without reflection, as signing is on the checkout path. Verifier
// checks tokens offline against pinned public keys, optionally pinned by
// RFC 7638 thumbprint and bound to a seller account.
//
// The package implements JOSE itself, on the standard library alone,
// because it is what vendors' software links and should be light, and
// because doing so lets every verification failure map to its own
// sentinel error, pins each key to exactly one algorithm (no algorithm
// confusion), decodes base64url strictly so that no two encodings of a
// token both verify, requires a PSS salt as long as the hash (RFC 7518
// §3.5), and refuses key sets that carry private keys. The tests use
// go-jose as an independent implementation to cross-check signing, JWKS
// and thumbprints in both directions.
package token
