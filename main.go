// Command monitor-token keeps an IBM Cloud API key in the OS keyring and
// hands out the IBM Cloud Monitoring API token to whoever asks: the command
// line, ibmcloud, kubectl, git, curl and scripts. All of it lives in
// internal/app; main only wires the process to it.
package main

import (
	"context"
	_ "embed"
	"os"

	"github.com/monitor-token/monitor-token/internal/app"
	"github.com/monitor-token/monitor-token/internal/monitorapi"
	"github.com/monitor-token/monitor-token/internal/sdkgrant"
)

// pluginJSON is the ibmcloud plugin metadata; plugin.json is its one source.
//
//go:embed plugin.json
var pluginJSON []byte

func main() {
	ctx, stop := app.NotifyContext(context.Background())
	code := app.Run(ctx, app.Env{
		Args:       os.Args,
		Stdin:      os.Stdin,
		Stdout:     os.Stdout,
		Stderr:     os.Stderr,
		Environ:    os.Environ(),
		PluginJSON: pluginJSON,
		NewAPI:     newAPI,
	})
	stop()
	os.Exit(code)
}

// newAPI builds the service client with go-sdk-core's IAM grants: main is
// the one place that links go-sdk-core into the program.
func newAPI(userAgent string) *monitorapi.Client {
	c := monitorapi.New(userAgent)
	c.Grants = sdkgrant.Grants{}
	return c
}
