package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
)

// TestStartsLight checks that no package of the program does heavy work when it starts,
// as Go's init trace reports it for this test binary, which links the same packages: a
// password hash made at init cost every command 19 MiB and a third of a second, and set
// the service's peak memory before it served anything.
func TestStartsLight(t *testing.T) {
	if os.Getenv("EMPRISES_INIT_TRACE") != "" {
		return // the child: its inits have run
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestStartsLight$")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1", "EMPRISES_INIT_TRACE=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	const maxBytes = 4 << 20
	line := regexp.MustCompile(`^init (\S+) @\S+ ms, \S+ ms clock, (\d+) bytes`)
	inits := 0
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		inits++
		if n, _ := strconv.Atoi(m[2]); n > maxBytes {
			t.Errorf("package %s allocates %d bytes when it starts (at most %d)", m[1], n, maxBytes)
		}
	}
	if inits < 10 {
		t.Fatalf("%d package inits traced; the trace format changed?\n%s", inits, stderr.String())
	}
}
