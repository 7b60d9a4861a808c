// Package softhsmtest makes SoftHSM 2 tokens for the tests of the pkcs11
// key provider and of a server using it.
package softhsmtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Token makes a fresh SoftHSM 2 token (label test, PIN 1234) in a
// temporary directory, points SOFTHSM2_CONF at it for the test, and
// returns the provider URI (pkcs11:token=test?module-path=…&pin-value=1234).
// It skips when SoftHSM is not installed, unless LICENSOR_REQUIRE_PKCS11=1
// (as in CI); LICENSOR_TEST_PKCS11_MODULE names a module elsewhere.
func Token(t *testing.T) string {
	t.Helper()
	module := os.Getenv("LICENSOR_TEST_PKCS11_MODULE")
	if module == "" {
		for _, p := range []string{"/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so", "/usr/local/lib/softhsm/libsofthsm2.so"} {
			if _, err := os.Stat(p); err == nil {
				module = p
				break
			}
		}
	}
	util, err := exec.LookPath("softhsm2-util")
	if module == "" || err != nil {
		if os.Getenv("LICENSOR_REQUIRE_PKCS11") == "1" {
			t.Fatal("SoftHSM 2 is required: apt-get install softhsm2")
		}
		t.Skip("SoftHSM 2 not installed (apt-get install softhsm2); set LICENSOR_REQUIRE_PKCS11=1 to fail instead")
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "softhsm2.conf")
	if err := os.MkdirAll(filepath.Join(dir, "tokens"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, []byte("directories.tokendir = "+filepath.Join(dir, "tokens")+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", conf)
	out, err := exec.Command(util, "--init-token", "--free", "--label", "test", "--pin", "1234", "--so-pin", "1234").CombinedOutput()
	if err != nil {
		t.Fatalf("softhsm2-util: %v: %s", err, out)
	}
	return "pkcs11:token=test?module-path=" + module + "&pin-value=1234"
}
