// Package keys turns key references into signers. A key is named by a URI
// whose scheme picks the provider: db:<id> for keys licensor generated and
// keeps sealed in its store (keys/dbkey), file:///path.pem for PEM files
// (keys/filekey), pkcs11:token=…;object=… for hardware security modules
// (keys/pkcs11, built with -tags pkcs11 and cgo), awskms:key-id=… for a
// cloud KMS (keys/awskms, built with -tags awskms).
//
// Every provider hands out crypto.Signer values, so private key bytes never
// leave it, and the caller builds the map of providers: there is no
// registry and no global state.
package keys
