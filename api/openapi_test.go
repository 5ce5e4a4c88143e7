package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/datagate/datagate/activities"
	"github.com/datagate/datagate/api"
	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/docgen"
	"github.com/datagate/datagate/documents"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/workflows"
)

// The OpenAPI document (api/openapi.json) is the API's contract. These tests
// keep it true: every route is in it and nothing else, it is well formed
// OpenAPI 3.1 whose schemas compile as JSON Schema 2020-12, and the bodies
// the server accepts and answers match the schemas it documents.

// oaURL is the base URI the document is loaded under; its $refs are local.
const oaURL = "https://datagate.invalid/api/v1/openapi.json"

// temporalRoutes need a running workflow to succeed; without Temporal the
// tests send them only requests that are refused before the workflow is
// reached, and check their documented request schemas against examples.
var temporalRoutes = map[string]bool{
	"POST /api/v1/applications/{id}/submit":           true,
	"POST /api/v1/applications/{id}/withdraw":         true,
	"POST /api/v1/applications/{id}/models":           true,
	"POST /api/v1/applications/{id}/evaluations":      true,
	"POST /api/v1/applications/{id}/exit-notice":      true,
	"POST /api/v1/applications/{id}/terminate":        true,
	"POST /api/v1/tasks/{id}/decision":                true,
	"POST /api/v1/applications/{id}/supplement":       true,
	"GET /api/v1/audit/reconcile":                     true,
	"POST /api/v1/catalog/proposals":                  true,
	"POST /api/v1/catalog/requests":                   true,
	"POST /api/v1/catalog/{code}/objections":          true,
	"POST /api/v1/applications/{id}/restrict":         true,
	"POST /api/v1/applications/{id}/restriction/lift": true,
}

var oaMethods = []string{"get", "put", "post", "delete", "patch", "head", "options", "trace"}

// oaDoc is the parsed document with a JSON Schema compiler over it.
type oaDoc struct {
	raw   []byte
	doc   any // as decoded by jsonschema.UnmarshalJSON (numbers are json.Number)
	c     *jsonschema.Compiler
	cache map[string]*jsonschema.Schema
}

func loadOpenAPI(t testing.TB) *oaDoc {
	t.Helper()
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(oaURL, doc); err != nil {
		t.Fatalf("load openapi.json: %v", err)
	}
	return &oaDoc{raw: raw, doc: doc, c: c, cache: map[string]*jsonschema.Schema{}}
}

// ptrEscape escapes one JSON pointer token.
func ptrEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func ptrJoin(base string, tokens ...string) string {
	for _, t := range tokens {
		base += "/" + ptrEscape(t)
	}
	return base
}

// at returns the node at a JSON pointer, or false.
func (d *oaDoc) at(ptr string) (any, bool) {
	node := d.doc
	if ptr == "" {
		return node, true
	}
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch n := node.(type) {
		case map[string]any:
			v, ok := n[tok]
			if !ok {
				return nil, false
			}
			node = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n) {
				return nil, false
			}
			node = n[i]
		default:
			return nil, false
		}
	}
	return node, true
}

// deref follows the local $refs of an OpenAPI object (a response, a
// parameter) to the object itself, returning its pointer.
func (d *oaDoc) deref(t testing.TB, ptr string) (map[string]any, string) {
	t.Helper()
	for range 10 {
		node, ok := d.at(ptr)
		m, isMap := node.(map[string]any)
		if !ok || !isMap {
			t.Fatalf("openapi.json: nothing at %s", ptr)
		}
		ref, isRef := m["$ref"].(string)
		if !isRef {
			return m, ptr
		}
		if !strings.HasPrefix(ref, "#") {
			t.Fatalf("openapi.json: %s: only local $refs are used, not %q", ptr, ref)
		}
		ptr = ref[1:]
	}
	t.Fatalf("openapi.json: $ref loop at %s", ptr)
	return nil, ""
}

// schema compiles the JSON Schema at a pointer.
func (d *oaDoc) schema(t testing.TB, ptr string) *jsonschema.Schema {
	t.Helper()
	if s, ok := d.cache[ptr]; ok {
		return s
	}
	s, err := d.c.Compile(oaURL + "#" + ptr)
	if err != nil {
		t.Fatalf("openapi.json: the schema at %s does not compile: %v", ptr, err)
	}
	d.cache[ptr] = s
	return s
}

// mismatch validates v and describes every failure with the JSON pointer of
// the mismatching value and the schema location that refused it; "" when v
// matches.
func mismatch(s *jsonschema.Schema, v any) string {
	err := s.Validate(v)
	if err == nil {
		return ""
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return err.Error()
	}
	var out []string
	var leaves func(e *jsonschema.ValidationError)
	leaves = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				leaves(c)
			}
			return
		}
		msg := "invalid"
		if u := (&jsonschema.ValidationError{ErrorKind: e.ErrorKind}).BasicOutput(); u.Error != nil {
			msg = u.Error.String()
		}
		ptr := ""
		for _, tok := range e.InstanceLocation {
			ptr += "/" + ptrEscape(tok)
		}
		out = append(out, fmt.Sprintf("at %q: %s (schema %s)", ptr, msg, strings.TrimPrefix(e.SchemaURL, oaURL)))
	}
	leaves(ve)
	return strings.Join(out, "; ")
}

func decodeInstance(t testing.TB, data []byte) any {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not JSON: %v: %.200s", err, data)
	}
	return v
}

// instance turns a Go value or raw JSON text into a value to validate.
func instance(t testing.TB, body any) any {
	t.Helper()
	switch b := body.(type) {
	case string:
		return decodeInstance(t, []byte(b))
	case []byte:
		return decodeInstance(t, b)
	}
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return decodeInstance(t, raw)
}

// ginToOpenAPI turns gin's /x/:id into OpenAPI's /x/{id}.
var ginParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

func ginToOpenAPI(path string) string { return ginParam.ReplaceAllString(path, "{$1}") }

// operations lists "METHOD /path" of every documented operation.
func (d *oaDoc) operations(t testing.TB) map[string]map[string]any {
	t.Helper()
	paths, ok := d.doc.(map[string]any)["paths"].(map[string]any)
	if !ok {
		t.Fatal("openapi.json has no paths object")
	}
	out := map[string]map[string]any{}
	for p, item := range paths {
		for m, op := range item.(map[string]any) {
			if !slices.Contains(oaMethods, m) {
				continue
			}
			out[strings.ToUpper(m)+" "+p] = op.(map[string]any)
		}
	}
	return out
}

// template finds the documented path a concrete path matches; literal
// segments win over parameters.
func (d *oaDoc) template(t testing.TB, method, path string) string {
	t.Helper()
	segs := strings.Split(path, "/")
	best, bestParams := "", 1<<30
	for key := range d.operations(t) {
		m, p, _ := strings.Cut(key, " ")
		if m != method {
			continue
		}
		ts := strings.Split(p, "/")
		if len(ts) != len(segs) {
			continue
		}
		params, match := 0, true
		for i, s := range ts {
			switch {
			case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
				params++
			case s != segs[i]:
				match = false
			}
		}
		if match && params < bestParams {
			best, bestParams = p, params
		}
	}
	if best == "" {
		t.Fatalf("openapi.json documents no operation for %s %s", method, path)
	}
	return best
}

func opPtr(method, path string) string {
	return ptrJoin("/paths", path, strings.ToLower(method))
}

// --- coverage --------------------------------------------------------------

// TestOpenAPICoverage fails when a registered route is missing from the
// document, when the document names an operation that is not a route, or
// when a documented operation lacks a response schema.
func TestOpenAPICoverage(t *testing.T) {
	d := loadOpenAPI(t)
	e := newEnv(t)
	ops := d.operations(t)
	routes := map[string]api.RouteInfo{}
	for _, r := range e.srv.RouteTable() {
		key := r.Method + " " + ginToOpenAPI(r.Path)
		routes[key] = r
		if _, ok := ops[key]; !ok {
			t.Errorf("route %s %s is not in api/openapi.json: document it", r.Method, r.Path)
		}
	}
	for key := range ops {
		if _, ok := routes[key]; !ok {
			t.Errorf("api/openapi.json documents %s, which is not a route in api/routes.go", key)
		}
	}
	for key, op := range ops {
		m, p, _ := strings.Cut(key, " ")
		rs, _ := op["responses"].(map[string]any)
		if len(rs) == 0 {
			t.Errorf("%s: no responses", key)
		}
		success := false
		for status := range rs {
			resp, rptr := d.deref(t, ptrJoin(opPtr(m, p), "responses", status))
			if desc, _ := resp["description"].(string); desc == "" {
				t.Errorf("%s %s: the response has no description", key, status)
			}
			if strings.HasPrefix(status, "2") {
				success = true
			}
			if status == "204" {
				if resp["content"] != nil {
					t.Errorf("%s 204: a 204 has no body", key)
				}
				continue
			}
			content, _ := resp["content"].(map[string]any)
			if len(content) == 0 {
				t.Errorf("%s %s: the response documents no content", key, status)
			}
			for mt, media := range content {
				if _, ok := media.(map[string]any)["schema"]; !ok {
					t.Errorf("%s %s: %s has no schema", key, status, mt)
					continue
				}
				d.schema(t, ptrJoin(rptr, "content", mt, "schema"))
			}
			if !strings.HasPrefix(status, "2") && !strings.HasPrefix(status, "5") || status == "500" {
				if _, ok := content["application/json"]; !ok {
					t.Errorf("%s %s: an error answers application/json", key, status)
				}
			}
		}
		if !success {
			t.Errorf("%s: no success response", key)
		}
	}
}

// --- validity --------------------------------------------------------------

// TestOpenAPIValid checks the document's structure: the OpenAPI 3.1 fields
// this API uses, every $ref resolving, every schema compiling as JSON Schema
// 2020-12, every example matching its schema, and what the document says
// about each route agreeing with the server (casbin action, public or not,
// headers, path parameters, the decision matrix).
// Every operation documents the answers every route can give: 429 (the
// per-address and per-account limits, with Retry-After), and, for one
// that takes a body, 415 (a body not sent as JSON).
func TestOpenAPIEveryOperationDocumentsItsLimits(t *testing.T) {
	d := loadOpenAPI(t)
	for key, op := range d.operations(t) {
		rs, _ := op["responses"].(map[string]any)
		if r, _ := rs["429"].(map[string]any); r["$ref"] != "#/components/responses/TooManyRequests" {
			t.Errorf("%s: no 429 TooManyRequests", key)
		}
		if _, body := op["requestBody"]; body {
			if r, _ := rs["415"].(map[string]any); r["$ref"] != "#/components/responses/UnsupportedMediaType" {
				t.Errorf("%s takes a body but documents no 415", key)
			}
		}
	}
	h, _ := d.at("/components/responses/TooManyRequests/headers/Retry-After")
	if h == nil {
		t.Error("429 documents no Retry-After")
	}
}

func TestOpenAPIValid(t *testing.T) {
	d := loadOpenAPI(t)
	e := newEnv(t)
	root := d.doc.(map[string]any)

	if v, _ := root["openapi"].(string); v != "3.1.0" {
		t.Errorf("openapi is %q, want 3.1.0", v)
	}
	info, _ := root["info"].(map[string]any)
	for _, f := range []string{"title", "version", "description"} {
		if s, _ := info[f].(string); s == "" {
			t.Errorf("info.%s is missing", f)
		}
	}
	if !json.Valid(d.raw) {
		t.Fatal("openapi.json is not valid JSON")
	}
	if served := e.do("GET", "/api/v1/openapi.json", nil, ""); served.Status != 200 || !bytes.Equal(served.Body, d.raw) {
		t.Errorf("GET /api/v1/openapi.json does not serve api/openapi.json: %d", served.Status)
	}

	// Every $ref resolves; every schema in components compiles.
	var walk func(ptr string, node any)
	walk = func(ptr string, node any) {
		switch n := node.(type) {
		case map[string]any:
			if ref, ok := n["$ref"].(string); ok {
				if !strings.HasPrefix(ref, "#/") {
					t.Errorf("%s: $ref %q is not local", ptr, ref)
				} else if _, ok := d.at(ref[1:]); !ok {
					t.Errorf("%s: $ref %q resolves to nothing", ptr, ref)
				}
			}
			for k, v := range n {
				walk(ptrJoin(ptr, k), v)
			}
		case []any:
			for i, v := range n {
				walk(ptrJoin(ptr, strconv.Itoa(i)), v)
			}
		}
	}
	walk("", d.doc)

	comps, _ := root["components"].(map[string]any)
	schemas, _ := comps["schemas"].(map[string]any)
	if len(schemas) == 0 {
		t.Fatal("components.schemas is empty")
	}
	for name := range schemas {
		d.schema(t, ptrJoin("/components/schemas", name))
	}
	schemes, _ := comps["securitySchemes"].(map[string]any)
	declaredTags := map[string]bool{}
	for _, tg := range root["tags"].([]any) {
		declaredTags[tg.(map[string]any)["name"].(string)] = true
	}
	for _, want := range []string{"catalog", "applications", "tasks", "supervision", "audit", "disclosure", "calendar", "session", "admin", "health"} {
		if !declaredTags[want] {
			t.Errorf("tag %s is not declared", want)
		}
	}

	// Examples match their schemas: a schema's "examples", a parameter's
	// or a media type's "example".
	var examples func(ptr string, node any, inSchema bool)
	examples = func(ptr string, node any, inSchema bool) {
		switch n := node.(type) {
		case map[string]any:
			if ex, ok := n["examples"].([]any); ok && inSchema {
				s := d.schema(t, ptr)
				for i, x := range ex {
					if m := mismatch(s, x); m != "" {
						t.Errorf("%s/examples/%d does not match its schema: %s", ptr, i, m)
					}
				}
			}
			if x, ok := n["example"]; ok && n["schema"] != nil {
				if m := mismatch(d.schema(t, ptrJoin(ptr, "schema")), x); m != "" {
					t.Errorf("%s/example does not match its schema: %s", ptr, m)
				}
			}
			for k, v := range n {
				child := inSchema
				switch {
				case k == "schema" || (k == "schemas" && ptr == "/components"):
					child = true
				case inSchema && (k == "examples" || k == "enum" || k == "const" || k == "default" || strings.HasPrefix(k, "x-")):
					continue
				}
				if k == "schemas" && ptr == "/components" {
					for name, s := range v.(map[string]any) {
						examples(ptrJoin(ptr, k, name), s, true)
					}
					continue
				}
				examples(ptrJoin(ptr, k), v, child)
			}
		case []any:
			for i, v := range n {
				examples(ptrJoin(ptr, strconv.Itoa(i)), v, inSchema)
			}
		}
	}
	examples("", d.doc, false)

	// Each operation against its route.
	routes := map[string]api.RouteInfo{}
	for _, r := range e.srv.RouteTable() {
		routes[r.Method+" "+ginToOpenAPI(r.Path)] = r
	}
	opIDs := map[string]string{}
	pathParam := regexp.MustCompile(`\{([^}]+)\}`)
	for key, op := range d.operations(t) {
		m, p, _ := strings.Cut(key, " ")
		ptr := opPtr(m, p)
		id, _ := op["operationId"].(string)
		if id == "" {
			t.Errorf("%s: no operationId", key)
		} else if other, dup := opIDs[id]; dup {
			t.Errorf("%s: operationId %s is also %s's", key, id, other)
		}
		opIDs[id] = key
		for _, f := range []string{"summary", "description"} {
			if s, _ := op[f].(string); s == "" {
				t.Errorf("%s: no %s", key, f)
			}
		}
		tags, _ := op["tags"].([]any)
		if len(tags) != 1 || !declaredTags[fmt.Sprint(tags[0])] {
			t.Errorf("%s: tags %v: want one declared tag", key, tags)
		}
		r, isRoute := routes[key]
		if isRoute {
			if got, _ := op["x-casbin-action"].(string); got != r.Action.String() {
				t.Errorf("%s: x-casbin-action %q, the route's action is %q", key, got, r.Action)
			}
			public, err := e.srv.RBAC.AllowPublic(r.Action)
			if err != nil {
				t.Fatal(err)
			}
			sec, hasSec := op["security"].([]any)
			switch {
			case public && (!hasSec || len(sec) != 0):
				t.Errorf("%s is public: document security: []", key)
			case !public && len(sec) == 0:
				t.Errorf("%s needs a signed-in caller: document its security", key)
			}
			for _, req := range sec {
				for scheme := range req.(map[string]any) {
					if _, ok := schemes[scheme]; !ok {
						t.Errorf("%s: security scheme %s is not declared", key, scheme)
					}
				}
			}
		}
		// Parameters: each well formed with a compiling schema; the path's
		// parameters declared; the headers every route takes.
		seen := map[string]bool{}
		params, _ := op["parameters"].([]any)
		for i := range params {
			pm, pptr := d.deref(t, ptrJoin(ptr, "parameters", strconv.Itoa(i)))
			name, _ := pm["name"].(string)
			in, _ := pm["in"].(string)
			if name == "" || !slices.Contains([]string{"query", "header", "path", "cookie"}, in) {
				t.Errorf("%s: parameter %d has name %q in %q", key, i, name, in)
			}
			if _, ok := pm["schema"]; !ok {
				t.Errorf("%s: parameter %s has no schema", key, name)
			} else {
				d.schema(t, ptrJoin(pptr, "schema"))
			}
			if in == "path" && pm["required"] != true {
				t.Errorf("%s: path parameter %s must be required", key, name)
			}
			if seen[in+" "+name] {
				t.Errorf("%s: parameter %s in %s twice", key, name, in)
			}
			seen[in+" "+name] = true
		}
		for _, pp := range pathParam.FindAllStringSubmatch(p, -1) {
			if !seen["path "+pp[1]] {
				t.Errorf("%s: path parameter {%s} is not declared", key, pp[1])
			}
		}
		for k := range seen {
			if name, ok := strings.CutPrefix(k, "path "); ok && !strings.Contains(p, "{"+name+"}") {
				t.Errorf("%s: parameter %s is not in the path", key, name)
			}
		}
		if !seen["header Accept-Language"] {
			t.Errorf("%s: Accept-Language is not documented", key)
		}
		if (m == "POST" || m == "PUT") && !seen["header Idempotency-Key"] {
			t.Errorf("%s: Idempotency-Key is not documented", key)
		}
		if m != "GET" && !seen["header X-CSRF-Token"] {
			t.Errorf("%s: X-CSRF-Token is not documented", key)
		}
		if rb, ok := op["requestBody"].(map[string]any); ok {
			// A body is JSON, but for an upload's multipart form.
			content, _ := rb["content"].(map[string]any)
			mt := "application/json"
			if key == "POST /api/v1/applications/{id}/attachments" {
				mt = "multipart/form-data"
			}
			if _, ok := content[mt]; !ok || len(content) != 1 {
				t.Errorf("%s: a request body is %s", key, mt)
			}
			d.schema(t, ptrJoin(ptr, "requestBody", "content", mt, "schema"))
		}
	}

	// The decision matrix is the workflow's.
	dr, _ := d.at("/components/schemas/DecisionRequest")
	matrix, _ := dr.(map[string]any)["x-allowed-decisions"].(map[string]any)
	kinds := domain.TaskKinds()
	union := map[string]bool{}
	for _, k := range kinds {
		want := domain.AllowedDecisions(k)
		var got []string
		for _, x := range asSlice(matrix[k]) {
			got = append(got, x.(string))
		}
		if !slices.Equal(got, want) {
			t.Errorf("x-allowed-decisions[%s] = %v, the workflow allows %v", k, got, want)
		}
		for _, x := range want {
			union[x] = true
		}
	}
	if len(matrix) != len(kinds) {
		t.Errorf("x-allowed-decisions has %d task kinds, the workflow %d", len(matrix), len(kinds))
	}
	if got := enumAt(t, d, "/components/schemas/DecisionRequest/properties/decision/enum"); !sameSet(got, keys(union)) {
		t.Errorf("DecisionRequest.decision enum %v, the workflow's decisions are %v", got, keys(union))
	}
	if got := enumAt(t, d, "/components/schemas/TaskFields/properties/kind/enum"); !sameSet(got, kinds) {
		t.Errorf("Task.kind enum %v, the workflow's kinds are %v", got, kinds)
	}
	if got := enumAt(t, d, "/components/schemas/UserCreateRequest/properties/role/enum"); !sameSet(got, domain.Roles()) {
		t.Errorf("roles enum %v, domain.Roles() %v", got, domain.Roles())
	}
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

func enumAt(t testing.TB, d *oaDoc, ptr string) []string {
	t.Helper()
	v, ok := d.at(ptr)
	if !ok {
		t.Fatalf("openapi.json: nothing at %s", ptr)
	}
	var out []string
	for _, x := range asSlice(v) {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	return slices.Equal(a, b)
}

// TestOpenAPIModelsMatchGoTypes compares each documented model with the Go
// type the server marshals: the same JSON fields, and a field Go always
// writes (no omitempty) is required.
func TestOpenAPIModelsMatchGoTypes(t *testing.T) {
	d := loadOpenAPI(t)
	for name, v := range map[string]any{
		"Org": store.Org{}, "User": store.User{}, "Dataset": store.Dataset{}, "Application": store.Application{},
		"ApplicationDataset": store.ApplicationDataset{}, "TaskFields": store.Task{}, "Agreement": store.Agreement{},
		"Signature": store.Signature{}, "Model": store.Model{}, "Evaluation": store.Evaluation{},
		"AuditEntry": store.AuditEntry{}, "APIToken": store.APIToken{}, "YearTable": calendar.YearTable{},
		"UpdateResult": workflows.UpdateResult{}, "DatasetDecision": workflows.DatasetItem{},
		"Urge": store.Urge{}, "GroundlessFlag": store.GroundlessFlag{}, "DepartmentStat": store.DepartmentStat{},
		"Disclosure": store.Disclosure{}, "DisclosedDataset": store.DisclosedDataset{},
		"Notification": api.NotificationItem{}, "EventData": store.EventData{}, "Digest": store.Digest{},
		"DigestDepartment": store.DigestDepartment{}, "DigestTask": store.DigestTask{}, "Channels": api.Channels{},
		"DeliveryAttempt": api.DeliveryItem{}, "RenewalSource": store.RenewalSource{}, "RenewalLink": store.RenewalLink{},
		"EvaluationRef": store.EvaluationRef{}, "AgreementRef": store.AgreementRef{}, "Attachment": store.Attachment{},
		"AgreementDocument": store.AgreementDocument{}, "AgreementSignature": store.AgreementSignature{},
		"ApplicationConsent": store.ApplicationConsent{}, "ConsentUse": store.ConsentUse{}, "DataUse": store.DataUse{},
	} {
		node, ok := d.at("/components/schemas/" + name)
		if !ok {
			t.Errorf("components.schemas.%s is missing", name)
			continue
		}
		s := node.(map[string]any)
		props, _ := s["properties"].(map[string]any)
		required := map[string]bool{}
		for _, r := range asSlice(s["required"]) {
			required[r.(string)] = true
		}
		fields := jsonFields(reflect.TypeOf(v))
		for f, always := range fields {
			if _, ok := props[f]; !ok {
				t.Errorf("%s: the Go type writes %q, which the schema does not document", name, f)
			}
			if always && !required[f] && name != "DatasetDecision" {
				t.Errorf("%s: %q is always present: list it as required", name, f)
			}
			if !always && required[f] && name != "DatasetDecision" {
				t.Errorf("%s: %q is omitted when empty: it cannot be required", name, f)
			}
		}
		for p := range props {
			if _, ok := fields[p]; !ok {
				t.Errorf("%s: the schema documents %q, which the Go type does not have", name, p)
			}
		}
	}
	// Step is a task with its clock.
	step := jsonFields(reflect.TypeOf(api.Step{}))
	extra, _ := d.at("/components/schemas/Step/properties")
	for f := range extra.(map[string]any) {
		if _, ok := step[f]; !ok {
			t.Errorf("Step documents %q, which api.Step does not have", f)
		}
	}
}

// jsonFields maps the JSON names of a struct's fields (embedded structs
// flattened) to whether they are always written.
func jsonFields(rt reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := range rt.NumField() {
		f := rt.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			for k, v := range jsonFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero")
	}
	return out
}

// --- bodies ----------------------------------------------------------------

// oaCheck sends requests through the harness and validates each request
// body and each response against the document.
type oaCheck struct {
	t         *testing.T
	e         *env
	d         *oaDoc
	exercised map[string][]int // "METHOD /template" -> statuses seen
}

// send sends one request. bad says whether the documented request schema
// must refuse body (the server refuses it too); want is the status the
// server must answer. The response must match the documented schema for
// that status.
func (c *oaCheck) send(name, method, path string, body any, who any, want int, bad bool) response {
	t := c.t
	t.Helper()
	u, err := url.Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := c.d.template(t, method, u.Path)
	ptr := opPtr(method, tmpl)
	key := method + " " + tmpl
	opNode, _ := c.d.at(ptr)
	op := opNode.(map[string]any)

	// Query parameters sent are documented.
	documented := map[string]bool{}
	for i := range asSlice(op["parameters"]) {
		pm, _ := c.d.deref(t, ptrJoin(ptr, "parameters", strconv.Itoa(i)))
		documented[pm["in"].(string)+" "+pm["name"].(string)] = true
	}
	for q := range u.Query() {
		if !documented["query "+q] {
			t.Errorf("%s: %s sends query parameter %q, which is not documented", name, key, q)
		}
	}

	// The request body against the documented schema.
	if body != nil {
		if _, ok := op["requestBody"]; !ok {
			if s, isStr := body.(string); !isStr || (s != "" && s != "{}") {
				t.Errorf("%s: %s documents no request body", name, key)
			}
		} else if form, isForm := body.(multipartBody); isForm {
			m := mismatch(c.d.schema(t, ptrJoin(ptr, "requestBody", "content", "multipart/form-data", "schema")), form.instance())
			switch {
			case bad && m == "":
				t.Errorf("%s: the documented request schema of %s accepts %v, which the server refuses", name, key, form.fields)
			case !bad && m != "":
				t.Errorf("%s: the request form does not match the documented schema of %s: %s", name, key, m)
			}
		} else if _, isJSON := c.d.at(ptrJoin(ptr, "requestBody", "content", "application/json")); !isJSON {
			// A JSON body sent where a form is documented: the server's 415.
		} else if raw, isStr := body.(string); !isStr || (len(raw) < 1<<20 && json.Valid([]byte(raw))) {
			m := mismatch(c.d.schema(t, ptrJoin(ptr, "requestBody", "content", "application/json", "schema")), instance(t, body))
			switch {
			case bad && m == "":
				t.Errorf("%s: the documented request schema of %s accepts %v, which the server refuses", name, key, body)
			case !bad && m != "":
				t.Errorf("%s: the request body does not match the documented schema of %s: %s", name, key, m)
			}
		}
	}

	r := c.e.do(method, path, body, who)
	c.exercised[key] = append(c.exercised[key], r.Status)
	if r.Status != want {
		t.Errorf("%s: %s %s answered %d, want %d: %.300s", name, method, path, r.Status, want, r.Body)
	}
	c.response(name, key, ptr, r)
	return r
}

// response validates a response against its documented status, media type,
// headers and schema.
func (c *oaCheck) response(name, key, ptr string, r response) {
	t := c.t
	t.Helper()
	rptr := ptrJoin(ptr, "responses", strconv.Itoa(r.Status))
	if _, ok := c.d.at(rptr); !ok {
		t.Errorf("%s: %s answered %d, which is not documented: %.300s", name, key, r.Status, r.Body)
		return
	}
	resp, rptr := c.d.deref(t, rptr)
	content, _ := resp["content"].(map[string]any)
	if len(content) == 0 {
		if len(r.Body) != 0 {
			t.Errorf("%s: %s %d is documented without a body but has %.100s", name, key, r.Status, r.Body)
		}
		return
	}
	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	if _, ok := content[ct]; !ok {
		t.Errorf("%s: %s %d answered %s, documented %v", name, key, r.Status, ct, slices.Sorted(mapKeys(content)))
		return
	}
	if hs, ok := resp["headers"].(map[string]any); ok {
		if _, ok := hs["Content-Language"]; ok {
			if got := r.Header.Get("Content-Language"); got != "zh-CN" && got != "en" {
				t.Errorf("%s: %s %d: Content-Language %q", name, key, r.Status, got)
			}
		}
	}
	if ct != "application/json" {
		return
	}
	if m := mismatch(c.d.schema(t, ptrJoin(rptr, "content", ct, "schema")), decodeInstance(t, r.Body)); m != "" {
		t.Errorf("%s: %s %d does not match its documented schema: %s\nbody: %.600s", name, key, r.Status, m, r.Body)
	}
}

func mapKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func bearer(tok string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
}

// oaWorld writes the rows a lifecycle would have written: a submitted
// application with tasks of every state, an active one with agreements, a
// model, an evaluation and audit entries, so that every read has something
// to show.
type oaWorld struct {
	submitted, draft, theirs, active uint64
	gsaTask, samrTask, overdueTask   string
	rejectedReview, passedReview     string
	doneTask, applicantTask          string
}

func oaSeed(t *testing.T, e *env) oaWorld {
	t.Helper()
	ctx := context.Background()
	var w oaWorld
	w.submitted = e.submitted("acme-fintech", "applicant")
	w.draft = e.draft("acme-fintech", "applicant")
	w.theirs = e.submitted("kangming-medai", "applicant2")
	w.gsaTask = e.openTask(w.submitted, domain.TaskDepartmentReview, "gsa")
	w.samrTask = e.openTask(w.submitted, domain.TaskDepartmentReview, "samr")

	now := e.clock.Now()
	day := 24 * time.Hour
	wf := workflows.ApplicationWorkflowID(w.submitted)
	ptr := func(t time.Time) *time.Time { return &t }
	w.overdueTask = wf + "-t90"
	w.rejectedReview = wf + "-t91"
	w.passedReview = wf + "-t92"
	w.doneTask = wf + "-t93"
	tasks := []store.Task{
		{ID: w.overdueTask, ApplicationID: w.submitted, WorkflowID: wf, Kind: domain.TaskDepartmentReview, Department: "commerce",
			Status: domain.TaskOpen, Round: 1, OpenedAt: now.Add(-40 * day), DueAt: now.Add(-10 * day), RemindAt: ptr(now.Add(-14 * day)),
			RemindedAt: ptr(now.Add(-14 * day)), OverdueAt: ptr(now.Add(-10 * day))},
		{ID: w.rejectedReview, ApplicationID: w.submitted, WorkflowID: wf, Kind: domain.TaskInitialReview, Department: "bdc",
			Status: domain.TaskDone, Round: 1, OpenedAt: now.Add(-30 * day), DueAt: now.Add(-20 * day), DecidedAt: ptr(now.Add(-25 * day)),
			Decision: domain.DecisionReject, Reason: "材料不全", Basis: "第十六条", ActorUser: "initial_reviewer", ActorRole: "initial_reviewer"},
		{ID: w.passedReview, ApplicationID: w.submitted, WorkflowID: wf, Kind: domain.TaskInitialReview, Department: "bdc",
			Status: domain.TaskDone, Round: 2, OpenedAt: now.Add(-20 * day), DueAt: now.Add(-10 * day), DecidedAt: ptr(now.Add(-15 * day)),
			Decision: domain.DecisionPass, ActorUser: "initial_reviewer", ActorRole: "initial_reviewer"},
		{ID: w.doneTask, ApplicationID: w.submitted, WorkflowID: wf, Kind: domain.TaskSupplement, Department: "acme-fintech",
			Status: domain.TaskCancelled, Round: 1, OpenedAt: now.Add(-25 * day), DueAt: now.Add(-5 * day), DecidedAt: ptr(now.Add(-20 * day)),
			Decision: domain.DecisionCancelled, Comment: "withdrawn"},
	}
	if err := e.st.Apply(ctx, store.Change{Tasks: tasks}); err != nil {
		t.Fatal(err)
	}

	// An active authorization, as the workflow leaves it after filing, a
	// model review and an evaluation.
	w.active = e.submitted("acme-fintech", "applicant")
	w.applicantTask = e.openTask(w.active, domain.TaskSignCommitment, "acme-fintech")
	awf := workflows.ApplicationWorkflowID(w.active)
	from := now.Add(-60 * day)
	ch := store.Change{
		App: &store.AppState{ID: w.active, Status: domain.StatusActive, ActiveFrom: &from, ActiveUntil: ptr(from.AddDate(1, 0, 0))},
		Datasets: []store.ApplicationDataset{
			{ApplicationID: w.active, DatasetCode: "DS-0100", Department: "gsa", Decision: domain.DecisionApprove, DecidedAt: ptr(from.Add(-5 * day))},
			{ApplicationID: w.active, DatasetCode: "DS-0102", Department: "commerce", Decision: domain.DecisionReject,
				Reason: "涉及商业秘密", Basis: "第九条", DecidedAt: ptr(from.Add(-5 * day))},
		},
		Tasks: []store.Task{{ID: awf + "-t1", ApplicationID: w.active, WorkflowID: awf, Kind: domain.TaskFileService, Department: "stbd",
			Status: domain.TaskDone, Round: 1, OpenedAt: from.Add(-2 * day), DueAt: from.Add(5 * day), DecidedAt: &from,
			Decision: domain.DecisionFile, ActorUser: "bureau_officer", ActorRole: "bureau_officer", Assignee: "bureau_officer"},
			{ID: awf + "-model-1-t1", ApplicationID: w.active, WorkflowID: awf + "-model-1", Kind: domain.TaskModelReview, Subject: "model-1",
				Department: "stbd", Status: domain.TaskOpen, Round: 1, OpenedAt: now.Add(-2 * day), DueAt: now.Add(20 * day), RemindAt: ptr(now.Add(15 * day))}},
		Agreements: []store.Agreement{
			{ApplicationID: w.active, Kind: domain.AgreementAuthorization, Status: "completed", Parties: []string{"stbd", "gdo"},
				Signatures: []store.Signature{{Org: "stbd", User: "bureau_officer", At: from}, {Org: "gdo", User: "operator", At: from}}, CompletedAt: &from},
			{ApplicationID: w.active, Kind: domain.AgreementFiling, Status: "waiting", Parties: []string{"stbd"}},
		},
		Models: []store.Model{{ID: awf + "-model-1", ApplicationID: w.active, No: 1, Name: "风控评分模型", Description: "仅输出评分",
			Status: domain.ModelInReview, Round: 1, SubmittedAt: now.Add(-2 * day)}},
		Evaluations: []store.Evaluation{{ID: awf + "-eval-1", ApplicationID: w.active, No: 1, Round: 1, Status: domain.EvalRectification,
			SelfReport: "按约定范围使用", Rating: domain.DecisionRectify, Reason: "日志不全", RectifyUntil: ptr(now.Add(30 * day)), OpenedAt: now.Add(-10 * day)}},
		Audit: []store.AuditEntry{{WorkflowID: awf, Seq: 1, ApplicationID: w.active, Actor: "bureau_officer", Role: "bureau_officer",
			Department: "stbd", Action: "agreement.filed", Target: "filing", Reason: "备案", At: from}},
	}
	if err := e.st.Apply(ctx, ch); err != nil {
		t.Fatal(err)
	}
	return w
}

// TestOpenAPIBodies drives every route through the harness: a success for
// each that can run without Temporal, and the refusals (400, 401, 403, 404,
// 409, 413, 422, 429), validating the request bodies and the actual
// responses against the document.
func TestOpenAPIBodies(t *testing.T) {
	e := newEnv(t)
	c := &oaCheck{t: t, e: e, d: loadOpenAPI(t), exercised: map[string][]int{}}
	w := oaSeed(t, e)
	app := func(id uint64, sub string) string { return fmt.Sprintf("/api/v1/applications/%d%s", id, sub) }
	task := func(id, sub string) string { return "/api/v1/tasks/" + id + sub }
	const bad, ok = true, false
	var decoded struct {
		ID          uint64 `json:"id"`
		Application struct {
			ID uint64 `json:"id"`
		} `json:"application"`
		CSRF string `json:"csrf_token"`
	}

	// health and the contract
	c.send("ready", "GET", "/healthz", nil, "", 200, ok)
	c.send("a bad token on a public route", "GET", "/healthz", nil, bearer("dg_forged"), 401, ok)
	c.send("the document", "GET", "/api/v1/openapi.json", nil, "", 200, ok)
	for _, p := range []string{"/api/v1/openapi.json", "/api/v1/calendar/holidays", "/api/v1/disclosure.csv", "/api/v1/disclosure.atom"} {
		c.send("a revoked token on a public route", "GET", p, nil, bearer("dg_revoked"), 401, ok)
	}

	// calendar
	c.send("due date", "GET", "/api/v1/calendar/due?from=2025-09-26&days=20", nil, "", 200, ok)
	c.send("due date, bad from", "GET", "/api/v1/calendar/due?from=26.09.2025&days=20", nil, "", 400, ok)
	c.send("due date, days out of range", "GET", "/api/v1/calendar/due?from=2025-09-26&days=0", nil, "", 400, ok)
	c.send("holiday tables", "GET", "/api/v1/calendar/holidays", nil, "", 200, ok)
	hol := "/api/v1/calendar/holidays/2027"
	c.send("upload 2027", "PUT", hol, map[string]any{"year": 2027, "off": []string{"2027-10-01"}, "work": []string{"2027-10-09"}}, "admin", 200, ok)
	c.send("upload, only off", "PUT", hol, map[string]any{"year": 2027, "off": []string{"2027-10-01"}}, "admin", 200, ok)
	c.send("upload, year differs", "PUT", hol, map[string]any{"year": 2026, "off": []string{}}, "admin", 400, ok)
	c.send("upload, not a date", "PUT", hol, map[string]any{"year": 2027, "off": []string{"2027-13-01"}}, "admin", 400, bad)
	c.send("upload, off and worked", "PUT", hol, map[string]any{"year": 2027, "off": []string{"2027-10-01"}, "work": []string{"2027-10-01"}}, "admin", 400, ok)
	c.send("upload, unknown field", "PUT", hol, `{"year":2027,"of":[]}`, "admin", 400, bad)
	c.send("upload, bad path year", "PUT", "/api/v1/calendar/holidays/1999", map[string]any{"year": 1999}, "admin", 400, bad)
	c.send("upload, not admin", "PUT", hol, map[string]any{"year": 2027}, "supervisor", 403, ok)
	c.send("upload, anonymous", "PUT", hol, map[string]any{"year": 2027}, "", 401, ok)

	// catalog
	c.send("catalog", "GET", "/api/v1/catalog?open=conditional&department=gsa&limit=5", nil, "", 200, ok)
	c.send("catalog search", "GET", "/api/v1/catalog?q=%E4%BC%81%E4%B8%9A&grade=1&offset=1", nil, "", 200, ok)
	c.send("catalog past the end", "GET", "/api/v1/catalog?offset=100000", nil, "", 200, ok)
	c.send("catalog, bad grade", "GET", "/api/v1/catalog?grade=9", nil, "", 400, ok)
	c.send("catalog, authorized operation", "GET", "/api/v1/catalog?open=closed&authorized_operation=true", nil, "", 200, ok)
	c.send("catalog, bad authorized operation", "GET", "/api/v1/catalog?authorized_operation=yes", nil, "", 400, ok)
	c.send("catalog, bad limit", "GET", "/api/v1/catalog?limit=501", nil, "", 400, ok)
	c.send("dataset", "GET", "/api/v1/catalog/DS-0100", nil, "", 200, ok)
	c.send("no dataset", "GET", "/api/v1/catalog/DS-9999", nil, "", 404, ok)

	// disclosure
	c.send("register", "GET", "/api/v1/disclosure", nil, "", 200, ok)
	c.send("register, bad limit", "GET", "/api/v1/disclosure?limit=0", nil, "", 400, ok)
	c.send("register CSV", "GET", "/api/v1/disclosure.csv", nil, "", 200, ok)
	c.send("register Atom", "GET", "/api/v1/disclosure.atom", nil, "", 200, ok)

	// session
	r := c.send("sign in", "POST", "/api/v1/session", map[string]string{"username": "bureau_officer", "password": "datagate-demo"}, "", 200, ok)
	r.decode(t, &decoded)
	var cookie *http.Cookie
	for _, ck := range (&http.Response{Header: r.Header}).Cookies() {
		if ck.Name == "dg_session" {
			cookie = ck
		}
	}
	if cookie == nil {
		t.Fatal("sign-in set no dg_session cookie")
	}
	csrf := decoded.CSRF
	c.send("sign in, no password", "POST", "/api/v1/session", map[string]string{"username": "applicant"}, "", 400, bad)
	c.send("sign in, blank username", "POST", "/api/v1/session", map[string]string{"username": " ", "password": "x"}, "", 400, bad)
	c.send("sign in, wrong password", "POST", "/api/v1/session", map[string]string{"username": "applicant", "password": "wrong-password"}, "", 401, ok)
	for range 5 {
		e.do("POST", "/api/v1/session", map[string]string{"username": "regulator-mpa", "password": "wrong-password"}, nil)
	}
	c.send("sign in, locked", "POST", "/api/v1/session", map[string]string{"username": "regulator-mpa", "password": "datagate-demo"}, "", 429, ok)
	c.send("cookie without CSRF", "POST", "/api/v1/tokens", map[string]any{"name": "x", "ttl_days": 1}, withCookie(cookie, ""), 403, ok)
	c.send("cookie with CSRF", "POST", "/api/v1/tokens", map[string]any{"name": "browser", "ttl_days": 1}, withCookie(cookie, csrf), 201, ok)
	c.send("me", "GET", "/api/v1/me", nil, withCookie(cookie, ""), 200, ok)
	c.send("me, anonymous", "GET", "/api/v1/me", nil, "", 401, ok)
	c.send("orgs by kind", "GET", "/api/v1/orgs?kind=regulator", nil, "reviewer-gsa", 200, ok)
	c.send("orgs, a kind not listed", "GET", "/api/v1/orgs?kind=applicant", nil, "reviewer-gsa", 400, ok)
	c.send("me, English error", "GET", "/api/v1/me", nil, func(r *http.Request) { r.Header.Set("Accept-Language", "en") }, 401, ok)
	c.send("sign out without CSRF", "DELETE", "/api/v1/session", nil, withCookie(cookie, ""), 403, ok)
	c.send("sign out", "DELETE", "/api/v1/session", nil, withCookie(cookie, csrf), 204, ok)
	c.send("sign out, anonymous", "DELETE", "/api/v1/session", nil, "", 401, ok)

	// second factor: the operator sets one up (optional for its role)
	r = c.send("sign in, operator", "POST", "/api/v1/session", map[string]string{"username": "operator", "password": "datagate-demo"}, "", 200, ok)
	opCookie, opCSRF := sessionOf(t, r)
	c.send("second factor status", "GET", "/api/v1/me/totp", nil, withCookie(opCookie, ""), 200, ok)
	c.send("second factor status, anonymous", "GET", "/api/v1/me/totp", nil, "", 401, ok)
	c.send("second factor, with a token", "POST", "/api/v1/me/totp", "{}", "operator", 403, ok)
	r = c.send("second factor, begin", "POST", "/api/v1/me/totp", "{}", withCookie(opCookie, opCSRF), 201, ok)
	var begun struct{ Secret string }
	r.decode(t, &begun)
	c.send("second factor, malformed code", "POST", "/api/v1/me/totp/confirm", map[string]string{"code": "12"}, withCookie(opCookie, opCSRF), 400, bad)
	c.send("second factor, wrong code", "POST", "/api/v1/me/totp/confirm", map[string]string{"code": "000000"}, withCookie(opCookie, opCSRF), 401, ok)
	r = c.send("second factor, confirm", "POST", "/api/v1/me/totp/confirm", map[string]string{"code": e.code(begun.Secret)}, withCookie(opCookie, opCSRF), 200, ok)
	opCookie, opCSRF = sessionOf(t, r)
	c.send("second factor, again", "POST", "/api/v1/me/totp", "{}", withCookie(opCookie, opCSRF), 409, ok)
	c.send("code step, not waiting", "POST", "/api/v1/session/totp", map[string]string{"code": "123456"}, withCookie(opCookie, opCSRF), 409, ok)
	r = c.send("sign in, operator with a second factor", "POST", "/api/v1/session", map[string]string{"username": "operator", "password": "datagate-demo"}, "", 200, ok)
	opCookie, opCSRF = sessionOf(t, r)
	c.send("code step, malformed", "POST", "/api/v1/session/totp", map[string]string{"code": "x"}, withCookie(opCookie, opCSRF), 400, bad)
	c.send("waiting session, me", "GET", "/api/v1/me", nil, withCookie(opCookie, ""), 401, ok)
	e.clock.Add(30 * time.Second)
	c.send("code step", "POST", "/api/v1/session/totp", map[string]string{"code": e.code(begun.Secret)}, withCookie(opCookie, opCSRF), 200, ok)

	// tokens
	c.send("tokens", "GET", "/api/v1/tokens", nil, "applicant", 200, ok)
	c.send("tokens, anonymous", "GET", "/api/v1/tokens", nil, "", 401, ok)
	r = c.send("new token", "POST", "/api/v1/tokens", map[string]any{"name": "ci", "ttl_days": 1}, "applicant", 201, ok)
	r.decode(t, &decoded)
	c.send("new token, outliving the caller's", "POST", "/api/v1/tokens", map[string]any{"name": "ci", "ttl_days": 30}, "applicant", 400, ok)
	c.send("new token, ttl 0", "POST", "/api/v1/tokens", map[string]any{"name": "ci", "ttl_days": 0}, "applicant", 400, bad)
	c.send("new token, no name", "POST", "/api/v1/tokens", map[string]any{"ttl_days": 3}, "applicant", 400, bad)
	c.send("new token, too large", "POST", "/api/v1/tokens", `{"name":"`+strings.Repeat("x", 1<<20)+`","ttl_days":1}`, "applicant", 413, bad)
	c.send("revoke token", "DELETE", fmt.Sprintf("/api/v1/tokens/%d", decoded.ID), nil, "applicant", 204, ok)
	c.send("revoke, not a number", "DELETE", "/api/v1/tokens/abc", nil, "applicant", 400, ok)
	c.send("revoke another's token", "DELETE", fmt.Sprintf("/api/v1/tokens/%d", decoded.ID), nil, "applicant2", 404, ok)

	// applications
	c.send("my applications", "GET", "/api/v1/applications?status=submitted&limit=10", nil, "applicant", 200, ok)
	c.send("every submitted application", "GET", "/api/v1/applications", nil, "supervisor", 200, ok)
	c.send("applications, bad offset", "GET", "/api/v1/applications?offset=-1", nil, "applicant", 400, ok)
	c.send("applications, admin", "GET", "/api/v1/applications", nil, "admin", 403, ok)
	good := appBody(map[string]any{"scope": "本市小微企业", "security_controls": "沙箱隔离"})
	r = c.send("create", "POST", "/api/v1/applications", good, "applicant", 201, ok)
	r.decode(t, &decoded)
	created := decoded.Application.ID
	withKey := func(r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+e.token("applicant"))
		r.Header.Set("Idempotency-Key", "oa-1")
	}
	first := c.send("create with a key", "POST", "/api/v1/applications", good, withKey, 201, ok)
	again := c.send("the retry", "POST", "/api/v1/applications", good, withKey, 201, ok)
	if !bytes.Equal(first.Body, again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the retry was not replayed: %s", again.Header)
	}
	c.send("key on another route", "POST", "/api/v1/tokens", map[string]any{"name": "x", "ttl_days": 1}, withKey, 409, ok)
	c.send("key too long", "POST", "/api/v1/tokens", map[string]any{"name": "x", "ttl_days": 1}, func(r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+e.token("applicant"))
		r.Header.Set("Idempotency-Key", strings.Repeat("k", 129))
	}, 400, ok)
	c.send("create, unknown field", "POST", "/api/v1/applications", appBody(map[string]any{"colour": "red"}), "applicant", 400, bad)
	c.send("create, no title", "POST", "/api/v1/applications", appBody(map[string]any{"title": " "}), "applicant", 400, bad)
	c.send("create, title too long", "POST", "/api/v1/applications", appBody(map[string]any{"title": strings.Repeat("长", 201)}), "applicant", 400, bad)
	c.send("create, no purpose", "POST", "/api/v1/applications", appBody(map[string]any{"purpose": ""}), "applicant", 400, bad)
	c.send("create, period 0", "POST", "/api/v1/applications", appBody(map[string]any{"period_months": 0}), "applicant", 400, bad)
	c.send("create, access by email", "POST", "/api/v1/applications", appBody(map[string]any{"access_mode": "email"}), "applicant", 400, bad)
	c.send("create, no datasets", "POST", "/api/v1/applications", appBody(map[string]any{"datasets": []string{}}), "applicant", 400, bad)
	c.send("create, dataset twice", "POST", "/api/v1/applications", appBody(map[string]any{"datasets": []string{"DS-0100", "DS-0100"}}), "applicant", 400, bad)
	c.send("create, unknown dataset", "POST", "/api/v1/applications", appBody(map[string]any{"datasets": []string{"DS-9999"}}), "applicant", 400, ok)
	c.send("create, wrong type", "POST", "/api/v1/applications", appBody(map[string]any{"period_months": "24"}), "applicant", 400, bad)
	c.send("create, not JSON", "POST", "/api/v1/applications", `{"title":`, "applicant", 400, ok)
	c.send("create, over five years", "POST", "/api/v1/applications", appBody(map[string]any{"period_months": 61}), "applicant", 422, bad)
	c.send("create, closed dataset by download", "POST", "/api/v1/applications", appBody(map[string]any{"access_mode": "download", "datasets": []string{"DS-0100", "DS-0103"}}), "applicant", 422, ok)
	c.send("create, grade 3 by download", "POST", "/api/v1/applications", appBody(map[string]any{"access_mode": "download", "datasets": []string{"DS-0101"}}), "applicant", 422, ok)
	c.send("create, too large", "POST", "/api/v1/applications", `{"title":"`+strings.Repeat("x", 1<<20)+`"}`, "applicant", 413, bad)
	c.send("create, reviewer", "POST", "/api/v1/applications", good, "dept_reviewer", 403, ok)
	c.send("create, anonymous", "POST", "/api/v1/applications", good, "", 401, ok)
	c.send("the active one", "GET", app(w.active, ""), nil, "applicant", 200, ok)
	c.send("a submitted one, by its department", "GET", app(w.submitted, ""), nil, "reviewer-gsa", 200, ok)
	c.send("a draft", "GET", app(w.draft, ""), nil, "applicant", 200, ok)
	c.send("not a number", "GET", "/api/v1/applications/abc", nil, "applicant", 400, ok)
	c.send("another org's", "GET", app(w.theirs, ""), nil, "applicant", 404, ok)
	c.send("edit", "PUT", app(created, ""), appBody(map[string]any{"title": "改后的场景", "datasets": []string{"DS-0113"}, "submit": false}), "applicant", 200, ok)
	c.send("edit, submit", "PUT", app(created, ""), appBody(map[string]any{"submit": true}), "applicant", 400, bad)
	c.send("edit, over five years", "PUT", app(created, ""), appBody(map[string]any{"period_months": 99}), "applicant", 422, bad)
	c.send("edit, submitted", "PUT", app(w.submitted, ""), appBody(nil), "applicant", 409, ok)
	c.send("edit, another org's", "PUT", app(w.theirs, ""), appBody(nil), "applicant", 404, ok)
	for _, sub := range []string{"/agreements", "/models", "/evaluations"} {
		c.send("list"+sub, "GET", app(w.active, sub), nil, "bureau_officer", 200, ok)
		c.send("list"+sub+", empty", "GET", app(w.submitted, sub), nil, "applicant", 200, ok)
		c.send("list"+sub+", not visible", "GET", app(w.theirs, sub), nil, "applicant", 404, ok)
		c.send("list"+sub+", bad id", "GET", "/api/v1/applications/0"+sub, nil, "applicant", 400, ok)
	}

	// attachments: the applicant's document and a reviewer's opinion
	pdf := []byte("%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	attachments := app(w.submitted, "/attachments")
	r = c.send("attach", "POST", attachments, attach("qualification", "", "营业执照.pdf", pdf), "applicant", 201, ok)
	r.decode(t, &decoded)
	attached := decoded.ID
	c.send("attach a review opinion", "POST", attachments, attach("review_opinion", w.gsaTask, "审查意见.pdf", append(pdf, 'x')), "reviewer-gsa", 201, ok)
	c.send("attach a review opinion, no task", "POST", attachments, attach("review_opinion", "", "审查意见.pdf", pdf), "reviewer-gsa", 400, ok)
	c.send("attach, the applicant's kind by a reviewer", "POST", attachments, attach("qualification", "", "a.pdf", pdf), "reviewer-gsa", 403, ok)
	c.send("attach, unknown kind", "POST", attachments, attach("passport", "", "a.pdf", pdf), "applicant", 400, bad)
	c.send("attach, no kind", "POST", attachments, multipartBody{filename: "a.pdf", content: pdf}, "applicant", 400, bad)
	c.send("attach, no file", "POST", attachments, multipartBody{fields: map[string]string{"kind": "qualification"}}, "applicant", 400, bad)
	c.send("attach, not an allowed type", "POST", attachments, attach("qualification", "", "a.pdf", []byte("plain text")), "applicant", 415, ok)
	c.send("attach, a PDF named .png", "POST", attachments, attach("qualification", "", "a.png", pdf), "applicant", 415, ok)
	c.send("attach, as JSON", "POST", attachments, `{"kind":"qualification"}`, "applicant", 415, ok)
	c.send("attach, another org's", "POST", app(w.theirs, "/attachments"), attach("qualification", "", "a.pdf", pdf), "applicant", 404, ok)
	c.send("attach, supervisor", "POST", attachments, attach("qualification", "", "a.pdf", pdf), "supervisor", 403, ok)
	c.send("list attachments", "GET", attachments, nil, "reviewer-gsa", 200, ok)
	c.send("list attachments, not visible", "GET", app(w.theirs, "/attachments"), nil, "applicant", 404, ok)
	c.send("download", "GET", fmt.Sprintf("%s/%d", attachments, attached), nil, "reviewer-gsa", 200, ok)
	c.send("download, no such", "GET", attachments+"/999", nil, "applicant", 404, ok)
	c.send("download, bad number", "GET", attachments+"/x", nil, "applicant", 400, ok)

	// copies (抄送): a reviewer with a step sends the application on
	copies := app(w.submitted, "/copies")
	r = c.send("copy to a department", "POST", copies, map[string]string{"to_org": "hrss", "note": "涉及贵局数据，请知悉"}, "reviewer-gsa", 201, ok)
	r.decode(t, &decoded)
	copied := decoded.ID
	c.send("copy to an official", "POST", copies, map[string]string{"to_user": "bureau_officer", "note": "请阅"}, "reviewer-gsa", 201, ok)
	c.send("copy, no note", "POST", copies, map[string]string{"to_org": "hrss"}, "reviewer-gsa", 400, bad)
	c.send("copy, both recipients", "POST", copies, map[string]string{"to_org": "hrss", "to_user": "bureau_officer", "note": "x"}, "reviewer-gsa", 400, ok)
	c.send("copy, unknown field", "POST", copies, `{"to_org":"hrss","note":"x","cc":"y"}`, "reviewer-gsa", 400, bad)
	c.send("copy, to an applicant", "POST", copies, map[string]string{"to_org": "kangming-medai", "note": "x"}, "reviewer-gsa", 422, ok)
	c.send("copy, by an org without a step", "POST", copies, map[string]string{"to_org": "hrss", "note": "x"}, "bureau_officer", 403, ok)
	c.send("copy, by the applicant", "POST", copies, map[string]string{"to_org": "hrss", "note": "x"}, "applicant", 403, ok)
	c.send("copy, not visible", "POST", app(w.submitted, "/copies"), map[string]string{"to_org": "hrss", "note": "x"}, "regulator", 404, ok)
	c.send("an application's copies", "GET", copies, nil, "reviewer-gsa", 200, ok)
	c.send("an application's copies, applicant", "GET", copies, nil, "applicant", 403, ok)
	c.send("an application's copies, not visible", "GET", copies, nil, "regulator", 404, ok)
	c.send("an application's copies, bad id", "GET", "/api/v1/applications/0/copies", nil, "reviewer-gsa", 400, ok)
	c.send("my copies", "GET", "/api/v1/copies?unread=true&limit=5", nil, "reviewer-hrss", 200, ok)
	c.send("my copies, bad unread", "GET", "/api/v1/copies?unread=maybe", nil, "reviewer-hrss", 400, bad)
	c.send("my copies, applicant", "GET", "/api/v1/copies", nil, "applicant", 403, ok)
	c.send("read a copy", "POST", fmt.Sprintf("/api/v1/copies/%d/read", copied), nil, "reviewer-hrss", 200, ok)
	c.send("read a copy sent to others", "POST", fmt.Sprintf("/api/v1/copies/%d/read", copied), nil, "reviewer-gsa", 404, ok)
	c.send("read a copy, bad id", "POST", "/api/v1/copies/x/read", nil, "reviewer-hrss", 400, ok)
	// the data subjects' consent (数据主体授权同意): its basis in a draft,
	// and the uses of the data held to it
	basis := map[string]any{"matter": consentMatter, "max_accesses": 3, "until": "2026-12-31", "evidence": "授权书编号 SQ-2026-001"}
	c.send("create with a consent", "POST", "/api/v1/applications", consentBody(map[string]any{"DS-0111": basis}), "applicant", 201, ok)
	c.send("create, no consent", "POST", "/api/v1/applications", consentBody(nil), "applicant", 400, ok)
	c.send("create, consent without a term", "POST", "/api/v1/applications", consentBody(map[string]any{"DS-0111": map[string]any{
		"matter": consentMatter, "max_accesses": 3, "evidence": "授权书"}}), "applicant", 400, bad)
	c.send("create, consent of 0 accesses", "POST", "/api/v1/applications", consentBody(map[string]any{"DS-0111": consentOf(0, "2026-12-31")}), "applicant", 400, bad)
	c.send("create, consent ended", "POST", "/api/v1/applications", consentBody(map[string]any{"DS-0111": consentOf(3, "2026-01-31")}), "applicant", 400, ok)
	c.send("create, consent's unknown field", "POST", "/api/v1/applications", consentBody(map[string]any{"DS-0111": map[string]any{
		"matter": consentMatter, "max_accesses": 3, "until": "2026-12-31", "evidence": "e", "signed": true}}), "applicant", 400, bad)
	c.send("edit, consent for a dataset not named", "PUT", app(created, ""), appBody(map[string]any{"consents": map[string]any{"DS-0111": basis}}), "applicant", 400, ok)
	consented := e.activeWithConsent(1, "2026-12-31", "2026-12-31")
	uses := app(consented, "/uses")
	c.send("use", "POST", app(w.active, "/uses"), map[string]string{"dataset": "DS-0100", "matter": "授信评估"}, "applicant", 201, ok)
	c.send("use of a consent", "POST", uses, map[string]string{"dataset": "DS-0111", "matter": consentMatter}, "applicant", 201, ok)
	c.send("use, consent used up", "POST", uses, map[string]string{"dataset": "DS-0111", "matter": consentMatter}, "applicant", 409, ok)
	c.send("use, another matter", "POST", uses, map[string]string{"dataset": "DS-0112", "matter": "营销获客"}, "applicant", 409, ok)
	c.send("use, a rejected dataset", "POST", uses, map[string]string{"dataset": "DS-0102", "matter": "授信评估"}, "applicant", 409, ok)
	c.send("use, not active", "POST", app(w.submitted, "/uses"), map[string]string{"dataset": "DS-0100", "matter": "授信评估"}, "applicant", 409, ok)
	c.send("use, a dataset not named", "POST", uses, map[string]string{"dataset": "DS-0001", "matter": "授信评估"}, "applicant", 400, ok)
	c.send("use, no matter", "POST", uses, map[string]string{"dataset": "DS-0100"}, "applicant", 400, bad)
	c.send("use, unknown field", "POST", uses, `{"dataset":"DS-0100","matter":"m","times":2}`, "applicant", 400, bad)
	c.send("use, another org's", "POST", app(w.theirs, "/uses"), map[string]string{"dataset": "DS-0100", "matter": "m"}, "applicant", 404, ok)
	c.send("use, bureau", "POST", uses, map[string]string{"dataset": "DS-0100", "matter": "m"}, "bureau_officer", 403, ok)
	c.send("uses", "GET", uses, nil, "bureau_officer", 200, ok)
	c.send("uses, none", "GET", app(w.submitted, "/uses"), nil, "applicant", 200, ok)
	c.send("uses, not visible", "GET", app(w.theirs, "/uses"), nil, "applicant", 404, ok)
	c.send("uses, bad id", "GET", "/api/v1/applications/0/uses", nil, "applicant", 400, ok)
	c.send("the application with its consents", "GET", app(consented, ""), nil, "applicant", 200, ok)

	// the statutory procedures: a catalog change, an out-of-catalog
	// request, an objection. No Temporal runs here: the filings are
	// refused before their workflow starts (TestProceduresOverHTTP files
	// them on the real stack), and a procedure is read from its rows.
	entry := map[string]any{"change": "create", "code": "DS-0901", "name": "企业用电数据", "summary": "按月汇总",
		"fields": []string{"企业名称", "月用电量"}, "format": "CSV", "update_frequency": "月度", "open_attribute": "conditional",
		"grade": 2, "open_conditions": "仅限沙箱使用", "grounds": "《公共数据开放管理办法》第九条"}
	with := func(k string, v any) map[string]any {
		m := maps.Clone(entry)
		m[k] = v
		return map[string]any{"proposal": m}
	}
	proposals := "/api/v1/catalog/proposals"
	c.send("propose a code in use", "POST", proposals, with("code", "DS-0100"), "reviewer-gsa", 409, ok)
	c.send("propose, no grounds", "POST", proposals, with("grounds", ""), "reviewer-gsa", 400, ok)
	c.send("propose, grade 9", "POST", proposals, with("grade", 9), "reviewer-gsa", 400, bad)
	c.send("propose, unknown change", "POST", proposals, with("change", "rename"), "reviewer-gsa", 400, bad)
	c.send("propose, unknown field", "POST", proposals, `{"proposal":{"change":"create","code":"DS-0902","colour":"red"}}`, "reviewer-gsa", 400, bad)
	c.send("propose, no proposal", "POST", proposals, `{}`, "reviewer-gsa", 400, bad)
	c.send("propose a change of no dataset", "POST", proposals, with("change", "modify"), "reviewer-gsa", 404, ok)
	c.send("propose, applicant", "POST", proposals, map[string]any{"proposal": entry}, "applicant", 403, ok)
	requests := "/api/v1/catalog/requests"
	c.send("request, from no department", "POST", requests,
		map[string]string{"department": "kangming-medai", "title": "请求", "description": "用途"}, "applicant", 400, ok)
	c.send("request, no title", "POST", requests, map[string]string{"department": "gsa", "description": "用途"}, "applicant", 400, bad)
	c.send("request, reviewer", "POST", requests, map[string]string{"department": "gsa", "title": "请求", "description": "用途"}, "reviewer-gsa", 403, ok)
	objections := "/api/v1/catalog/DS-0100/objections"
	c.send("object, unknown ground", "POST", objections, map[string]string{"ground": "taste", "description": "x"}, "applicant", 400, bad)
	c.send("object, no description", "POST", objections, map[string]string{"ground": "error"}, "applicant", 400, bad)
	c.send("object, no such dataset", "POST", "/api/v1/catalog/DS-9999/objections", map[string]string{"ground": "error", "description": "x"}, "applicant", 404, ok)
	c.send("object, anonymous", "POST", objections, map[string]string{"ground": "error", "description": "x"}, "", 401, ok)
	sp := store.DatasetProposal{Change: "create", Code: "DS-0901", Name: "企业用电数据", Fields: []string{"企业名称"}, OpenAttribute: "unconditional", Grade: 1}
	proc := store.Procedure{Kind: domain.ProcCatalogChange, Title: "新增数据资源：DS-0901", RequesterOrg: "gsa", RequesterUser: "reviewer-gsa",
		Department: "gsa", DatasetCode: "DS-0901", Proposal: &sp, OpenedAt: time.Now()}
	if err := e.st.CreateProcedure(t.Context(), &proc); err != nil {
		t.Fatal(err)
	}
	c.send("procedures", "GET", "/api/v1/procedures?kind=catalog_change&limit=5", nil, "bureau_officer", 200, ok)
	c.send("procedures, bad kind", "GET", "/api/v1/procedures?kind=appeal", nil, "bureau_officer", 400, bad)
	c.send("procedures by keyword", "GET", "/api/v1/procedures?q=DS-0901", nil, "bureau_officer", 200, ok)
	c.send("procedures, keyword too long", "GET", "/api/v1/procedures?q="+strings.Repeat("长", 101), nil, "bureau_officer", 400, bad)
	c.send("a procedure", "GET", fmt.Sprintf("/api/v1/procedures/%d", proc.ID), nil, "reviewer-gsa", 200, ok)
	c.send("a procedure, not visible", "GET", fmt.Sprintf("/api/v1/procedures/%d", proc.ID), nil, "applicant", 404, ok)
	c.send("a procedure, bad id", "GET", "/api/v1/procedures/x", nil, "reviewer-gsa", 400, ok)
	c.send("a dataset's versions, none yet", "GET", "/api/v1/catalog/DS-0100/versions", nil, "", 200, ok)
	c.send("a dataset's versions, no such", "GET", "/api/v1/catalog/DS-9999/versions", nil, "", 404, ok)
	// restrictions: refused before the workflow here; a measure's row is
	// read as the workflow writes it
	restrict := app(w.active, "/restrict")
	c.send("restrict, unknown field", "POST", restrict, `{"measure":"suspend","reason":"r","basis":"b","colour":"red"}`, "bureau_officer", 400, bad)
	c.send("restrict, applicant", "POST", restrict, map[string]string{"measure": "suspend", "reason": "r", "basis": "b"}, "applicant", 403, ok)
	c.send("restrict, a draft the bureau cannot see", "POST", app(w.draft, "/restrict"), map[string]string{"measure": "suspend", "reason": "r", "basis": "b"}, "bureau_officer", 404, ok)
	c.send("lift, unknown field", "POST", app(w.active, "/restriction/lift"), `{"reason":"r","colour":"red"}`, "bureau_officer", 400, bad)
	c.send("lift, applicant", "POST", app(w.active, "/restriction/lift"), map[string]string{"reason": "r"}, "applicant", 403, ok)
	lifted := time.Now().UTC()
	if err := e.st.Apply(t.Context(), store.Change{Restrictions: []store.Restriction{{ApplicationID: w.active, No: 1,
		Measure: domain.MeasureSuspend, Reason: "超范围使用数据", Basis: "第三十条", ImposedBy: "bureau_officer", StartedAt: lifted.Add(-time.Hour),
		State: domain.RestrictionLifted, Appeal: domain.AppealGranted, AppealReason: "不服", Decision: "申诉成立", EndedAt: &lifted}}}); err != nil {
		t.Fatal(err)
	}
	c.send("an authorization's measures", "GET", app(w.active, "/restrictions"), nil, "applicant", 200, ok)
	c.send("an authorization's measures, not visible", "GET", app(w.theirs, "/restrictions"), nil, "applicant", 404, ok)
	c.send("published measures", "GET", "/api/v1/disclosure/restrictions?limit=5", nil, "", 200, ok)
	c.send("published measures, bad limit", "GET", "/api/v1/disclosure/restrictions?limit=0", nil, "", 400, bad)
	c.send("who is late in each procedure", "GET", "/api/v1/supervision/procedures?from=2026-01-01", nil, "supervisor", 200, ok)
	c.send("who is late, bad day", "GET", "/api/v1/supervision/procedures?from=yesterday", nil, "supervisor", 400, bad)
	c.send("stale datasets", "GET", "/api/v1/supervision/stale-datasets", nil, "bureau_officer", 200, ok)
	c.send("stale datasets, applicant", "GET", "/api/v1/supervision/stale-datasets", nil, "applicant", 403, ok)
	c.send("record an update", "POST", "/api/v1/catalog/DS-0100/updates", nil, "reviewer-gsa", 200, ok)
	c.send("record an update, another department's", "POST", "/api/v1/catalog/DS-0100/updates", nil, "reviewer-hrss", 403, ok)
	c.send("record an update, no such", "POST", "/api/v1/catalog/DS-9999/updates", nil, "reviewer-gsa", 404, ok)

	// documents: the approval form and an agreement's text
	c.send("approval form", "GET", app(w.submitted, "/approval-form"), nil, "reviewer-gsa", 200, ok)
	c.send("approval form of a draft", "GET", app(w.draft, "/approval-form"), nil, "applicant", 409, ok)
	c.send("approval form, not visible", "GET", app(w.theirs, "/approval-form"), nil, "applicant", 404, ok)
	c.send("commitment's text", "GET", app(w.active, "/agreements/commitment/document"), nil, "applicant", 200, ok)
	c.send("authorization's text, not opened", "GET", app(w.active, "/agreements/authorization/document"), nil, "applicant", 404, ok)
	c.send("the filing's text", "GET", app(w.active, "/agreements/filing/document"), nil, "applicant", 400, ok)
	c.send("a bundle before any document was recorded", "GET", app(w.active, "/agreements/commitment/bundle"), nil, "applicant", 404, ok)
	in, err := documents.Agreement(t.Context(), e.st, w.active, domain.AgreementCommitment)
	if err != nil {
		t.Fatal(err)
	}
	commitment, err := docgen.Render(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.RecordAgreementDocument(t.Context(), store.AgreementDocument{ApplicationID: w.active, Kind: domain.AgreementCommitment,
		SM3: commitment.SM3, TemplateVersion: commitment.TemplateVersion, Size: int64(len(commitment.PDF)), RecordedAt: in.Date}); err != nil {
		t.Fatal(err)
	}
	c.send("the commitment's bundle", "GET", app(w.active, "/agreements/commitment/bundle"), nil, "bureau_officer", 200, ok)
	c.send("the application with its recorded document", "GET", app(w.active, ""), nil, "applicant", 200, ok)

	// renewal (续期) of the active one: a draft linked both ways
	r = c.send("renew", "POST", app(w.active, "/renewal"), nil, "applicant", 201, ok)
	r.decode(t, &decoded)
	renewal := decoded.Application.ID
	c.send("the renewal, with what it renews", "GET", app(renewal, ""), nil, "applicant", 200, ok)
	c.send("the renewed one, with its renewal", "GET", app(w.active, ""), nil, "applicant", 200, ok)
	c.send("renew again", "POST", app(w.active, "/renewal"), "{}", "applicant", 409, ok)
	c.send("renew a submitted one", "POST", app(w.submitted, "/renewal"), nil, "applicant", 409, ok)
	c.send("renew another org's", "POST", app(w.theirs, "/renewal"), nil, "applicant", 404, ok)
	c.send("renew, bureau", "POST", app(w.active, "/renewal"), nil, "bureau_officer", 403, ok)

	// the workflow's routes, refused before the workflow is reached
	c.send("submit another org's", "POST", app(w.theirs, "/submit"), nil, "applicant", 404, ok)
	c.send("submit a submitted one", "POST", app(w.submitted, "/submit"), nil, "applicant", 409, ok)
	c.send("submit, bad id", "POST", "/api/v1/applications/x/submit", nil, "applicant", 400, ok)
	c.send("submit, reviewer", "POST", app(w.draft, "/submit"), nil, "dept_reviewer", 403, ok)
	c.send("withdraw another org's", "POST", app(w.theirs, "/withdraw"), map[string]string{"reason": "不再需要"}, "applicant", 404, ok)
	c.send("withdraw, unknown field", "POST", app(w.submitted, "/withdraw"), `{"why":"x"}`, "applicant", 400, bad)
	c.send("model, another org's", "POST", app(w.theirs, "/models"), map[string]string{"name": "m", "description": "d"}, "applicant", 404, ok)
	c.send("model, unknown field", "POST", app(w.active, "/models"), `{"name":"m","description":"d","version":2}`, "applicant", 400, bad)
	c.send("model, operator", "POST", app(w.active, "/models"), map[string]string{"name": "m", "description": "d"}, "operator", 403, ok)
	c.send("evaluation, no application", "POST", "/api/v1/applications/999999/evaluations", map[string]string{"reason": "抽查"}, "bureau_officer", 404, ok)
	c.send("evaluation, unknown field", "POST", app(w.active, "/evaluations"), `{"reason":"x","when":"now"}`, "bureau_officer", 400, bad)
	c.send("evaluation, applicant", "POST", app(w.active, "/evaluations"), map[string]string{}, "applicant", 403, ok)
	c.send("exit notice, another org's", "POST", app(w.theirs, "/exit-notice"), nil, "applicant", 404, ok)
	c.send("exit notice, unknown field", "POST", app(w.active, "/exit-notice"), `{"months":3}`, "applicant", 400, bad)
	c.send("terminate, no application", "POST", "/api/v1/applications/999999/terminate", map[string]string{"reason": "违约", "basis": "第六条"}, "bureau_officer", 404, ok)
	c.send("terminate, unknown field", "POST", app(w.active, "/terminate"), `{"reason":"违约","basis":"第六条","at":"now"}`, "bureau_officer", 400, bad)
	c.send("terminate, applicant", "POST", app(w.active, "/terminate"), map[string]string{"reason": "违约", "basis": "第六条"}, "applicant", 403, ok)
	c.send("supplement another org's", "POST", app(w.theirs, "/supplement"), map[string]string{"comment": "已补充"}, "applicant", 404, ok)
	c.send("supplement, not returned", "POST", app(w.submitted, "/supplement"), map[string]any{"comment": "已补充", "edits": map[string]string{"scope": "全市"}}, "applicant", 409, ok)
	c.send("supplement, unknown field", "POST", app(w.submitted, "/supplement"), `{"comment":"x","title":"y"}`, "applicant", 400, bad)
	c.send("decide, no task", "POST", task("application-999-t1", "/decision"), map[string]string{"decision": "approve"}, "reviewer-gsa", 404, ok)
	c.send("decide, a department outside the application", "POST", task(w.gsaTask, "/decision"), map[string]string{"decision": "approve"}, "dept_reviewer", 404, ok)
	c.send("decide, unknown field", "POST", task(w.gsaTask, "/decision"), `{"decision":"approve","colour":"red"}`, "reviewer-gsa", 400, bad)
	c.send("decide, not a regulator", "POST", task(w.gsaTask, "/decision"), map[string]string{"decision": "ask_regulator", "regulator": "samr"}, "reviewer-gsa", 400, ok)
	c.send("decide, supervisor", "POST", task(w.gsaTask, "/decision"), map[string]string{"decision": "approve"}, "supervisor", 403, ok)
	batch := "/api/v1/tasks/decisions"
	c.send("batch, each row refused before the workflow", "POST", batch, map[string]any{"decisions": []map[string]string{
		{"task_id": w.gsaTask, "decision": "pass"}, {"task_id": "application-999-t1", "decision": "sign"}}}, "reviewer-gsa", 200, ok)
	c.send("batch, no decision", "POST", batch, map[string]any{"decisions": []any{}}, "reviewer-gsa", 400, bad)
	c.send("batch, unknown field", "POST", batch, `{"decisions":[{"task_id":"application-1-t1","decision":"pass","comment":"c"}]}`, "reviewer-gsa", 400, bad)
	c.send("batch, supervisor", "POST", batch, map[string]any{"decisions": []map[string]string{{"task_id": w.gsaTask, "decision": "pass"}}}, "supervisor", 403, ok)

	// tasks
	c.send("inbox", "GET", "/api/v1/tasks", nil, "reviewer-gsa", 200, ok)
	c.send("inbox, overdue", "GET", "/api/v1/tasks?status=open", nil, "reviewer-commerce", 200, ok)
	c.send("inbox, done", "GET", "/api/v1/tasks?status=done&limit=10&offset=0", nil, "initial_reviewer", 200, ok)
	c.send("inbox, bad limit", "GET", "/api/v1/tasks?limit=0", nil, "reviewer-gsa", 400, ok)
	c.send("inbox, filtered", "GET", "/api/v1/tasks?kind=department_review&q=%E4%BF%A1%E8%B4%B7&due_from=2026-03-01&due_to=2026-12-31", nil, "reviewer-gsa", 200, ok)
	c.send("inbox, bad due date", "GET", "/api/v1/tasks?due_from=2026-13-01", nil, "reviewer-gsa", 400, ok)
	c.send("inbox, admin", "GET", "/api/v1/tasks", nil, "admin", 403, ok)
	c.send("claim", "POST", task(w.samrTask, "/claim"), nil, "dept_reviewer", 200, ok)
	c.send("claim, held by a colleague", "POST", task(w.samrTask, "/claim"), nil, "reviewer-samr", 409, ok)
	c.send("claim, a department outside the application", "POST", task(w.samrTask, "/claim"), nil, "reviewer-health", 404, ok)
	c.send("claim, another org's task", "POST", task(w.samrTask, "/claim"), nil, "bureau_officer", 403, ok)
	c.send("claim, no task", "POST", task("application-999-t1", "/claim"), nil, "reviewer-samr", 404, ok)
	c.send("transfer, not a colleague", "POST", task(w.samrTask, "/transfer"), map[string]string{"to": "reviewer-health"}, "dept_reviewer", 400, ok)
	c.send("transfer, unknown field", "POST", task(w.samrTask, "/transfer"), `{"to":"reviewer-samr","when":"now"}`, "dept_reviewer", 400, bad)
	c.send("transfer (转办)", "POST", task(w.samrTask, "/transfer"), map[string]string{"to": "reviewer-samr", "reason": "出差"}, "dept_reviewer", 200, ok)
	c.send("transfer, held by a colleague", "POST", task(w.samrTask, "/transfer"), map[string]string{"to": "dept_reviewer"}, "dept_reviewer", 409, ok)
	c.send("release, not held", "POST", task(w.samrTask, "/release"), nil, "dept_reviewer", 409, ok)
	c.send("release", "POST", task(w.samrTask, "/release"), nil, "reviewer-samr", 200, ok)
	c.send("release, no task", "POST", task("nope", "/release"), nil, "reviewer-samr", 404, ok)

	// supervision
	c.send("overdue", "GET", "/api/v1/supervision/overdue", nil, "supervisor", 200, ok)
	c.send("overdue of commerce", "GET", "/api/v1/supervision/overdue?department=commerce", nil, "bureau_officer", 200, ok)
	c.send("overdue, applicant", "GET", "/api/v1/supervision/overdue", nil, "applicant", 403, ok)
	c.send("at risk", "GET", "/api/v1/supervision/at-risk", nil, "supervisor", 200, ok)
	c.send("at risk of commerce", "GET", "/api/v1/supervision/at-risk?department=commerce", nil, "bureau_officer", 200, ok)
	c.send("at risk, applicant", "GET", "/api/v1/supervision/at-risk", nil, "applicant", 403, ok)
	c.send("stats", "GET", "/api/v1/supervision/stats", nil, "supervisor", 200, ok)
	c.send("stats of bdc", "GET", "/api/v1/supervision/stats?from=2026-01-01&to=2026-03-02&department=bdc", nil, "bureau_officer", 200, ok)
	c.send("stats, from after to", "GET", "/api/v1/supervision/stats?from=2026-03-10&to=2026-03-01", nil, "supervisor", 400, ok)
	c.send("stats, over 2 years", "GET", "/api/v1/supervision/stats?from=2020-01-01", nil, "supervisor", 400, ok)
	c.send("stats, an applicant org", "GET", "/api/v1/supervision/stats?department=acme-fintech", nil, "supervisor", 400, ok)
	c.send("stats, bad date", "GET", "/api/v1/supervision/stats?to=yesterday", nil, "supervisor", 400, ok)
	c.send("stats, operator", "GET", "/api/v1/supervision/stats", nil, "operator", 403, ok)
	c.send("urge (督办)", "POST", "/api/v1/supervision/urges", map[string]string{"task_id": w.overdueTask, "message": "已超期,请本周办结"}, "supervisor", 201, ok)
	c.send("urge, decided task", "POST", "/api/v1/supervision/urges", map[string]string{"task_id": w.passedReview, "message": "请办结"}, "supervisor", 409, ok)
	c.send("urge the applicant's step", "POST", "/api/v1/supervision/urges", map[string]string{"task_id": w.applicantTask, "message": "请签署"}, "supervisor", 422, ok)
	c.send("urge, no task", "POST", "/api/v1/supervision/urges", map[string]string{"task_id": "application-999-t1", "message": "请办结"}, "supervisor", 404, ok)
	c.send("urge, no message", "POST", "/api/v1/supervision/urges", map[string]string{"task_id": w.overdueTask, "message": "  "}, "supervisor", 400, bad)
	c.send("urge, message too long", "POST", "/api/v1/supervision/urges", map[string]string{"task_id": w.overdueTask, "message": strings.Repeat("催", 1001)}, "supervisor", 400, bad)
	c.send("urge, bureau", "POST", "/api/v1/supervision/urges", map[string]string{"task_id": w.overdueTask, "message": "请办结"}, "bureau_officer", 403, ok)
	c.send("flag (无依据驳回)", "POST", "/api/v1/supervision/flags", map[string]string{"task_id": w.rejectedReview, "reason": "所引条款不适用"}, "supervisor", 201, ok)
	c.send("flag again", "POST", "/api/v1/supervision/flags", map[string]string{"task_id": w.rejectedReview, "reason": "再次"}, "supervisor", 409, ok)
	c.send("flag an open task", "POST", "/api/v1/supervision/flags", map[string]string{"task_id": w.overdueTask, "reason": "x"}, "supervisor", 409, ok)
	c.send("flag a pass", "POST", "/api/v1/supervision/flags", map[string]string{"task_id": w.passedReview, "reason": "x"}, "supervisor", 422, ok)
	c.send("flag a cancelled supplement", "POST", "/api/v1/supervision/flags", map[string]string{"task_id": w.doneTask, "reason": "x"}, "supervisor", 422, ok)
	c.send("flag, no task", "POST", "/api/v1/supervision/flags", map[string]string{"task_id": "nope", "reason": "x"}, "supervisor", 404, ok)
	c.send("flag, no reason", "POST", "/api/v1/supervision/flags", map[string]string{"task_id": w.rejectedReview}, "supervisor", 400, bad)

	// audit
	c.send("audit", "GET", "/api/v1/audit", nil, "supervisor", 200, ok)
	c.send("audit, filtered", "GET", fmt.Sprintf("/api/v1/audit?application=%d&actor=supervisor&department=inspect&action=task.urged&from=2026-01-01&to=2026-12-31&limit=5", w.submitted), nil, "admin", 200, ok)
	c.send("audit, bad application", "GET", "/api/v1/audit?application=abc", nil, "supervisor", 400, ok)
	c.send("audit, applicant", "GET", "/api/v1/audit", nil, "applicant", 403, ok)
	c.send("audit CSV", "GET", "/api/v1/audit.csv?action=task.urged", nil, "admin", 200, ok)
	c.send("audit CSV, bad date", "GET", "/api/v1/audit.csv?from=2026-02-30", nil, "admin", 400, ok)
	c.send("audit chain", "GET", "/api/v1/audit/verify", nil, "supervisor", 200, ok)
	c.send("audit chain, bad anchor", "GET", "/api/v1/audit/verify?anchor=x", nil, "supervisor", 400, ok)
	c.send("audit chain, applicant", "GET", "/api/v1/audit/verify", nil, "applicant", 403, ok)
	c.send("reconcile, bad application", "GET", "/api/v1/audit/reconcile?application=x", nil, "supervisor", 400, ok)
	c.send("reconcile, applicant", "GET", "/api/v1/audit/reconcile", nil, "applicant", 403, ok)

	// notifications (the seeded tasks and the urge above made some)
	var page struct {
		Notifications []struct {
			ID uint64 `json:"id"`
		} `json:"notifications"`
	}
	r = c.send("notifications", "GET", "/api/v1/notifications", nil, "reviewer-gsa", 200, ok)
	r.decode(t, &page)
	if len(page.Notifications) == 0 {
		t.Fatal("reviewer-gsa has no notification to read")
	}
	nid := fmt.Sprintf("/api/v1/notifications/%d/read", page.Notifications[0].ID)
	c.send("notifications, unread, one", "GET", "/api/v1/notifications?unread=true&limit=1&offset=0", nil, "supervisor", 200, ok)
	c.send("notifications, bad unread", "GET", "/api/v1/notifications?unread=maybe", nil, "reviewer-gsa", 400, ok)
	c.send("notifications, anonymous", "GET", "/api/v1/notifications", nil, "", 401, ok)
	c.send("read one", "POST", nid, nil, "reviewer-gsa", 200, ok)
	c.send("read one again", "POST", nid, nil, "reviewer-gsa", 200, ok)
	c.send("read another's", "POST", nid, nil, "reviewer-commerce", 404, ok)
	c.send("read, bad id", "POST", "/api/v1/notifications/abc/read", nil, "reviewer-gsa", 400, ok)
	c.send("read all", "POST", "/api/v1/notifications/read-all", nil, "supervisor", 200, ok)
	c.send("read all, anonymous", "POST", "/api/v1/notifications/read-all", nil, "", 401, ok)
	c.send("channels", "GET", "/api/v1/me/channels", nil, "reviewer-gsa", 200, ok)
	c.send("channels, anonymous", "GET", "/api/v1/me/channels", nil, "", 401, ok)
	c.send("choose channels", "PUT", "/api/v1/me/channels", map[string]any{"email": true, "webhook": true, "email_address": "gsa@example.gov.cn",
		"webhook_url": "https://hooks.example.gov.cn/datagate", "webhook_secret": "0123456789abcdef0123", "language": "en"}, "reviewer-gsa", 200, ok)
	c.send("channels, keep the secret", "PUT", "/api/v1/me/channels", map[string]any{"email": false}, "reviewer-gsa", 200, ok)
	c.send("channels, bad address", "PUT", "/api/v1/me/channels", map[string]any{"email_address": "gsa at example"}, "reviewer-gsa", 400, ok)
	c.send("channels, http webhook", "PUT", "/api/v1/me/channels", map[string]any{"webhook_url": "http://hooks.example.gov.cn/x"}, "reviewer-gsa", 400, bad)
	c.send("channels, short secret", "PUT", "/api/v1/me/channels", map[string]any{"webhook_secret": "short"}, "reviewer-gsa", 400, bad)
	c.send("channels, webhook without URL", "PUT", "/api/v1/me/channels", map[string]any{"webhook": true}, "supervisor", 400, ok)
	c.send("channels, bad language", "PUT", "/api/v1/me/channels", map[string]any{"language": "fr"}, "reviewer-gsa", 400, bad)
	c.send("channels, unknown field", "PUT", "/api/v1/me/channels", `{"sms":true}`, "reviewer-gsa", 400, bad)
	c.send("channels, webhook on loopback", "PUT", "/api/v1/me/channels", map[string]any{"webhook_url": "https://127.0.0.1:8443/x"}, "reviewer-gsa", 400, ok)
	gsa, _ := e.st.UserByName(context.Background(), "reviewer-gsa")
	if err := e.st.RecordAttempt(context.Background(), store.DeliveryAttempt{DeliveryID: 1, UserID: gsa.ID, Channel: store.ChannelWebhook,
		Attempt: 1, Status: store.AttemptError, Code: 503, Error: "temporary: webhook answered 503 busy", At: e.clock.Now()}, ""); err != nil {
		t.Fatal(err)
	}
	c.send("deliveries", "GET", "/api/v1/me/deliveries", nil, "reviewer-gsa", 200, ok)
	c.send("deliveries, bad limit", "GET", "/api/v1/me/deliveries?limit=501", nil, "reviewer-gsa", 400, ok)

	// admin
	c.send("users", "GET", "/api/v1/admin/users", nil, "admin", 200, ok)
	c.send("users, supervisor", "GET", "/api/v1/admin/users", nil, "supervisor", 403, ok)
	nu := map[string]string{"username": "oa-reviewer", "display_name": "审核员", "org": "samr", "role": "dept_reviewer", "password": "a-long-passphrase"}
	r = c.send("create user", "POST", "/api/v1/admin/users", nu, "admin", 201, ok)
	r.decode(t, &decoded)
	c.send("create user, taken", "POST", "/api/v1/admin/users", nu, "admin", 409, ok)
	c.send("create user, bad name", "POST", "/api/v1/admin/users", map[string]string{"username": "Bad Name", "org": "samr", "role": "dept_reviewer", "password": "a-long-passphrase"}, "admin", 400, bad)
	c.send("create user, digits only", "POST", "/api/v1/admin/users", map[string]string{"username": "oa-2", "org": "samr", "role": "dept_reviewer", "password": "12345678901"}, "admin", 400, bad)
	c.send("create user, no org", "POST", "/api/v1/admin/users", map[string]string{"username": "oa-2", "org": "nowhere", "role": "dept_reviewer", "password": "a-long-passphrase"}, "admin", 400, ok)
	c.send("disable user", "POST", fmt.Sprintf("/api/v1/admin/users/%d/disable", decoded.ID), nil, "admin", 204, ok)
	c.send("sign in, disabled", "POST", "/api/v1/session", map[string]string{"username": "oa-reviewer", "password": "a-long-passphrase"}, "", 403, ok)
	admin, _ := e.st.UserByName(context.Background(), "admin")
	c.send("disable yourself", "POST", fmt.Sprintf("/api/v1/admin/users/%d/disable", admin.ID), nil, "admin", 422, ok)
	c.send("disable, no user", "POST", "/api/v1/admin/users/999999/disable", nil, "admin", 404, ok)
	c.send("disable, not a number", "POST", "/api/v1/admin/users/x/disable", nil, "admin", 400, ok)
	org := map[string]string{"code": "oa-corp", "name": "华信数据科技有限公司", "kind": "applicant", "credit_code": "91440106MA5D7K2R4F"}
	c.send("create org", "POST", "/api/v1/admin/orgs", org, "admin", 201, ok)
	c.send("create org, taken", "POST", "/api/v1/admin/orgs", org, "admin", 409, ok)
	c.send("create org, no credit code", "POST", "/api/v1/admin/orgs", map[string]string{"code": "oa-corp2", "name": "某公司", "kind": "applicant"}, "admin", 400, bad)
	c.send("create org, bad check character", "POST", "/api/v1/admin/orgs", map[string]string{"code": "oa-corp2", "name": "某公司", "kind": "applicant", "credit_code": "91440106MA5D7K2R4A"}, "admin", 400, ok)
	c.send("create org, unknown kind", "POST", "/api/v1/admin/orgs", map[string]string{"code": "oa-dept", "name": "某局", "kind": "ministry"}, "admin", 400, bad)
	c.send("create a department", "POST", "/api/v1/admin/orgs", map[string]string{"code": "oa-dept", "name": "某局", "name_en": "A Bureau", "kind": "provider"}, "admin", 201, ok)
	role := map[string]string{"username": "dept_reviewer", "role": "dept_reviewer", "org": "health"}
	c.send("assign role", "POST", "/api/v1/admin/roles", role, "admin", 204, ok)
	c.send("assign role again", "POST", "/api/v1/admin/roles", role, "admin", 409, ok)
	c.send("assign, unknown role", "POST", "/api/v1/admin/roles", map[string]string{"username": "dept_reviewer", "role": "king", "org": "health"}, "admin", 400, bad)
	c.send("assign, unknown user", "POST", "/api/v1/admin/roles", map[string]string{"username": "nobody", "role": "dept_reviewer", "org": "health"}, "admin", 400, ok)
	c.send("revoke role", "POST", "/api/v1/admin/roles/revoke", role, "admin", 204, ok)
	c.send("revoke role again", "POST", "/api/v1/admin/roles/revoke", role, "admin", 404, ok)
	c.send("revoke, supervisor", "POST", "/api/v1/admin/roles/revoke", role, "supervisor", 403, ok)
	c.send("policies", "GET", "/api/v1/admin/policies", nil, "admin", 200, ok)
	c.send("policies, anonymous", "GET", "/api/v1/admin/policies", nil, "", 401, ok)

	// Every route was exercised: a success for each that runs without
	// Temporal, a refusal for each that needs it.
	for _, rt := range e.srv.RouteTable() {
		key := rt.Method + " " + ginToOpenAPI(rt.Path)
		seen := c.exercised[key]
		success := slices.ContainsFunc(seen, func(s int) bool { return s >= 200 && s < 300 })
		refused := slices.ContainsFunc(seen, func(s int) bool { return s >= 400 && s < 500 })
		switch {
		case len(seen) == 0:
			t.Errorf("%s is not exercised by TestOpenAPIBodies", key)
		case !temporalRoutes[key] && !success:
			t.Errorf("%s: no success exercised (statuses %v)", key, seen)
		case !refused:
			t.Errorf("%s: no refusal exercised (statuses %v)", key, seen)
		}
	}
}

// TestOpenAPIWorkflowBodies checks the documented schemas of the routes
// that need a running workflow: the bodies a lifecycle sends are accepted,
// those the workflow refuses for a missing or unknown field are refused,
// and an UpdateResult as the workflow returns it matches.
func TestOpenAPIWorkflowBodies(t *testing.T) {
	d := loadOpenAPI(t)
	req := func(method, path string) *jsonschema.Schema {
		return d.schema(t, ptrJoin(opPtr(method, path), "requestBody", "content", "application/json", "schema"))
	}
	decision := req("POST", "/api/v1/tasks/{id}/decision")
	for _, tc := range []struct {
		s    *jsonschema.Schema
		body string
		ok   bool
	}{
		// every decision of the lifecycle
		{decision, `{"decision":"pass"}`, true},
		{decision, `{"decision":"reject","reason":"用途不符","basis":"第十六条"}`, true},
		{decision, `{"decision":"return","reason":"请补充"}`, true},
		{decision, `{"decision":"resubmit","comment":"已补充","edits":{"purpose":"授信","scope":"全市","description":"d","security_controls":"s"}}`, true},
		{decision, `{"decision":"approve"}`, true},
		{decision, `{"decision":"decide","items":[{"dataset":"DS-0100","decision":"approve"},{"dataset":"DS-0102","decision":"reject","reason":"r","basis":"b"}]}`, true},
		{decision, `{"decision":"ask_regulator","regulator":"nfra","comment":"请出具意见"}`, true},
		{decision, `{"decision":"opinion","comment":"同意"}`, true},
		{decision, `{"decision":"sign"}`, true},
		{decision, `{"decision":"file"}`, true},
		{decision, `{"decision":"submit","comment":"按约定范围使用"}`, true},
		{decision, `{"decision":"qualified"}`, true},
		{decision, `{"decision":"rectify","reason":"日志不全"}`, true},
		{decision, `{"decision":"unqualified","reason":"违规","basis":"第六条"}`, true},
		{decision, `{"decision":"confirm","comment":"已销毁"}`, true},
		{decision, `{"decision":"confirm"}`, true},
		{decision, `{"decision":"verify"}`, true},
		{decision, `{"decision":"request_changes","reason":"去除标识"}`, true},
		// refused by the workflow's validators
		{decision, `{}`, false},
		{decision, `{"decision":"cancelled"}`, false},
		{decision, `{"decision":"maybe"}`, false},
		{decision, `{"decision":"reject","reason":"用途不符"}`, false},
		{decision, `{"decision":"reject","basis":"第十六条"}`, false},
		{decision, `{"decision":"reject","reason":" ","basis":"第十六条"}`, false},
		{decision, `{"decision":"unqualified","reason":"违规"}`, false},
		{decision, `{"decision":"return"}`, false},
		{decision, `{"decision":"rectify"}`, false},
		{decision, `{"decision":"request_changes","comment":"c"}`, false},
		{decision, `{"decision":"opinion"}`, false},
		{decision, `{"decision":"submit","comment":""}`, false},
		{decision, `{"decision":"ask_regulator"}`, false},
		{decision, `{"decision":"decide"}`, false},
		{decision, `{"decision":"decide","items":[]}`, false},
		{decision, `{"decision":"decide","items":[{"dataset":"DS-0102","decision":"reject","reason":"r"}]}`, false},
		{decision, `{"decision":"decide","items":[{"dataset":"DS-0102","decision":"maybe"}]}`, false},
		{decision, `{"decision":"decide","items":[{"dataset":"DS-0102","decision":"approve","note":"x"}]}`, false},
		{decision, `{"decision":"resubmit","edits":{"title":"新标题"}}`, false},
		{decision, `{"decision":"approve","task_id":"application-1-t1"}`, false},
		{req("POST", "/api/v1/applications/{id}/terminate"), `{"reason":"向第三方提供数据","basis":"授权协议第六条"}`, true},
		{req("POST", "/api/v1/applications/{id}/terminate"), `{"reason":"向第三方提供数据"}`, false},
		{req("POST", "/api/v1/applications/{id}/terminate"), `{}`, false},
		{req("POST", "/api/v1/applications/{id}/models"), `{"name":"风控评分模型","description":"仅输出评分"}`, true},
		{req("POST", "/api/v1/applications/{id}/models"), `{"name":"风控评分模型"}`, false},
		{req("POST", "/api/v1/applications/{id}/models"), `{"name":" ","description":"d"}`, false},
		{req("POST", "/api/v1/applications/{id}/evaluations"), `{"reason":"年度抽查"}`, true},
		{req("POST", "/api/v1/applications/{id}/evaluations"), `{}`, true},
		{req("POST", "/api/v1/applications/{id}/exit-notice"), `{"reason":"业务调整"}`, true},
		{req("POST", "/api/v1/applications/{id}/withdraw"), `{"reason":"不再需要"}`, true},
		{req("POST", "/api/v1/applications/{id}/withdraw"), `{"reason":1}`, false},
		{req("POST", "/api/v1/applications/{id}/supplement"), `{"comment":"已补充","edits":{"security_controls":"日志审计"}}`, true},
		{req("POST", "/api/v1/applications/{id}/supplement"), `{"edits":{"period_months":"12"}}`, false},
	} {
		m := mismatch(tc.s, decodeInstance(t, []byte(tc.body)))
		if tc.ok && m != "" {
			t.Errorf("%s: the documented schema refuses a body the workflow accepts: %s", tc.body, m)
		}
		if !tc.ok && m == "" {
			t.Errorf("%s: the documented schema accepts a body the workflow refuses", tc.body)
		}
	}
	// The submit body is none; a body sent anyway is ignored.
	if op, _ := d.at(opPtr("POST", "/api/v1/applications/{id}/submit")); op.(map[string]any)["requestBody"] != nil {
		t.Error("POST /applications/{id}/submit documents a body, which the server ignores")
	}

	// What the workflow's Updates return, as the API marshals it.
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, calendar.Zone)
	remind := now.Add(24 * time.Hour)
	update := d.schema(t, ptrJoin(opPtr("POST", "/api/v1/tasks/{id}/decision"), "responses", "200", "content", "application/json", "schema"))
	for _, res := range []workflows.UpdateResult{
		{Status: domain.StatusDepartmentReview, Opened: []activities.Task{
			{ID: "application-1-t2", ApplicationID: 1, WorkflowID: "application-1", Kind: domain.TaskDepartmentReview, Round: 1,
				Department: "gsa", Status: domain.TaskOpen, OpenedAt: now, DueAt: now.Add(28 * 24 * time.Hour), RemindAt: &remind}}},
		{Status: domain.StatusActive, Model: "application-1-model-1"},
		{Status: domain.ModelChangesRequested},
		{Status: domain.StatusClosed},
	} {
		if m := mismatch(update, instance(t, res)); m != "" {
			t.Errorf("UpdateResult %+v does not match: %s", res, m)
		}
	}
	// The error of a refused Update.
	for _, status := range []string{"400", "403", "404", "409"} {
		resp, rptr := d.deref(t, ptrJoin(opPtr("POST", "/api/v1/tasks/{id}/decision"), "responses", status))
		_ = resp
		s := d.schema(t, ptrJoin(rptr, "content", "application/json", "schema"))
		code := map[string]string{"400": "invalid", "403": "forbidden", "404": "not_found", "409": "conflict"}[status]
		body := fmt.Sprintf(`{"error":{"code":%q,"message":"a rejection must state its reason: fill in reason","field":"reason"}}`, code)
		if m := mismatch(s, decodeInstance(t, []byte(body))); m != "" {
			t.Errorf("a workflow's %s refusal does not match: %s", status, m)
		}
	}
}
