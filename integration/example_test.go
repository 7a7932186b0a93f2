package integration

import (
	"encoding/pem"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/monitor-token/monitor-token/internal/emulator"
)

// TestKubernetesExample runs the settings of examples/kubernetes/job.yaml
// through the real binary against the emulator: the container's
// environment as written, except what only a real cluster has (the region's
// host becomes the emulator, the instance the emulator's), and the token
// file the projected volume would hold.
func TestKubernetesExample(t *testing.T) {
	raw, err := os.ReadFile("../examples/kubernetes/job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var job struct {
		Kind string `json:"kind"`
		Spec struct {
			Template struct {
				Spec struct {
					Containers []struct {
						Command      []string `json:"command"`
						Env          []struct{ Name, Value string }
						VolumeMounts []struct {
							Name      string `json:"name"`
							MountPath string `json:"mountPath"`
						} `json:"volumeMounts"`
					} `json:"containers"`
					Volumes []struct {
						Name      string `json:"name"`
						Projected struct {
							Sources []struct {
								ServiceAccountToken struct {
									Path     string `json:"path"`
									Audience string `json:"audience"`
								} `json:"serviceAccountToken"`
							} `json:"sources"`
						} `json:"projected"`
					} `json:"volumes"`
				} `json:"spec"`
			} `json:"template"`
		} `json:"spec"`
	}
	// The file holds a ServiceAccount and a Job; the Job is the second.
	docs := strings.Split(string(raw), "\n---\n")
	if len(docs) != 2 {
		t.Fatalf("job.yaml has %d documents, want ServiceAccount and Job", len(docs))
	}
	if err := yaml.Unmarshal([]byte(docs[1]), &job); err != nil || job.Kind != "Job" {
		t.Fatalf("job.yaml: %v (kind %q)", err, job.Kind)
	}
	pod := job.Spec.Template.Spec
	c := pod.Containers[0]
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	// The token file the example names is where its projected volume puts
	// the token, for IAM's audience, and what go-sdk-core reads by default.
	sa := pod.Volumes[0].Projected.Sources[0].ServiceAccountToken
	mount := c.VolumeMounts[0].MountPath
	if got := filepath.Join(mount, sa.Path); got != env["MONITOR_TOKEN_CR_TOKEN_FILE"] || got != "/var/run/secrets/tokens/sa-token" || sa.Audience != "iam" {
		t.Fatalf("projected token at %s (audience %q), MONITOR_TOKEN_CR_TOKEN_FILE %q", got, sa.Audience, env["MONITOR_TOKEN_CR_TOKEN_FILE"])
	}
	if len(c.Command) < 3 || c.Command[0] != "monitor-token" || c.Command[1] != "exec" || c.Command[2] != "--" {
		t.Fatalf("command %q does not run through monitor-token exec", c.Command)
	}

	emu, facts := emulator.NewDemo()
	srv := httptest.NewTLSServer(emu)
	defer srv.Close()
	work := t.TempDir()
	cert := filepath.Join(work, "emulator.pem")
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644)
	crFile := filepath.Join(work, "sa-token")
	os.WriteFile(crFile, []byte(facts.CRToken), 0o600)

	if env["MONITOR_TOKEN_TRUSTED_PROFILE"] != facts.TrustedProfileName {
		t.Fatalf("the example's trusted profile %q is not the emulator's %q", env["MONITOR_TOKEN_TRUSTED_PROFILE"], facts.TrustedProfileName)
	}
	delete(env, "MONITOR_TOKEN_REGION")
	env["MONITOR_TOKEN_ENDPOINT"] = srv.URL
	env["MONITOR_TOKEN_IAM_ENDPOINT"] = srv.URL
	env["MONITOR_TOKEN_INSTANCE"] = facts.InstanceGUID
	env["MONITOR_TOKEN_CR_TOKEN_FILE"] = crFile

	cmd := exec.Command(filepath.Join(binDir, "monitor-token"), "exec", "--", "sh", "-c", `printf %s "$SDC_TOKEN"`)
	// A pod: no keyring, no HOME of its own.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + work, "SSL_CERT_FILE=" + cert, "XDG_RUNTIME_DIR=" + work}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("monitor-token exec: %v: %s", err, err.(*exec.ExitError).Stderr)
	}
	want := emu.MonitorToken(facts.InstanceGUID, facts.DefaultTeamID)
	if env["MONITOR_TOKEN_TEAM"] != "26055" || string(out) != want {
		t.Fatalf("the script saw SDC_TOKEN %q, want the team's token", out)
	}
	if emu.Count(emulator.RouteIAMToken) != 1 || emu.Count(emulator.RouteMonitorToken) != 1 {
		t.Fatalf("requests: IAM %d, /api/token %d; want 1 and 1", emu.Count(emulator.RouteIAMToken), emu.Count(emulator.RouteMonitorToken))
	}
}
