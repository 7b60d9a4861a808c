package awsapi

import (
	"context"
	"crypto/x509"
	"encoding/pem"

	"github.com/licensorhq/licensor"
	"github.com/licensorhq/licensor/token"
)

// Issuer keys (X-Amz-Target "Licensor.<Operation>"): a seller manages its
// own keys; root may name any account. Only public halves are answered.

type wireKey struct {
	KeyId        string `json:"KeyId"`
	AccountId    string `json:"AccountId"`
	Algorithm    string `json:"Algorithm"`
	KeyUri       string `json:"KeyUri"`
	Status       string `json:"Status"`
	PublicKeyPem string `json:"PublicKeyPem"`
	Thumbprint   string `json:"Thumbprint,omitempty"`
	CreatedAt    string `json:"CreatedAt"`
	UpdatedAt    string `json:"UpdatedAt"`
}

func keyToWire(k *licensor.IssuerKey) wireKey {
	w := wireKey{
		KeyId: k.ID, AccountId: k.AccountID, Algorithm: k.Algorithm, KeyUri: k.URI, Status: string(k.Status),
		PublicKeyPem: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: k.PublicKey})),
		CreatedAt:    licensor.FormatTime(k.CreatedAt), UpdatedAt: licensor.FormatTime(k.UpdatedAt),
	}
	if pub, err := x509.ParsePKIXPublicKey(k.PublicKey); err == nil {
		w.Thumbprint, _ = token.Thumbprint(pub)
	}
	return w
}

type createKeyRequest struct {
	AccountId string `json:"AccountId"`
	Algorithm string `json:"Algorithm"`
	KeyUri    string `json:"KeyUri"`
	Provider  string `json:"Provider"`
}

type keyResponse struct {
	Key wireKey `json:"Key"`
}

func (in *createKeyRequest) input() licensor.CreateKeyInput {
	return licensor.CreateKeyInput{AccountID: in.AccountId, Algorithm: in.Algorithm, URI: in.KeyUri, Provider: in.Provider}
}

func (h *Handler) createKey(ctx context.Context, in *createKeyRequest) (*keyResponse, error) {
	k, err := h.Service.CreateKey(ctx, in.input())
	if err != nil {
		return nil, err
	}
	return &keyResponse{Key: keyToWire(k)}, nil
}

func (h *Handler) rotateKey(ctx context.Context, in *createKeyRequest) (*keyResponse, error) {
	k, err := h.Service.RotateKey(ctx, in.input())
	if err != nil {
		return nil, err
	}
	return &keyResponse{Key: keyToWire(k)}, nil
}

type listKeysResponse struct {
	Keys []wireKey `json:"Keys"`
}

func (h *Handler) listKeys(ctx context.Context, in *accountIDRequest) (*listKeysResponse, error) {
	ks, err := h.Service.ListKeys(ctx, in.AccountId)
	if err != nil {
		return nil, err
	}
	out := &listKeysResponse{Keys: make([]wireKey, len(ks))}
	for i, k := range ks {
		out.Keys[i] = keyToWire(k)
	}
	return out, nil
}

type keyIDRequest struct {
	KeyId string `json:"KeyId"`
}

func (h *Handler) disableKey(ctx context.Context, in *keyIDRequest) (*keyResponse, error) {
	k, err := h.Service.DisableKey(ctx, in.KeyId)
	if err != nil {
		return nil, err
	}
	return &keyResponse{Key: keyToWire(k)}, nil
}
