// Package ibmcloud is what monitor-token needs of the IBM Cloud CLI: the
// plugin metadata the CLI reads when it installs the plugin, and the login
// session the CLI keeps in its config directory (docs/integrations.md,
// "ibmcloud plugin" and "ibmcloud session"). It does both without the CLI's
// SDK, which is heavy (cobra, i18n) for what is a JSON print and a JSON
// read.
package ibmcloud

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// The types mirror github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin v1.5.0:
// the wire keys are the SDK's Go field names (no tags), in its field order.
// A test decodes our output into the SDK's own type with unknown fields
// disallowed.

// Metadata is plugin.PluginMetadata.
type Metadata struct {
	Name                     string
	Aliases                  []string
	Version                  VersionType
	MinCliVersion            VersionType
	Namespaces               []Namespace
	Commands                 []Command
	SDKVersion               VersionType
	DelegateBashCompletion   bool
	PrivateEndpointSupported bool
	IsAccessFromVPC          bool
	IsCobraPlugin            bool
}

// VersionType is plugin.VersionType.
type VersionType struct {
	Major, Minor, Build int
}

// Namespace is plugin.Namespace.
type Namespace struct {
	ParentName  string
	Name        string
	Aliases     []string
	Description string
	Stage       string
}

// Command is plugin.Command.
type Command struct {
	Namespace   string
	Name        string
	Alias       string
	Aliases     []string
	Description string
	Usage       string
	Flags       []Flag
	Hidden      bool
	Stage       string
}

// Flag is plugin.Flag.
type Flag struct {
	Name        string
	Description string
	HasValue    bool
	Hidden      bool
}

// ParseMetadata reads plugin.json strictly: an unknown key is a mistake in
// the file, not something to pass on to the CLI.
func ParseMetadata(pluginJSON []byte) (Metadata, error) {
	var m Metadata
	dec := json.NewDecoder(bytes.NewReader(pluginJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return Metadata{}, fmt.Errorf("plugin.json: %w", err)
	}
	return m, nil
}

// RenderMetadata is what `monitor-token SendMetadata` prints: plugin.json
// with the build's version, on one line with no trailing newline, and
// nothing else (the CLI JSON-decodes stdout; docs/integrations.md, "ibmcloud
// plugin").
func RenderMetadata(pluginJSON []byte, version string) ([]byte, error) {
	m, err := ParseMetadata(pluginJSON)
	if err != nil {
		return nil, err
	}
	m.Version = ParseVersion(version)
	return json.Marshal(m)
}

// ParseVersion turns "v1.2.3", "1.2.3-rc.1+meta" or "v1.2.3-4-gabc" into
// Major 1, Minor 2, Build 3. Anything else (a bare commit, "devel") is
// 0.0.0: the CLI only compares versions, and an unknown one is the oldest.
func ParseVersion(v string) VersionType {
	v = strings.TrimPrefix(v, "v")
	if i := strings.IndexAny(v, "-+"); i >= 0 {
		v = v[:i]
	}
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return VersionType{}
	}
	var n [3]int
	for i, p := range parts {
		x, err := strconv.Atoi(p)
		if err != nil || x < 0 {
			return VersionType{}
		}
		n[i] = x
	}
	return VersionType{Major: n[0], Minor: n[1], Build: n[2]}
}
