package awsapi

import (
	"context"

	"github.com/licensorhq/licensor"
)

// The operator's administrative API (X-Amz-Target "Licensor.<Operation>").
// It follows the same JSON 1.1 conventions as the AWS operations.

type wireAccount struct {
	AccountId string `json:"AccountId"`
	Name      string `json:"Name"`
	CreatedAt string `json:"CreatedAt"`
}

type wireAccessKey struct {
	AccessKeyId     string `json:"AccessKeyId"`
	AccountId       string `json:"AccountId"`
	Status          string `json:"Status"`
	CreatedAt       string `json:"CreatedAt"`
	SecretAccessKey string `json:"SecretAccessKey,omitempty"`
}

func accessKeyToWire(k *licensor.AccessKey) wireAccessKey {
	return wireAccessKey{AccessKeyId: k.ID, AccountId: k.AccountID, Status: string(k.Status), CreatedAt: licensor.FormatTime(k.CreatedAt), SecretAccessKey: k.SecretAccessKey}
}

type createAccountRequest struct {
	Name string `json:"Name"`
}

type createAccountResponse struct {
	AccountId       string `json:"AccountId"`
	Name            string `json:"Name"`
	AccessKeyId     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
}

func (h *Handler) createAccount(ctx context.Context, in *createAccountRequest) (*createAccountResponse, error) {
	a, k, err := h.Service.CreateAccount(ctx, in.Name)
	if err != nil {
		return nil, err
	}
	return &createAccountResponse{AccountId: a.ID, Name: a.Name, AccessKeyId: k.ID, SecretAccessKey: k.SecretAccessKey}, nil
}

type listAccountsRequest struct {
	NextToken  string `json:"NextToken"`
	MaxResults *int32 `json:"MaxResults"`
}

type listAccountsResponse struct {
	Accounts  []wireAccount `json:"Accounts"`
	NextToken string        `json:"NextToken,omitempty"`
}

func (h *Handler) listAccounts(ctx context.Context, in *listAccountsRequest) (*listAccountsResponse, error) {
	if err := licensor.ValidateMaxResults(in.MaxResults); err != nil {
		return nil, err
	}
	accts, next, err := h.Service.ListAccounts(ctx, licensor.AccountFilter{After: in.NextToken, Limit: int(deref(in.MaxResults))})
	if err != nil {
		return nil, err
	}
	out := &listAccountsResponse{Accounts: make([]wireAccount, len(accts)), NextToken: next}
	for i, a := range accts {
		out.Accounts[i] = wireAccount{AccountId: a.ID, Name: a.Name, CreatedAt: licensor.FormatTime(a.CreatedAt)}
	}
	return out, nil
}

type accountIDRequest struct {
	AccountId string `json:"AccountId"`
}

type accessKeyResponse struct {
	AccessKey wireAccessKey `json:"AccessKey"`
}

func (h *Handler) createAccessKey(ctx context.Context, in *accountIDRequest) (*accessKeyResponse, error) {
	k, err := h.Service.CreateAccessKey(ctx, in.AccountId)
	if err != nil {
		return nil, err
	}
	return &accessKeyResponse{AccessKey: accessKeyToWire(k)}, nil
}

type listAccessKeysResponse struct {
	AccessKeys []wireAccessKey `json:"AccessKeys"`
}

func (h *Handler) listAccessKeys(ctx context.Context, in *accountIDRequest) (*listAccessKeysResponse, error) {
	keys, err := h.Service.ListAccessKeys(ctx, in.AccountId)
	if err != nil {
		return nil, err
	}
	out := &listAccessKeysResponse{AccessKeys: make([]wireAccessKey, len(keys))}
	for i, k := range keys {
		k.SecretAccessKey = "" // never twice
		out.AccessKeys[i] = accessKeyToWire(k)
	}
	return out, nil
}

type updateAccessKeyRequest struct {
	AccessKeyId string `json:"AccessKeyId"`
	Status      string `json:"Status"`
}

func (h *Handler) updateAccessKey(ctx context.Context, in *updateAccessKeyRequest) (*accessKeyResponse, error) {
	k, err := h.Service.UpdateAccessKey(ctx, in.AccessKeyId, licensor.AccessKeyStatus(in.Status))
	if err != nil {
		return nil, err
	}
	return &accessKeyResponse{AccessKey: accessKeyToWire(k)}, nil
}

type deleteAccessKeyRequest struct {
	AccessKeyId string `json:"AccessKeyId"`
}

type emptyResponse struct{}

func (h *Handler) deleteAccessKey(ctx context.Context, in *deleteAccessKeyRequest) (*emptyResponse, error) {
	if err := h.Service.DeleteAccessKey(ctx, in.AccessKeyId); err != nil {
		return nil, err
	}
	return &emptyResponse{}, nil
}
