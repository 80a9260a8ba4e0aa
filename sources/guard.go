package sources

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
)

// Hosts is where okrbot may connect to fetch a value (OKRBOT_SOURCE_HOSTS).
// Empty, it is any public host. Listed, it is only the hosts that match an
// entry: a name ("bi.example.com"), a name pattern ("*.example.com", which
// matches the subdomains only), an address or a range ("10.2.0.0/16").
// Loopback and private addresses are reached only when an entry lists
// them, by address or range, or by the name that resolves to them.
// Link-local and cloud metadata addresses are never reached.
type Hosts struct {
	names    []string
	prefixes []netip.Prefix
	// none is no host at all: NoHosts.
	none bool
}

// NoHosts reaches no host: what okrbot falls back to when
// OKRBOT_SOURCE_HOSTS does not read, rather than to any public host.
func NoHosts() Hosts { return Hosts{none: true} }

// ParseHosts reads OKRBOT_SOURCE_HOSTS: entries separated by commas or
// spaces.
func ParseHosts(s string) (Hosts, error) {
	var h Hosts
	for _, e := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		e = strings.ToLower(strings.TrimSpace(e))
		if p, err := netip.ParsePrefix(e); err == nil {
			h.prefixes = append(h.prefixes, p.Masked())
			continue
		}
		if a, err := netip.ParseAddr(strings.Trim(e, "[]")); err == nil {
			h.prefixes = append(h.prefixes, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		name := strings.TrimPrefix(e, "*.")
		if name == "" || strings.ContainsAny(name, "*/:[]") {
			return Hosts{}, fmt.Errorf("%q is not a host name, a *.domain pattern, an address or a range like 10.0.0.0/8", e)
		}
		h.names = append(h.names, e)
	}
	return h, nil
}

// Any is true when no host is listed: any public host may be reached.
func (h Hosts) Any() bool { return !h.none && len(h.names) == 0 && len(h.prefixes) == 0 }

// nameListed is whether host matches a name or pattern of the list.
func (h Hosts) nameListed(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, n := range h.names {
		if suffix, ok := strings.CutPrefix(n, "*."); ok {
			if strings.HasSuffix(host, "."+suffix) {
				return true
			}
		} else if host == n {
			return true
		}
	}
	return false
}

func (h Hosts) addrListed(a netip.Addr) bool {
	for _, p := range h.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// checkName refuses a host by its name alone: one outside the list, or an
// address that is never reached.
func (h Hosts) checkName(host string) error {
	if h.none {
		return fmt.Errorf("OKRBOT_SOURCE_HOSTS does not read, so okrbot connects to no host (%s included); okrbot check says what is wrong with it", host)
	}
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return h.checkAddr(host, a.Unmap(), false)
	}
	if !h.Any() && !h.nameListed(host) {
		return fmt.Errorf("%s is not in OKRBOT_SOURCE_HOSTS, so okrbot may not connect to it", host)
	}
	return nil
}

// metadata are cloud metadata services' addresses outside link-local
// ranges: AWS's IPv6 one, Alibaba's.
var metadata = []netip.Addr{netip.MustParseAddr("fd00:ec2::254"), netip.MustParseAddr("100.100.100.200")}

// nat64 is the well-known prefix of IPv4 addresses translated to IPv6.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// sharedSpace (carrier-grade NAT) is reached only when listed, as what
// netip calls private is.
var sharedSpace = netip.MustParsePrefix("100.64.0.0/10")

// checkAddr refuses an address host resolved to. byName says host matched
// a listed name, which lets it resolve to a private address.
func (h Hosts) checkAddr(host string, a netip.Addr, byName bool) error {
	a = a.Unmap()
	if nat64.Contains(a) {
		// An IPv4 address reached through a NAT64 gateway is that address.
		b := a.As16()
		if err := h.checkAddr(host, netip.AddrFrom4([4]byte(b[12:])), byName); err != nil {
			return err
		}
	}
	for _, m := range metadata {
		if a == m {
			return fmt.Errorf("%s is a cloud metadata address (%s), which okrbot never connects to", host, a)
		}
	}
	switch {
	case a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast():
		return fmt.Errorf("%s is a link-local address (%s), where cloud metadata lives; okrbot never connects to it", host, a)
	case a.IsUnspecified() || a.IsMulticast() || a.IsInterfaceLocalMulticast():
		return fmt.Errorf("%s (%s) is not an address okrbot connects to", host, a)
	}
	if h.addrListed(a) {
		return nil
	}
	private := a.IsLoopback() || a.IsPrivate() || sharedSpace.Contains(a)
	switch {
	case private && !byName:
		return fmt.Errorf("%s is a loopback or private address (%s); okrbot connects to one only when OKRBOT_SOURCE_HOSTS lists it", host, a)
	case !h.Any() && !byName:
		return fmt.Errorf("%s (%s) is not in OKRBOT_SOURCE_HOSTS, so okrbot may not connect to it", host, a)
	}
	return nil
}

// dialer connects only where h allows: it resolves the name itself,
// checks every address, and dials the one checked, so that a name that
// resolves again to another address (DNS rebinding) gains nothing. Its
// Control checks the address actually dialled once more.
func (h Hosts) dialer(timeout func() *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if err := h.checkName(host); err != nil {
			return nil, err
		}
		byName := h.nameListed(host)
		var addrs []netip.Addr
		if a, err := netip.ParseAddr(host); err == nil {
			addrs = []netip.Addr{a}
		} else {
			ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
			if err != nil {
				return nil, fmt.Errorf("%s does not resolve: %w", host, err)
			}
			addrs = ips
		}
		var errs []error
		for _, a := range addrs {
			if err := h.checkAddr(host, a, byName); err != nil {
				errs = append(errs, err)
				continue
			}
			d := timeout()
			d.Control = func(_, address string, _ syscall.RawConn) error {
				ap, err := netip.ParseAddrPort(address)
				if err != nil {
					return err
				}
				return h.checkAddr(host, ap.Addr(), byName)
			}
			conn, err := d.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
			if err == nil {
				return conn, nil
			}
			errs = append(errs, err)
		}
		if len(errs) == 0 {
			return nil, fmt.Errorf("%s resolves to no address", host)
		}
		return nil, errors.Join(errs...)
	}
}
