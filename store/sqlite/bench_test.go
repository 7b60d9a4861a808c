package sqlite_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/licensorhq/licensor"
)

func benchLicense(n int) *licensor.License {
	return &licensor.License{
		ARN:         licensor.LicenseARN("123456789012", fmt.Sprintf("%032x", n)),
		AccountID:   "123456789012",
		Version:     1,
		Name:        "Bench license",
		ProductName: "Product",
		ProductSKU:  "sku-1",
		Issuer:      licensor.Issuer{Name: "Issuer", KeyFingerprint: licensor.KeyFingerprint("123456789012", "Issuer")},
		HomeRegion:  "us-east-1",
		Status:      licensor.LicenseAvailable,
		Validity:    licensor.DatetimeRange{Begin: "2025-01-01T00:00:00Z"},
		Beneficiary: "customer",
		Entitlements: []licensor.Entitlement{
			{Name: "seats", Unit: "Count", MaxCount: new(int64(100))},
			{Name: "tier", Unit: licensor.UnitNone, Value: new("gold")},
		},
		ConsumptionConfiguration: licensor.ConsumptionConfiguration{
			Provisional: &licensor.ProvisionalConfiguration{MaxTimeToLiveInMinutes: 60},
		},
		Metadata:   []licensor.Metadata{{Name: "k", Value: "v"}},
		CreateTime: time.Now(),
	}
}

// BenchmarkCreateLicense measures one durable license insert (a commit with
// fsync per operation).
func BenchmarkCreateLicense(b *testing.B) {
	db := MustOpenDB(b)
	ctx := b.Context()
	n := 0
	for b.Loop() {
		n++
		if err := db.CreateLicense(ctx, benchLicense(n)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFindLicenseByARN measures reads of random licenses among 1,000,
// from one goroutine and from many.
func BenchmarkFindLicenseByARN(b *testing.B) {
	const licenses = 1000
	db := MustOpenDB(b)
	ctx := b.Context()
	err := db.WithTx(ctx, func(tx licensor.Store) error {
		for i := range licenses {
			if err := tx.CreateLicense(ctx, benchLicense(i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	find := func(r *rand.Rand) {
		if _, err := db.FindLicenseByARN(ctx, benchLicense(r.IntN(licenses)).ARN); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("Serial", func(b *testing.B) {
		r := rand.New(rand.NewPCG(1, 2))
		for b.Loop() {
			find(r)
		}
	})
	b.Run("Parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			r := rand.New(rand.NewPCG(rand.Uint64(), 0))
			for pb.Next() {
				find(r)
			}
		})
	})
}
