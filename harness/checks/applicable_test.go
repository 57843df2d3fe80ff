package checks

import (
	"strings"
	"testing"

	"github.com/kmconform/kmconform/harness/results"
)

// A check that reads the products' files is not applicable where they cannot be read (the attach target);
// every other check is.
func TestApplicableWithoutFileAccess(t *testing.T) {
	files, http := &Check{ID: "setup.toml", Files: true}, &Check{ID: "issuer.agrees"}
	if v, ok := Applicable(files, false); ok || v.Outcome != results.NotApplicable || !strings.Contains(v.Message, "attach: deployment.toml not readable") {
		t.Errorf("a Files check without file access: %v %+v", ok, v)
	}
	for _, c := range []struct {
		ch     *Check
		access bool
	}{{files, true}, {http, false}, {http, true}} {
		if _, ok := Applicable(c.ch, c.access); !ok {
			t.Errorf("%s (files %v) with file access %v is not applicable", c.ch.ID, c.ch.Files, c.access)
		}
	}
}
