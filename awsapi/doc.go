// Package awsapi serves the AWS License Manager JSON 1.1 protocol: every
// call is POST / with X-Amz-Target "AWSLicenseManager.<Operation>" (and
// "Licensor.<Operation>" for the operator's administrative API), signed
// with SigV4. It decodes the wire shapes, converts them to domain types,
// calls licensor.Service, and converts back. Wire types never leave this
// package, and errors.go is the only place that knows AWS error names.
package awsapi
