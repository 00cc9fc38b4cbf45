package web

import (
	"io/fs"
	"strings"
	"testing"
)

func TestLibrariesCarryTheirLicence(t *testing.T) {
	for name, fsys := range Libraries() {
		b, err := fs.ReadFile(fsys, "LICENSE")
		if err != nil {
			t.Errorf("%s: LICENSE: %v", name, err)
			continue
		}
		if !strings.Contains(strings.ToLower(string(b)), "copyright") {
			t.Errorf("%s: LICENSE has no copyright notice", name)
		}
		if _, err := fs.Stat(fsys, "LICENSE"); err != nil {
			t.Errorf("%s: stat LICENSE: %v", name, err)
		}
	}
}
