package awsapi

import (
	"context"

	"github.com/licensorhq/licensor"
)

// Wire shapes of the license operations, named and typed as in the model.

type wireIssuer struct {
	Name    string `json:"Name,omitempty"`
	SignKey string `json:"SignKey,omitempty"`
}

type wireIssuerDetails struct {
	Name           string `json:"Name,omitempty"`
	SignKey        string `json:"SignKey,omitempty"`
	KeyFingerprint string `json:"KeyFingerprint,omitempty"`
}

type wireDatetimeRange struct {
	Begin string `json:"Begin,omitempty"`
	End   string `json:"End,omitempty"`
}

type wireEntitlement struct {
	Name         string  `json:"Name"`
	Value        *string `json:"Value,omitempty"`
	MaxCount     *int64  `json:"MaxCount,omitempty"`
	Overage      *bool   `json:"Overage,omitempty"`
	Unit         string  `json:"Unit"`
	AllowCheckIn *bool   `json:"AllowCheckIn,omitempty"`
}

type wireProvisionalConfiguration struct {
	MaxTimeToLiveInMinutes *int32 `json:"MaxTimeToLiveInMinutes,omitempty"`
}

type wireBorrowConfiguration struct {
	AllowEarlyCheckIn      *bool  `json:"AllowEarlyCheckIn,omitempty"`
	MaxTimeToLiveInMinutes *int32 `json:"MaxTimeToLiveInMinutes,omitempty"`
}

type wireConsumptionConfiguration struct {
	RenewType                string                        `json:"RenewType,omitempty"`
	ProvisionalConfiguration *wireProvisionalConfiguration `json:"ProvisionalConfiguration,omitempty"`
	BorrowConfiguration      *wireBorrowConfiguration      `json:"BorrowConfiguration,omitempty"`
}

type wireMetadata struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

type wireTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type wireLicense struct {
	LicenseArn               string                        `json:"LicenseArn,omitempty"`
	LicenseName              string                        `json:"LicenseName,omitempty"`
	ProductName              string                        `json:"ProductName,omitempty"`
	ProductSKU               string                        `json:"ProductSKU,omitempty"`
	Issuer                   *wireIssuerDetails            `json:"Issuer,omitempty"`
	HomeRegion               string                        `json:"HomeRegion,omitempty"`
	Status                   string                        `json:"Status,omitempty"`
	Validity                 *wireDatetimeRange            `json:"Validity,omitempty"`
	Beneficiary              string                        `json:"Beneficiary,omitempty"`
	Entitlements             []wireEntitlement             `json:"Entitlements,omitempty"`
	ConsumptionConfiguration *wireConsumptionConfiguration `json:"ConsumptionConfiguration,omitempty"`
	LicenseMetadata          []wireMetadata                `json:"LicenseMetadata,omitempty"`
	CreateTime               string                        `json:"CreateTime,omitempty"`
	Version                  string                        `json:"Version,omitempty"`
}

// wireLicenseFields are the members CreateLicense and CreateLicenseVersion share.
type wireLicenseFields struct {
	LicenseName              string                        `json:"LicenseName"`
	ProductName              string                        `json:"ProductName"`
	Issuer                   *wireIssuer                   `json:"Issuer"`
	HomeRegion               string                        `json:"HomeRegion"`
	Validity                 *wireDatetimeRange            `json:"Validity"`
	Entitlements             []wireEntitlement             `json:"Entitlements"`
	ConsumptionConfiguration *wireConsumptionConfiguration `json:"ConsumptionConfiguration"`
	LicenseMetadata          []wireMetadata                `json:"LicenseMetadata"`
	ClientToken              string                        `json:"ClientToken"`
}

func (w *wireLicenseFields) toDomain(req *required) licensor.LicenseFields {
	f := licensor.LicenseFields{
		Name:         w.LicenseName,
		ProductName:  w.ProductName,
		HomeRegion:   w.HomeRegion,
		Entitlements: entitlementsFromWire(w.Entitlements),
	}
	if req.present("Issuer", w.Issuer != nil) {
		f.Issuer = licensor.Issuer{Name: w.Issuer.Name, SignKey: w.Issuer.SignKey}
	}
	if req.present("Validity", w.Validity != nil) {
		f.Validity = licensor.DatetimeRange{Begin: w.Validity.Begin, End: w.Validity.End}
	}
	if req.present("ConsumptionConfiguration", w.ConsumptionConfiguration != nil) {
		f.ConsumptionConfiguration = consumptionFromWire(req, w.ConsumptionConfiguration)
	}
	for _, m := range w.LicenseMetadata {
		f.Metadata = append(f.Metadata, licensor.Metadata{Name: m.Name, Value: m.Value})
	}
	return f
}

func entitlementsFromWire(ws []wireEntitlement) []licensor.Entitlement {
	out := make([]licensor.Entitlement, len(ws))
	for i, e := range ws {
		out[i] = licensor.Entitlement{Name: e.Name, Value: e.Value, MaxCount: e.MaxCount, Overage: e.Overage, Unit: licensor.Unit(e.Unit), AllowCheckIn: e.AllowCheckIn}
	}
	return out
}

func consumptionFromWire(req *required, w *wireConsumptionConfiguration) licensor.ConsumptionConfiguration {
	c := licensor.ConsumptionConfiguration{RenewType: licensor.RenewType(w.RenewType)}
	if p := w.ProvisionalConfiguration; p != nil {
		req.present("ConsumptionConfiguration.ProvisionalConfiguration.MaxTimeToLiveInMinutes", p.MaxTimeToLiveInMinutes != nil)
		c.Provisional = &licensor.ProvisionalConfiguration{MaxTimeToLiveInMinutes: deref(p.MaxTimeToLiveInMinutes)}
	}
	if b := w.BorrowConfiguration; b != nil {
		req.present("ConsumptionConfiguration.BorrowConfiguration.MaxTimeToLiveInMinutes", b.MaxTimeToLiveInMinutes != nil)
		req.present("ConsumptionConfiguration.BorrowConfiguration.AllowEarlyCheckIn", b.AllowEarlyCheckIn != nil)
		c.Borrow = &licensor.BorrowConfiguration{AllowEarlyCheckIn: deref(b.AllowEarlyCheckIn), MaxTimeToLiveInMinutes: deref(b.MaxTimeToLiveInMinutes)}
	}
	return c
}

func licenseToWire(l *licensor.License) wireLicense {
	w := wireLicense{
		LicenseArn:  l.ARN,
		LicenseName: l.Name,
		ProductName: l.ProductName,
		ProductSKU:  l.ProductSKU,
		Issuer:      &wireIssuerDetails{Name: l.Issuer.Name, SignKey: l.Issuer.SignKey, KeyFingerprint: l.Issuer.KeyFingerprint},
		HomeRegion:  l.HomeRegion,
		Status:      string(l.Status),
		Validity:    &wireDatetimeRange{Begin: l.Validity.Begin, End: l.Validity.End},
		Beneficiary: l.Beneficiary,
		CreateTime:  licensor.FormatTime(l.CreateTime),
		Version:     l.VersionString(),
	}
	for _, e := range l.Entitlements {
		w.Entitlements = append(w.Entitlements, wireEntitlement{Name: e.Name, Value: e.Value, MaxCount: e.MaxCount, Overage: e.Overage, Unit: string(e.Unit), AllowCheckIn: e.AllowCheckIn})
	}
	cc := l.ConsumptionConfiguration
	w.ConsumptionConfiguration = &wireConsumptionConfiguration{RenewType: string(cc.RenewType)}
	if p := cc.Provisional; p != nil {
		w.ConsumptionConfiguration.ProvisionalConfiguration = &wireProvisionalConfiguration{MaxTimeToLiveInMinutes: &p.MaxTimeToLiveInMinutes}
	}
	if b := cc.Borrow; b != nil {
		w.ConsumptionConfiguration.BorrowConfiguration = &wireBorrowConfiguration{AllowEarlyCheckIn: &b.AllowEarlyCheckIn, MaxTimeToLiveInMinutes: &b.MaxTimeToLiveInMinutes}
	}
	for _, m := range l.Metadata {
		w.LicenseMetadata = append(w.LicenseMetadata, wireMetadata{Name: m.Name, Value: m.Value})
	}
	return w
}

func licensesToWire(ls []*licensor.License) []wireLicense {
	out := make([]wireLicense, len(ls))
	for i, l := range ls {
		out[i] = licenseToWire(l)
	}
	return out
}

type createLicenseRequest struct {
	wireLicenseFields
	ProductSKU  string    `json:"ProductSKU"`
	Beneficiary string    `json:"Beneficiary"`
	Tags        []wireTag `json:"Tags"`
}

type createLicenseResponse struct {
	LicenseArn string `json:"LicenseArn,omitempty"`
	Status     string `json:"Status,omitempty"`
	Version    string `json:"Version,omitempty"`
}

func (h *Handler) createLicense(ctx context.Context, in *createLicenseRequest) (*createLicenseResponse, error) {
	req := &required{}
	d := licensor.CreateLicenseInput{
		LicenseFields: in.toDomain(req),
		ProductSKU:    in.ProductSKU,
		Beneficiary:   in.Beneficiary,
		ClientToken:   in.ClientToken,
	}
	for _, t := range in.Tags {
		d.Tags = append(d.Tags, licensor.Tag{Key: t.Key, Value: t.Value})
	}
	if err := req.err(); err != nil {
		return nil, err
	}
	l, err := h.Service.CreateLicense(ctx, d)
	if err != nil {
		return nil, err
	}
	return &createLicenseResponse{LicenseArn: l.ARN, Status: string(l.Status), Version: l.VersionString()}, nil
}

type createLicenseVersionRequest struct {
	wireLicenseFields
	LicenseArn    string `json:"LicenseArn"`
	Status        string `json:"Status"`
	SourceVersion string `json:"SourceVersion"`
}

func (h *Handler) createLicenseVersion(ctx context.Context, in *createLicenseVersionRequest) (*createLicenseResponse, error) {
	req := &required{}
	d := licensor.CreateLicenseVersionInput{
		LicenseFields: in.toDomain(req),
		LicenseARN:    in.LicenseArn,
		Status:        licensor.LicenseStatus(in.Status),
		SourceVersion: in.SourceVersion,
		ClientToken:   in.ClientToken,
	}
	if err := req.err(); err != nil {
		return nil, err
	}
	l, err := h.Service.CreateLicenseVersion(ctx, d)
	if err != nil {
		return nil, err
	}
	return &createLicenseResponse{LicenseArn: l.ARN, Status: string(l.Status), Version: l.VersionString()}, nil
}

type getLicenseRequest struct {
	LicenseArn string `json:"LicenseArn"`
	Version    string `json:"Version"`
}

type getLicenseResponse struct {
	License *wireLicense `json:"License,omitempty"`
}

func (h *Handler) getLicense(ctx context.Context, in *getLicenseRequest) (*getLicenseResponse, error) {
	l, err := h.Service.GetLicense(ctx, in.LicenseArn, in.Version)
	if err != nil {
		return nil, err
	}
	w := licenseToWire(l)
	return &getLicenseResponse{License: &w}, nil
}

type wireFilter struct {
	Name   string   `json:"Name"`
	Values []string `json:"Values"`
}

type listLicensesRequest struct {
	LicenseArns []string     `json:"LicenseArns"`
	Filters     []wireFilter `json:"Filters"`
	NextToken   string       `json:"NextToken"`
	MaxResults  *int32       `json:"MaxResults"`
}

type listLicensesResponse struct {
	Licenses  []wireLicense `json:"Licenses"`
	NextToken string        `json:"NextToken,omitempty"`
}

func (h *Handler) listLicenses(ctx context.Context, in *listLicensesRequest) (*listLicensesResponse, error) {
	if err := licensor.ValidateMaxResults(in.MaxResults); err != nil {
		return nil, err
	}
	f := licensor.LicenseFilter{ARNs: in.LicenseArns, Limit: int(deref(in.MaxResults))}
	err := applyFilters(in.Filters, map[string]*[]string{
		"Beneficiary": &f.Beneficiary,
		"ProductSKU":  &f.ProductSKU,
		"Fingerprint": &f.Fingerprint,
	}, map[string]func([]string) error{
		"Status": func(vs []string) error {
			for _, v := range vs {
				s := licensor.LicenseStatus(v)
				if !s.Valid() {
					return licensor.Errorf(licensor.EINVALID, "1 validation error detected: Filter Status value %q is not a valid LicenseStatus.", v)
				}
				f.Status = append(f.Status, s)
			}
			return nil
		},
	})
	if err != nil {
		return nil, err
	}
	ls, next, err := h.Service.ListLicenses(ctx, f, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &listLicensesResponse{Licenses: licensesToWire(ls), NextToken: next}, nil
}

// maxFilterValues bounds one filter; the model leaves it open.
const maxFilterValues = 100

// applyFilters copies each filter's values into its destination; a name
// that is neither in strs nor in funcs is an error naming the valid ones.
func applyFilters(fs []wireFilter, strs map[string]*[]string, funcs map[string]func([]string) error) error {
	for _, f := range fs {
		if len(f.Values) == 0 || len(f.Values) > maxFilterValues {
			return licensor.Errorf(licensor.EINVALID, "1 validation error detected: Filter %q must have 1 to %d values.", f.Name, maxFilterValues)
		}
		if dst, ok := strs[f.Name]; ok {
			*dst = append(*dst, f.Values...)
			continue
		}
		if fn, ok := funcs[f.Name]; ok {
			if err := fn(f.Values); err != nil {
				return err
			}
			continue
		}
		names := make([]string, 0, len(strs)+len(funcs))
		for n := range strs {
			names = append(names, n)
		}
		for n := range funcs {
			names = append(names, n)
		}
		return licensor.Errorf(licensor.EINVALID, "1 validation error detected: Filter name %q is not supported; supported names: %s.", f.Name, joinSorted(names))
	}
	return nil
}

type listLicenseVersionsRequest struct {
	LicenseArn string `json:"LicenseArn"`
	NextToken  string `json:"NextToken"`
	MaxResults *int32 `json:"MaxResults"`
}

func (h *Handler) listLicenseVersions(ctx context.Context, in *listLicenseVersionsRequest) (*listLicensesResponse, error) {
	if err := licensor.ValidateMaxResults(in.MaxResults); err != nil {
		return nil, err
	}
	ls, next, err := h.Service.ListLicenseVersions(ctx, in.LicenseArn, in.NextToken, int(deref(in.MaxResults)))
	if err != nil {
		return nil, err
	}
	return &listLicensesResponse{Licenses: licensesToWire(ls), NextToken: next}, nil
}

type deleteLicenseRequest struct {
	LicenseArn    string `json:"LicenseArn"`
	SourceVersion string `json:"SourceVersion"`
}

type deleteLicenseResponse struct {
	Status       string `json:"Status,omitempty"`
	DeletionDate string `json:"DeletionDate,omitempty"`
}

func (h *Handler) deleteLicense(ctx context.Context, in *deleteLicenseRequest) (*deleteLicenseResponse, error) {
	res, err := h.Service.DeleteLicense(ctx, in.LicenseArn, in.SourceVersion)
	if err != nil {
		return nil, err
	}
	return &deleteLicenseResponse{Status: string(res.Status), DeletionDate: licensor.FormatTime(res.DeletionDate)}, nil
}
