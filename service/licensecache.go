package service

import (
	"sync"
	"time"

	"github.com/licensorhq/licensor"
)

// licenseCacheTTL bounds how long a node may not see a license that
// another node created for the same ProductSKU, fingerprint and
// beneficiary. Changes to a license it already knows (a new version, a
// status change, a deletion) are seen at once: every checkout confirms the
// license it uses against the store's head row inside its transaction.
const licenseCacheTTL = 2 * time.Second

// candidateKey is what CheckoutLicense searches by.
type candidateKey struct {
	issuer, sku, fingerprint, beneficiary string
}

type candidateEntry struct {
	licenses []*licensor.License // newest first; treated as immutable
	expires  time.Time
}

// licenseCache keeps the candidate licenses of recent checkouts, so the
// hot path reads a license head (two integers) instead of searching and
// decoding license documents. Versions are immutable, so a cached version
// is either current (the head says so) or replaced.
type licenseCache struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[candidateKey]candidateEntry
}

const licenseCacheMax = 10000

func newLicenseCache(now func() time.Time) *licenseCache {
	return &licenseCache{now: now, m: make(map[candidateKey]candidateEntry)}
}

func (c *licenseCache) get(k candidateKey) ([]*licensor.License, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || !c.now().Before(e.expires) {
		return nil, false
	}
	return e.licenses, true
}

func (c *licenseCache) put(k candidateKey, ls []*licensor.License) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= licenseCacheMax {
		clear(c.m)
	}
	c.m[k] = candidateEntry{licenses: ls, expires: c.now().Add(licenseCacheTTL)}
}

func (c *licenseCache) forget(k candidateKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, k)
}

// clear drops everything: a license was created, changed or deleted here.
func (c *licenseCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
}
