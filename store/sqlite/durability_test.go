package sqlite_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/licensorhq/licensor"
	"github.com/licensorhq/licensor/store/sqlite"
)

const killEnv = "LICENSOR_TEST_KILL9_DB"

// TestKill9 kills a process that is writing with SIGKILL and checks that
// every write it had acknowledged is in the database.
func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "licensor.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKill9Child$", "-test.count=1")
	cmd.Env = append(os.Environ(), killEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := -1
	sc := bufio.NewScanner(out)
	for sc.Scan() && acked < 200 {
		if n, ok := strings.CutPrefix(sc.Text(), "acked "); ok {
			if acked, err = strconv.Atoi(n); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if acked < 0 {
		t.Fatal("the child acknowledged nothing")
	}

	db := mustOpenPath(t, path)
	for i := 0; i <= acked; i++ {
		if _, err := db.FindAccountByID(t.Context(), fmt.Sprintf("%012d", i)); err != nil {
			t.Fatalf("acknowledged write %d of %d lost: %v", i, acked, err)
		}
	}
}

// TestKill9Child is the writing process of TestKill9.
func TestKill9Child(t *testing.T) {
	path := os.Getenv(killEnv)
	if path == "" {
		t.Skip("helper process of TestKill9")
	}
	db, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		a := &licensor.Account{ID: fmt.Sprintf("%012d", i), Name: "a"}
		if err := db.CreateAccount(t.Context(), a); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(os.Stdout, "acked %d\n", i)
	}
}
