package checks

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/kmconform/kmconform/harness/fixture"
	"github.com/kmconform/kmconform/harness/intervals"
)

func init() { register(revocationLatency) }

// LatencySamples is how many revocations revocation.latency times per cell.
const LatencySamples = 10

// Measurement names of revocation.latency: the matrix report reads them from results.json.
const (
	MeasureLatencyP50     = "revocation-latency-p50-ms"
	MeasureLatencyP95     = "revocation-latency-p95-ms"
	MeasureLatencyMax     = "revocation-latency-max-ms"
	MeasureLatencySamples = "revocation-latency-samples"
)

// One revocation says little about how long a revoked token stays usable; WSO2's own suite only polls a
// fixed 30 s (raised to 180 s) and records nothing. The distribution of the time from the revoke call to
// the gateway's first refusal, per cell, is what a release engineer compares across versions.
var revocationLatency = &Check{
	ID: "revocation.latency", Area: "revocation", Capability: "revocation.notify", Level: MUST,
	Title: "ten self-validated JWTs revoked at IS are each refused by the gateway within the revocation interval; the time from revoke call to first refusal is reported as p50, p95 and max",
	Refs: []string{"RFC 7009 §2", "API-M docs: Configure WSO2 IS 7 as a Key Manager (token revocation event listener)",
		"wso2/product-apim integration-v2 is7_key_manager_boot.feature (revocation polled, latency not recorded)"},
	Fixtures: []string{fixture.ISApp.Name},
	Faults:   notifyProofs,
	Run: func(c *C) {
		e := c.Env
		app := Shared(c, fixture.ISApp)
		iv := intervals.Get(intervals.Revocation)
		var samples []time.Duration
		for i := range LatencySamples {
			tok, err := e.IS.ClientCredentials(c.ctx, e.Discovery.TokenEndpoint, app.ConsumerKey, app.ConsumerSecret)
			c.NoErr(err, "get client_credentials token %d from IS", i+1)
			expectGatewayAccepts(c, tok.AccessToken, "the token before revocation")
			revokedAt := time.Now()
			c.NoErr(e.IS.Revoke(c.ctx, e.Discovery.RevocationEndpoint, app.ConsumerKey, app.ConsumerSecret, tok.AccessToken, "access_token"),
				"revoke token %d at IS", i+1)
			what := fmt.Sprintf("revoked token %d of %d", i+1, LatencySamples)
			r := awaitRevokedJWT(c, e.APIPath, tok.AccessToken, what, revokedAt)
			samples = append(samples, r.Elapsed)
			// After the refusal, so that the introspection call does not delay the measured poll.
			expectInactiveAtIS(c, tok.AccessToken, what)
		}
		p50, p95, worst := percentile(samples, 50), percentile(samples, 95), slices.Max(samples)
		c.Measure(MeasureLatencyP50, latencyMs(p50))
		c.Measure(MeasureLatencyP95, latencyMs(p95))
		c.Measure(MeasureLatencyMax, latencyMs(worst))
		c.Measure(MeasureLatencySamples, float64(len(samples)))
		c.Logf("revocation latency over %d revocations (polled every %s): p50 %.1f ms, p95 %.1f ms, max %.1f ms — figures of this run's target (results.json \"target\"): a simulator figure says nothing about the products",
			len(samples), iv.Poll, latencyMs(p50), latencyMs(p95), latencyMs(worst))
	},
}

// percentile is the nearest-rank percentile (p in 1..100) of the samples.
func percentile(samples []time.Duration, p float64) time.Duration {
	s := slices.Clone(samples)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	return s[max(rank, 1)-1]
}

func latencyMs(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}
