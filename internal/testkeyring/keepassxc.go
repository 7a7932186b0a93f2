package testkeyring

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// KeePassXCDatabase is the database file a KeePassXC session opens, under
// its HOME. KeePassXC names the collection after the file
// (/org/freedesktop/secrets/collection/Passwords): not "login", which is
// what the fast read must cope with (docs/keyring.md, "KeePassXC").
const KeePassXCDatabase = "Passwords.kdbx"

// exposedGroup is the UUID of the database's root group, which the
// database's custom data FDO_SECRETS_EXPOSED_GROUP names: KeePassXC exposes
// over the Secret Service only the group named there (its
// src/fdosecrets/FdoSecretsSettings.cpp), and without it the database is no
// collection at all.
const exposedGroup = "8a4f1c3e-2b6d-4e59-9c7a-1d2e3f405060"

// keepassxcConfig is KeePassXC's configuration (--config): the Secret
// Service integration on, and every dialog of it off, since no one can
// answer one here (keys of KeePassXC's src/core/Config.cpp).
// UnlockBeforeSearch=false makes a search while the database is locked
// answer at once with nothing found, which is what a person's dismissed
// unlock dialog gives too (src/fdosecrets/objects/Service.cpp,
// searchItems); with it on, the search waits for that dialog. No single
// instance: parallel tests each run their own KeePassXC.
const keepassxcConfig = `[General]
SingleInstance=false
RememberLastDatabases=false
RememberLastKeyFiles=false
OpenPreviousDatabasesOnStartup=false
UpdateCheckMessageShown=true
AutoSaveAfterEveryChange=true

[GUI]
CheckForUpdates=false
MinimizeOnStartup=true
ShowTrayIcon=false

[Security]
LockDatabaseIdle=false
LockDatabaseScreenLock=false

[FdoSecrets]
Enabled=true
ShowNotification=false
ConfirmDeleteItem=false
ConfirmAccessItem=false
UnlockBeforeSearch=false
`

// startKeePassXC starts KeePassXC on the session's bus with its database
// unlocked with Password (read from stdin, --pw-stdin), or, Locked, opened
// but not unlocked: its collection is there and locked, as after KeePassXC's
// own "lock database".
func (s *Session) startKeePassXC(mode Mode) error {
	dir := filepath.Join(s.Home, ".testkeyring")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	conf := filepath.Join(dir, "keepassxc.ini")
	if err := os.WriteFile(conf, []byte(keepassxcConfig), 0o600); err != nil {
		return err
	}
	db := filepath.Join(s.Home, KeePassXCDatabase)
	if _, err := os.Stat(db); os.IsNotExist(err) {
		if err := createKeePassXCDatabase(dir, db); err != nil {
			return err
		}
	}
	env, err := s.daemonEnv()
	if err != nil {
		return err
	}
	args := []string{"--config", conf, "--localconfig", filepath.Join(dir, "keepassxc-local.ini")}
	var stdin *os.File
	if mode == Unlocked {
		// In the pipe before the start, as for gnome-keyring (daemon).
		r, w, err := os.Pipe()
		if err != nil {
			return err
		}
		io.WriteString(w, Password+"\n")
		w.Close()
		defer r.Close()
		stdin = r
		args = append(args, "--pw-stdin")
	}
	cmd := exec.Command("keepassxc", append(args, db)...)
	cmd.Env = env
	cmd.Stdin = stdin // nil: /dev/null
	if err := s.startDaemon(cmd); err != nil {
		return err
	}
	if _, err := s.waitCollection(mode); err != nil {
		return err
	}
	if mode == Unlocked {
		return s.waitUnlocked()
	}
	return nil
}

// createKeePassXCDatabase makes an empty database protected by Password
// whose root group is exposed over the Secret Service, by importing a
// KeePass XML file with keepassxc-cli: the XML sets the root group's UUID
// and the custom data that names it. A quick key derivation (100 ms)
// keeps each start short.
func createKeePassXCDatabase(dir, db string) error {
	uuid, err := uuidBytes(exposedGroup)
	if err != nil {
		return err
	}
	xml := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<KeePassFile>
  <Meta>
    <DatabaseName>monitor-token test</DatabaseName>
    <CustomData>
      <Item><Key>FDO_SECRETS_EXPOSED_GROUP</Key><Value>{%s}</Value></Item>
    </CustomData>
  </Meta>
  <Root>
    <Group>
      <UUID>%s</UUID>
      <Name>Root</Name>
    </Group>
  </Root>
</KeePassFile>
`, exposedGroup, base64.StdEncoding.EncodeToString(uuid))
	xmlFile := filepath.Join(dir, "database.xml")
	if err := os.WriteFile(xmlFile, []byte(xml), 0o600); err != nil {
		return err
	}
	defer os.Remove(xmlFile)
	cmd := exec.Command("keepassxc-cli", "import", "--quiet", "--set-password", "--decryption-time", "100", xmlFile, db)
	cmd.Stdin = strings.NewReader(Password + "\n" + Password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("keepassxc-cli import: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// uuidBytes parses a UUID in its 8-4-4-4-12 form.
func uuidBytes(s string) ([]byte, error) {
	b, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
	if err != nil || len(b) != 16 {
		return nil, fmt.Errorf("bad UUID %q: %v", s, err)
	}
	return b, nil
}
