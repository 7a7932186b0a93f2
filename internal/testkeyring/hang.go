package testkeyring

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/godbus/dbus/v5"
)

// secretsName is the bus name of the freedesktop Secret Service.
const secretsName = "org.freedesktop.secrets"

// startHanging puts on the session's bus a stand-in Secret Service that
// owns org.freedesktop.secrets and never answers a method call: the caller
// waits until its own deadline, as with a locked keyring whose unlock prompt
// nobody answers (docs/keyring.md, "Failure modes": it blocks forever).
//
// godbus dispatches every incoming method call in a goroutine of its own
// (Conn.inWorker: go conn.handleCall(msg)) and sends the reply or the error
// only when Method.Call returns. The handler here resolves any object path,
// any interface and any member to one method whose Call blocks until the
// connection closes, so no reply and no error is ever sent while the
// stand-in runs. The only exception is org.freedesktop.DBus.Peer (Ping,
// GetMachineId), which godbus answers itself before it consults a handler,
// as libdbus and GDBus do for every connection.
func (s *Session) startHanging() error {
	h := &hangHandler{done: make(chan struct{})}
	conn, err := dbus.Connect(s.Address, dbus.WithHandler(h))
	if err != nil {
		return fmt.Errorf("hanging Secret Service: connect to the test bus: %w", err)
	}
	reply, err := conn.RequestName(secretsName, dbus.NameFlagDoNotQueue)
	if err == nil && reply != dbus.RequestNameReplyPrimaryOwner {
		err = fmt.Errorf("RequestName replied %v, want primary owner", reply)
	}
	if err != nil {
		conn.Close()
		h.wait()
		return fmt.Errorf("hanging Secret Service: own %s: %w", secretsName, err)
	}
	s.hang, s.hangConn = h, conn
	return nil
}

// stopHanging closes the stand-in's connection, which releases every call
// it holds, and waits until they have returned. A released call's error
// reply is dropped by godbus, whose output side is closed by then.
func (s *Session) stopHanging() {
	if s.hangConn == nil {
		return
	}
	s.hangConn.Close() // calls hangHandler.Terminate
	s.hang.wait()
	s.hang, s.hangConn = nil, nil
}

// hangCalls reports how many method calls the stand-in has received, so a
// test can tell that a client reached it (and was left waiting) rather than
// failing somewhere before.
func (s *Session) hangCalls() int64 {
	if s.hang == nil {
		return 0
	}
	return s.hang.calls.Load()
}

// errStopped is what a held call returns once the stand-in stops; godbus
// would turn it into an error reply, but by then it can no longer send.
var errStopped = errors.New("testkeyring: hanging Secret Service stopped")

// hangHandler is a dbus.Handler, dbus.ServerObject, dbus.Interface and
// dbus.Method at once: every lookup succeeds and every call blocks.
type hangHandler struct {
	done     chan struct{} // closed by Terminate
	stopOnce sync.Once
	held     sync.WaitGroup // calls inside Call
	mu       sync.Mutex     // orders held.Add against Terminate's close
	stopped  bool
	calls    atomic.Int64
}

var (
	_ dbus.Handler         = (*hangHandler)(nil)
	_ dbus.ServerObject    = (*hangHandler)(nil)
	_ dbus.Interface       = (*hangHandler)(nil)
	_ dbus.Method          = (*hangHandler)(nil)
	_ dbus.ArgumentDecoder = (*hangHandler)(nil)
	_ dbus.Terminator      = (*hangHandler)(nil)
)

func (h *hangHandler) LookupObject(dbus.ObjectPath) (dbus.ServerObject, bool) { return h, true }
func (h *hangHandler) LookupInterface(string) (dbus.Interface, bool)          { return h, true }
func (h *hangHandler) LookupMethod(string) (dbus.Method, bool)                { return h, true }

// DecodeArguments accepts any body, so no call is refused for its
// signature (godbus would otherwise answer InvalidArgs).
func (h *hangHandler) DecodeArguments(*dbus.Conn, string, *dbus.Message, []any) ([]any, error) {
	return nil, nil
}

// Call holds the caller until the stand-in stops.
func (h *hangHandler) Call(...any) ([]any, error) {
	h.calls.Add(1)
	h.mu.Lock()
	if h.stopped {
		h.mu.Unlock()
		return nil, errStopped
	}
	h.held.Add(1)
	h.mu.Unlock()
	defer h.held.Done()
	<-h.done
	return nil, errStopped
}

func (h *hangHandler) NumArguments() int     { return 0 }
func (h *hangHandler) NumReturns() int       { return 0 }
func (h *hangHandler) ArgumentValue(int) any { return nil }
func (h *hangHandler) ReturnValue(int) any   { return nil }

// Terminate is called by godbus when the connection closes, whether by
// Stop or because the bus went away.
func (h *hangHandler) Terminate() {
	h.stopOnce.Do(func() {
		h.mu.Lock()
		h.stopped = true
		h.mu.Unlock()
		close(h.done)
	})
}

// wait returns once every held call has been released.
func (h *hangHandler) wait() {
	h.Terminate()
	h.held.Wait()
}
