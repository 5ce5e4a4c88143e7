package api_test

import (
	"os"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// The document loads in the usual generators' library (kin-openapi, which
// oapi-codegen builds on; v0.146, near the v0.142 oapi-codegen v2.8
// requires), besides the validator the other tests use: a construct it
// cannot read (a tuple closed with items: false) stops a client's code
// generation before it starts.
func TestOpenAPILoadsInKinOpenAPI(t *testing.T) {
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		t.Fatalf("kin-openapi cannot load the document: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Errorf("kin-openapi finds the document invalid: %v", err)
	}
	if len(doc.Paths.Map()) == 0 || doc.Components == nil || len(doc.Components.Schemas) == 0 {
		t.Errorf("kin-openapi read no paths or schemas")
	}
}
