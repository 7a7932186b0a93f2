// Package statuswriter remembers the status of an HTTP response as it is
// written, for request logs (the proxy's, the emulator's).
package statuswriter

import "net/http"

// Writer is an http.ResponseWriter that remembers the first status written
// (200 when the body starts without one). It passes Flush on, so a streamed
// response is not held back, and unwraps for http.ResponseController.
type Writer struct {
	http.ResponseWriter
	Status int
}

func (s *Writer) WriteHeader(code int) {
	// An interim answer (100 Continue, 103 Early Hints) comes before the
	// status that counts; 101 ends the exchange, and counts.
	if s.Status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		s.Status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *Writer) Write(b []byte) (int, error) {
	if s.Status == 0 {
		s.Status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Code is the status sent, or 200 when nothing was written (net/http then
// sends 200).
func (s *Writer) Code() int {
	if s.Status == 0 {
		return http.StatusOK
	}
	return s.Status
}

// Flush passes a flush on to the connection.
func (s *Writer) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (s *Writer) Unwrap() http.ResponseWriter { return s.ResponseWriter }
