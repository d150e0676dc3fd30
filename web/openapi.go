package web

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/gofiber/fiber/v2"
)

//go:embed openapi.json
var openapiJSON []byte

func (s *Server) openapi(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(s.openapiDoc)
}

// mergeOpenAPI adds the modules' fragments (Deps.OpenAPI) to the core
// document: each is an OpenAPI document holding only its tags, paths and
// components (schemas, responses, parameters). A module's tag carries
// "x-module" (or "x-channel") naming it, so the route check can tell its
// routes from the core's. A path operation or component defined twice
// differently is an error: two modules would be documenting one route.
func mergeOpenAPI(base []byte, fragments [][]byte) ([]byte, error) {
	if len(fragments) == 0 {
		return base, nil
	}
	var doc map[string]any
	if err := json.Unmarshal(base, &doc); err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	paths, _ := doc["paths"].(map[string]any)
	comps, _ := doc["components"].(map[string]any)
	tags, _ := doc["tags"].([]any)
	for i, raw := range fragments {
		var f map[string]any
		if err := json.Unmarshal(raw, &f); err != nil {
			return nil, fmt.Errorf("openapi fragment %d: %w", i, err)
		}
		ft, _ := f["tags"].([]any)
		tags = append(tags, ft...)
		fp, _ := f["paths"].(map[string]any)
		for path, item := range fp {
			ops, _ := item.(map[string]any)
			cur, _ := paths[path].(map[string]any)
			if cur == nil {
				cur = map[string]any{}
				paths[path] = cur
			}
			for method, op := range ops {
				if old, ok := cur[method]; ok && !reflect.DeepEqual(old, op) {
					return nil, fmt.Errorf("openapi fragment %d: %s %s is documented twice", i, method, path)
				}
				cur[method] = op
			}
		}
		fc, _ := f["components"].(map[string]any)
		for section, v := range fc {
			items, _ := v.(map[string]any)
			cur, _ := comps[section].(map[string]any)
			if cur == nil {
				cur = map[string]any{}
				comps[section] = cur
			}
			for name, def := range items {
				if old, ok := cur[name]; ok && !reflect.DeepEqual(old, def) {
					return nil, fmt.Errorf("openapi fragment %d: components.%s.%s is defined twice", i, section, name)
				}
				cur[name] = def
			}
		}
	}
	doc["tags"] = tags
	return json.MarshalIndent(doc, "", "  ")
}
