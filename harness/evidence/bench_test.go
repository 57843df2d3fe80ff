package evidence

import (
	"strings"
	"testing"
)

// BenchmarkRedactTranscript measures masking one HTTP exchange as the transcript writes it; every call of a
// run goes through it, so it must stay well below a product call's latency (goal: < 2 ms per 4 KiB).
func BenchmarkRedactTranscript(b *testing.B) {
	exchange := strings.Repeat(`{"consumerKey":"ck","consumerSecret":"s3cr3t","keyManager":"kmconform-is7","supportedGrantTypes":["client_credentials"]}`+"\n", 32) +
		"Authorization: Basic YWRtaW46YWRtaW4=\n"
	b.SetBytes(int64(len(exchange)))
	b.ReportAllocs()
	for b.Loop() {
		_ = Redact(exchange)
	}
}

// BenchmarkRedactProductLog measures masking a product log of 1 MiB when evidence is saved (goal: < 20 ms;
// logs of a failed nightly can reach hundreds of MiB).
func BenchmarkRedactProductLog(b *testing.B) {
	line := "[2026-11-23 02:42:27,123]  INFO {org.wso2.carbon.identity.oauth2} - token issued for client_id abc jti 1234\n"
	log := strings.Repeat(line, (1<<20)/len(line))
	b.SetBytes(int64(len(log)))
	b.ReportAllocs()
	for b.Loop() {
		_ = Redact(log)
	}
}
