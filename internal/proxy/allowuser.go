package proxy

import (
	"errors"
	"fmt"
	"os/user"
	"strconv"
)

// LookupUser reads one --allow-user: a user name of this system, or a
// numeric uid (which need not have a name: a container's user, say). It
// returns the uid to add to ServeOptions.AllowedUIDs.
func LookupUser(nameOrUID string) (uint32, error) {
	if !PeerCheck {
		return 0, fmt.Errorf("--allow-user %s: this system cannot tell which user a connection comes from, so every local user can reach the proxy; leave --allow-user out", nameOrUID)
	}
	if nameOrUID == "" {
		return 0, errors.New("--allow-user: empty; give a user name or a numeric uid")
	}
	if isDigits(nameOrUID) {
		uid, err := strconv.ParseUint(nameOrUID, 10, 32)
		// (uid_t)-1 is no user: chown(2) and setreuid(2) read it as
		// "leave unchanged".
		if err != nil || uid == 1<<32-1 {
			return 0, fmt.Errorf("--allow-user %s: not a uid (0 to 4294967294); give a user name or a numeric uid", nameOrUID)
		}
		return uint32(uid), nil
	}
	u, err := user.Lookup(nameOrUID)
	var unknown user.UnknownUserError
	if errors.As(err, &unknown) {
		return 0, fmt.Errorf("--allow-user %s: no such user on this system; give a user name or a numeric uid", nameOrUID)
	}
	if err != nil {
		return 0, fmt.Errorf("--allow-user %s: cannot look the user up: %w; give a numeric uid instead", nameOrUID, err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("--allow-user %s: the system gives uid %q, which is not a number; give a numeric uid instead", nameOrUID, u.Uid)
	}
	return uint32(uid), nil
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
