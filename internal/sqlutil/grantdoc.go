package sqlutil

import (
	"encoding/json"

	"github.com/licensorhq/licensor"
)

// grantDoc is the JSON form of a grant version's content, stored in
// grant_versions.doc by both stores. It leaves out what has columns of its own: the ARN,
// the granter, license, parent and grantee (which belong to the grant), the
// version, status and creation time. Options is a pointer with omitempty,
// so options that were set, even to their zero value, come back set, and
// absent ones come back nil. Field names are part of the stored format:
// rename none.
type grantDoc struct {
	Name              string           `json:"name"`
	HomeRegion        string           `json:"homeRegion"`
	StatusReason      string           `json:"statusReason,omitempty"`
	GrantedOperations []string         `json:"grantedOperations,omitempty"`
	Options           *grantOptionsDoc `json:"options,omitempty"`
	Tags              []KeyValueDoc    `json:"tags,omitempty"`
}

type grantOptionsDoc struct {
	ActivationOverrideBehavior string `json:"activationOverrideBehavior"`
}

// EncodeGrant returns the stored document of a grant version.
func EncodeGrant(g *licensor.Grant) ([]byte, error) {
	d := grantDoc{Name: g.Name, HomeRegion: g.HomeRegion, StatusReason: g.StatusReason}
	for _, op := range g.GrantedOperations {
		d.GrantedOperations = append(d.GrantedOperations, string(op))
	}
	if o := g.Options; o != nil {
		d.Options = &grantOptionsDoc{ActivationOverrideBehavior: string(o.ActivationOverrideBehavior)}
	}
	for _, t := range g.Tags {
		d.Tags = append(d.Tags, KeyValueDoc(t))
	}
	b, err := json.Marshal(&d)
	if err != nil {
		return nil, licensor.WrapError(licensor.EINTERNAL, err, "Internal error.")
	}
	return b, nil
}

// DecodeGrant fills g's content fields from a stored document. Empty lists
// come back nil.
func DecodeGrant(b []byte, g *licensor.Grant) error {
	var d grantDoc
	if err := json.Unmarshal(b, &d); err != nil {
		return licensor.WrapError(licensor.EINTERNAL, err, "Internal error.")
	}
	g.Name, g.HomeRegion, g.StatusReason = d.Name, d.HomeRegion, d.StatusReason
	g.GrantedOperations = nil
	for _, op := range d.GrantedOperations {
		g.GrantedOperations = append(g.GrantedOperations, licensor.AllowedOperation(op))
	}
	g.Options = nil
	if o := d.Options; o != nil {
		g.Options = &licensor.GrantOptions{ActivationOverrideBehavior: licensor.ActivationOverrideBehavior(o.ActivationOverrideBehavior)}
	}
	g.Tags = nil
	for _, t := range d.Tags {
		g.Tags = append(g.Tags, licensor.Tag(t))
	}
	return nil
}
