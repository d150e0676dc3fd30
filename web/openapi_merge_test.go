package web

import (
	"encoding/json"
	"testing"
)

func TestMergeOpenAPI(t *testing.T) {
	frag := []byte(`{"tags":[{"name":"调解 Mediation","x-module":"mediation"}],
	  "paths":{"/api/v1/mediations/{id}":{"get":{"tags":["调解 Mediation"],"responses":{"200":{"description":"ok"}}}},
	           "/api/v1/cases/{no}":{"delete":{"tags":["调解 Mediation"],"responses":{"204":{"description":"x"}}}}},
	  "components":{"schemas":{"Mediation":{"type":"object"}}}}`)
	out, err := mergeOpenAPI(openapiJSON, [][]byte{frag})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tags       []map[string]any                     `json:"tags"`
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Paths["/api/v1/mediations/{id}"]["get"] == nil || doc.Components.Schemas["Mediation"] == nil {
		t.Fatalf("fragment not merged: %v", doc.Paths["/api/v1/mediations/{id}"])
	}
	// A new method on a core path joins the core's methods.
	if doc.Paths["/api/v1/cases/{no}"]["delete"] == nil || doc.Paths["/api/v1/cases/{no}"]["get"] == nil {
		t.Errorf("methods of /api/v1/cases/{no}: %v", doc.Paths["/api/v1/cases/{no}"])
	}
	if doc.Components.Schemas["Error"] == nil || doc.Tags[len(doc.Tags)-1]["x-module"] != "mediation" {
		t.Error("core schemas or the module's tag lost")
	}
	// The same operation documented differently twice is refused.
	clash := []byte(`{"paths":{"/api/v1/mediations/{id}":{"get":{"responses":{}}}}}`)
	if _, err := mergeOpenAPI(openapiJSON, [][]byte{frag, clash}); err == nil {
		t.Error("a route documented twice must be refused")
	}
	if out, _ := mergeOpenAPI(openapiJSON, nil); string(out) != string(openapiJSON) {
		t.Error("without fragments the core document is served as it is")
	}
}
