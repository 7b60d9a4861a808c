package awsapi

import (
	"context"

	"github.com/licensorhq/licensor"
)

type wireOptions struct {
	ActivationOverrideBehavior string `json:"ActivationOverrideBehavior,omitempty"`
}

type wireGrant struct {
	GrantArn            string       `json:"GrantArn"`
	GrantName           string       `json:"GrantName"`
	ParentArn           string       `json:"ParentArn"`
	LicenseArn          string       `json:"LicenseArn"`
	GranteePrincipalArn string       `json:"GranteePrincipalArn"`
	HomeRegion          string       `json:"HomeRegion"`
	GrantStatus         string       `json:"GrantStatus"`
	StatusReason        string       `json:"StatusReason,omitempty"`
	Version             string       `json:"Version"`
	GrantedOperations   []string     `json:"GrantedOperations"`
	Options             *wireOptions `json:"Options,omitempty"`
}

func opsToWire(ops []licensor.AllowedOperation) []string {
	out := make([]string, len(ops))
	for i, op := range ops {
		out[i] = string(op)
	}
	return out
}

func opsFromWire(ops []string) []licensor.AllowedOperation {
	if ops == nil {
		return nil
	}
	out := make([]licensor.AllowedOperation, len(ops))
	for i, op := range ops {
		out[i] = licensor.AllowedOperation(op)
	}
	return out
}

func grantToWire(g *licensor.Grant) wireGrant {
	w := wireGrant{
		GrantArn: g.ARN, GrantName: g.Name, ParentArn: g.ParentARN, LicenseArn: g.LicenseARN,
		GranteePrincipalArn: g.GranteePrincipalARN, HomeRegion: g.HomeRegion, GrantStatus: string(g.Status),
		StatusReason: g.StatusReason, Version: g.VersionString(), GrantedOperations: opsToWire(g.GrantedOperations),
	}
	if g.Options != nil {
		w.Options = &wireOptions{ActivationOverrideBehavior: string(g.Options.ActivationOverrideBehavior)}
	}
	return w
}

func grantsToWire(gs []*licensor.Grant) []wireGrant {
	out := make([]wireGrant, len(gs))
	for i, g := range gs {
		out[i] = grantToWire(g)
	}
	return out
}

type grantAnswer struct {
	GrantArn string `json:"GrantArn,omitempty"`
	Status   string `json:"Status,omitempty"`
	Version  string `json:"Version,omitempty"`
}

func answer(g *licensor.Grant) *grantAnswer {
	return &grantAnswer{GrantArn: g.ARN, Status: string(g.Status), Version: g.VersionString()}
}

type createGrantRequest struct {
	ClientToken       string    `json:"ClientToken"`
	GrantName         string    `json:"GrantName"`
	LicenseArn        string    `json:"LicenseArn"`
	Principals        []string  `json:"Principals"`
	HomeRegion        string    `json:"HomeRegion"`
	AllowedOperations []string  `json:"AllowedOperations"`
	Tags              []wireTag `json:"Tags"`
}

func (h *Handler) createGrant(ctx context.Context, in *createGrantRequest) (*grantAnswer, error) {
	d := licensor.CreateGrantInput{
		ClientToken: in.ClientToken, GrantName: in.GrantName, LicenseARN: in.LicenseArn, Principals: in.Principals,
		HomeRegion: in.HomeRegion, AllowedOperations: opsFromWire(in.AllowedOperations),
	}
	for _, t := range in.Tags {
		d.Tags = append(d.Tags, licensor.Tag{Key: t.Key, Value: t.Value})
	}
	g, err := h.Service.CreateGrant(ctx, d)
	if err != nil {
		return nil, err
	}
	return answer(g), nil
}

type createGrantVersionRequest struct {
	ClientToken       string       `json:"ClientToken"`
	GrantArn          string       `json:"GrantArn"`
	GrantName         string       `json:"GrantName"`
	AllowedOperations []string     `json:"AllowedOperations"`
	Status            string       `json:"Status"`
	StatusReason      string       `json:"StatusReason"`
	SourceVersion     string       `json:"SourceVersion"`
	Options           *wireOptions `json:"Options"`
}

func (h *Handler) createGrantVersion(ctx context.Context, in *createGrantVersionRequest) (*grantAnswer, error) {
	d := licensor.CreateGrantVersionInput{
		ClientToken: in.ClientToken, GrantARN: in.GrantArn, GrantName: in.GrantName,
		AllowedOperations: opsFromWire(in.AllowedOperations), Status: licensor.GrantStatus(in.Status),
		StatusReason: in.StatusReason, SourceVersion: in.SourceVersion,
	}
	if in.Options != nil {
		d.Options = &licensor.GrantOptions{ActivationOverrideBehavior: licensor.ActivationOverrideBehavior(in.Options.ActivationOverrideBehavior)}
	}
	g, err := h.Service.CreateGrantVersion(ctx, d)
	if err != nil {
		return nil, err
	}
	return answer(g), nil
}

type getGrantRequest struct {
	GrantArn string `json:"GrantArn"`
	Version  string `json:"Version"`
}

type getGrantResponse struct {
	Grant *wireGrant `json:"Grant,omitempty"`
}

func (h *Handler) getGrant(ctx context.Context, in *getGrantRequest) (*getGrantResponse, error) {
	g, err := h.Service.GetGrant(ctx, in.GrantArn, in.Version)
	if err != nil {
		return nil, err
	}
	w := grantToWire(g)
	return &getGrantResponse{Grant: &w}, nil
}

type deleteGrantRequest struct {
	GrantArn     string `json:"GrantArn"`
	StatusReason string `json:"StatusReason"`
	Version      string `json:"Version"`
}

func (h *Handler) deleteGrant(ctx context.Context, in *deleteGrantRequest) (*grantAnswer, error) {
	g, err := h.Service.DeleteGrant(ctx, in.GrantArn, in.Version, in.StatusReason)
	if err != nil {
		return nil, err
	}
	return answer(g), nil
}

type grantArnRequest struct {
	GrantArn string `json:"GrantArn"`
}

func (h *Handler) acceptGrant(ctx context.Context, in *grantArnRequest) (*grantAnswer, error) {
	g, err := h.Service.AcceptGrant(ctx, in.GrantArn)
	if err != nil {
		return nil, err
	}
	return answer(g), nil
}

func (h *Handler) rejectGrant(ctx context.Context, in *grantArnRequest) (*grantAnswer, error) {
	g, err := h.Service.RejectGrant(ctx, in.GrantArn)
	if err != nil {
		return nil, err
	}
	return answer(g), nil
}

type listGrantsRequest struct {
	GrantArns  []string     `json:"GrantArns"`
	Filters    []wireFilter `json:"Filters"`
	NextToken  string       `json:"NextToken"`
	MaxResults *int32       `json:"MaxResults"`
	LicenseArn string       `json:"LicenseArn"` // ListReceivedGrantsForOrganization only
}

type listGrantsResponse struct {
	Grants    []wireGrant `json:"Grants"`
	NextToken string      `json:"NextToken,omitempty"`
}

// grantFilter applies a list request's filters; names lists the filter
// names the operation documents.
func grantFilter(in *listGrantsRequest, names ...string) (licensor.GrantFilter, error) {
	if err := licensor.ValidateMaxResults(in.MaxResults); err != nil {
		return licensor.GrantFilter{}, err
	}
	f := licensor.GrantFilter{ARNs: in.GrantArns, Limit: int(deref(in.MaxResults))}
	for _, a := range in.GrantArns {
		if err := licensor.ValidateARN("GrantArns", a); err != nil {
			return f, err
		}
	}
	all := map[string]*[]string{
		"LicenseArn":          &f.LicenseARNs,
		"GranteePrincipalARN": &f.GranteePrincipals,
		"ProductSKU":          &f.ProductSKUs,
		"LicenseIssuerName":   &f.LicenseIssuerNames,
		"GranterAccountId":    &f.GranterAccountIDs,
	}
	strs := map[string]*[]string{}
	funcs := map[string]func([]string) error{}
	for _, n := range names {
		if n == "GrantStatus" {
			funcs[n] = func(vs []string) error {
				for _, v := range vs {
					st := licensor.GrantStatus(v)
					if !st.Valid() {
						return licensor.Errorf(licensor.EINVALID, "1 validation error detected: Filter GrantStatus value %q is not a valid GrantStatus.", v)
					}
					f.Statuses = append(f.Statuses, st)
				}
				return nil
			}
			continue
		}
		if n == "ParentArn" {
			funcs[n] = func(vs []string) error {
				if len(vs) != 1 {
					return licensor.Errorf(licensor.EINVALID, "1 validation error detected: Filter ParentArn takes one value.")
				}
				f.ParentARN = vs[0]
				return nil
			}
			continue
		}
		strs[n] = all[n]
	}
	err := applyFilters(in.Filters, strs, funcs)
	return f, err
}

func (h *Handler) listDistributedGrants(ctx context.Context, in *listGrantsRequest) (*listGrantsResponse, error) {
	f, err := grantFilter(in, "LicenseArn", "GrantStatus", "GranteePrincipalARN", "ProductSKU", "LicenseIssuerName")
	if err != nil {
		return nil, err
	}
	gs, next, err := h.Service.ListDistributedGrants(ctx, f, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &listGrantsResponse{Grants: grantsToWire(gs), NextToken: next}, nil
}

func (h *Handler) listReceivedGrants(ctx context.Context, in *listGrantsRequest) (*listGrantsResponse, error) {
	f, err := grantFilter(in, "ProductSKU", "LicenseIssuerName", "LicenseArn", "GrantStatus", "GranterAccountId")
	if err != nil {
		return nil, err
	}
	gs, next, err := h.Service.ListReceivedGrants(ctx, f, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &listGrantsResponse{Grants: grantsToWire(gs), NextToken: next}, nil
}

func (h *Handler) listReceivedGrantsForOrganization(ctx context.Context, in *listGrantsRequest) (*listGrantsResponse, error) {
	if in.LicenseArn == "" {
		return nil, licensor.Errorf(licensor.EINVALID, "1 validation error detected: LicenseArn is required.")
	}
	f, err := grantFilter(in, "ParentArn", "GranteePrincipalARN")
	if err != nil {
		return nil, err
	}
	gs, next, err := h.Service.ListReceivedGrantsForOrganization(ctx, in.LicenseArn, f, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &listGrantsResponse{Grants: grantsToWire(gs), NextToken: next}, nil
}

type wireReceivedMetadata struct {
	ReceivedStatus       string   `json:"ReceivedStatus,omitempty"`
	ReceivedStatusReason string   `json:"ReceivedStatusReason,omitempty"`
	AllowedOperations    []string `json:"AllowedOperations,omitempty"`
}

type wireGrantedLicense struct {
	wireLicense
	ReceivedMetadata *wireReceivedMetadata `json:"ReceivedMetadata,omitempty"`
}

type listReceivedLicensesRequest struct {
	LicenseArns []string     `json:"LicenseArns"`
	Filters     []wireFilter `json:"Filters"`
	NextToken   string       `json:"NextToken"`
	MaxResults  *int32       `json:"MaxResults"`
}

type listReceivedLicensesResponse struct {
	Licenses  []wireGrantedLicense `json:"Licenses"`
	NextToken string               `json:"NextToken,omitempty"`
}

func receivedFilter(in *listReceivedLicensesRequest, names ...string) (licensor.ReceivedLicenseFilter, error) {
	if err := licensor.ValidateMaxResults(in.MaxResults); err != nil {
		return licensor.ReceivedLicenseFilter{}, err
	}
	f := licensor.ReceivedLicenseFilter{ARNs: in.LicenseArns, Limit: int(deref(in.MaxResults))}
	for _, a := range in.LicenseArns {
		if err := licensor.ValidateARN("LicenseArns", a); err != nil {
			return f, err
		}
	}
	all := map[string]*[]string{
		"ProductSKU": &f.ProductSKUs, "Fingerprint": &f.Fingerprints, "IssuerName": &f.IssuerNames, "Beneficiary": &f.Beneficiaries,
	}
	strs := map[string]*[]string{}
	funcs := map[string]func([]string) error{}
	for _, n := range names {
		if n == "Status" {
			funcs[n] = func(vs []string) error {
				for _, v := range vs {
					st := licensor.LicenseStatus(v)
					if !st.Valid() {
						return licensor.Errorf(licensor.EINVALID, "1 validation error detected: Filter Status value %q is not a valid LicenseStatus.", v)
					}
					f.Statuses = append(f.Statuses, st)
				}
				return nil
			}
			continue
		}
		strs[n] = all[n]
	}
	return f, applyFilters(in.Filters, strs, funcs)
}

func grantedLicensesToWire(ls []*licensor.GrantedLicense) []wireGrantedLicense {
	out := make([]wireGrantedLicense, len(ls))
	for i, l := range ls {
		out[i] = wireGrantedLicense{wireLicense: licenseToWire(&l.License), ReceivedMetadata: &wireReceivedMetadata{
			ReceivedStatus: string(l.Received.ReceivedStatus), ReceivedStatusReason: l.Received.ReceivedStatusReason,
			AllowedOperations: opsToWire(l.Received.AllowedOperations),
		}}
	}
	return out
}

func (h *Handler) listReceivedLicenses(ctx context.Context, in *listReceivedLicensesRequest) (*listReceivedLicensesResponse, error) {
	f, err := receivedFilter(in, "ProductSKU", "Status", "Fingerprint", "IssuerName", "Beneficiary")
	if err != nil {
		return nil, err
	}
	ls, next, err := h.Service.ListReceivedLicenses(ctx, f, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &listReceivedLicensesResponse{Licenses: grantedLicensesToWire(ls), NextToken: next}, nil
}

func (h *Handler) listReceivedLicensesForOrganization(ctx context.Context, in *listReceivedLicensesRequest) (*listReceivedLicensesResponse, error) {
	f, err := receivedFilter(in, "Beneficiary", "ProductSKU")
	if err != nil {
		return nil, err
	}
	ls, next, err := h.Service.ListReceivedLicensesForOrganization(ctx, f, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &listReceivedLicensesResponse{Licenses: grantedLicensesToWire(ls), NextToken: next}, nil
}
