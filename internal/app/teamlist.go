package app

import (
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/monitor-token/monitor-token/internal/atomicfile"
	"github.com/monitor-token/monitor-token/internal/config"
	"github.com/monitor-token/monitor-token/internal/monitorapi"
	"github.com/monitor-token/monitor-token/internal/privatedir"
	"github.com/monitor-token/monitor-token/internal/profile"
)

// The teams `teams` last listed for a profile, kept so that `--team <TAB>`
// can offer them without a request: a TAB never goes to the network. The
// list names ids and team names, no secret, and is bound to the endpoint
// and instance it was listed for. It lives in the cache directory beside
// the fetch locks, under the same rule (internal/privatedir), and goes with
// the profile's logout.

const teamListSuffix = ".teams.json"

// maxTeamList bounds what a read takes: a list of teams is a few KiB.
const maxTeamList = 1 << 20

type teamList struct {
	Endpoint   string            `json:"endpoint"`
	InstanceID string            `json:"instance_id"`
	Teams      []monitorapi.Team `json:"teams"`
}

func teamListPath(dir, name string) string { return filepath.Join(dir, name+teamListSuffix) }

// saveTeamList keeps teams for prof. It is a convenience for completion:
// a failure is said on --debug only.
func (p *program) saveTeamList(prof profile.Profile, teams []monitorapi.Team) {
	dir, err := config.CacheDir(p.getenv)
	if err == nil {
		err = privatedir.Ensure(dir)
	}
	var data []byte
	if err == nil {
		data, err = json.Marshal(teamList{Endpoint: prof.Endpoint, InstanceID: prof.InstanceID, Teams: teams})
	}
	if err == nil {
		err = atomicfile.Write(teamListPath(dir, prof.Name), data, 0o600)
	}
	if err != nil {
		p.debugf("the team list of profile %q was not kept for completion: %v", prof.Name, err)
	}
}

// loadTeamList is the list kept for prof, if it was listed for prof's
// endpoint and instance.
func (p *program) loadTeamList(prof profile.Profile) []monitorapi.Team {
	dir, err := config.CacheDir(p.getenv)
	if err != nil || privatedir.Check(dir) != nil {
		return nil
	}
	f, err := privatedir.OpenFile(teamListPath(dir, prof.Name), os.O_RDONLY, 0, false)
	if err != nil {
		return nil
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxTeamList))
	var l teamList
	if err != nil || json.Unmarshal(data, &l) != nil || l.Endpoint != prof.Endpoint || l.InstanceID != prof.InstanceID {
		return nil
	}
	return l.Teams
}

// dropTeamLists removes the kept list of the profile called name, or with
// name "" every kept list, from a cache directory privatedir accepts.
func (p *program) dropTeamLists(name string) error {
	dir, err := config.CacheDir(p.getenv)
	if err != nil || privatedir.Check(dir) != nil {
		// No directory, or one logout already refused and said so.
		return nil
	}
	if name != "" {
		return removeRegular(teamListPath(dir, name))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), teamListSuffix); ok && e.Type().IsRegular() && config.ValidProfileName(n) == nil {
			errs = append(errs, removeRegular(filepath.Join(dir, e.Name())))
		}
	}
	return errors.Join(errs...)
}

func removeRegular(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
