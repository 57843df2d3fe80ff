package cellrun

import (
	"testing"

	"github.com/kmconform/kmconform/harness/matrix"
	"github.com/kmconform/kmconform/harness/notifjar"
)

// The handler JAR version follows the API-M release's documentation (matrix); the flag overrides it.
func TestJARVersionFollowsTheMatrix(t *testing.T) {
	m, err := matrix.Default()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"4.3.0": "2.0.3", "4.4.0": "2.0.3", "4.5.0": "2.0.5", "4.6.0": "2.0.5", "4.7.0": "2.1.3"}
	for apim, v := range want {
		cell, err := m.Cell("7.1.0", apim)
		if err != nil {
			t.Fatal(err)
		}
		if got := (Config{}).JARVersion(cell); got != v {
			t.Errorf("API-M %s: %s, want %s", apim, got, v)
		}
		if got := (Config{NotificationJARVersion: "9.9.9"}).JARVersion(cell); got != "9.9.9" {
			t.Errorf("API-M %s: the flag did not override: %s", apim, got)
		}
	}
	if got := (Config{}).JARVersion(matrix.Cell{}); got != notifjar.DefaultVersion {
		t.Errorf("no matrix version: %s", got)
	}
}
