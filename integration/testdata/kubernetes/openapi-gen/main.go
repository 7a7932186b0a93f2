// openapi-gen makes ../openapi-v2-v1.32.4.pb.gz, the schema the integration
// tests' API server gives kubectl (integration/kubernetes_manifests_test.go):
// Kubernetes' own OpenAPI v2 document (api/openapi-spec/swagger.json in the
// k8s.io/kubernetes module), cut to the definitions of the core, apps and
// batch v1 groups and apimachinery, with no operations, in the protobuf form
// kubectl fetches from /openapi/v2 (gnostic's openapi_v2.Document). A
// module of its own, so the project's go.mod does not carry gnostic:
//
//	go mod download -json k8s.io/kubernetes@v1.32.4   # prints its Dir
//	go run . DIR/api/openapi-spec/swagger.json >../openapi-v2-v1.32.4.pb.gz
package main

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"regexp"

	openapi_v2 "github.com/google/gnostic-models/openapiv2"
	"google.golang.org/protobuf/proto"
)

// kept are the definitions the examples' kinds need, and what they refer to.
var kept = regexp.MustCompile(`^io\.k8s\.(api\.(core|apps|batch)\.v1|apimachinery)\.`)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "openapi-gen:", err)
		os.Exit(1)
	}
}

func run() error {
	if len(os.Args) != 2 {
		return fmt.Errorf("usage: openapi-gen PATH/TO/swagger.json >OUT.pb.gz")
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		return err
	}
	var full map[string]json.RawMessage
	if err := json.Unmarshal(raw, &full); err != nil {
		return err
	}
	var defs map[string]json.RawMessage
	if err := json.Unmarshal(full["definitions"], &defs); err != nil {
		return err
	}
	for name := range defs {
		if !kept.MatchString(name) {
			delete(defs, name)
		}
	}
	d, err := json.Marshal(defs)
	if err != nil {
		return err
	}
	// No paths: kubectl then finds no fieldValidation parameter and
	// validates on its own, as a dry run needs.
	cut, err := json.Marshal(map[string]json.RawMessage{"swagger": full["swagger"], "info": full["info"], "paths": json.RawMessage("{}"), "definitions": d})
	if err != nil {
		return err
	}
	doc, err := openapi_v2.ParseDocument(cut)
	if err != nil {
		return err
	}
	pb, err := proto.Marshal(doc)
	if err != nil {
		return err
	}
	zw, err := gzip.NewWriterLevel(os.Stdout, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(pb); err != nil {
		return err
	}
	return zw.Close()
}
