// Package licensor is the domain of the licensor license server: the types a
// vendor and its customers deal in (accounts, licenses, entitlements, grants,
// checkouts), their validation rules, the error codes that stay stable on the
// wire, and the interfaces (Service, Store) that the implementations in the
// subpackages satisfy.
//
// The package imports only the standard library. AWS wire names live in
// awsapi, SQL in store/..., business rules in service.
package licensor
