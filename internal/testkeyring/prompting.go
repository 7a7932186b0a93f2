package testkeyring

import (
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
)

// PromptDelay is how long a Prompting stand-in's prompts take to complete:
// longer than store.DefaultTimeout (5 s), so that a client that keeps its
// short deadline through a prompt fails, as a person typing a password
// would make it fail (docs/keyring.md, "Prompts and deadlines").
const PromptDelay = 8 * time.Second

// The Secret Service names the stand-in serves (freedesktop.org Secret
// Service API 0.2).
const (
	ssPath        = "/org/freedesktop/secrets"
	ssService     = "org.freedesktop.Secret.Service"
	ssCollection  = "org.freedesktop.Secret.Collection"
	ssItem        = "org.freedesktop.Secret.Item"
	ssSession     = "org.freedesktop.Secret.Session"
	ssPrompt      = "org.freedesktop.Secret.Prompt"
	ssProperties  = "org.freedesktop.DBus.Properties"
	loginPath     = dbus.ObjectPath(ssPath + "/collection/login")
	defaultAlias  = dbus.ObjectPath(ssPath + "/aliases/default")
	sessionPath   = dbus.ObjectPath(ssPath + "/session/1")
	errIsLocked   = "org.freedesktop.Secret.Error.IsLocked"
	errNoSuchItem = "org.freedesktop.Secret.Error.NoSuchObject"
)

// standin is a Secret Service, in memory, with one collection, "login",
// which starts locked: every Unlock of it (or of its items) answers with a
// prompt, and the prompt completes delay after its Prompt call, unlocking
// the collection, or as dismissed when dismiss is set. It serves what
// go-keyring, libsecret's secret-tool lookups and store's fast read call:
// Service.OpenSession, SearchItems, Unlock, Lock, GetSecrets, the
// Collections property, Collection.SearchItems and CreateItem,
// Item.GetSecret and Delete, Session.Close, Prompt.Prompt and Dismiss.
//
// Secrets go in and out as plain values (the "plain" algorithm), as with
// every client here.
type standin struct {
	conn    *dbus.Conn
	delay   time.Duration
	dismiss bool

	mu      sync.Mutex
	locked  bool
	items   map[dbus.ObjectPath]*standinItem
	next    int // the last item or prompt number used
	timers  []*time.Timer
	stopped bool
}

type standinItem struct {
	attrs  map[string]string
	secret []byte
}

// secret is the Secret Service's Secret struct, (oayays).
type secret struct {
	Session     dbus.ObjectPath
	Parameters  []byte
	Value       []byte
	ContentType string
}

// startPrompting puts the stand-in on the session's bus, owning
// org.freedesktop.secrets.
func (s *Session) startPrompting(delay time.Duration, dismiss bool) error {
	conn, err := dbus.Connect(s.Address)
	if err != nil {
		return fmt.Errorf("prompting Secret Service: connect to the test bus: %w", err)
	}
	st := &standin{conn: conn, delay: delay, dismiss: dismiss, locked: true, items: map[dbus.ObjectPath]*standinItem{}}
	exports := []struct {
		v     any
		path  dbus.ObjectPath
		iface string
	}{
		{standinService{st}, ssPath, ssService},
		{standinProperties{st}, ssPath, ssProperties},
		{standinCollection{st}, loginPath, ssCollection},
		{standinCollection{st}, defaultAlias, ssCollection},
		{standinSession{}, sessionPath, ssSession},
	}
	for _, e := range exports {
		if err == nil {
			err = conn.Export(e.v, e.path, e.iface)
		}
	}
	if err == nil {
		var reply dbus.RequestNameReply
		reply, err = conn.RequestName(secretsName, dbus.NameFlagDoNotQueue)
		if err == nil && reply != dbus.RequestNameReplyPrimaryOwner {
			err = fmt.Errorf("RequestName replied %v, want primary owner", reply)
		}
	}
	if err != nil {
		conn.Close()
		return fmt.Errorf("prompting Secret Service: %w", err)
	}
	s.standin = st
	return nil
}

// stopPrompting closes the stand-in's connection; prompts still pending
// never complete.
func (s *Session) stopPrompting() {
	if s.standin == nil {
		return
	}
	st := s.standin
	st.mu.Lock()
	st.stopped = true
	for _, t := range st.timers {
		t.Stop()
	}
	st.mu.Unlock()
	st.conn.Close()
	s.standin = nil
}

// AddItem puts an item in the stand-in's login collection, as go-keyring
// would have stored it (attributes service and username), without
// unlocking anything: a test's starting point for a locked read. It fails
// on a session that is not a stand-in.
func (s *Session) AddItem(service, user, value string) error {
	if s.standin == nil {
		return fmt.Errorf("testkeyring: AddItem needs a Prompting or Dismissing session")
	}
	return s.standin.put(map[string]string{"service": service, "username": user}, []byte(value), true)
}

// put stores an item, replacing one with the same attributes when replace
// is set.
func (st *standin) put(attrs map[string]string, value []byte, replace bool) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if replace {
		for _, it := range st.items {
			if maps.Equal(it.attrs, attrs) {
				it.secret = value
				return nil
			}
		}
	}
	st.next++
	path := dbus.ObjectPath(fmt.Sprintf("%s/%d", loginPath, st.next))
	st.items[path] = &standinItem{attrs: maps.Clone(attrs), secret: value}
	return st.conn.Export(standinItemObject{st, path}, path, ssItem)
}

// search returns the items whose attributes include attrs.
func (st *standin) search(attrs map[string]string) []dbus.ObjectPath {
	var found []dbus.ObjectPath
	for path, it := range st.items {
		match := true
		for k, v := range attrs {
			if it.attrs[k] != v {
				match = false
			}
		}
		if match {
			found = append(found, path)
		}
	}
	return found
}

func lockedError() *dbus.Error {
	return dbus.NewError(errIsLocked, []any{"the stand-in's login collection is locked"})
}

// newPrompt exports a prompt object whose Prompt call completes it.
func (st *standin) newPrompt() dbus.ObjectPath {
	st.next++
	path := dbus.ObjectPath(fmt.Sprintf("%s/prompt/p%d", ssPath, st.next))
	st.conn.Export(&standinPrompt{st: st, path: path}, path, ssPrompt)
	return path
}

// complete ends a prompt: it unlocks the collection unless the stand-in
// dismisses, and emits Completed.
func (st *standin) complete(path dbus.ObjectPath, dismissed bool) {
	st.mu.Lock()
	if st.stopped {
		st.mu.Unlock()
		return
	}
	result := []dbus.ObjectPath{}
	if !dismissed {
		st.locked = false
		result = append(result, loginPath)
	}
	st.conn.Export(nil, path, ssPrompt)
	st.mu.Unlock()
	st.conn.Emit(path, ssPrompt+".Completed", dismissed, dbus.MakeVariant(result))
}

type standinService struct{ st *standin }

func (s standinService) OpenSession(algorithm string, _ dbus.Variant) (dbus.Variant, dbus.ObjectPath, *dbus.Error) {
	if algorithm != "plain" {
		return dbus.MakeVariant(""), "/", dbus.NewError("org.freedesktop.DBus.Error.NotSupported", []any{"only plain"})
	}
	return dbus.MakeVariant(""), sessionPath, nil
}

func (s standinService) SearchItems(attrs map[string]string) ([]dbus.ObjectPath, []dbus.ObjectPath, *dbus.Error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	found := s.st.search(attrs)
	if s.st.locked {
		return []dbus.ObjectPath{}, found, nil
	}
	return found, []dbus.ObjectPath{}, nil
}

// Unlock answers at once when nothing is locked, and with a prompt
// otherwise, as gnome-keyring does.
func (s standinService) Unlock(objects []dbus.ObjectPath) ([]dbus.ObjectPath, dbus.ObjectPath, *dbus.Error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	if !s.st.locked {
		return objects, "/", nil
	}
	return []dbus.ObjectPath{}, s.st.newPrompt(), nil
}

// Lock locks the collection again (secret-tool lock, or a screen lock).
func (s standinService) Lock(objects []dbus.ObjectPath) ([]dbus.ObjectPath, dbus.ObjectPath, *dbus.Error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	s.st.locked = true
	return objects, "/", nil
}

func (s standinService) GetSecrets(items []dbus.ObjectPath, session dbus.ObjectPath) (map[dbus.ObjectPath]secret, *dbus.Error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	if s.st.locked {
		return nil, lockedError()
	}
	out := map[dbus.ObjectPath]secret{}
	for _, path := range items {
		if it, ok := s.st.items[path]; ok {
			out[path] = secret{Session: session, Parameters: []byte{}, Value: it.secret, ContentType: "text/plain"}
		}
	}
	return out, nil
}

type standinProperties struct{ st *standin }

func (p standinProperties) Get(iface, name string) (dbus.Variant, *dbus.Error) {
	if iface == ssService && name == "Collections" {
		return dbus.MakeVariant([]dbus.ObjectPath{loginPath}), nil
	}
	return dbus.MakeVariant(""), dbus.NewError("org.freedesktop.DBus.Error.UnknownProperty", []any{iface + "." + name})
}

// GetAll is what libsecret's proxies ask first.
func (p standinProperties) GetAll(iface string) (map[string]dbus.Variant, *dbus.Error) {
	props := map[string]dbus.Variant{}
	if iface == ssService {
		props["Collections"] = dbus.MakeVariant([]dbus.ObjectPath{loginPath})
	}
	return props, nil
}

type standinCollection struct{ st *standin }

func (c standinCollection) SearchItems(attrs map[string]string) ([]dbus.ObjectPath, *dbus.Error) {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	return append([]dbus.ObjectPath{}, c.st.search(attrs)...), nil
}

func (c standinCollection) CreateItem(props map[string]dbus.Variant, sec secret, replace bool) (dbus.ObjectPath, dbus.ObjectPath, *dbus.Error) {
	c.st.mu.Lock()
	locked := c.st.locked
	c.st.mu.Unlock()
	if locked {
		return "/", "/", lockedError()
	}
	attrs, _ := props[ssItem+".Attributes"].Value().(map[string]string)
	if err := c.st.put(attrs, sec.Value, replace); err != nil {
		return "/", "/", dbus.MakeFailedError(err)
	}
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	return c.st.search(attrs)[0], "/", nil
}

type standinItemObject struct {
	st   *standin
	path dbus.ObjectPath
}

func (i standinItemObject) GetSecret(session dbus.ObjectPath) (secret, *dbus.Error) {
	i.st.mu.Lock()
	defer i.st.mu.Unlock()
	it, ok := i.st.items[i.path]
	switch {
	case !ok:
		return secret{}, dbus.NewError(errNoSuchItem, []any{string(i.path)})
	case i.st.locked:
		return secret{}, lockedError()
	}
	return secret{Session: session, Parameters: []byte{}, Value: it.secret, ContentType: "text/plain"}, nil
}

func (i standinItemObject) Delete() (dbus.ObjectPath, *dbus.Error) {
	i.st.mu.Lock()
	defer i.st.mu.Unlock()
	if i.st.locked {
		return "/", lockedError()
	}
	delete(i.st.items, i.path)
	i.st.conn.Export(nil, i.path, ssItem)
	return "/", nil
}

type standinSession struct{}

func (standinSession) Close() *dbus.Error { return nil }

// standinPrompt is one prompt: Prompt starts its clock, Dismiss ends it.
type standinPrompt struct {
	st      *standin
	path    dbus.ObjectPath
	once    sync.Once
	started bool
}

func (p *standinPrompt) Prompt(windowID string) *dbus.Error {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	if p.started {
		return nil
	}
	p.started = true
	done := func() { p.once.Do(func() { p.st.complete(p.path, p.st.dismiss) }) }
	if p.st.dismiss {
		go done() // as gnome-keyring with no prompter: at once, after the reply
		return nil
	}
	p.st.timers = append(p.st.timers, time.AfterFunc(p.st.delay, done))
	return nil
}

func (p *standinPrompt) Dismiss() *dbus.Error {
	go p.once.Do(func() { p.st.complete(p.path, true) })
	return nil
}
