package wso2is

import (
	"strings"
	"testing"
)

func TestPKCES256AppendixB(t *testing.T) {
	// RFC 7636 Appendix B.
	p, err := PKCES256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
	if err != nil {
		t.Fatal(err)
	}
	if p.Challenge != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" || p.Method != "S256" {
		t.Errorf("challenge = %q method %q", p.Challenge, p.Method)
	}
}

func TestNewPKCE(t *testing.T) {
	a, err := NewPKCE()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewPKCE()
	if len(a.Verifier) != 43 || a.Verifier == b.Verifier || a.Method != "S256" {
		t.Errorf("verifier %q (%d chars), second %q", a.Verifier, len(a.Verifier), b.Verifier)
	}
	again, _ := PKCES256(a.Verifier)
	if again.Challenge != a.Challenge || a.Challenge == a.Verifier {
		t.Errorf("challenge %q does not derive from the verifier", a.Challenge)
	}
}

func TestPKCEVerifierRules(t *testing.T) {
	for _, tc := range []struct {
		v, want string
	}{
		{strings.Repeat("a", 42), "42 characters"},
		{strings.Repeat("a", 129), "129 characters"},
		{strings.Repeat("a", 42) + "+", `character '+'`},
	} {
		if _, err := PKCES256(tc.v); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("PKCES256(%d chars) = %v, want %q", len(tc.v), err, tc.want)
		}
	}
	if p, err := PKCEPlain(strings.Repeat("a", 128)); err != nil || p.Challenge != p.Verifier || p.Method != "plain" {
		t.Errorf("plain = %+v, %v", p, err)
	}
}
