package sdkgrant_test

import (
	"github.com/monitor-token/monitor-token/internal/monitorapi"
	"github.com/monitor-token/monitor-token/internal/sdkgrant"
)

// Grants is what monitorapi needs; the client's tests run every grant
// against the emulator through it.
var _ monitorapi.Grants = sdkgrant.Grants{}
