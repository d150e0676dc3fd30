package web

import (
	"fmt"
	"net"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Client addresses behind a reverse proxy (JIEFEN_TRUSTED_PROXIES). The
// login throttle, the rate limits and the audit log key on c.IP(): without
// trusted proxies it is the connection's address, so that nobody can claim
// another address in a header; with them, a request that arrives from one
// of them is attributed to the client the proxies forwarded for.

// ParseTrustedProxies reads a comma-separated list of IP addresses and
// CIDR ranges, in canonical form.
func ParseTrustedProxies(list string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(list, ",") {
		p = strings.TrimSpace(p)
		switch {
		case p == "":
			continue
		case strings.Contains(p, "/"):
			_, n, err := net.ParseCIDR(p)
			if err != nil {
				return nil, fmt.Errorf("JIEFEN_TRUSTED_PROXIES: %q is not an IP address or CIDR range", p)
			}
			out = append(out, n.String())
		default:
			ip := net.ParseIP(p)
			if ip == nil {
				return nil, fmt.Errorf("JIEFEN_TRUSTED_PROXIES: %q is not an IP address or CIDR range", p)
			}
			out = append(out, ip.String())
		}
	}
	return out, nil
}

// proxyConfig sets fiber to read X-Forwarded-For only from trusted proxies.
func proxyConfig(cfg *fiber.Config, trusted []string) {
	if len(trusted) == 0 {
		return
	}
	cfg.ProxyHeader = fiber.HeaderXForwardedFor
	cfg.EnableTrustedProxyCheck = true
	cfg.TrustedProxies = trusted
	cfg.EnableIPValidation = true
}

// forwardedFor leaves in X-Forwarded-For only the client's address, for
// fiber's c.IP(). Proxies append the address they saw, so only the right
// end of the list is vouched for: the client is the rightmost address that
// is not a trusted proxy; anything left of it the client may have written.
// Requests from other addresses keep the header, which fiber ignores.
func forwardedFor(trusted []string) fiber.Handler {
	var nets []*net.IPNet
	for _, p := range trusted {
		if !strings.Contains(p, "/") {
			if ip := net.ParseIP(p); ip.To4() != nil {
				p += "/32"
			} else {
				p += "/128"
			}
		}
		if _, n, err := net.ParseCIDR(p); err == nil {
			nets = append(nets, n)
		}
	}
	isTrusted := func(ip net.IP) bool {
		for _, n := range nets {
			if n.Contains(ip) {
				return true
			}
		}
		return false
	}
	return func(c *fiber.Ctx) error {
		remote := c.Context().RemoteIP()
		if !isTrusted(remote) {
			return c.Next()
		}
		client := remote
		var hops []string
		for _, h := range c.Request().Header.PeekAll(fiber.HeaderXForwardedFor) {
			hops = append(hops, strings.Split(string(h), ",")...)
		}
		for i := len(hops) - 1; i >= 0; i-- {
			ip := net.ParseIP(strings.TrimSpace(hops[i]))
			if ip == nil {
				break // garbage: nothing left of it can be trusted
			}
			client = ip
			if !isTrusted(ip) {
				break
			}
		}
		c.Request().Header.Set(fiber.HeaderXForwardedFor, client.String())
		return c.Next()
	}
}
