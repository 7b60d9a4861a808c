package awsapi

import (
	"context"

	"github.com/licensorhq/licensor"
)

type wireEntitlementData struct {
	Name  string  `json:"Name"`
	Value *string `json:"Value,omitempty"`
	Unit  string  `json:"Unit"`
}

func entitlementDataFromWire(ws []wireEntitlementData) []licensor.EntitlementData {
	out := make([]licensor.EntitlementData, len(ws))
	for i, e := range ws {
		out[i] = licensor.EntitlementData{Name: e.Name, Value: e.Value, Unit: licensor.Unit(e.Unit)}
	}
	return out
}

func entitlementDataToWire(es []licensor.EntitlementData) []wireEntitlementData {
	out := make([]wireEntitlementData, len(es))
	for i, e := range es {
		out[i] = wireEntitlementData{Name: e.Name, Value: e.Value, Unit: string(e.Unit)}
	}
	return out
}

type checkoutLicenseRequest struct {
	ProductSKU     string                `json:"ProductSKU"`
	CheckoutType   string                `json:"CheckoutType"`
	KeyFingerprint string                `json:"KeyFingerprint"`
	Entitlements   []wireEntitlementData `json:"Entitlements"`
	ClientToken    string                `json:"ClientToken"`
	Beneficiary    string                `json:"Beneficiary"`
	NodeId         string                `json:"NodeId"`
}

type checkoutLicenseResponse struct {
	CheckoutType            string                `json:"CheckoutType,omitempty"`
	LicenseConsumptionToken string                `json:"LicenseConsumptionToken,omitempty"`
	EntitlementsAllowed     []wireEntitlementData `json:"EntitlementsAllowed,omitempty"`
	SignedToken             string                `json:"SignedToken,omitempty"`
	NodeId                  string                `json:"NodeId,omitempty"`
	IssuedAt                string                `json:"IssuedAt,omitempty"`
	Expiration              string                `json:"Expiration,omitempty"`
	LicenseArn              string                `json:"LicenseArn,omitempty"`
}

func (h *Handler) checkoutLicense(ctx context.Context, in *checkoutLicenseRequest) (*checkoutLicenseResponse, error) {
	res, err := h.Service.CheckoutLicense(ctx, licensor.CheckoutInput{
		ProductSKU:     in.ProductSKU,
		CheckoutType:   licensor.CheckoutType(in.CheckoutType),
		KeyFingerprint: in.KeyFingerprint,
		Entitlements:   entitlementDataFromWire(in.Entitlements),
		ClientToken:    in.ClientToken,
		Beneficiary:    in.Beneficiary,
		NodeID:         in.NodeId,
	})
	if err != nil {
		return nil, err
	}
	return &checkoutLicenseResponse{
		CheckoutType:            string(res.CheckoutType),
		LicenseConsumptionToken: res.ConsumptionToken,
		EntitlementsAllowed:     entitlementDataToWire(res.EntitlementsAllowed),
		SignedToken:             res.SignedToken,
		NodeId:                  res.NodeID,
		IssuedAt:                licensor.FormatTime(res.IssuedAt),
		Expiration:              licensor.FormatTime(res.Expiration),
		LicenseArn:              res.LicenseARN,
	}, nil
}

type checkInLicenseRequest struct {
	LicenseConsumptionToken string `json:"LicenseConsumptionToken"`
	Beneficiary             string `json:"Beneficiary"`
}

func (h *Handler) checkInLicense(ctx context.Context, in *checkInLicenseRequest) (*emptyResponse, error) {
	if err := h.Service.CheckInLicense(ctx, in.LicenseConsumptionToken, in.Beneficiary); err != nil {
		return nil, err
	}
	return &emptyResponse{}, nil
}

type extendLicenseConsumptionRequest struct {
	LicenseConsumptionToken string `json:"LicenseConsumptionToken"`
	DryRun                  bool   `json:"DryRun"`
}

type extendLicenseConsumptionResponse struct {
	LicenseConsumptionToken string `json:"LicenseConsumptionToken,omitempty"`
	Expiration              string `json:"Expiration,omitempty"`
}

func (h *Handler) extendLicenseConsumption(ctx context.Context, in *extendLicenseConsumptionRequest) (*extendLicenseConsumptionResponse, error) {
	res, err := h.Service.ExtendLicenseConsumption(ctx, in.LicenseConsumptionToken, in.DryRun)
	if err != nil {
		return nil, err
	}
	return &extendLicenseConsumptionResponse{LicenseConsumptionToken: res.ConsumptionToken, Expiration: licensor.FormatTime(res.Expiration)}, nil
}

type getLicenseUsageRequest struct {
	LicenseArn string `json:"LicenseArn"`
}

type wireEntitlementUsage struct {
	Name          string  `json:"Name"`
	ConsumedValue string  `json:"ConsumedValue"`
	MaxCount      *string `json:"MaxCount,omitempty"`
	Unit          string  `json:"Unit"`
}

type getLicenseUsageResponse struct {
	LicenseUsage struct {
		EntitlementUsages []wireEntitlementUsage `json:"EntitlementUsages"`
	} `json:"LicenseUsage"`
}

func (h *Handler) getLicenseUsage(ctx context.Context, in *getLicenseUsageRequest) (*getLicenseUsageResponse, error) {
	u, err := h.Service.GetLicenseUsage(ctx, in.LicenseArn)
	if err != nil {
		return nil, err
	}
	out := &getLicenseUsageResponse{}
	out.LicenseUsage.EntitlementUsages = make([]wireEntitlementUsage, len(u.EntitlementUsages))
	for i, e := range u.EntitlementUsages {
		out.LicenseUsage.EntitlementUsages[i] = wireEntitlementUsage{Name: e.Name, ConsumedValue: e.ConsumedValue, MaxCount: e.MaxCount, Unit: string(e.Unit)}
	}
	return out, nil
}

type checkoutBorrowLicenseRequest struct {
	LicenseArn             string                `json:"LicenseArn"`
	Entitlements           []wireEntitlementData `json:"Entitlements"`
	DigitalSignatureMethod string                `json:"DigitalSignatureMethod"`
	NodeId                 string                `json:"NodeId"`
	CheckoutMetadata       []wireMetadata        `json:"CheckoutMetadata"`
	ClientToken            string                `json:"ClientToken"`
}

type checkoutBorrowLicenseResponse struct {
	LicenseArn              string                `json:"LicenseArn,omitempty"`
	LicenseConsumptionToken string                `json:"LicenseConsumptionToken,omitempty"`
	EntitlementsAllowed     []wireEntitlementData `json:"EntitlementsAllowed,omitempty"`
	NodeId                  string                `json:"NodeId,omitempty"`
	SignedToken             string                `json:"SignedToken,omitempty"`
	IssuedAt                string                `json:"IssuedAt,omitempty"`
	Expiration              string                `json:"Expiration,omitempty"`
	CheckoutMetadata        []wireMetadata        `json:"CheckoutMetadata,omitempty"`
}

func (h *Handler) checkoutBorrowLicense(ctx context.Context, in *checkoutBorrowLicenseRequest) (*checkoutBorrowLicenseResponse, error) {
	md := make([]licensor.Metadata, len(in.CheckoutMetadata))
	for i, m := range in.CheckoutMetadata {
		md[i] = licensor.Metadata{Name: m.Name, Value: m.Value}
	}
	res, err := h.Service.CheckoutBorrowLicense(ctx, licensor.BorrowInput{
		LicenseARN:             in.LicenseArn,
		Entitlements:           entitlementDataFromWire(in.Entitlements),
		DigitalSignatureMethod: in.DigitalSignatureMethod,
		NodeID:                 in.NodeId,
		CheckoutMetadata:       md,
		ClientToken:            in.ClientToken,
	})
	if err != nil {
		return nil, err
	}
	out := &checkoutBorrowLicenseResponse{
		LicenseArn:              res.LicenseARN,
		LicenseConsumptionToken: res.ConsumptionToken,
		EntitlementsAllowed:     entitlementDataToWire(res.EntitlementsAllowed),
		NodeId:                  res.NodeID,
		SignedToken:             res.SignedToken,
		IssuedAt:                licensor.FormatTime(res.IssuedAt),
		Expiration:              licensor.FormatTime(res.Expiration),
	}
	for _, m := range res.CheckoutMetadata {
		out.CheckoutMetadata = append(out.CheckoutMetadata, wireMetadata{Name: m.Name, Value: m.Value})
	}
	return out, nil
}
