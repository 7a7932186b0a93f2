//go:build !linux

package proxy

import "net"

// PeerCheck: only Linux lists the owners of sockets where any user can read
// them; elsewhere every local user can reach a loopback listener, as the
// README says.
const PeerCheck = false

func peerOwner(net.Conn) (uid uint32, known bool, err error) { return 0, false, nil }
