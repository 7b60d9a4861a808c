package sigv4

import "sync"

// KeyCache is a bounded, concurrency-safe cache of derived SigV4 signing keys,
// keyed by (secret, scope date, region, service). Deriving a key costs four
// HMAC-SHA256 computations; a hit costs a map lookup under a read lock.
//
// A key is derived from the secret itself, so rotating a secret can never
// hit a stale entry. When the cache is full the oldest entry is evicted
// (first in, first out): signing keys change every day, so recency tracking
// would buy little.
//
// The cache holds secrets and signing keys in memory for as long as their
// entries live. The zero value is not usable; create one with NewKeyCache and
// share it between Verifiers as needed.
type KeyCache struct {
	mu      sync.RWMutex
	entries map[keyCacheKey][32]byte
	order   []keyCacheKey // ring of inserted keys, oldest at next
	next    int
}

type keyCacheKey struct {
	secret, date, region, service string
}

// NewKeyCache returns a cache holding at most size signing keys. A size below
// 1 is taken as 1.
func NewKeyCache(size int) *KeyCache {
	size = max(size, 1)
	return &KeyCache{
		entries: make(map[keyCacheKey][32]byte, size),
		order:   make([]keyCacheKey, 0, size),
	}
}

// Len returns the number of cached keys.
func (c *KeyCache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}

// key returns the signing key for the scope, deriving and caching it on a miss.
func (c *KeyCache) key(secret, date, region, service string) [32]byte {
	k := keyCacheKey{secret, date, region, service}
	c.mu.RLock()
	v, ok := c.entries[k]
	c.mu.RUnlock()
	if ok {
		return v
	}
	v = deriveKey(secret, date, region, service)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[k]; ok {
		return v
	}
	if len(c.order) < cap(c.order) {
		c.order = append(c.order, k)
	} else {
		delete(c.entries, c.order[c.next])
		c.order[c.next] = k
		c.next = (c.next + 1) % len(c.order)
	}
	c.entries[k] = v
	return v
}
