package main

import (
	"context"

	"github.com/kmconform/kmconform/sim/apim"
	"github.com/kmconform/kmconform/sim/home"
)

// The API-M simulator lives in its own file so that kmsim can be built without it.
func init() {
	servers["apim"] = func(ctx context.Context, h *home.Home, o serveOptions) error {
		return apim.Serve(ctx, h, apim.Options{Version: o.version, Bind: o.bind, Hosts: o.hosts, Log: o.log, Ready: o.ready, Faults: o.faults})
	}
}
