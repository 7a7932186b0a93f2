package app

import (
	"context"

	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/internal/monitorapi"
	"github.com/monitor-token/monitor-token/internal/profile"
)

// saveTeamList keeps the teams `teams` listed, so that `--team <TAB>` can
// offer them without a request (broker.TeamsItem). It is a convenience for
// completion: a failure is said on --debug only.
func (p *program) saveTeamList(ctx context.Context, b *broker.Broker, prof profile.Profile, teams []monitorapi.Team) {
	if err := b.KeepTeams(ctx, prof, teams); err != nil {
		p.debugf("the team list of profile %q was not kept for completion: %v", prof.Name, err)
	}
}
