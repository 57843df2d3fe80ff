package intervals

import (
	"strings"
	"testing"
	"time"
)

func TestOverride(t *testing.T) {
	defer Reset()
	if err := Override("revocation=60s/250ms, apim-ready=15m"); err != nil {
		t.Fatal(err)
	}
	if got := Get(Revocation); got.Timeout != time.Minute || got.Poll != 250*time.Millisecond {
		t.Errorf("revocation = %+v", got)
	}
	if got := Get(APIMReady); got.Timeout != 15*time.Minute || got.Poll != defaults[APIMReady].Poll {
		t.Errorf("apim-ready = %+v", got)
	}
	Reset()
	if Get(Revocation) != defaults[Revocation] {
		t.Error("reset did not restore the default")
	}
}

func TestOverrideErrorsSayWhatToDo(t *testing.T) {
	defer Reset()
	for spec, want := range map[string]string{
		"nope=1s":          "known intervals are",
		"revocation":       "want name=timeout",
		"revocation=fast":  "positive duration",
		"revocation=1s/-1": "positive duration",
	} {
		err := Override(spec)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", spec, err, want)
		}
	}
	if Get(Revocation) != defaults[Revocation] {
		t.Error("a failed override changed a value")
	}
}
