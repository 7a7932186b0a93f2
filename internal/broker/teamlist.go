package broker

import (
	"context"
	"encoding/json"

	"github.com/monitor-token/monitor-token/internal/monitorapi"
	"github.com/monitor-token/monitor-token/internal/profile"
)

// TeamsItem is the file-cache item of the teams `teams` last listed for a
// profile, kept so that `--team <TAB>` can offer them without a request.
// It names ids and team names, no secret. It lives in the cache directory
// under the same rule as the token files (internal/trustedpath), through
// filecache, and goes with the profile's logout.
func TeamsItem(profile string) string { return profile + "/teams" }

type teamList struct {
	Endpoint   string            `json:"endpoint"`
	InstanceID string            `json:"instance_id"`
	Teams      []monitorapi.Team `json:"teams"`
}

// KeepTeams stores teams for p. It is a convenience for completion, so the
// caller decides what a failure is worth.
func (b *Broker) KeepTeams(ctx context.Context, p profile.Profile, teams []monitorapi.Team) error {
	if b.CacheDir == "" {
		return b.noCacheDir()
	}
	data, err := json.Marshal(teamList{Endpoint: p.Endpoint, InstanceID: p.InstanceID, Teams: teams})
	if err != nil {
		return err
	}
	return b.plainFiles().Set(ctx, TeamsItem(p.Name), string(data))
}

// KeptTeams is the list kept for p, if it was listed for p's endpoint and
// instance; nil otherwise, whatever the reason.
func (b *Broker) KeptTeams(ctx context.Context, p profile.Profile) []monitorapi.Team {
	if b.CacheDir == "" {
		return nil
	}
	raw, err := b.plainFiles().Get(ctx, TeamsItem(p.Name))
	var l teamList
	if err != nil || json.Unmarshal([]byte(raw), &l) != nil || l.Endpoint != p.Endpoint || l.InstanceID != p.InstanceID {
		return nil
	}
	return l.Teams
}
