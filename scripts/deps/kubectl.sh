# The manifests in examples/kubernetes (integration/kubernetes_manifests_test.go)
# go through the real `kubectl apply --dry-run=client`; Debian ships kubectl
# in its kubernetes-client package. Any kubectl already on PATH will do: the
# test gives it an API server of its own.
if ! command -v kubectl >/dev/null; then
  apt_install "the Kubernetes example checks" kubernetes-client || true
fi
if command -v kubectl >/dev/null; then
  export MONITOR_TOKEN_REQUIRE_KUBECTL=1
else
  echo "make test: SKIPPING the Kubernetes example checks (integration/): no kubectl on this machine." >&2
fi
