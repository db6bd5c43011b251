package lint

import "github.com/noncekit/noncekit/csp"

func (l *linter) checkDeprecated() {
	if l.p.Has(csp.BlockAllMixedContent) {
		l.add(Info, csp.BlockAllMixedContent, "", "block-all-mixed-content is deprecated because browsers now upgrade or block mixed content themselves; use upgrade-insecure-requests if you need it.")
	}
	if l.p.Has(csp.PrefetchSrc) {
		l.add(Info, csp.PrefetchSrc, "", "prefetch-src was removed from CSP and browsers ignore it; remove it.")
	}
	if l.p.Has(csp.PluginTypes) {
		l.add(Info, csp.PluginTypes, "", "plugin-types was removed from CSP along with browser plugins; object-src 'none' is what blocks <object> and <embed>.")
	}
}

// checkDelivery reports directives that do nothing in the way the policy
// is delivered (CSP3 §3.3 and §6.3.2, Upgrade Insecure Requests §3.2).
func (l *linter) checkDelivery(d Delivery) {
	switch d {
	case AsReportOnly:
		if l.p.Has(csp.Sandbox) {
			l.add(Low, csp.Sandbox, "", "sandbox is ignored in a report-only policy, so it neither applies nor reports; try it in an enforced policy.")
		}
		if l.p.Has(csp.UpgradeInsecureRequests) {
			l.add(Low, csp.UpgradeInsecureRequests, "", "upgrade-insecure-requests is ignored in a report-only policy; send it in the enforced header.")
		}
		if !l.p.SendsReports() {
			l.add(Info, csp.ReportURI, "", "A report-only policy without report-uri or report-to blocks nothing and reports only to the console, unless your server adds one as the kit's Manager does.")
		}
	case AsMeta:
		if l.p.Has(csp.FrameAncestors) {
			l.add(Medium, csp.FrameAncestors, "", "frame-ancestors is ignored in a <meta> policy, so other sites can still frame this page; send it in a header.")
		}
		if l.p.Has(csp.Sandbox) {
			l.add(Medium, csp.Sandbox, "", "sandbox is ignored in a <meta> policy; send it in a header.")
		}
		if l.p.Has(csp.ReportURI) {
			l.add(Low, csp.ReportURI, "", "report-uri is ignored in a <meta> policy, so no violation is reported; send the policy in a header.")
		}
	}
}
