package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestImportSurvivesSIGKILL kills `emprises import cadastre` while it loads, as an operator
// or the kernel's OOM killer might: nothing of the import is left (all or nothing), and the
// same command run again needs no clean-up and imports the whole file.
func TestImportSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	c := newCadastreCLI(t)
	file := filepath.Join(t.TempDir(), "cadastre.json.gz")
	if _, errOut, err := c.run("gen", "cadastre", "--parcels", "60000", "--seed", "9", "--out", file); err != nil {
		t.Fatalf("gen: %v\n%s", err, errOut)
	}
	env := append(os.Environ(), "DATABASE_URL="+c.url)

	cmd := exec.Command(bin, "import", "cadastre", file)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once PostgreSQL is receiving its parcels (into the staging table, or parcels).
	deadline := time.Now().Add(30 * time.Second)
	for c.count(`SELECT count(*) FROM pg_stat_activity WHERE query ILIKE 'copy%cadastre_new%' OR query ILIKE '%INSERT INTO parcels%'`) == 0 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the import never reached the database:\n%s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	// PostgreSQL rolls the transaction back once it sees the connection gone.
	for c.count(`SELECT count(*) FROM pg_stat_activity WHERE application_name = 'emprises' AND state <> 'idle'`) > 0 {
		time.Sleep(20 * time.Millisecond)
	}
	if n := c.count(`SELECT count(*) FROM parcels`); n != 0 {
		t.Errorf("after SIGKILL %d parcels are left; want none", n)
	}
	if n := c.count(`SELECT count(*) FROM cadastre_imports`); n != 0 {
		t.Errorf("after SIGKILL %d imports are recorded; want none", n)
	}

	out, errOut, err := c.run("import", "cadastre", file)
	if err != nil || !strings.Contains(out, "added 60000") {
		t.Fatalf("import again after SIGKILL: %v\n%s\n%s", err, out, errOut)
	}
	if n := c.count(`SELECT count(*) FROM parcels`); n != 60000 {
		t.Errorf("after the second import %d parcels; want 60000", n)
	}
}
