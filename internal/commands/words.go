package commands

import "github.com/monitor-token/monitor-token/internal/profile"

// The words status and profiles use for who chose the default profile.

// Why a profile is the default, as status and profiles say it: who chose
// the name (profile.Resolver.Name's from).
const (
	whyFlag    = "--profile"
	whyVar     = profile.VarProfile
	whyUse     = "use"     // the config file's default, which `use` stores
	whyBuiltin = "default" // nothing chose: the name "default"
)

func defaultWhy(from string) string {
	if from == "" {
		return whyBuiltin
	}
	return from
}

// whyText says in words who made a profile the default.
func whyText(from string) string {
	switch defaultWhy(from) {
	case whyFlag:
		return "from --profile"
	case whyVar:
		return "from " + profile.VarProfile
	case whyUse:
		return "set by `use`"
	}
	return "the name \"default\": no --profile, " + profile.VarProfile + " or `use`"
}
