package emulator

import "fmt"

// DemoFacts is what a demo or a test needs to know about NewDemo's seeded emulator.
type DemoFacts struct {
	APIKey              string
	InstanceGUID        string // us-south, two teams
	IAMOnlyInstanceGUID string // eu-de, external_api_auth: IAM_ONLY
	DefaultTeamID       int    // default team of InstanceGUID
	OtherTeamID         int    // the other team of InstanceGUID
	CRN                 string // CRN of InstanceGUID (docs/protocol.md, "Instance CRN")
	// A trusted profile (profiles.go) trusting CRToken, also the profile linked to the VPC
	// instance that NewDemo enables (vpc.go). Its tokens act as a user of their own.
	TrustedProfileID   string
	TrustedProfileName string
	CRToken            string // a JWT-shaped compute-resource token, without a trailing newline
}

// Demo seeds. Team IDs are fixed (26055 is the example of docs/protocol.md, "Teams and current
// user"); keys, GUIDs and tokens are random on every call.
const (
	demoUserID        = 4567890
	demoUsername      = "demo.user@example.com"
	demoDefaultTeamID = 26055
	demoOtherTeamID   = 26056
	demoIAMOnlyTeamID = 31001

	demoProfileID     = "Profile-00000000-0000-4000-8000-0000000000aa"
	demoProfileName   = "monitor-reader"
	demoProfileUserID = 4567891
)

// NewDemo returns an emulator seeded with one API key, one normal instance in us-south with two
// teams (one default), one IAM_ONLY instance in eu-de, and one trusted profile trusting one
// random compute-resource token; the VPC metadata service is enabled with that profile linked
// to the instance.
func NewDemo() (*Emulator, DemoFacts) {
	e := New()
	facts := DemoFacts{
		APIKey:              newAPIKey(),
		InstanceGUID:        newUUID(),
		IAMOnlyInstanceGUID: newUUID(),
		DefaultTeamID:       demoDefaultTeamID,
		OtherTeamID:         demoOtherTeamID,
		TrustedProfileID:    demoProfileID,
		TrustedProfileName:  demoProfileName,
		CRToken:             newCRToken(),
	}
	facts.CRN = crn("us-south", newRequestID(), facts.InstanceGUID)
	e.AddAPIKey(facts.APIKey, demoUserID, demoUsername)
	e.AddInstance(Instance{GUID: facts.InstanceGUID, Region: "us-south", Teams: []Team{
		{ID: demoDefaultTeamID, Name: "Monitor Operations", Default: true},
		{ID: demoOtherTeamID, Name: "Platform Team"},
	}})
	e.AddInstance(Instance{GUID: facts.IAMOnlyInstanceGUID, Region: "eu-de", IAMOnly: true, Teams: []Team{
		{ID: demoIAMOnlyTeamID, Name: "IAM Only Operations", Default: true},
	}})
	e.AddTrustedProfile(TrustedProfile{ID: demoProfileID, Name: demoProfileName,
		CRTokens: []string{facts.CRToken}, UserID: demoProfileUserID})
	e.EnableVPC(demoProfileID)
	return e, facts
}

// crn builds the CRN of a Monitoring instance: region 6th field, GUID 8th (docs/protocol.md,
// "Instance CRN").
func crn(region, accountID, guid string) string {
	return fmt.Sprintf("crn:v1:bluemix:public:sysdig-monitor:%s:a/%s:%s::", region, accountID, guid)
}
