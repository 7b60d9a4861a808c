package licensor

import "context"

// Principal is who is calling: an account, through one of its access keys.
type Principal struct {
	AccountID   string
	AccessKeyID string
}

// IsRoot reports whether the principal is the operator's root account.
func (p *Principal) IsRoot() bool { return p != nil && p.AccountID == RootAccountID }

type principalKey struct{}
type requestIDKey struct{}

// NewContextWithPrincipal returns a child context carrying p.
func NewContextWithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFromContext returns the principal of the request, or nil.
func PrincipalFromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// NewContextWithRequestID returns a child context carrying the request ID.
func NewContextWithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDFromContext returns the request ID, or "".
func RequestIDFromContext(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
