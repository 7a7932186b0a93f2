module github.com/monitor-token/monitor-token/integration/testdata/kubernetes/openapi-gen

go 1.26.0

require (
	github.com/google/gnostic-models v0.7.1
	google.golang.org/protobuf v1.36.12
)

require go.yaml.in/yaml/v3 v3.0.3 // indirect
