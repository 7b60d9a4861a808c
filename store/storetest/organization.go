package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/licensorhq/licensor"
)

// orgID returns the organization ID numbered n.
func orgID(n int) string { return fmt.Sprintf("o-%010d", n) }

// organization returns organization n managed by the account numbered
// management.
func organization(n, management int) *licensor.Organization {
	return &licensor.Organization{
		ID:                  orgID(n),
		Name:                fmt.Sprintf("Organization %d ✓", n),
		ManagementAccountID: accountID(management),
		CreatedAt:           t0.Add(time.Duration(n) * time.Minute),
	}
}

// storedOrganization returns o as a store gives it back.
func storedOrganization(o *licensor.Organization) *licensor.Organization {
	c := *o
	c.CreatedAt = utc(o.CreatedAt)
	return &c
}

func mustCreateOrganization(t *testing.T, s licensor.Store, o *licensor.Organization) *licensor.Organization {
	t.Helper()
	must(t, s.CreateOrganization(t.Context(), o))
	return o
}

func members(t *testing.T, s licensor.Store, orgID string) []string {
	t.Helper()
	ids, err := s.FindOrganizationMembers(t.Context(), orgID)
	must(t, err)
	return ids
}

// wantOrganizationOf checks which organization account n belongs to; nil
// for none.
func wantOrganizationOf(t *testing.T, s licensor.Store, n int, want *licensor.Organization) {
	t.Helper()
	got, err := s.FindOrganizationOfAccount(t.Context(), accountID(n))
	if want == nil {
		wantCode(t, err, licensor.ENOTFOUND)
		return
	}
	must(t, err)
	equal(t, fmt.Sprintf("organization of account %d", n), got, storedOrganization(want))
}

var organizationTests = map[string]func(t *testing.T, s licensor.Store){
	"CreateFind": func(t *testing.T, s licensor.Store) {
		for i := 1; i <= 2; i++ {
			mustCreateAccount(t, s, i)
		}
		o := mustCreateOrganization(t, s, organization(1, 1))
		got, err := s.FindOrganizationByID(t.Context(), o.ID)
		must(t, err)
		equal(t, "organization", got, storedOrganization(o))
		equal(t, "members", members(t, s, o.ID), []string{accountID(1)})
		wantOrganizationOf(t, s, 1, o)
		wantOrganizationOf(t, s, 2, nil)
		wantOrganizationOf(t, s, 99, nil)
	},
	"FindNotFound": func(t *testing.T, s licensor.Store) {
		_, err := s.FindOrganizationByID(t.Context(), orgID(1))
		wantCode(t, err, licensor.ENOTFOUND)
		// An unknown organization has no members; that is not an error.
		equal(t, "members of an unknown organization", len(members(t, s, orgID(1))), 0)
	},
	"CreateConflict": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		for i := 1; i <= 4; i++ {
			mustCreateAccount(t, s, i)
		}
		o1 := mustCreateOrganization(t, s, organization(1, 1))
		must(t, s.AddOrganizationMember(ctx, o1.ID, accountID(3)))

		sameID := organization(1, 2)
		sameID.Name = "again"
		wantCode(t, s.CreateOrganization(ctx, sameID), licensor.ECONFLICT)
		// One organization per management account.
		wantCode(t, s.CreateOrganization(ctx, organization(2, 1)), licensor.ECONFLICT)
		// A member of another organization cannot manage a new one.
		wantCode(t, s.CreateOrganization(ctx, organization(3, 3)), licensor.ECONFLICT)

		// The failed creations left nothing behind.
		got, err := s.FindOrganizationByID(ctx, o1.ID)
		must(t, err)
		equal(t, "organization after conflicts", got, storedOrganization(o1))
		for _, n := range []int{2, 3} {
			_, err := s.FindOrganizationByID(ctx, orgID(n))
			wantCode(t, err, licensor.ENOTFOUND)
		}
		equal(t, "members", members(t, s, o1.ID), []string{accountID(1), accountID(3)})
		wantOrganizationOf(t, s, 2, nil)
		wantOrganizationOf(t, s, 3, o1)
		orgs, err := s.FindOrganizations(ctx)
		must(t, err)
		equal(t, "organizations", orgs, []*licensor.Organization{storedOrganization(o1)})

		// Account 2, whose creation failed on the ID, is still free.
		o4 := mustCreateOrganization(t, s, organization(4, 2))
		equal(t, "members of the new organization", members(t, s, o4.ID), []string{accountID(2)})
	},
	"CreateUnknownAccount": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		wantCode(t, s.CreateOrganization(ctx, organization(1, 1)), licensor.ENOTFOUND)
		_, err := s.FindOrganizationByID(ctx, orgID(1))
		wantCode(t, err, licensor.ENOTFOUND)
		equal(t, "members", len(members(t, s, orgID(1))), 0)
	},
	"FindOrganizations": func(t *testing.T, s licensor.Store) {
		orgs, err := s.FindOrganizations(t.Context())
		must(t, err)
		equal(t, "no organizations", len(orgs), 0)
		var want []*licensor.Organization
		for i, n := range []int{5, 2, 9} { // IDs out of creation order
			mustCreateAccount(t, s, i+1)
			want = append(want, storedOrganization(mustCreateOrganization(t, s, organization(n, i+1))))
		}
		orgs, err = s.FindOrganizations(t.Context())
		must(t, err)
		equal(t, "organizations in creation order", orgs, want)
	},
	"Members": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		for i := 1; i <= 6; i++ {
			mustCreateAccount(t, s, i)
		}
		o1 := mustCreateOrganization(t, s, organization(1, 4))
		o2 := mustCreateOrganization(t, s, organization(2, 6))
		for _, n := range []int{5, 1, 3} {
			must(t, s.AddOrganizationMember(ctx, o1.ID, accountID(n)))
		}
		equal(t, "sorted members", members(t, s, o1.ID), []string{accountID(1), accountID(3), accountID(4), accountID(5)})
		wantOrganizationOf(t, s, 3, o1)
		wantOrganizationOf(t, s, 2, nil)

		// An account belongs to at most one organization.
		wantCode(t, s.AddOrganizationMember(ctx, o1.ID, accountID(3)), licensor.ECONFLICT)
		wantCode(t, s.AddOrganizationMember(ctx, o2.ID, accountID(3)), licensor.ECONFLICT)
		wantCode(t, s.AddOrganizationMember(ctx, o2.ID, accountID(4)), licensor.ECONFLICT) // o1's management
		wantCode(t, s.AddOrganizationMember(ctx, o1.ID, accountID(99)), licensor.ENOTFOUND)
		wantCode(t, s.AddOrganizationMember(ctx, orgID(3), accountID(2)), licensor.ENOTFOUND)
		equal(t, "o2 members", members(t, s, o2.ID), []string{accountID(6)})
		wantOrganizationOf(t, s, 2, nil)

		must(t, s.RemoveOrganizationMember(ctx, o1.ID, accountID(3)))
		equal(t, "after removal", members(t, s, o1.ID), []string{accountID(1), accountID(4), accountID(5)})
		wantOrganizationOf(t, s, 3, nil)
		wantCode(t, s.RemoveOrganizationMember(ctx, o1.ID, accountID(3)), licensor.ENOTFOUND)
		wantCode(t, s.RemoveOrganizationMember(ctx, o2.ID, accountID(1)), licensor.ENOTFOUND) // o1's member
		wantCode(t, s.RemoveOrganizationMember(ctx, o1.ID, accountID(2)), licensor.ENOTFOUND)
		wantCode(t, s.RemoveOrganizationMember(ctx, orgID(3), accountID(1)), licensor.ENOTFOUND)

		// The management account stays.
		wantCode(t, s.RemoveOrganizationMember(ctx, o1.ID, accountID(4)), licensor.EINVALID)
		wantCode(t, s.RemoveOrganizationMember(ctx, o2.ID, accountID(6)), licensor.EINVALID)
		equal(t, "o1 members", members(t, s, o1.ID), []string{accountID(1), accountID(4), accountID(5)})
		equal(t, "o2 members", members(t, s, o2.ID), []string{accountID(6)})
		wantOrganizationOf(t, s, 4, o1)

		// A removed account may join another organization.
		must(t, s.AddOrganizationMember(ctx, o2.ID, accountID(3)))
		wantOrganizationOf(t, s, 3, o2)
		equal(t, "o2 members after join", members(t, s, o2.ID), []string{accountID(3), accountID(6)})
	},
	"Tx": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		for i := 1; i <= 4; i++ {
			mustCreateAccount(t, s, i)
		}
		o1 := mustCreateOrganization(t, s, organization(1, 1))

		// Failed calls leave nothing behind and the transaction usable.
		must(t, inTx(t, s, func(tx licensor.Store) error {
			if err := tx.AddOrganizationMember(ctx, o1.ID, accountID(3)); err != nil {
				return err
			}
			// The organization row would fit; its management account,
			// already a member of o1, does not.
			return errors.Join(
				codeIs(tx.CreateOrganization(ctx, organization(2, 3)), licensor.ECONFLICT),
				codeIs(tx.RemoveOrganizationMember(ctx, o1.ID, accountID(1)), licensor.EINVALID),
				codeIs(tx.AddOrganizationMember(ctx, orgID(2), accountID(4)), licensor.ENOTFOUND),
				tx.CreateOrganization(ctx, organization(3, 2)),
			)
		}))
		_, err := s.FindOrganizationByID(ctx, orgID(2))
		wantCode(t, err, licensor.ENOTFOUND)
		equal(t, "o1 members", members(t, s, o1.ID), []string{accountID(1), accountID(3)})
		equal(t, "o3 members", members(t, s, orgID(3)), []string{accountID(2)})
		wantOrganizationOf(t, s, 4, nil)

		// fn's error undoes everything.
		err = inTx(t, s, func(tx licensor.Store) error {
			if err := tx.CreateOrganization(ctx, organization(4, 4)); err != nil {
				return err
			}
			if err := tx.RemoveOrganizationMember(ctx, o1.ID, accountID(3)); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("WithTx returned %v, want fn's error", err)
		}
		_, err = s.FindOrganizationByID(ctx, orgID(4))
		wantCode(t, err, licensor.ENOTFOUND)
		wantOrganizationOf(t, s, 4, nil)
		equal(t, "o1 members after rollback", members(t, s, o1.ID), []string{accountID(1), accountID(3)})
	},
}
