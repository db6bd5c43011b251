package showcase

import "github.com/noncekit/noncekit/internal/account"

// The demo account exists only while the showcase is mounted. Its password
// is printed on the sign-in page on purpose: it guards nothing but a page
// that says who you are. It is an account.Guest, which has no role: it can
// never be an operator, so it never opens the reports.
const (
	DemoEmail    = "demo@noncekit.dev"
	DemoPassword = "noncekit-demo"
)

// DemoUser is the demo account.
var DemoUser = account.Guest{ID: "demo", Email: DemoEmail, Name: "Demo User"}

// demoHash is bcrypt(DemoPassword, cost 10), computed once (TestDemoHash
// checks it), so start-up and tests spend no time hashing.
const demoHash = "$2a$10$.pI6OPRc.Pm0WmocwTw7Le9uIGP2YkK6vtQ.87nuBX5SL2619PONu"

// demoHint is what the sign-in page says under its form.
const demoHint = "This is a demo: sign in as " + DemoEmail + " with the password " + DemoPassword + "."
