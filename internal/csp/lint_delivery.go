package csp

func (l *linter) checkDeprecated() {
	if l.p.Has(BlockAllMixedContent) {
		l.add(Info, BlockAllMixedContent, "", "block-all-mixed-content is deprecated because browsers now upgrade or block mixed content themselves; use upgrade-insecure-requests if you need it.")
	}
	if l.p.Has(PrefetchSrc) {
		l.add(Info, PrefetchSrc, "", "prefetch-src was removed from CSP and browsers ignore it; remove it.")
	}
	if l.p.Has(PluginTypes) {
		l.add(Info, PluginTypes, "", "plugin-types was removed from CSP along with browser plugins; object-src 'none' is what blocks <object> and <embed>.")
	}
}

// checkDelivery reports directives that do nothing in the way the policy
// is delivered (CSP3 §3.3 and §6.3.2, Upgrade Insecure Requests §3.2).
func (l *linter) checkDelivery(d Delivery) {
	switch d {
	case AsReportOnly:
		if l.p.Has(Sandbox) {
			l.add(Low, Sandbox, "", "sandbox is ignored in a report-only policy, so it neither applies nor reports; try it in an enforced policy.")
		}
		if l.p.Has(UpgradeInsecureRequests) {
			l.add(Low, UpgradeInsecureRequests, "", "upgrade-insecure-requests is ignored in a report-only policy; send it in the enforced header.")
		}
		if !l.p.sendsReports() {
			l.add(Info, ReportURI, "", "A report-only policy without report-uri or report-to blocks nothing and reports only to the console, unless your server adds one as the kit's Manager does.")
		}
	case AsMeta:
		if l.p.Has(FrameAncestors) {
			l.add(Medium, FrameAncestors, "", "frame-ancestors is ignored in a <meta> policy, so other sites can still frame this page; send it in a header.")
		}
		if l.p.Has(Sandbox) {
			l.add(Medium, Sandbox, "", "sandbox is ignored in a <meta> policy; send it in a header.")
		}
		if l.p.Has(ReportURI) {
			l.add(Low, ReportURI, "", "report-uri is ignored in a <meta> policy, so no violation is reported; send the policy in a header.")
		}
	}
}
