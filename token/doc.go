// Package token is licensor's signed-token format: a compact JWS (RFC 7515)
// carrying JWT claims (RFC 7519) about one checkout, signed with EdDSA
// (Ed25519), ES256 (ECDSA P-256) or PS384 (RSASSA-PSS with SHA-384, the
// algorithm AWS uses for borrow tokens), and the JWKS (RFC 7517) that
// publishes the public keys.
//
// Sign takes any crypto.Signer, so keys held by an HSM or a KMS sign without
// their bytes leaving it. Verifier checks tokens offline against pinned
// public keys; it is what vendors' software links, so this package depends
// on the standard library and go-jose only.
//
// Verification is done here, on the standard library, rather than through
// go-jose: it lets every failure map to its own sentinel error, pins each
// key to exactly one algorithm (no algorithm confusion), decodes base64url
// strictly so that no two encodings of a token both verify, requires a
// PSS salt as long as the hash (RFC 7518 §3.5), and does no JOSE parsing of
// keys per call. go-jose builds the tokens and parses JWKs.
package token
