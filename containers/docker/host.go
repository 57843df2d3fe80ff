package docker

import (
	"context"
	"net"
	"os"
	"strings"

	"github.com/moby/moby/client"
)

// dialHost is the address at which the harness reaches published ports, decided on the first Addr after a
// start and kept for the backend's life.
//
// testcontainers answers "localhost" for a local socket, except when /.dockerenv exists: then it assumes
// a container talking to its host's engine through a mounted socket and answers the default gateway. That
// is wrong when the engine runs inside the same container (a CI sandbox, docker-in-docker): the ports are
// published right here. The engine is here when the gateway of one of the container's networks is one of
// our own addresses.
func (b *Backend) dialHost(ctx context.Context, n *node) (string, error) {
	b.hostMu.Lock()
	defer b.hostMu.Unlock()
	if b.host != "" {
		return b.host, nil
	}
	host, err := n.ctr.Host(ctx)
	if err != nil {
		return "", err
	}
	_, override := os.LookupEnv("TESTCONTAINERS_HOST_OVERRIDE")
	if host == "localhost" || (!override && strings.HasPrefix(b.cli.DaemonHost(), "unix://") && b.engineIsLocal(ctx, n.id)) {
		host = "127.0.0.1" // published on IPv4; "localhost" may resolve to ::1 first
	}
	b.host = host
	return host, nil
}

func (b *Backend) engineIsLocal(ctx context.Context, id string) bool {
	res, err := b.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil || res.Container.NetworkSettings == nil {
		return false
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, ep := range res.Container.NetworkSettings.Networks {
		if ep == nil || !ep.Gateway.IsValid() {
			continue
		}
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && ipn.IP.String() == ep.Gateway.String() {
				return true
			}
		}
	}
	return false
}
