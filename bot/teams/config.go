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

// Capabilities are what Teams can do: okrbot posts and sends direct
// messages on its own (proactive messages), and asks Teams who people are.
var Capabilities = bot.Capabilities{PlatformName: "Microsoft Teams", Delivers: true, Directory: true}

const (
	// DefaultOpenIDMetadataURL is where the Bot Framework publishes the keys
	// it signs requests to bots with, in the public cloud.
	DefaultOpenIDMetadataURL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
	// DefaultServiceURLHosts are the hosts of Microsoft's Bot Connector
	// service in the public and government clouds: the only hosts okrbot
	// sends its token to unless TEAMS_SERVICE_URL_HOSTS says otherwise.
	DefaultServiceURLHosts = "smba.trafficmanager.net,*.botframework.com,*.teams.microsoft.com,*.teams.microsoft.us"
)

// Cloud is the Microsoft cloud a tenant lives in, and the endpoints the
// Bot Framework has there (botframework-connector's AuthenticationConstants
// and GovernmentConstants; Teams' "Send proactive messages" for the
// service URLs of the government clouds).
type Cloud struct {
	// Name is what TEAMS_CLOUD says.
	Name string
	// Login is the Entra ID host that issues okrbot's tokens.
	Login string
	// Scope is the audience of the tokens okrbot sends to the Bot
	// Connector, as a client-credentials scope.
	Scope string
	// Issuer is the issuer of the tokens the Bot Connector signs its
	// requests to okrbot with.
	Issuer string
	// OpenIDMetadataURL is where the Bot Connector publishes its keys.
	OpenIDMetadataURL string
	// ServiceURL is where to reach a tenant no request has named one for.
	ServiceURL string
	// ServiceURLHosts are the hosts that may receive okrbot's token.
	ServiceURLHosts string
	// Graph is Microsoft Graph's root in this cloud (Graph's "National
	// cloud deployments"), where okrbot installs itself for people.
	Graph string
}

// GraphScope is the audience of the tokens okrbot calls Graph with.
func (c Cloud) GraphScope() string { return c.Graph + "/.default" }

// Clouds are the clouds TEAMS_CLOUD names. GCC tenants use the public
// Bot Framework with a service URL of their own; GCC High and DoD use the
// Azure Government one.
var Clouds = map[string]Cloud{
	"public": {
		Name: "public", Login: "https://login.microsoftonline.com",
		Scope: "https://api.botframework.com/.default", Issuer: "https://api.botframework.com",
		OpenIDMetadataURL: DefaultOpenIDMetadataURL,
		ServiceURL:        "https://smba.trafficmanager.net/teams/",
		ServiceURLHosts:   DefaultServiceURLHosts,
		Graph:             "https://graph.microsoft.com",
	},
	"gcc": {
		Name: "gcc", Login: "https://login.microsoftonline.com",
		Scope: "https://api.botframework.com/.default", Issuer: "https://api.botframework.com",
		OpenIDMetadataURL: DefaultOpenIDMetadataURL,
		ServiceURL:        "https://smba.infra.gcc.teams.microsoft.com/gcc/",
		ServiceURLHosts:   "smba.infra.gcc.teams.microsoft.com,smba.trafficmanager.net,*.botframework.com",
		Graph:             "https://graph.microsoft.com",
	},
	"gcchigh": {
		Name: "gcchigh", Login: "https://login.microsoftonline.us",
		Scope: "https://api.botframework.us/.default", Issuer: "https://api.botframework.us",
		OpenIDMetadataURL: "https://login.botframework.azure.us/v1/.well-known/openidconfiguration",
		ServiceURL:        "https://smba.infra.gov.teams.microsoft.us/gcch/",
		ServiceURLHosts:   "smba.infra.gov.teams.microsoft.us,*.botframework.us,*.botframework.azure.us",
		Graph:             "https://graph.microsoft.us",
	},
	"dod": {
		Name: "dod", Login: "https://login.microsoftonline.us",
		Scope: "https://api.botframework.us/.default", Issuer: "https://api.botframework.us",
		OpenIDMetadataURL: "https://login.botframework.azure.us/v1/.well-known/openidconfiguration",
		ServiceURL:        "https://smba.infra.dod.teams.microsoft.us/dod/",
		ServiceURLHosts:   "smba.infra.dod.teams.microsoft.us,*.botframework.us,*.botframework.azure.us",
		Graph:             "https://dod-graph.microsoft.us",
	},
}

// Config is what the adapter needs from the environment.
type Config struct {
	AppID       string // TEAMS_APP_ID: the bot's Microsoft app (client) id
	AppPassword string // TEAMS_APP_PASSWORD: its client secret
	// AppCertificate is TEAMS_APP_CERTIFICATE: the path of a PEM file with
	// the app's certificate and its private key, which okrbot proves it is
	// the app with instead of a client secret (a signed client assertion).
	AppCertificate string
	TenantID       string // TEAMS_TENANT_ID: the tenant the app is registered in
	// Cloud is TEAMS_CLOUD: public (the default), gcc, gcchigh or dod; it
	// sets the defaults of the URLs below.
	Cloud string
	// OpenIDMetadataURL is TEAMS_OPENID_METADATA_URL; empty means the
	// cloud's.
	OpenIDMetadataURL string
	// TokenURL is TEAMS_TOKEN_URL; empty means the cloud's token endpoint
	// of TenantID.
	TokenURL string
	// ServiceURLHosts is TEAMS_SERVICE_URL_HOSTS: comma-separated host
	// names, "*.example.com" for any host under example.com; empty means
	// the cloud's.
	ServiceURLHosts string
	// GraphInstall is TEAMS_GRAPH_INSTALL=on: okrbot installs itself
	// through Microsoft Graph for a person it must reach and cannot,
	// which needs the application permissions
	// TeamsAppInstallation.ReadWriteSelfForUser.All and
	// AppCatalog.Read.All.
	GraphInstall bool
	// GraphURL is TEAMS_GRAPH_URL; empty means the cloud's Graph.
	GraphURL string
	// PublicURL is OKRBOT_PUBLIC_URL, where Teams clients reach okrbot:
	// pictures too big to ride in a card are served there, under
	// ChartPath, at signed links. Empty: such pictures show as their alt
	// text.
	PublicURL string
	// Pictures keeps the pictures served there where every replica finds
	// them; nil keeps them in this process's memory only.
	Pictures PictureStore
	Logger   *slog.Logger
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

// cloud is the cloud TEAMS_CLOUD names; check refuses any other.
func (c Config) cloud() Cloud {
	if cl, ok := Clouds[strings.ToLower(strings.TrimSpace(c.Cloud))]; ok {
		return cl
	}
	return Clouds["public"]
}

// tokenURL is the client-credentials endpoint the adapter asks for tokens.
func (c Config) tokenURL() string {
	if c.TokenURL != "" {
		return c.TokenURL
	}
	return c.cloud().Login + "/" + url.PathEscape(c.TenantID) + "/oauth2/v2.0/token"
}

func (c Config) check() error {
	var errs []error
	if c.AppID == "" {
		errs = append(errs, errors.New("TEAMS_APP_ID is required"))
	}
	if _, ok := Clouds[strings.ToLower(strings.TrimSpace(c.Cloud))]; !ok && c.Cloud != "" {
		errs = append(errs, fmt.Errorf("TEAMS_CLOUD %q is not one of public, gcc, gcchigh and dod", c.Cloud))
	}
	switch {
	case c.AppPassword == "" && c.AppCertificate == "":
		errs = append(errs, errors.New("TEAMS_APP_PASSWORD or TEAMS_APP_CERTIFICATE is required"))
	case c.AppPassword != "" && c.AppCertificate != "":
		errs = append(errs, errors.New("set TEAMS_APP_PASSWORD or TEAMS_APP_CERTIFICATE, not both"))
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

func parseHosts(list, defaults string) (hostPolicy, error) {
	if strings.TrimSpace(list) == "" {
		list = defaults
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
