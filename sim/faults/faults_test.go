package faults

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	s, err := Parse(" is-token-iss-mismatch ,,", "is")
	if err != nil || !s.On("is-token-iss-mismatch") || s.On("is-sign-with-unpublished-key") {
		t.Fatalf("s = %v, err = %v", s, err)
	}
	if _, err := Parse("gremlins", "is"); err == nil || !strings.Contains(err.Error(), "is-sign-with-unpublished-key") {
		t.Errorf("unknown fault: %v", err)
	}
	if _, err := Parse("apim-notify-ignores-revocation", "is"); err == nil || !strings.Contains(err.Error(), "played by apim") {
		t.Errorf("other product's fault: %v", err)
	}
	var none Set
	if none.On("anything") {
		t.Error("a nil set plays a fault")
	}
}

func TestDoc(t *testing.T) {
	if got := Doc("is-token-iss-mismatch"); !strings.HasPrefix(got, "IS writes the tenant-qualified issuer") {
		t.Errorf("Doc(is-token-iss-mismatch) = %q", got)
	}
	if got := Doc("no-such-fault"); got != "" {
		t.Errorf("Doc(no-such-fault) = %q, want empty", got)
	}
}
