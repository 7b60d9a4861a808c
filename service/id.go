package service

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
)

const base32Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

func (s *Service) randomBytes(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.Rand, b); err != nil {
		return nil, fmt.Errorf("random: %w", err)
	}
	return b, nil
}

// hexID returns 32 lowercase hex characters (128 random bits), the form of
// the ID inside license and grant ARNs.
func (s *Service) hexID() (string, error) {
	b, err := s.randomBytes(16)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// accountID returns 12 random decimal digits, never the root account's.
func (s *Service) accountID() (string, error) {
	for {
		b, err := s.randomBytes(12)
		if err != nil {
			return "", err
		}
		id := make([]byte, 12)
		zero := true
		for i, c := range b {
			id[i] = '0' + c%10
			zero = zero && id[i] == '0'
		}
		if !zero {
			return string(id), nil
		}
	}
}

// accessKeyID returns an AWS-shaped key ID: "LKIA" and 16 base32 characters.
func (s *Service) accessKeyID() (string, error) {
	b, err := s.randomBytes(16)
	if err != nil {
		return "", err
	}
	id := make([]byte, 20)
	copy(id, "LKIA")
	for i := 0; i < 16; i++ {
		id[4+i] = base32Upper[b[i]%32]
	}
	return string(id), nil
}

// secretAccessKey returns 40 characters (240 random bits).
func (s *Service) secretAccessKey() (string, error) {
	b, err := s.randomBytes(30)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// consumptionToken returns a LicenseConsumptionToken: 32 lowercase hex
// characters, the first 12 the time in milliseconds (big-endian) and the
// other 20 random (80 bits). Time-ordered keys are inserted at the right
// edge of the checkouts B-tree, and a check-in updates a recent page, so a
// commit of many checkouts writes a few pages instead of one random page
// per checkout: on SQLite that halves the WAL written per checkout. The
// random part keeps tokens unguessable; the issue time they reveal is in
// the answer anyway.
func (s *Service) consumptionToken() (string, error) {
	b, err := s.randomBytes(16)
	if err != nil {
		return "", err
	}
	ms := uint64(s.Now().UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	return hex.EncodeToString(b), nil
}
