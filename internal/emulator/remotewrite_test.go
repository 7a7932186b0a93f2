package emulator

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/golang/snappy"
)

// Remote-write bodies, encoded by hand from prompb/types.proto and prompb/remote.proto of
// github.com/prometheus/prometheus, so that the test does not share the decoder's reading of
// the wire format (protobuf.dev/programming-guides/encoding). A tag byte is field<<3|wiretype.

// rwSample is a prometheus.Sample: value (field 1, 64-bit: tag 0x09) 1.0, little-endian, and
// timestamp (field 2, varint: tag 0x10) in milliseconds, 12 bytes in all.
const (
	rwSample1000 = "\x09\x00\x00\x00\x00\x00\x00\xf0\x3f" + "\x10\xe8\x07" // ts 1000
	rwSample2000 = "\x09\x00\x00\x00\x00\x00\x00\xf0\x3f" + "\x10\xd0\x0f" // ts 2000
	rwSample3000 = "\x09\x00\x00\x00\x00\x00\x00\xf0\x3f" + "\x10\xb8\x17" // ts 3000
)

// rwSeries is a prometheus.TimeSeries of 58 bytes: one label (field 1, tag 0x0a, 14 bytes:
// name "__name__" as field 1, value as field 2) and three samples (field 2, tag 0x12, 12 bytes
// each).
func rwSeries(metric string) string {
	if len(metric) != 2 {
		panic("the lengths below are for a two-letter metric name")
	}
	return "\x0a\x0e" + "\x0a\x08__name__" + "\x12\x02" + metric +
		"\x12\x0c" + rwSample1000 + "\x12\x0c" + rwSample2000 + "\x12\x0c" + rwSample3000
}

// rwTwoSeries is a prometheus.WriteRequest with two series (field 1, tag 0x0a, 58 = 0x3a bytes
// each) of three samples: 6 samples.
var rwTwoSeries = "\x0a\x3a" + rwSeries("up") + "\x0a\x3a" + rwSeries("go")

// rwMetadataOnly is a WriteRequest with one MetricMetadata (field 3, tag 0x1a: type (field 1) 1
// = counter, metric_family_name (field 2) "up") and no series, as Prometheus sends metadata.
const rwMetadataOnly = "\x1a\x06" + "\x08\x01" + "\x12\x02up"

func snappyBlock(s string) string { return string(snappy.Encode(nil, []byte(s))) }

var rwHeaders = []string{"Content-Encoding: snappy", "Content-Type: application/x-protobuf",
	"X-Prometheus-Remote-Write-Version: 0.1.0"}

func remoteWrite(body string, header ...string) wire {
	return wire{"POST", "/prometheus/remote/write", append(append([]string(nil), rwHeaders...), header...), body}
}

func rwHeadersWith(header ...string) []string {
	return append([]string{"X-Prometheus-Remote-Write-Version: 0.1.0"}, header...)
}

func TestRemoteWriteRequests(t *testing.T) {
	f := newFixture(t)
	valid := snappyBlock(rwTwoSeries)
	if len(rwTwoSeries) != 2+58+2+58 {
		t.Fatalf("hand-encoded WriteRequest is %d bytes, want 120", len(rwTwoSeries))
	}
	bad := func(msg string) string { return `{"message":` + jsonString(msg) + `}` }
	notRW := func(msg string) string { return bad("body is not a prometheus.WriteRequest: " + msg) }
	const snappyCorrupt = "body is not a snappy block: snappy: corrupt input"
	wrongEncoding := bad("Content-Encoding must be snappy")
	wrongType := bad("Content-Type must be application/x-protobuf")
	f.run(t, []wireCase{
		{"monitor token", remoteWrite(valid, "Authorization: Bearer {monitor}"), 204, ""},
		{"monitor token again", remoteWrite(valid, "Authorization: Bearer {monitor}"), 204, ""},
		{"other team's token", remoteWrite(valid, "Authorization: Bearer {monitor_other}"), 204, ""},
		{"metadata only", remoteWrite(snappyBlock(rwMetadataOnly), "Authorization: Bearer {monitor}"), 204, ""},
		{"proto parameter of 1.0", wire{"POST", "/prometheus/remote/write", rwHeadersWith("Authorization: Bearer {monitor}",
			"Content-Encoding: snappy", "Content-Type: application/x-protobuf;proto=prometheus.WriteRequest"), valid}, 204, ""},
		{"IAM token on IAM_ONLY instance", remoteWrite(valid, "Authorization: Bearer {iam}", "IBMInstanceID: {iamonly}"), 204, ""},

		{"reset token", remoteWrite(valid, "Authorization: Bearer {monitor_reset}"), 401, denied("invalid or reset API token")},
		{"unknown token", remoteWrite(valid, "Authorization: Bearer 11111111-2222-4333-8444-555555555555"), 401, denied("invalid or reset API token")},
		{"no token", remoteWrite(valid), 401, denied("missing Authorization header")},
		{"token of IAM_ONLY instance", remoteWrite(valid, "Authorization: Bearer {iamonly_monitor}"), 401,
			denied("API token authentication is disabled on this instance (IAM_ONLY)")},
		{"IAM token on normal instance", remoteWrite(valid, "Authorization: Bearer {iam}", "IBMInstanceID: {instance}"), 401,
			denied("use the Monitor API token: IAM tokens are accepted only by IAM_ONLY instances")},
		{"expired IAM token", remoteWrite(valid, "Authorization: Bearer {iam_expired}", "IBMInstanceID: {iamonly}"), 401, expiredIAMText},
		// The credential is checked before the body: no token, bad body, still 401.
		{"no token, bad body", remoteWrite("not snappy"), 401, denied("missing Authorization header")},

		{"gzip", wire{"POST", "/prometheus/remote/write", rwHeadersWith("Authorization: Bearer {monitor}",
			"Content-Encoding: gzip", "Content-Type: application/x-protobuf"), valid}, 415, wrongEncoding},
		{"no Content-Encoding", wire{"POST", "/prometheus/remote/write", rwHeadersWith("Authorization: Bearer {monitor}",
			"Content-Type: application/x-protobuf"), valid}, 415, wrongEncoding},
		{"snappy twice", wire{"POST", "/prometheus/remote/write", rwHeadersWith("Authorization: Bearer {monitor}",
			"Content-Encoding: snappy", "Content-Encoding: snappy", "Content-Type: application/x-protobuf"), valid}, 415, wrongEncoding},
		{"JSON", wire{"POST", "/prometheus/remote/write", rwHeadersWith("Authorization: Bearer {monitor}",
			"Content-Encoding: snappy", "Content-Type: application/json"), valid}, 415, wrongType},
		{"remote write 2.0", wire{"POST", "/prometheus/remote/write", rwHeadersWith("Authorization: Bearer {monitor}",
			"Content-Encoding: snappy", "Content-Type: application/x-protobuf;proto=io.prometheus.write.v2.Request"), valid}, 415,
			bad("only remote write 1.0 (proto=prometheus.WriteRequest) is accepted")},

		// Prometheus compresses with snappy's block format; the framed stream format (what
		// snappy.NewBufferedWriter writes, starting with its stream identifier) is not it.
		{"snappy stream format", remoteWrite("\xff\x06\x00\x00sNaPpY"+"\x01\x0a\x00\x00"+"\x00\x00\x00\x00"+"\x00\x00",
			"Authorization: Bearer {monitor}"), 400, bad(snappyCorrupt)},
		{"uncompressed protobuf", remoteWrite(rwTwoSeries, "Authorization: Bearer {monitor}"), 400, bad(snappyCorrupt)},
		{"empty body", remoteWrite("", "Authorization: Bearer {monitor}"), 400, bad(snappyCorrupt)},
		{"snappy text", remoteWrite(snappyBlock("hello"), "Authorization: Bearer {monitor}"), 400,
			notRW("field 13 is not a field of prometheus.WriteRequest")},
		{"reserved field 2", remoteWrite(snappyBlock("\x12\x00"), "Authorization: Bearer {monitor}"), 400,
			notRW("field 2 is not a field of prometheus.WriteRequest")},
		{"truncated", remoteWrite(snappyBlock(rwTwoSeries[:len(rwTwoSeries)-1]), "Authorization: Bearer {monitor}"), 400,
			notRW("truncated protobuf field")},
		{"truncated label", remoteWrite(snappyBlock("\x0a\x02"+"\x0a\x05"), "Authorization: Bearer {monitor}"), 400,
			notRW("timeseries: truncated protobuf field")},
		{"series as varint", remoteWrite(snappyBlock("\x08\x01"), "Authorization: Bearer {monitor}"), 400,
			notRW("timeseries (field 1) has wire type 0, want 2")},
		{"sample value as varint", remoteWrite(snappyBlock("\x0a\x04"+"\x12\x02"+"\x08\x01"), "Authorization: Bearer {monitor}"), 400,
			notRW("timeseries: sample: field 1 with wire type 0 is not a field of prometheus.Sample")},
		{"series field 5", remoteWrite(snappyBlock("\x0a\x02"+"\x2a\x00"), "Authorization: Bearer {monitor}"), 400,
			notRW("timeseries: field 5 is not a field of prometheus.TimeSeries")},
		{"group wire type", remoteWrite(snappyBlock("\x0b"), "Authorization: Bearer {monitor}"), 400,
			notRW("field 1 has wire type 3, which no remote-write message uses")},
		// A snappy header that announces 64 MiB: refused before anything is allocated.
		{"decoded too large", remoteWrite("\x80\x80\x80\x20", "Authorization: Bearer {monitor}"), 413,
			bad("decoded body larger than 33554432 bytes")},

		{"GET", wire{"GET", "/prometheus/remote/write", []string{"Authorization: Bearer {monitor}"}, ""}, 405, methodNotAllow},
		{"trailing slash", remoteWrite(valid, "Authorization: Bearer {monitor}").withPath("/prometheus/remote/write/"), 404, notFoundBody},
	})

	monitor, other := f.vars.Replace("{monitor}"), f.vars.Replace("{monitor_other}")
	iam := f.vars.Replace("{iam}")
	// Three accepted requests with 6 samples each and one with metadata alone under {monitor}:
	// rejected requests count nothing.
	if got := f.e.RemoteWriteSamples(monitor); got != 18 {
		t.Errorf("RemoteWriteSamples({monitor}) = %d, want 18", got)
	}
	if got := f.e.RemoteWriteSamples(other); got != 6 {
		t.Errorf("RemoteWriteSamples({monitor_other}) = %d, want 6", got)
	}
	if got := f.e.RemoteWriteSamples(f.vars.Replace("{monitor_reset}")); got != 0 {
		t.Errorf("RemoteWriteSamples({monitor_reset}) = %d, want 0", got)
	}
	if got := f.e.Count(RouteRemoteWrite); got != 30 {
		t.Errorf("Count(RouteRemoteWrite) = %d, want 30 (every request, refused ones too)", got)
	}

	res := f.do(t, monitorGet("/_emulator/remote-write"))
	want := map[string]RemoteWriteCount{
		BearerKey(monitor): {Requests: 4, Samples: 18},
		BearerKey(other):   {Requests: 1, Samples: 6},
		BearerKey(iam):     {Requests: 1, Samples: 6},
	}
	var got map[string]RemoteWriteCount
	if err := json.Unmarshal([]byte(res.body), &got); err != nil || res.status != http.StatusOK {
		t.Fatalf("GET /_emulator/remote-write: status %d body %s: %v", res.status, res.body, err)
	}
	if len(got) != len(want) {
		t.Errorf("remote-write counts = %s, want %v", res.body, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("remote-write counts[%s] = %+v, want %+v", k, got[k], v)
		}
	}
	for _, secret := range []string{monitor, other, iam} {
		if strings.Contains(res.body, secret) {
			t.Errorf("GET /_emulator/remote-write leaks a token %.8q...", secret)
		}
	}

	f.do(t, wire{"POST", "/_emulator/reset-counts", nil, ""})
	if got := f.e.RemoteWriteSamples(monitor); got != 0 {
		t.Errorf("after reset-counts, RemoteWriteSamples({monitor}) = %d, want 0", got)
	}
	res = f.do(t, monitorGet("/_emulator/remote-write"))
	if res.status != http.StatusOK || strings.TrimSpace(res.body) != "{}" {
		t.Errorf("after reset-counts, GET /_emulator/remote-write = %d %s, want 200 {}", res.status, res.body)
	}
}

// A reset moves the writes from the old token to the new one: the old token's count stops, the
// new one's starts, which is what a test of a watched token file reads.
func TestRemoteWriteAcrossReset(t *testing.T) {
	f := newFixture(t)
	body := snappyBlock(rwTwoSeries)
	old := f.e.MonitorToken(f.facts.InstanceGUID, f.facts.DefaultTeamID)
	send := func(tok string) int {
		t.Helper()
		return f.do(t, remoteWrite(body, "Authorization: Bearer "+tok)).status
	}
	if st := send(old); st != http.StatusNoContent {
		t.Fatalf("before reset: status %d, want 204", st)
	}
	res := f.do(t, wire{"POST", "/_emulator/reset-token?instance={instance}&team={team}", nil, ""})
	if res.status != http.StatusNoContent {
		t.Fatalf("reset-token: status %d", res.status)
	}
	if st := send(old); st != http.StatusUnauthorized {
		t.Errorf("old token after reset: status %d, want 401", st)
	}
	current := f.e.MonitorToken(f.facts.InstanceGUID, f.facts.DefaultTeamID)
	if st := send(current); st != http.StatusNoContent {
		t.Errorf("new token: status %d, want 204", st)
	}
	if a, b := f.e.RemoteWriteSamples(old), f.e.RemoteWriteSamples(current); a != 6 || b != 6 {
		t.Errorf("samples: old token %d, new token %d; want 6 and 6", a, b)
	}
}

func TestBearerKey(t *testing.T) {
	// SHA-256("abc") is FIPS 180-2's example: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad.
	if got := BearerKey("abc"); got != "ba7816bf8f01" {
		t.Errorf("BearerKey(abc) = %q, want ba7816bf8f01", got)
	}
}

// A body over maxRemoteWriteBytes is refused with 413 without being decoded; one just under
// passes the size check and fails as a body.
func TestRemoteWriteBodyLimit(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		size   int
		status int
	}{
		{maxRemoteWriteBytes + 1, http.StatusRequestEntityTooLarge},
		{maxRemoteWriteBytes, http.StatusBadRequest},
	} {
		res := f.do(t, remoteWrite(strings.Repeat("\x00", tc.size), "Authorization: Bearer {monitor}"))
		if res.status != tc.status {
			t.Errorf("%d-byte body: status %d, want %d (%s)", tc.size, res.status, tc.status, res.body)
		}
	}
}

func jsonString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}
