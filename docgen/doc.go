// Package docgen renders DataGate's agreements and an application's
// approval form as PDF documents in Chinese.
//
// Render lays out one agreement of an application from its Agreement
// input: the authorization agreement (数据开发利用授权协议, bureau and
// operator), the service agreement (授权开发利用服务协议, operator and
// applicant, filed with the bureau), the utilization commitment
// (公共数据利用承诺书, 004 第十六条) or a supplementary agreement (补充协议,
// only the datasets it adds). Each agreement carries the clauses the policy texts
// require, with their article numbers: no re-authorization or
// sub-authorization (003 六（二）2), citing the data source in every result
// (004 第二十六条), and return of the data and destruction of derived models
// within 30 days after the end (003 六（六）2). RenderApprovalForm prints an
// application's approval form (审批单): its fields, its datasets, a table of
// every step with its decider, time, decision, reason and basis, and the
// agreements with their template versions and SM3 fingerprints.
//
// The text comes from versioned templates embedded in the package
// (templates/<kind>.v<N>.tmpl, text/template producing a small line-based
// markup); a released version is never edited, so RenderVersion reproduces
// a document rendered earlier. The version is returned in the Document and
// printed in every page's footer beside 第 N 页 共 M 页.
//
// The output is deterministic: the same input gives the same bytes and so
// the same SM3 digest (Document.SM3). The PDF's creation and modification
// dates are the input's Date, fpdf's catalogs are sorted, and nothing
// random is written. Dates and times are printed in China Standard Time.
//
// The font is a subset of WenQuanYi Micro Hei (Apache-2.0) embedded in the
// package (font/): ASCII, CJK punctuation, full-width forms and GB2312. An
// input with a character outside it is refused with a FieldError naming
// the field, rather than printed with a gap. Lines are wrapped by docgen
// itself (fpdf's MultiCell drops a character at a break between hanzi),
// with the Chinese rules on punctuation at the start and end of a line.
package docgen
