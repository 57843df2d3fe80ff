package wso2am

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

// devportal-api-v3.yaml ApplicationKeyMappingRequest: consumerKey and keyType required; the answer is an
// ApplicationKey whose mode is MAPPED.
func TestMapKeys(t *testing.T) {
	answer := `{"keyMappingId":"map-2","keyManager":"is7","consumerKey":"ck-2","consumerSecret":"cs-2",
 "supportedGrantTypes":["client_credentials"],"keyState":"APPROVED","keyType":"PRODUCTION","mode":"MAPPED"}`
	c, f := newFake(t, map[string]reply{
		"POST " + DevportalPath + "/applications/app-1/map-keys": {status: 200, body: answer},
		"POST " + DevportalPath + "/applications/app-2/map-keys": {status: 500,
			body: `{"code":500,"message":"Internal server error","description":"The secret key is wrong for the given consumer key ck-2"}`},
	})
	k, err := c.MapKeys(context.Background(), "app-1", KeyMapping{ConsumerKey: "ck-2", ConsumerSecret: "cs-2", KeyManager: "is7"})
	if err != nil {
		t.Fatal(err)
	}
	s := f.only()
	wantAdmin(t, s)
	want := map[string]any{"consumerKey": "ck-2", "consumerSecret": "cs-2", "keyManager": "is7", "keyType": "PRODUCTION"}
	if got := s.json(t); !reflect.DeepEqual(got, want) {
		t.Errorf("body sent:\n got %v\nwant %v", got, want)
	}
	if k.Mode != "MAPPED" || k.KeyMappingID != "map-2" || k.ConsumerKey != "ck-2" {
		t.Errorf("key = %+v", k)
	}
	_, err = c.MapKeys(context.Background(), "app-2", KeyMapping{ConsumerKey: "ck-2", ConsumerSecret: "wrong"})
	var re *RESTError
	if !errors.As(err, &re) || re.Status != 500 || re.Description != "The secret key is wrong for the given consumer key ck-2" {
		t.Errorf("refusal = %v", err)
	}
}
