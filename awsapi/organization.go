package awsapi

import (
	"context"

	"github.com/licensorhq/licensor"
)

// The administrative organization operations (X-Amz-Target
// "Licensor.<Operation>"), open to root and to management accounts.

type wireOrganization struct {
	OrganizationId      string   `json:"OrganizationId"`
	Name                string   `json:"Name"`
	ManagementAccountId string   `json:"ManagementAccountId"`
	PrincipalArn        string   `json:"PrincipalArn"`
	CreatedAt           string   `json:"CreatedAt"`
	Members             []string `json:"Members,omitempty"`
}

func orgToWire(o *licensor.Organization, members []string) wireOrganization {
	return wireOrganization{OrganizationId: o.ID, Name: o.Name, ManagementAccountId: o.ManagementAccountID,
		PrincipalArn: o.Principal(), CreatedAt: licensor.FormatTime(o.CreatedAt), Members: members}
}

type createOrganizationRequest struct {
	ManagementAccountId string `json:"ManagementAccountId"`
	Name                string `json:"Name"`
}

type organizationResponse struct {
	Organization wireOrganization `json:"Organization"`
}

func (h *Handler) createOrganization(ctx context.Context, in *createOrganizationRequest) (*organizationResponse, error) {
	o, err := h.Service.CreateOrganization(ctx, in.ManagementAccountId, in.Name)
	if err != nil {
		return nil, err
	}
	return &organizationResponse{Organization: orgToWire(o, []string{o.ManagementAccountID})}, nil
}

type organizationMemberRequest struct {
	OrganizationId string `json:"OrganizationId"`
	AccountId      string `json:"AccountId"`
}

func (h *Handler) addOrganizationMember(ctx context.Context, in *organizationMemberRequest) (*emptyResponse, error) {
	if err := h.Service.AddOrganizationMember(ctx, in.OrganizationId, in.AccountId); err != nil {
		return nil, err
	}
	return &emptyResponse{}, nil
}

func (h *Handler) removeOrganizationMember(ctx context.Context, in *organizationMemberRequest) (*emptyResponse, error) {
	if err := h.Service.RemoveOrganizationMember(ctx, in.OrganizationId, in.AccountId); err != nil {
		return nil, err
	}
	return &emptyResponse{}, nil
}

type describeOrganizationRequest struct {
	OrganizationId string `json:"OrganizationId"`
}

func (h *Handler) describeOrganization(ctx context.Context, in *describeOrganizationRequest) (*organizationResponse, error) {
	o, members, err := h.Service.DescribeOrganization(ctx, in.OrganizationId)
	if err != nil {
		return nil, err
	}
	return &organizationResponse{Organization: orgToWire(o, members)}, nil
}

type listOrganizationsResponse struct {
	Organizations []wireOrganization `json:"Organizations"`
}

func (h *Handler) listOrganizations(ctx context.Context, _ *emptyResponse) (*listOrganizationsResponse, error) {
	os, err := h.Service.ListOrganizations(ctx)
	if err != nil {
		return nil, err
	}
	out := &listOrganizationsResponse{Organizations: make([]wireOrganization, len(os))}
	for i, o := range os {
		out.Organizations[i] = orgToWire(o, nil)
	}
	return out, nil
}
