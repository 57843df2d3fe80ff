package is

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kmconform/kmconform/sim/simnet"
)

// The token-revocation interceptor of apim-km-wso2is (identity-server-7.md §9; api-manager-4.md §7).
const (
	interceptorName  = "org.wso2.is.notification.ApimOauthEventInterceptor"
	interceptorType  = "org.wso2.carbon.identity.core.handler.AbstractIdentityHandler"
	interceptorClass = "org/wso2/is/notification/ApimOauthEventInterceptor.class"
	logEventSender   = "org.wso2.is.notification.EventSender"
)

// notifier posts TokenRevocationEvents to API-M's /internal/data/v1/notify. A nil notifier is the
// interceptor not being active: every method is then a no-op.
type notifier struct {
	s                  *server
	endpoint           string
	username, password string
	headers            [][2]string
	client             *http.Client
	wg                 sync.WaitGroup
}

// newNotifier activates the interceptor only when (a) deployment.toml has its [[event_listener]] with
// the AbstractIdentityHandler type (another type never fires) and not enable = false, and (b) a JAR in
// dropins contains the class: jar, handlerJAR's answer, is not empty (sim/CONTRACT.md; §9).
func newNotifier(s *server, hosts simnet.Hosts, jar string) (*notifier, error) {
	var props map[string]any
	found := false
	for _, l := range s.h.Tables("event_listener") {
		if l["name"] != interceptorName || l["type"] != interceptorType {
			continue
		}
		if en, ok := l["enable"]; ok && (en == false || en == "false") {
			continue
		}
		found = true
		props, _ = l["properties"].(map[string]any)
		break
	}
	if !found {
		return nil, nil
	}
	if jar == "" {
		return nil, nil
	}
	n := &notifier{s: s, client: hosts.Client(s.trust, 60*time.Second)}
	get := func(k string) string {
		v, _ := props[k].(string)
		return s.resolveProperty(v)
	}
	n.endpoint, n.username, n.password = get("notification_endpoint"), get("username"), get("password")
	var keys []string
	for k := range props {
		if strings.HasPrefix(k, "header.") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		n.headers = append(n.headers, [2]string{strings.TrimPrefix(k, "header."), get(k)})
	}
	s.log.Info("org.wso2.is.notification.internal.NotificationServiceComponent",
		"Token revocation notification handler activated from %s (endpoint %s)", jar, n.endpoint)
	return n, nil
}

// handlerJAR returns the name of the first dropins JAR holding the interceptor class, judged by the
// zip content, not the file name.
func (s *server) handlerJAR() (string, error) {
	names, err := s.h.Dropins()
	if err != nil {
		return "", err
	}
	for _, name := range names {
		zr, err := zip.OpenReader(filepath.Join(s.h.Path("repository/components/dropins"), name))
		if err != nil {
			continue // not a JAR: OSGi ignores it
		}
		ok := false
		for _, f := range zr.File {
			if f.Name == interceptorClass {
				ok = true
				break
			}
		}
		_ = zr.Close()
		if ok {
			return name, nil
		}
	}
	return "", nil
}

// resolveProperty resolves ${admin.username}/${admin.password} from the realm (= [super_admin]) and
// the port system properties (NotificationUtil, §9); other placeholders stay as written.
func (s *server) resolveProperty(v string) string {
	port := strconv.Itoa(9443 + s.h.PortOffset())
	r := strings.NewReplacer(
		"${admin.username}", s.admin.name,
		"${admin.password}", s.admin.password,
		"${carbon.context}", "/",
		"${mgt.transport.https.port}", port,
		"${carbon.management.port}", port,
	)
	return r.Replace(v)
}

// event is a TokenRevocationEvent.
type event struct {
	accessToken string
	expiryTime  int64
	user        string
	consumerKey string
	tokenType   string
	eventID     string
	timeStamp   int64
}

// gson renders the body as new Gson().toJson(TokenRevocationEvent) would: subclass fields first, then
// Event's, nulls omitted, HTML-safe escaping (§9).
func (e event) gson() []byte {
	var b bytes.Buffer
	b.WriteString(`{"accessToken":` + gsonString(e.accessToken))
	b.WriteString(`,"expiryTime":` + strconv.FormatInt(e.expiryTime, 10))
	b.WriteString(`,"user":` + gsonString(e.user))
	b.WriteString(`,"consumerKey":` + gsonString(e.consumerKey))
	b.WriteString(`,"tokenType":` + gsonString(e.tokenType))
	b.WriteString(`,"eventId":` + gsonString(e.eventID))
	b.WriteString(`,"timeStamp":` + strconv.FormatInt(e.timeStamp, 10))
	b.WriteString(`,"type":"token_revocation","tenantId":-1234,"tenantDomain":"carbon.super","properties":{}}`)
	return b.Bytes()
}

// gsonString escapes like Gson's JsonWriter with HTML-safe mode on.
func gsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\f':
			b.WriteString(`\f`)
		case '<', '>', '&', '=', '\'', '\u2028', '\u2029':
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// eventFor builds the event of a revoked or renewed access token: jti for JWT apps, the opaque token
// otherwise; expiryTime = issued + validity in ms (§9).
func (n *notifier) eventFor(t token) event {
	at := t.access
	if t.jwt {
		at = t.jti
	}
	return event{
		accessToken: at,
		expiryTime:  t.issued.UnixMilli() + t.validity.Milliseconds(),
		user:        t.user,
		consumerKey: t.clientID,
		tokenType:   t.tokenType,
		eventID:     newUUID(),
		timeStamp:   n.s.now().UnixMilli(),
	}
}

// revoked notifies the revocation of an access token by its client (§9 point 1).
func (n *notifier) revoked(t token) {
	if n == nil || t.org != "" { // an organization's tokens notify nobody (organization.go)
		return
	}
	n.publish(n.eventFor(t))
}

// renewed notifies the previous access token of a refresh_token grant (§9 point 3).
func (n *notifier) renewed(prev *token) {
	if n == nil || prev == nil || prev.org != "" {
		return
	}
	n.publish(n.eventFor(*prev))
}

// publish sends the event asynchronously; the response is ignored and failures are only logged (§9).
func (n *notifier) publish(e event) {
	if n.username == "" || n.password == "" {
		// derived (§9): EventSender.publishEvent calls String.valueOf((char[]) null) when username or
		// password is unset, so a NullPointerException ends the attempt and nothing is sent.
		n.s.log.Error(logEventSender, "Error while publishing token revocation event\njava.lang.NullPointerException")
		return
	}
	body := e.gson()
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.endpoint, bytes.NewReader(body))
		if err != nil {
			n.s.log.Error(logEventSender, "Error while sending Revocation Event to %s\njava.lang.IllegalArgumentException: %v", n.endpoint, err)
			return
		}
		req.SetBasicAuth(n.username, n.password)
		for _, h := range n.headers {
			req.Header.Set(h[0], h[1])
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := n.client.Do(req)
		if err != nil {
			n.s.log.Error(logEventSender, "Error while sending Revocation Event to %s\n%s", n.endpoint, simnet.JavaError(err, req.URL.Host))
			return
		}
		_ = resp.Body.Close()
	}()
}

// wait blocks until the notifications in flight are done (graceful shutdown, tests).
func (n *notifier) wait() {
	if n != nil {
		n.wg.Wait()
	}
}
