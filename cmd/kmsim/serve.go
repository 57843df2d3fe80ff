package main

import (
	"context"
	"fmt"
	"io"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/kmconform/kmconform/sim/carbonlog"
	"github.com/kmconform/kmconform/sim/defaulthome"
	"github.com/kmconform/kmconform/sim/faults"
	"github.com/kmconform/kmconform/sim/home"
	"github.com/kmconform/kmconform/sim/is"
	"github.com/kmconform/kmconform/sim/simnet"
)

// serveOptions is what the product servers take (is.Options and apim.Options have the same fields).
type serveOptions struct {
	version string
	bind    string
	hosts   simnet.Hosts
	log     *carbonlog.Logger
	ready   func()
	faults  faults.Set
	// organization is the organization IS plays as Asgardeo hosts it ("" none).
	organization string
}

// servers maps a product to its Serve; apim.go adds "apim".
var servers = map[string]func(context.Context, *home.Home, serveOptions) error{
	"is": func(ctx context.Context, h *home.Home, o serveOptions) error {
		return is.Serve(ctx, h, is.Options{Version: o.version, Bind: o.bind, Hosts: o.hosts, Log: o.log, Ready: o.ready, Faults: o.faults,
			Organization: o.organization})
	},
}

var productNames = map[string]string{"is": "WSO2 Identity Server", "apim": "WSO2 API Manager"}

// serve runs a product from its home until SIGTERM/SIGINT (CONTRACT: flags fall back to KMSIM_* env).
func serve(args []string, stdout io.Writer) error {
	fs := newFlags("serve")
	product := fs.String("product", "", "is or apim")
	ver := fs.String("version", "", "product version")
	dir := fs.String("home", "", "product home")
	bind := fs.String("bind", "", "listen address")
	hostsFlag := fs.String("hosts", "", "name=ip,… for outbound calls")
	faultFlag := fs.String("fault", "", "product regressions to play, comma-separated (see 'kmsim faults')")
	orgFlag := fs.String("organization", "", "IS only: play this organization under /t/<organization>/ as Asgardeo hosts one")
	delayFlag := fs.String("start-delay", "", "wait this long before serving, as a product takes to boot (e.g. 4s; the env form may name each product: is=4s,apim=8s)")
	if err := parse(fs, args); err != nil {
		return err
	}
	p := envOr(*product, "KMSIM_PRODUCT", "")
	v := envOr(*ver, "KMSIM_VERSION", "")
	d := envOr(*dir, "KMSIM_HOME", "")
	b := envOr(*bind, "KMSIM_BIND", "0.0.0.0")
	if err := defaulthome.CheckVersion(p, v); err != nil {
		return usageError{err.Error() + "."}
	}
	run, ok := servers[p]
	if !ok {
		return usageError{fmt.Sprintf("product %s is not built into this kmsim.", p)}
	}
	if d == "" {
		return usageError{"serve: --home (or KMSIM_HOME) is required."}
	}
	hosts, err := simnet.ParseHosts(envOr(*hostsFlag, "KMSIM_HOSTS", ""))
	if err != nil {
		return usageError{err.Error() + "."}
	}
	played, err := faults.Parse(envOr(*faultFlag, "KMSIM_FAULTS", ""), p)
	if err != nil {
		return usageError{err.Error() + "."}
	}
	org := envOr(*orgFlag, "KMSIM_ORGANIZATION", "")
	if org != "" && (p != "is" || strings.ContainsAny(org, "/?#. ")) {
		return usageError{fmt.Sprintf("serve: --organization %q applies to IS only and must be a plain name.", org)}
	}
	delay, err := startDelay(envOr(*delayFlag, "KMSIM_START_DELAY", ""), p)
	if err != nil {
		return usageError{err.Error() + "."}
	}
	log, err := carbonlog.Open(filepath.Join(d, filepath.FromSlash(home.CarbonLog)), stdout)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer log.Close()
	start := time.Now()
	log.Info("org.wso2.carbon.core.internal.CarbonCoreActivator", "Starting WSO2 Carbon...")
	log.Info("org.wso2.carbon.core.internal.CarbonCoreActivator", "%s %s (kmsim %s simulator) home: %s", productNames[p], v, version, d)
	h, err := home.Load(d)
	if err != nil {
		log.Error("org.wso2.carbon.core.init.CarbonServerManager", "Cannot start server: %v", err)
		return fmt.Errorf("serve: %w", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	ready := func() {
		log.Info("org.wso2.carbon.core.internal.StartupFinalizerServiceComponent",
			"WSO2 Carbon started in %d sec", int(time.Since(start).Seconds()))
	}
	for name := range played {
		log.Warn("org.wso2.carbon.core.internal.CarbonCoreActivator", "kmsim plays product fault %s: this server deliberately deviates from the product", name)
	}
	if delay > 0 {
		// A knob of the simulator alone (benchmarks): the ports stay closed for as long as a product boots.
		log.Info("org.wso2.carbon.core.internal.CarbonCoreActivator", "kmsim start delay: serving after %s", delay)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(delay):
		}
	}
	if org != "" {
		log.Info("org.wso2.carbon.core.internal.CarbonCoreActivator", "kmsim plays organization %s under /t/%s/ as Asgardeo hosts one", org, org)
	}
	err = run(ctx, h, serveOptions{version: v, bind: b, hosts: hosts, log: log, ready: ready, faults: played, organization: org})
	if err != nil {
		log.Error("org.wso2.carbon.core.init.CarbonServerManager", "Cannot start server: %v", err)
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// startDelay reads --start-delay: a duration, or product=duration pairs ("is=4s,apim=8s") of which the
// entry of this product applies (none: no delay).
func startDelay(spec, product string) (time.Duration, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return 0, nil
	}
	if !strings.Contains(spec, "=") {
		d, err := time.ParseDuration(spec)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("--start-delay %q: give a duration such as 4s, or is=4s,apim=8s", spec)
		}
		return d, nil
	}
	var out time.Duration
	for _, part := range strings.Split(spec, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		d, err := time.ParseDuration(value)
		if !ok || err != nil || d < 0 || (name != "is" && name != "apim") {
			return 0, fmt.Errorf("--start-delay %q: give a duration such as 4s, or is=4s,apim=8s", spec)
		}
		if name == product {
			out = d
		}
	}
	return out, nil
}
