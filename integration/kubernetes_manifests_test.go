package integration

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// The manifests in examples/kubernetes go through the real
// `kubectl apply --dry-run=client`. kubectl needs an API server even then:
// it maps each kind to its resource through the server's discovery
// documents (/api, /apis), GETs the object to compute the patch (a 404 is a
// create), and validates the object against the server's OpenAPI v2 schema,
// which it fetches as protobuf from /openapi/v2. apiServer plays that
// server with Kubernetes v1.32's own schema
// (testdata/kubernetes/README.md), so a misspelt or misplaced field is
// refused by kubectl as a cluster would refuse it, without --validate=false.

// manifestObjects is what each example file holds, as
// `kubectl apply -o name` prints it.
var manifestObjects = map[string][]string{
	"job.yaml": {
		"serviceaccount/monitoring-reporter",
		"job.batch/monitoring-report",
	},
	"prometheus.yaml": {
		"serviceaccount/prometheus-remote-write",
		"configmap/prometheus-remote-write",
		"deployment.apps/prometheus-remote-write",
	},
}

func TestKubernetesManifestsApply(t *testing.T) {
	kubectl := requireKubectl(t)
	files, err := filepath.Glob("../examples/kubernetes/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	var want []string
	for name := range manifestObjects {
		want = append(want, name)
	}
	sort.Strings(want)
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("examples/kubernetes holds %q; this test knows %q: add the new file's objects to manifestObjects", names, want)
	}
	kc := newDryRunKubectl(t, kubectl)
	for _, f := range files {
		out, stderr, err := kc.apply(f)
		if err != nil {
			t.Errorf("kubectl apply --dry-run=client -f %s: %v\n%s", f, err, stderr)
			continue
		}
		if want := strings.Join(manifestObjects[filepath.Base(f)], "\n") + "\n"; out != want {
			t.Errorf("kubectl apply --dry-run=client -o name -f %s printed\n%s\nwant\n%s", f, out, want)
		}
	}
}

// TestKubernetesManifestsRefused shows that the apply above validates:
// kubectl refuses each of these edits of prometheus.yaml with the schema
// apiServer serves, naming what is wrong.
func TestKubernetesManifestsRefused(t *testing.T) {
	kubectl := requireKubectl(t)
	raw, err := os.ReadFile("../examples/kubernetes/prometheus.yaml")
	if err != nil {
		t.Fatal(err)
	}
	kc := newDryRunKubectl(t, kubectl)
	for _, tc := range []struct{ name, old, new, want string }{
		{"misspelt field", "fsGroup: 2000", "fsGroupp: 2000", "fsGroupp"},
		{"field of the container in the pod", "      serviceAccountName: prometheus-remote-write", "      serviceAccountName: prometheus-remote-write\n      readOnlyRootFilesystem: true", "readOnlyRootFilesystem"},
		{"string for an integer", "runAsUser: 10001", `runAsUser: "10001"`, "runAsUser"},
		{"unknown kind", "kind: Deployment", "kind: Deploiement", "Deploiement"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if bytes.Count(raw, []byte(tc.old)) != 1 {
				t.Fatalf("prometheus.yaml does not hold %q once; update this test", tc.old)
			}
			f := filepath.Join(t.TempDir(), "prometheus.yaml")
			if err := os.WriteFile(f, bytes.Replace(raw, []byte(tc.old), []byte(tc.new), 1), 0o644); err != nil {
				t.Fatal(err)
			}
			out, stderr, err := kc.apply(f)
			if err == nil {
				t.Fatalf("kubectl accepted the edit; printed %q", out)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Fatalf("kubectl refused the edit without naming %q:\n%s", tc.want, stderr)
			}
		})
	}
}

// TestPrometheusExample checks what kubectl cannot: that the pieces of
// examples/kubernetes/prometheus.yaml fit together. The file monitor-token
// writes is the one Prometheus reads, on a volume both mount; the two run as
// different users and share the pod's fsGroup, which is why --file-mode
// 0640 lets Prometheus read it; and the Prometheus configuration is one
// that the real promtool accepts.
func TestPrometheusExample(t *testing.T) {
	raw, err := os.ReadFile("../examples/kubernetes/prometheus.yaml")
	if err != nil {
		t.Fatal(err)
	}
	type container struct {
		Name            string   `json:"name"`
		Command         []string `json:"command"`
		Args            []string `json:"args"`
		SecurityContext struct {
			RunAsUser *int64 `json:"runAsUser"`
		} `json:"securityContext"`
		VolumeMounts []struct {
			Name      string `json:"name"`
			MountPath string `json:"mountPath"`
			ReadOnly  bool   `json:"readOnly"`
		} `json:"volumeMounts"`
	}
	var config struct {
		Data map[string]string `json:"data"`
	}
	var deployment struct {
		Spec struct {
			Template struct {
				Spec struct {
					SecurityContext struct {
						RunAsUser *int64 `json:"runAsUser"`
						FSGroup   *int64 `json:"fsGroup"`
					} `json:"securityContext"`
					InitContainers []container `json:"initContainers"`
					Containers     []container `json:"containers"`
					Volumes        []struct {
						Name     string `json:"name"`
						EmptyDir *struct {
							Medium string `json:"medium"`
						} `json:"emptyDir"`
					} `json:"volumes"`
				} `json:"spec"`
			} `json:"template"`
		} `json:"spec"`
	}
	docs := strings.Split(string(raw), "\n---\n")
	if len(docs) != 3 {
		t.Fatalf("prometheus.yaml has %d documents, want ServiceAccount, ConfigMap and Deployment", len(docs))
	}
	if err := yaml.Unmarshal([]byte(docs[1]), &config); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal([]byte(docs[2]), &deployment); err != nil {
		t.Fatal(err)
	}
	pod := deployment.Spec.Template.Spec
	byName := map[string]container{}
	for _, c := range append(pod.InitContainers, pod.Containers...) {
		byName[c.Name] = c
	}
	const tokenFile = "/var/run/monitor-token/token"
	for name, want := range map[string][]string{
		"token-dir":     {"chmod", "3770", "/var/run/monitor-token"},
		"first-token":   {"monitor-token", "get", "--output", tokenFile, "--file-mode", "0640"},
		"monitor-token": {"monitor-token", "get", "--output", tokenFile, "--file-mode", "0640", "--watch", "--check-every", "5m"},
	} {
		if got := byName[name].Command; !reflect.DeepEqual(got, want) {
			t.Errorf("container %s runs %q, want %q", name, got, want)
		}
	}
	// The token's directory is one emptyDir, in memory, mounted where
	// monitor-token writes and (read-only) where Prometheus reads.
	mountOf := func(c container, path string) (volume string, readOnly bool) {
		for _, m := range c.VolumeMounts {
			if m.MountPath == path {
				return m.Name, m.ReadOnly
			}
		}
		return "", false
	}
	vol, _ := mountOf(byName["monitor-token"], filepath.Dir(tokenFile))
	promVol, promRO := mountOf(byName["prometheus"], filepath.Dir(tokenFile))
	firstVol, _ := mountOf(byName["first-token"], filepath.Dir(tokenFile))
	dirVol, _ := mountOf(byName["token-dir"], filepath.Dir(tokenFile))
	if vol == "" || promVol != vol || firstVol != vol || dirVol != vol || !promRO {
		t.Errorf("%s: monitor-token mounts %q, first-token %q, token-dir %q, Prometheus %q (read-only %v); want one volume, read-only for Prometheus", filepath.Dir(tokenFile), vol, firstVol, dirVol, promVol, promRO)
	}
	for _, v := range pod.Volumes {
		if v.Name == vol && (v.EmptyDir == nil || v.EmptyDir.Medium != "Memory") {
			t.Errorf("volume %s is not an emptyDir in memory", vol)
		}
	}
	// Prometheus reads the file as its group, not as its owner.
	sc := pod.SecurityContext
	tokenUser := byName["monitor-token"].SecurityContext.RunAsUser
	if sc.FSGroup == nil || sc.RunAsUser == nil || tokenUser == nil || *tokenUser == *sc.RunAsUser || byName["prometheus"].SecurityContext.RunAsUser != nil {
		t.Errorf("the pod runs Prometheus as %v and monitor-token as %v with fsGroup %v; want two users and one fsGroup", sc.RunAsUser, tokenUser, sc.FSGroup)
	}

	// Prometheus sends the file's content as its bearer.
	prom := config.Data["prometheus.yml"]
	var promConfig struct {
		RemoteWrite []struct {
			URL           string `json:"url"`
			Authorization struct {
				Type            string `json:"type"`
				CredentialsFile string `json:"credentials_file"`
			} `json:"authorization"`
		} `json:"remote_write"`
	}
	if err := yaml.Unmarshal([]byte(prom), &promConfig); err != nil || len(promConfig.RemoteWrite) != 1 {
		t.Fatalf("prometheus.yml: %v (%d remote_write)", err, len(promConfig.RemoteWrite))
	}
	rw := promConfig.RemoteWrite[0]
	if rw.URL != "https://ingest.prws.us-south.monitoring.cloud.ibm.com/prometheus/remote/write" || rw.Authorization.Type != "Bearer" || rw.Authorization.CredentialsFile != tokenFile {
		t.Errorf("remote_write %+v", rw)
	}
	var args []string
	for _, a := range byName["prometheus"].Args {
		if strings.HasPrefix(a, "--config.file=") {
			args = append(args, a)
		}
	}
	if cfgVol, _ := mountOf(byName["prometheus"], "/etc/prometheus"); cfgVol == "" || !reflect.DeepEqual(args, []string{"--config.file=/etc/prometheus/prometheus.yml"}) {
		t.Errorf("Prometheus reads %q, with /etc/prometheus from volume %q", args, cfgVol)
	}
	requireProxyClients(t)
	f := filepath.Join(t.TempDir(), "prometheus.yml")
	if err := os.WriteFile(f, []byte(prom), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("promtool", "check", "config", f).CombinedOutput(); err != nil {
		t.Fatalf("promtool check config refuses the ConfigMap's prometheus.yml: %v\n%s", err, out)
	}
}

// requireProxyClients skips without promtool, or fails where
// scripts/deps/prometheus.sh installed it (MONITOR_TOKEN_REQUIRE_PROXY=1).
func requireProxyClients(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("promtool"); err != nil {
		msg := "no promtool on PATH (apt-get install prometheus)"
		if os.Getenv("MONITOR_TOKEN_REQUIRE_PROXY") == "1" {
			t.Fatal("MONITOR_TOKEN_REQUIRE_PROXY=1 but " + msg)
		}
		t.Skip("skipped: " + msg)
	}
}

// requireKubectl finds kubectl, or skips and says why.
// scripts/deps/kubectl.sh sets MONITOR_TOKEN_REQUIRE_KUBECTL=1 when
// kubectl is there (it installs Debian's kubernetes-client when it can):
// a missing kubectl is then a failure.
func requireKubectl(t *testing.T) string {
	t.Helper()
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		msg := "no kubectl on PATH (apt-get install kubernetes-client); the examples/kubernetes manifests are checked with kubectl apply --dry-run=client"
		if os.Getenv("MONITOR_TOKEN_REQUIRE_KUBECTL") == "1" {
			t.Fatal("MONITOR_TOKEN_REQUIRE_KUBECTL=1 but " + msg)
		}
		t.Skip("skipped: " + msg)
	}
	return kubectl
}

// dryRunKubectl runs kubectl against apiServer, with a kubeconfig and
// caches of its own.
type dryRunKubectl struct {
	path string
	env  []string
}

func newDryRunKubectl(t *testing.T, kubectl string) dryRunKubectl {
	t.Helper()
	srv := httptest.NewServer(apiServer(t))
	t.Cleanup(srv.Close)
	home := t.TempDir()
	kubeconfig := filepath.Join(home, "kubeconfig")
	config := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
  - name: test
    cluster: {server: %q}
users:
  - name: test
    user: {}
contexts:
  - name: test
    context: {cluster: test, user: test, namespace: default}
current-context: test
`, srv.URL)
	if err := os.WriteFile(kubeconfig, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return dryRunKubectl{path: kubectl, env: []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "KUBECONFIG=" + kubeconfig}}
}

// apply runs `kubectl apply --dry-run=client -o name -f file`.
func (k dryRunKubectl) apply(file string) (stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	cmd := exec.Command(k.path, "apply", "--dry-run=client", "-o", "name", "-f", file)
	cmd.Env, cmd.Stdout, cmd.Stderr = k.env, &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// apiServer answers what kubectl apply --dry-run=client asks a cluster:
// the legacy discovery documents for the kinds the examples use, the
// OpenAPI v2 schema, and 404 for every object (none exists yet). It
// answers no OpenAPI v3 (404), so kubectl validates with the v2 schema
// itself: the schema lists no operations, so kubectl does not leave the
// check to the server's fieldValidation, which a dry run never reaches.
func apiServer(t *testing.T) http.Handler {
	schema := openAPISchema(t)
	discovery := map[string]string{
		"/api": `{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1"}]}`,
		"/apis": `{"kind":"APIGroupList","apiVersion":"v1","groups":[` +
			`{"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}],"preferredVersion":{"groupVersion":"apps/v1","version":"v1"}},` +
			`{"name":"batch","versions":[{"groupVersion":"batch/v1","version":"v1"}],"preferredVersion":{"groupVersion":"batch/v1","version":"v1"}}]}`,
		"/api/v1":        resourceList("v1", "namespaces:Namespace:false", "serviceaccounts:ServiceAccount:true", "configmaps:ConfigMap:true", "secrets:Secret:true", "services:Service:true", "pods:Pod:true"),
		"/apis/apps/v1":  resourceList("apps/v1", "deployments:Deployment:true", "statefulsets:StatefulSet:true", "daemonsets:DaemonSet:true"),
		"/apis/batch/v1": resourceList("batch/v1", "jobs:Job:true", "cronjobs:CronJob:true"),
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			// A dry run writes nothing.
			t.Errorf("kubectl sent %s %s in a dry run", r.Method, r.URL.Path)
			http.Error(w, "not in a dry run", http.StatusMethodNotAllowed)
			return
		}
		if r.URL.Path == "/openapi/v2" {
			w.Header().Set("Content-Type", "application/com.github.proto-openapi.spec.v2.v1.0+protobuf")
			w.Write(schema)
			return
		}
		if doc, ok := discovery[r.URL.Path]; ok {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, doc)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404,"message":%q}`, r.URL.Path+" not found")
	})
}

// resourceList is an APIResourceList; each resource is "name:Kind:namespaced".
func resourceList(groupVersion string, resources ...string) string {
	var items []string
	for _, r := range resources {
		f := strings.Split(r, ":")
		items = append(items, fmt.Sprintf(`{"name":%q,"singularName":%q,"kind":%q,"namespaced":%s,"verbs":["create","delete","get","list","patch","update","watch"]}`,
			f[0], strings.ToLower(f[1]), f[1], f[2]))
	}
	return fmt.Sprintf(`{"kind":"APIResourceList","apiVersion":"v1","groupVersion":%q,"resources":[%s]}`, groupVersion, strings.Join(items, ","))
}

// openAPISchema is Kubernetes v1.32's OpenAPI v2 schema, as protobuf
// (testdata/kubernetes/README.md says how it was made).
func openAPISchema(t *testing.T) []byte {
	t.Helper()
	return gunzip(t, "testdata/kubernetes/openapi-v2-v1.32.4.pb.gz")
}
