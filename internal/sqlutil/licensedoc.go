package sqlutil

import (
	"encoding/json"

	"github.com/licensorhq/licensor"
)

// licenseDoc is the JSON form of a license version's content, stored in
// license_versions.doc by both stores, so a database moved between them
// (or read by either) means the same. It leaves out what has columns of its own (ARN,
// account, version, status, creation time) and the lifecycle, which belongs
// to the license. Optional members are pointers with omitempty, so a value
// that was set, even to its zero, comes back set, and one that was absent
// comes back nil. Field names are part of the stored format: rename none.
type licenseDoc struct {
	Name                     string           `json:"name"`
	ProductName              string           `json:"productName"`
	ProductSKU               string           `json:"productSku"`
	Issuer                   issuerDoc        `json:"issuer"`
	HomeRegion               string           `json:"homeRegion"`
	Validity                 validityDoc      `json:"validity"`
	Beneficiary              string           `json:"beneficiary"`
	Entitlements             []entitlementDoc `json:"entitlements,omitempty"`
	ConsumptionConfiguration consumptionDoc   `json:"consumptionConfiguration"`
	Metadata                 []nameValueDoc   `json:"metadata,omitempty"`
	Tags                     []KeyValueDoc    `json:"tags,omitempty"`
}

type issuerDoc struct {
	Name           string `json:"name"`
	SignKey        string `json:"signKey,omitempty"`
	KeyFingerprint string `json:"keyFingerprint,omitempty"`
}

type validityDoc struct {
	Begin string `json:"begin"`
	End   string `json:"end,omitempty"`
}

type entitlementDoc struct {
	Name         string  `json:"name"`
	Value        *string `json:"value,omitempty"`
	MaxCount     *int64  `json:"maxCount,omitempty"`
	Overage      *bool   `json:"overage,omitempty"`
	Unit         string  `json:"unit"`
	AllowCheckIn *bool   `json:"allowCheckIn,omitempty"`
}

type consumptionDoc struct {
	RenewType   string          `json:"renewType,omitempty"`
	Provisional *provisionalDoc `json:"provisional,omitempty"`
	Borrow      *borrowDoc      `json:"borrow,omitempty"`
}

type provisionalDoc struct {
	MaxTimeToLiveInMinutes int32 `json:"maxTimeToLiveInMinutes"`
}

type borrowDoc struct {
	AllowEarlyCheckIn      bool  `json:"allowEarlyCheckIn"`
	MaxTimeToLiveInMinutes int32 `json:"maxTimeToLiveInMinutes"`
}

type nameValueDoc struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// KeyValueDoc is the stored form of a tag (licenses and grants).
type KeyValueDoc struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// EncodeLicense returns the stored document of a license version.
func EncodeLicense(l *licensor.License) ([]byte, error) {
	d := licenseDoc{
		Name:        l.Name,
		ProductName: l.ProductName,
		ProductSKU:  l.ProductSKU,
		Issuer:      issuerDoc(l.Issuer),
		HomeRegion:  l.HomeRegion,
		Validity:    validityDoc(l.Validity),
		Beneficiary: l.Beneficiary,
		ConsumptionConfiguration: consumptionDoc{
			RenewType: string(l.ConsumptionConfiguration.RenewType),
		},
	}
	for _, e := range l.Entitlements {
		d.Entitlements = append(d.Entitlements, entitlementDoc{
			Name: e.Name, Value: e.Value, MaxCount: e.MaxCount, Overage: e.Overage,
			Unit: string(e.Unit), AllowCheckIn: e.AllowCheckIn,
		})
	}
	if p := l.ConsumptionConfiguration.Provisional; p != nil {
		d.ConsumptionConfiguration.Provisional = &provisionalDoc{MaxTimeToLiveInMinutes: p.MaxTimeToLiveInMinutes}
	}
	if b := l.ConsumptionConfiguration.Borrow; b != nil {
		d.ConsumptionConfiguration.Borrow = &borrowDoc{AllowEarlyCheckIn: b.AllowEarlyCheckIn, MaxTimeToLiveInMinutes: b.MaxTimeToLiveInMinutes}
	}
	for _, m := range l.Metadata {
		d.Metadata = append(d.Metadata, nameValueDoc(m))
	}
	for _, t := range l.Tags {
		d.Tags = append(d.Tags, KeyValueDoc(t))
	}
	b, err := json.Marshal(&d)
	if err != nil {
		return nil, licensor.WrapError(licensor.EINTERNAL, err, "Internal error.")
	}
	return b, nil
}

// DecodeLicense fills l's content fields from a stored document. Empty
// lists come back nil.
func DecodeLicense(b []byte, l *licensor.License) error {
	var d licenseDoc
	if err := json.Unmarshal(b, &d); err != nil {
		return licensor.WrapError(licensor.EINTERNAL, err, "Internal error.")
	}
	l.Name = d.Name
	l.ProductName = d.ProductName
	l.ProductSKU = d.ProductSKU
	l.Issuer = licensor.Issuer(d.Issuer)
	l.HomeRegion = d.HomeRegion
	l.Validity = licensor.DatetimeRange(d.Validity)
	l.Beneficiary = d.Beneficiary
	l.Entitlements = nil
	for _, e := range d.Entitlements {
		l.Entitlements = append(l.Entitlements, licensor.Entitlement{
			Name: e.Name, Value: e.Value, MaxCount: e.MaxCount, Overage: e.Overage,
			Unit: licensor.Unit(e.Unit), AllowCheckIn: e.AllowCheckIn,
		})
	}
	cc := licensor.ConsumptionConfiguration{RenewType: licensor.RenewType(d.ConsumptionConfiguration.RenewType)}
	if p := d.ConsumptionConfiguration.Provisional; p != nil {
		cc.Provisional = &licensor.ProvisionalConfiguration{MaxTimeToLiveInMinutes: p.MaxTimeToLiveInMinutes}
	}
	if b := d.ConsumptionConfiguration.Borrow; b != nil {
		cc.Borrow = &licensor.BorrowConfiguration{AllowEarlyCheckIn: b.AllowEarlyCheckIn, MaxTimeToLiveInMinutes: b.MaxTimeToLiveInMinutes}
	}
	l.ConsumptionConfiguration = cc
	l.Metadata = nil
	for _, m := range d.Metadata {
		l.Metadata = append(l.Metadata, licensor.Metadata(m))
	}
	l.Tags = nil
	for _, t := range d.Tags {
		l.Tags = append(l.Tags, licensor.Tag(t))
	}
	return nil
}
