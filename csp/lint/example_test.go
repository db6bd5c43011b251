package lint_test

import (
	"fmt"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/lint"
)

func ExamplePolicy() {
	p, err := csp.ParseLenient("script-src 'self' https://www.google.com")
	if err != nil {
		panic(err)
	}
	for _, f := range lint.Policy(p, lint.AsHeader) {
		fmt.Println(f)
	}
	// Output:
	// HIGH script-src https://www.google.com: www.google.com is known to host JSONP endpoints, which let an attacker run any script through this allowlist; use a nonce and 'strict-dynamic' instead of hosts.
	// HIGH object-src: Without object-src (or default-src) an injected <object> or <embed> can load content that runs script; set object-src 'none'.
	// MEDIUM script-src 'self': 'self' trusts every script file on your site, so a JSONP endpoint, an AngularJS copy or a user upload there lets an attacker in; prefer nonces and 'strict-dynamic'.
}
