package emulator

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/golang/snappy"
)

// The Prometheus remote-write receiver (docs/protocol.md, "Prometheus remote write"): the
// ingestion route that Prometheus, Grafana Alloy and the OpenTelemetry collector send to with
// the Monitor API token as bearer. It checks the credential and the wire format of Prometheus'
// remote write 1.0 (a snappy block holding a protobuf prometheus.WriteRequest, as in
// prompb/remote.proto and prompb/types.proto of github.com/prometheus/prometheus), counts what
// it accepted per bearer, and keeps nothing else: the samples themselves are dropped.

// RouteRemoteWrite is the ingestion route. On IBM Cloud it lives on its own host
// (ingest.prws.<region>...); the emulator serves it next to everything else.
const RouteRemoteWrite = "POST " + pathRemoteWrite

const pathRemoteWrite = "/prometheus/remote/write"

// Size bounds of a remote-write body. Prometheus sends at most a few thousand samples per
// request (queue_config.max_samples_per_send), far below these; the larger bound is for the
// body after snappy, which the snappy header announces before anything is decoded.
const (
	maxRemoteWriteBytes   = 8 << 20
	maxRemoteWriteDecoded = 32 << 20
)

// The media type and the proto parameter of a remote write 1.0 body. Remote write 2.0 names
// io.prometheus.write.v2.Request in the proto parameter; its specification has receivers that
// do not speak it answer 415, and this one does not.
const (
	remoteWriteMediaType = "application/x-protobuf"
	remoteWriteProtoV1   = "prometheus.WriteRequest"
)

// RemoteWriteCount is what the receiver accepted under one bearer.
type RemoteWriteCount struct {
	Requests int `json:"requests"`
	Samples  int `json:"samples"`
}

// BearerKey is the name the remote-write counts of a bearer go under: the first 12 hex digits of
// the SHA-256 of the token. The control API lists counts by it, so that a script can tell the
// old token's writes from the new one's without any token being printed; 48 bits of a hash
// tell a random token nothing back.
func BearerKey(bearer string) string {
	sum := sha256.Sum256([]byte(bearer))
	return hex.EncodeToString(sum[:6])
}

// RemoteWriteSamples returns how many samples the receiver accepted with bearer, since the
// start or the last ResetCounts.
func (e *Emulator) RemoteWriteSamples(bearer string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.remoteWrites[BearerKey(bearer)].Samples
}

// RemoteWriteCounts returns the accepted requests and samples of every bearer, by BearerKey.
func (e *Emulator) RemoteWriteCounts() map[string]RemoteWriteCount {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]RemoteWriteCount, len(e.remoteWrites))
	for k, v := range e.remoteWrites {
		out[k] = v
	}
	return out
}

// serveRemoteWrite is POST /prometheus/remote/write. The credential is checked first, as for
// the data routes (dataScope: a current Monitor API token alone, or an IAM token with
// IBMInstanceID on an IAM_ONLY instance), so that a writer without one learns nothing about
// the body it sent. Then 415 for a Content-Encoding other than snappy or a Content-Type other
// than remote write 1.0's, 413 for a body over the bounds, 400 for a body that is not a snappy
// block holding a WriteRequest, and 204 with no body for an accepted one, as Prometheus' own
// receiver answers. The error bodies have the {"message"} shape (docs/protocol.md, "Error
// bodies"); IBM does not document them for this route.
func (e *Emulator) serveRemoteWrite(w http.ResponseWriter, r *http.Request, body []byte, bodyErr error) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, messageBody("method not allowed"))
		return
	}
	if _, ok := e.dataScope(w, r); !ok {
		return
	}
	if msg := checkRemoteWriteHeaders(r.Header); msg != "" {
		writeJSON(w, http.StatusUnsupportedMediaType, messageBody(msg))
		return
	}
	if bodyErr != nil {
		writeJSON(w, http.StatusRequestEntityTooLarge,
			messageBody(fmt.Sprintf("request body larger than %d bytes", maxRemoteWriteBytes)))
		return
	}
	n, err := snappy.DecodedLen(body)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, messageBody("body is not a snappy block: "+err.Error()))
		return
	}
	if n > maxRemoteWriteDecoded {
		writeJSON(w, http.StatusRequestEntityTooLarge,
			messageBody(fmt.Sprintf("decoded body larger than %d bytes", maxRemoteWriteDecoded)))
		return
	}
	msg, err := snappy.Decode(nil, body)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, messageBody("body is not a snappy block: "+err.Error()))
		return
	}
	samples, err := countWriteRequestSamples(msg)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, messageBody("body is not a prometheus.WriteRequest: "+err.Error()))
		return
	}
	// dataScope accepted the bearer, so bearerToken has it.
	tok, _ := bearerToken(r.Header)
	e.countRemoteWrite(tok, samples)
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) countRemoteWrite(bearer string, samples int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	key := BearerKey(bearer)
	c := e.remoteWrites[key]
	c.Requests++
	c.Samples += samples
	e.remoteWrites[key] = c
}

// checkRemoteWriteHeaders returns why the body's encoding or type is not remote write 1.0's,
// or "". Content-Encoding must be the one value snappy (content codings are case-insensitive,
// RFC 9110 8.4.1); Content-Type application/x-protobuf, with a proto parameter, if any, naming
// prometheus.WriteRequest.
func checkRemoteWriteHeaders(h http.Header) string {
	enc := h.Values("Content-Encoding")
	if len(enc) != 1 || !strings.EqualFold(strings.TrimSpace(enc[0]), "snappy") {
		return "Content-Encoding must be snappy"
	}
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != remoteWriteMediaType {
		return "Content-Type must be " + remoteWriteMediaType
	}
	if proto, ok := params["proto"]; ok && proto != remoteWriteProtoV1 {
		return "only remote write 1.0 (proto=" + remoteWriteProtoV1 + ") is accepted"
	}
	return ""
}

// Protobuf wire types (protobuf.dev/programming-guides/encoding, "Message Structure"). Groups
// (3 and 4) are deprecated and appear in none of the remote-write messages, so they are refused.
const (
	wireVarint = 0
	wireI64    = 1
	wireLen    = 2
	wireI32    = 5
)

// countWriteRequestSamples counts the samples of a prometheus.WriteRequest, checking just
// enough of it to tell one from other bytes: field 1 is a repeated TimeSeries, field 3 a
// repeated MetricMetadata (which Prometheus sends in requests of its own, with no samples),
// and nothing else may appear (field 2 is reserved). An empty message is a valid, empty
// WriteRequest.
func countWriteRequestSamples(msg []byte) (int, error) {
	total := 0
	err := eachField(msg, func(num uint64, wire int, val []byte) error {
		switch num {
		case 1:
			if wire != wireLen {
				return fmt.Errorf("timeseries (field 1) has wire type %d, want %d", wire, wireLen)
			}
			n, err := countTimeSeriesSamples(val)
			if err != nil {
				return fmt.Errorf("timeseries: %w", err)
			}
			total += n
			return nil
		case 3:
			if wire != wireLen {
				return fmt.Errorf("metadata (field 3) has wire type %d, want %d", wire, wireLen)
			}
			return checkMessage(val, "metadata")
		default:
			return fmt.Errorf("field %d is not a field of prometheus.WriteRequest", num)
		}
	})
	return total, err
}

// countTimeSeriesSamples counts field 2 (repeated Sample) of a prometheus.TimeSeries. Fields
// 1 (labels), 3 (exemplars) and 4 (histograms) must be well-formed messages; others are refused.
func countTimeSeriesSamples(msg []byte) (int, error) {
	samples := 0
	err := eachField(msg, func(num uint64, wire int, val []byte) error {
		if num < 1 || num > 4 {
			return fmt.Errorf("field %d is not a field of prometheus.TimeSeries", num)
		}
		if wire != wireLen {
			return fmt.Errorf("field %d has wire type %d, want %d", num, wire, wireLen)
		}
		if num != 2 {
			return checkMessage(val, fmt.Sprintf("field %d", num))
		}
		if err := checkSample(val); err != nil {
			return err
		}
		samples++
		return nil
	})
	return samples, err
}

// checkSample checks a prometheus.Sample: field 1 a double (64-bit), field 2 an int64 timestamp
// (varint), nothing else.
func checkSample(msg []byte) error {
	return eachField(msg, func(num uint64, wire int, _ []byte) error {
		switch {
		case num == 1 && wire == wireI64, num == 2 && wire == wireVarint:
			return nil
		default:
			return fmt.Errorf("sample: field %d with wire type %d is not a field of prometheus.Sample", num, wire)
		}
	})
}

// checkMessage checks that msg is a sequence of well-formed protobuf fields.
func checkMessage(msg []byte, what string) error {
	if err := eachField(msg, func(uint64, int, []byte) error { return nil }); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

var errTruncated = errors.New("truncated protobuf field")

// eachField walks the fields of one protobuf message and calls fn with each field number,
// wire type and value: the payload of a length-delimited field, else the field's raw bytes.
func eachField(msg []byte, fn func(num uint64, wire int, val []byte) error) error {
	for len(msg) > 0 {
		tag, n := binary.Uvarint(msg)
		if n <= 0 {
			return errTruncated
		}
		msg = msg[n:]
		num, wire := tag>>3, int(tag&7)
		if num == 0 || num > 1<<29-1 {
			return fmt.Errorf("invalid field number %d", num)
		}
		var val []byte
		switch wire {
		case wireVarint:
			_, n := binary.Uvarint(msg)
			if n <= 0 {
				return errTruncated
			}
			val, msg = msg[:n], msg[n:]
		case wireI64, wireI32:
			size := 8
			if wire == wireI32 {
				size = 4
			}
			if len(msg) < size {
				return errTruncated
			}
			val, msg = msg[:size], msg[size:]
		case wireLen:
			size, n := binary.Uvarint(msg)
			if n <= 0 || size > uint64(len(msg)-n) {
				return errTruncated
			}
			msg = msg[n:]
			val, msg = msg[:size], msg[size:]
		default:
			return fmt.Errorf("field %d has wire type %d, which no remote-write message uses", num, wire)
		}
		if err := fn(num, wire, val); err != nil {
			return err
		}
	}
	return nil
}
