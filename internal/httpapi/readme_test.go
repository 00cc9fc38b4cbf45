package httpapi

import (
	"bytes"
	"os"
	"testing"
)

// TestReadmeListsBadInputs keeps the README's bad-input table equal to the one TestBadInput
// writes from the cases it really sends.
func TestReadmeListsBadInputs(t *testing.T) {
	table, err := os.ReadFile("testdata/bad_inputs.md")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(readme, bytes.TrimSpace(table)) {
		t.Error("README.md does not contain testdata/bad_inputs.md verbatim; copy the regenerated table into its \"Bad input\" section")
	}
}
