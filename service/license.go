package service

import (
	"context"
	"fmt"
	"slices"

	"github.com/licensorhq/licensor"
)

// licenseRef is what CreateLicense and CreateLicenseVersion remember for a
// ClientToken: enough to replay the first answer.
type licenseRef struct {
	ARN     string
	Version int
}

// CreateLicense issues version 1 of a new license owned by the caller.
func (s *Service) CreateLicense(ctx context.Context, in licensor.CreateLicenseInput) (*licensor.License, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	id, err := s.hexID()
	if err != nil {
		return nil, err
	}
	l := &licensor.License{
		ARN:         licensor.LicenseARN(p.AccountID, id),
		AccountID:   p.AccountID,
		Version:     1,
		ProductSKU:  in.ProductSKU,
		Beneficiary: in.Beneficiary,
		Status:      licensor.LicenseAvailable,
		Tags:        slices.Clone(in.Tags),
		CreateTime:  s.now(),
	}
	applyFields(l, p.AccountID, &in.LicenseFields)
	if err := s.prepareIssuerKeys(ctx, p.AccountID, &in.LicenseFields); err != nil {
		return nil, err
	}
	hash, err := requestHash(in)
	if err != nil {
		return nil, err
	}
	var ref licenseRef
	err = s.Store.WithTx(ctx, func(tx licensor.Store) error {
		replayed, err := s.idempotent(ctx, tx, p.AccountID, "CreateLicense", in.ClientToken, hash, &ref, func() error {
			ref = licenseRef{ARN: l.ARN, Version: 1}
			s.licenses.clear() // in the transaction too: see Service.exclusive
			return tx.CreateLicense(ctx, l)
		})
		if err != nil || !replayed {
			return err
		}
		l, err = tx.FindLicenseVersion(ctx, ref.ARN, ref.Version)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create license: %w", err)
	}
	s.licenses.clear()
	return l, nil
}

// applyFields copies the vendor-supplied fields onto a license version.
func applyFields(l *licensor.License, accountID string, f *licensor.LicenseFields) {
	l.Name = f.Name
	l.ProductName = f.ProductName
	l.Issuer = licensor.Issuer{
		Name:           f.Issuer.Name,
		SignKey:        f.Issuer.SignKey,
		KeyFingerprint: licensor.KeyFingerprint(accountID, f.Issuer.Name),
	}
	l.HomeRegion = f.HomeRegion
	l.Validity = f.Validity
	l.Entitlements = slices.Clone(f.Entitlements)
	l.ConsumptionConfiguration = f.ConsumptionConfiguration
	l.Metadata = slices.Clone(f.Metadata)
}

// ownLicense reads the current version of a license the caller issued;
// anyone else gets the same ENOTFOUND as for a license that does not exist.
func ownLicense(ctx context.Context, st licensor.Store, p *licensor.Principal, arn string) (*licensor.License, error) {
	if acct, ok := licensor.ParseLicenseARN(arn); !ok || acct != p.AccountID {
		return nil, licensor.NotFound("License", arn)
	}
	l, err := st.FindLicenseByARN(ctx, arn)
	if isCode(err, licensor.ENOTFOUND) || err == nil && l.AccountID != p.AccountID {
		return nil, licensor.NotFound("License", arn)
	}
	return l, err
}

// CreateLicenseVersion writes version N+1 of a license.
func (s *Service) CreateLicenseVersion(ctx context.Context, in licensor.CreateLicenseVersionInput) (*licensor.License, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if err := s.prepareIssuerKeys(ctx, p.AccountID, &in.LicenseFields); err != nil {
		return nil, err
	}
	hash, err := requestHash(in)
	if err != nil {
		return nil, err
	}
	var l *licensor.License
	var ref licenseRef
	err = s.Store.WithTx(ctx, func(tx licensor.Store) error {
		replayed, err := s.idempotent(ctx, tx, p.AccountID, "CreateLicenseVersion", in.ClientToken, hash, &ref, func() error {
			cur, err := ownLicense(ctx, tx, p, in.LicenseARN)
			if err != nil {
				return err
			}
			if cur.Status.Deleted() {
				return licensor.Errorf(licensor.ECONFLICT, "License %s is deleted; it cannot get a new version.", cur.ARN)
			}
			if in.SourceVersion != "" && in.SourceVersion != cur.VersionString() {
				return licensor.Errorf(licensor.ECONFLICT, "SourceVersion %s is not the current version of the license (%s).", in.SourceVersion, cur.VersionString())
			}
			l = &licensor.License{
				ARN:         cur.ARN,
				AccountID:   cur.AccountID,
				Version:     cur.Version + 1,
				ProductSKU:  cur.ProductSKU,
				Beneficiary: cur.Beneficiary,
				Status:      in.Status,
				Tags:        cur.Tags,
				CreateTime:  s.now(),
			}
			applyFields(l, p.AccountID, &in.LicenseFields)
			ref = licenseRef{ARN: l.ARN, Version: l.Version}
			s.licenses.clear() // in the transaction too: see Service.exclusive
			return tx.CreateLicenseVersion(ctx, l)
		})
		if err != nil || !replayed {
			return err
		}
		l, err = tx.FindLicenseVersion(ctx, ref.ARN, ref.Version)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create license version: %w", err)
	}
	s.licenses.clear()
	return l, nil
}

// GetLicense returns the current version, or the given one, of a license
// the caller issued.
func (s *Service) GetLicense(ctx context.Context, arn, version string) (*licensor.License, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := licensor.ValidateARN("LicenseArn", arn); err != nil {
		return nil, err
	}
	l, err := readableLicense(ctx, s.Store, p, arn)
	if err != nil {
		return nil, err
	}
	return atVersion(ctx, "License", arn, version, l, l.Version, s.Store.FindLicenseVersion)
}

// atVersion answers a read of a versioned resource the caller may see:
// cur when version is "", else the asked-for version, which must exist.
func atVersion[T any](ctx context.Context, kind, arn, version string, cur *T, current int,
	find func(ctx context.Context, arn string, version int) (*T, error)) (*T, error) {
	if version == "" {
		return cur, nil
	}
	n, err := licensor.ParseVersion("Version", version)
	if err != nil {
		return nil, err
	}
	if n > current {
		return nil, licensor.Errorf(licensor.ENOTFOUND, "%s %s has no version %s.", kind, arn, version)
	}
	return find(ctx, arn, n)
}

// ListLicenses pages through the licenses the caller issued.
func (s *Service) ListLicenses(ctx context.Context, f licensor.LicenseFilter, nextToken string) ([]*licensor.License, string, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, "", err
	}
	for _, arn := range f.ARNs {
		if err := licensor.ValidateARN("LicenseArns", arn); err != nil {
			return nil, "", err
		}
	}
	if f.After, err = decodeToken("licenses", nextToken); err != nil {
		return nil, "", err
	}
	f.AccountID = p.AccountID
	f.Limit = pageLimit(f.Limit)
	ls, next, err := s.Store.FindLicenses(ctx, f)
	if err != nil {
		return nil, "", err
	}
	return ls, encodeToken("licenses", next), nil
}

// ListLicenseVersions pages through every version of a license, oldest first.
func (s *Service) ListLicenseVersions(ctx context.Context, arn, nextToken string, limit int) ([]*licensor.License, string, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, "", err
	}
	if err := licensor.ValidateARN("LicenseArn", arn); err != nil {
		return nil, "", err
	}
	if _, err := readableLicense(ctx, s.Store, p, arn); err != nil {
		return nil, "", err
	}
	after, err := decodeToken("versions:"+arn, nextToken)
	if err != nil {
		return nil, "", err
	}
	ls, next, err := s.Store.FindLicenseVersions(ctx, arn, licensor.Page{After: after, Limit: pageLimit(limit)})
	if err != nil {
		return nil, "", err
	}
	return ls, encodeToken("versions:"+arn, next), nil
}

// DeleteLicense moves a license to PENDING_DELETE. It stays readable for
// licensor.LicenseRetention, then the purge job removes it. Deleting a
// deleted license answers with its existing deletion.
func (s *Service) DeleteLicense(ctx context.Context, arn, sourceVersion string) (*licensor.DeleteLicenseResult, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := licensor.ValidateARN("LicenseArn", arn); err != nil {
		return nil, err
	}
	if sourceVersion == "" {
		return nil, licensor.Errorf(licensor.EINVALID, "1 validation error detected: SourceVersion is required.")
	}
	var res *licensor.DeleteLicenseResult
	err = s.Store.WithTx(ctx, func(tx licensor.Store) error {
		cur, err := ownLicense(ctx, tx, p, arn)
		if err != nil {
			return err
		}
		if sourceVersion != cur.VersionString() {
			return licensor.Errorf(licensor.ECONFLICT, "SourceVersion %s is not the current version of the license (%s).", sourceVersion, cur.VersionString())
		}
		if cur.Status.Deleted() && cur.DeletionDate != nil {
			res = &licensor.DeleteLicenseResult{Status: cur.Status, DeletionDate: *cur.DeletionDate}
			return nil
		}
		res = &licensor.DeleteLicenseResult{Status: licensor.LicensePendingDelete, DeletionDate: s.now()}
		s.licenses.clear() // in the transaction too: see Service.exclusive
		return tx.SetLicenseLifecycle(ctx, arn, res.Status, res.DeletionDate)
	})
	if err != nil {
		return nil, fmt.Errorf("delete license: %w", err)
	}
	s.licenses.clear()
	s.Logger.InfoContext(ctx, "license deleted", "license", arn, "account", p.AccountID)
	return res, nil
}

// prepareIssuerKeys checks a license's Issuer.SignKey and makes sure the
// account has the keys its tokens will be signed with — the fast key, and
// the RSA key when the license can be borrowed — so that neither the first
// checkout nor the first borrow generates one. Runs before the license's
// transaction: RSA generation takes a while.
func (s *Service) prepareIssuerKeys(ctx context.Context, account string, f *licensor.LicenseFields) error {
	if err := s.checkSignKey(ctx, account, f.Issuer.SignKey); err != nil {
		return err
	}
	if _, err := s.tokenSigner(ctx, account, f.Issuer.SignKey, false); err != nil {
		return err
	}
	if f.ConsumptionConfiguration.Borrow != nil {
		if _, err := s.tokenSigner(ctx, account, f.Issuer.SignKey, true); err != nil {
			return err
		}
	}
	return nil
}
