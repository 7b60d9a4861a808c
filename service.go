package licensor

// Service is the whole API of the server, as the transports (awsapi, web,
// client) see it. Implementations read the caller from the context
// (PrincipalFromContext) and enforce every authorization rule.
type Service interface {
	AccountService
	LicenseService
	CheckoutService
	GrantService
	OrganizationService
	KeyService
}
