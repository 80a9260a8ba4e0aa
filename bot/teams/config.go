package teams

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/okrbot/okrbot/bot"
)

// Platform is the bot.Workspace.Platform of Teams tenants.
const Platform = "teams"

const (
	// DefaultOpenIDMetadataURL is where the Bot Framework publishes the keys
	// it signs requests to bots with.
	DefaultOpenIDMetadataURL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
	// DefaultServiceURLHosts are the hosts of Microsoft's Bot Connector
	// service in the public and government clouds: the only hosts okrbot
	// sends its token to unless TEAMS_SERVICE_URL_HOSTS says otherwise.
	DefaultServiceURLHosts = "smba.trafficmanager.net,*.botframework.com,*.teams.microsoft.com,*.teams.microsoft.us"
	// globalServiceURL is Microsoft's service URL for proactive messages
	// in the public cloud, used for a tenant no request has told us about.
	globalServiceURL = "https://smba.trafficmanager.net/teams/"
	// botFrameworkScope is the audience of the tokens okrbot sends.
	botFrameworkScope = "https://api.botframework.com/.default"
	// DefaultGraphURL is Microsoft Graph's root in the public cloud.
	DefaultGraphURL = "https://graph.microsoft.com"
	// graphScope is the audience of the tokens okrbot calls Graph with.
	graphScope = "https://graph.microsoft.com/.default"
	// botFrameworkIssuer is the issuer of the tokens the Bot Connector
	// signs requests to bots with.
	botFrameworkIssuer = "https://api.botframework.com"
)

// Config is what the adapter needs from the environment.
type Config struct {
	AppID       string // TEAMS_APP_ID: the bot's Microsoft app (client) id
	AppPassword string // TEAMS_APP_PASSWORD: its client secret
	TenantID    string // TEAMS_TENANT_ID: the tenant the app is registered in
	// OpenIDMetadataURL is TEAMS_OPENID_METADATA_URL; empty means
	// DefaultOpenIDMetadataURL.
	OpenIDMetadataURL string
	// TokenURL is TEAMS_TOKEN_URL; empty means Microsoft's token endpoint of
	// TenantID.
	TokenURL string
	// ServiceURLHosts is TEAMS_SERVICE_URL_HOSTS: comma-separated host
	// names, "*.example.com" for any host under example.com; empty means
	// DefaultServiceURLHosts.
	ServiceURLHosts string
	// GraphInstall is TEAMS_GRAPH_INSTALL=on: okrbot installs itself
	// through Microsoft Graph for a person it must reach and cannot,
	// which needs the application permissions
	// TeamsAppInstallation.ReadWriteSelfForUser.All and
	// AppCatalog.Read.All.
	GraphInstall bool
	// GraphURL is TEAMS_GRAPH_URL; empty means DefaultGraphURL.
	GraphURL string
	// PublicURL is OKRBOT_PUBLIC_URL, where Teams clients reach okrbot:
	// pictures too big to ride in a card are served there, under
	// ChartPath, at signed links. Empty: such pictures show as their alt
	// text.
	PublicURL string
	Logger    *slog.Logger
	// Observer, when set, is told of every request and every call to
	// Microsoft (for metrics).
	Observer bot.Observer
	// Queue runs the work that follows answers; by default one of the
	// adapter's own, sized for the machine.
	Queue *bot.Queue
	// Now is the clock for token lifetimes and key refreshes; time.Now when
	// nil.
	Now func() time.Time
}

// tokenURL is the client-credentials endpoint the adapter asks for tokens.
func (c Config) tokenURL() string {
	if c.TokenURL != "" {
		return c.TokenURL
	}
	return "https://login.microsoftonline.com/" + url.PathEscape(c.TenantID) + "/oauth2/v2.0/token"
}

func (c Config) check() error {
	var errs []error
	if c.AppID == "" {
		errs = append(errs, errors.New("TEAMS_APP_ID is required"))
	}
	if c.AppPassword == "" {
		errs = append(errs, errors.New("TEAMS_APP_PASSWORD is required"))
	}
	if c.TenantID == "" && c.TokenURL == "" {
		errs = append(errs, errors.New("TEAMS_TENANT_ID is required (or TEAMS_TOKEN_URL)"))
	}
	for name, v := range map[string]string{"TEAMS_OPENID_METADATA_URL": c.OpenIDMetadataURL, "TEAMS_TOKEN_URL": c.TokenURL, "OKRBOT_PUBLIC_URL": c.PublicURL, "TEAMS_GRAPH_URL": c.GraphURL} {
		if v == "" {
			continue
		}
		if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s %q is not an http(s) URL", name, v))
		}
	}
	return errors.Join(errs...)
}

// hostPolicy says which service URLs may receive the bot's token.
type hostPolicy struct {
	exact    map[string]bool
	suffixes []string // ".example.com" for "*.example.com"
}

func parseHosts(list string) (hostPolicy, error) {
	if strings.TrimSpace(list) == "" {
		list = DefaultServiceURLHosts
	}
	p := hostPolicy{exact: map[string]bool{}}
	for h := range strings.SplitSeq(list, ",") {
		h = strings.ToLower(strings.TrimSpace(h))
		switch {
		case h == "":
		case strings.HasPrefix(h, "*."):
			if strings.ContainsAny(h[2:], "*/:") || h[2:] == "" {
				return hostPolicy{}, fmt.Errorf("TEAMS_SERVICE_URL_HOSTS: %q is not a host name or *.domain", h)
			}
			p.suffixes = append(p.suffixes, h[1:])
		case strings.ContainsAny(h, "*/:") && net.ParseIP(h) == nil:
			return hostPolicy{}, fmt.Errorf("TEAMS_SERVICE_URL_HOSTS: %q is not a host name or *.domain", h)
		default:
			p.exact[h] = true
		}
	}
	return p, nil
}

// check returns the parsed service URL when the bot's token may go there:
// https to a listed host, or plain http to a listed loopback host (a test
// or a local emulator).
func (p hostPolicy) check(serviceURL string) (*url.URL, error) {
	u, err := url.Parse(serviceURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("service URL %q is not a URL", serviceURL)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("service URL %q has user info, a query or a fragment", serviceURL)
	}
	host := strings.ToLower(u.Hostname())
	listed := p.exact[host]
	for _, s := range p.suffixes {
		listed = listed || strings.HasSuffix(host, s)
	}
	switch {
	case !listed:
		return nil, fmt.Errorf("service URL host %q is not in TEAMS_SERVICE_URL_HOSTS", host)
	case u.Scheme == "https":
		return u, nil
	case u.Scheme == "http" && isLoopback(host):
		return u, nil
	}
	return nil, fmt.Errorf("service URL %q must use https", serviceURL)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
