package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/eval"
	"github.com/jiefen/jiefen/search"
)

// pairLog collects the detector's compared pairs with their true labels.
type pairLog struct {
	truth               map[string]eval.Truth
	person, matter, grp []search.Sample
	dump                *json.Encoder // --pairs: every labelled pair, for study
}

func newPairLog(truth []eval.Truth) *pairLog {
	p := &pairLog{truth: map[string]eval.Truth{}}
	for _, t := range truth {
		p.truth[t.Ref] = t
	}
	return p
}

func (p *pairLog) observe(in *cases.Intake, c cases.Candidate, f map[string]float64) {
	a, ok1 := p.truth[in.Ref]
	b, ok2 := p.truth[c.Ref]
	if !ok1 || !ok2 {
		return
	}
	if p.dump != nil {
		p.dump.Encode(map[string]any{"a": in.Ref, "b": c.Ref, "features": f,
			"same_person": a.Person == b.Person, "same_matter": a.Matter == b.Matter, "person": a.Person})
	}
	p.person = append(p.person, search.Sample{Features: f, Label: a.Person == b.Person})
	p.matter = append(p.matter, search.Sample{Features: f, Label: a.Matter == b.Matter})
	if a.Person != b.Person {
		p.grp = append(p.grp, search.Sample{Features: f, Label: a.Group != "" && a.Group == b.Group})
	}
}

// Which evidence each model weighs: who wrote it (person), whether it is
// the same matter (everything), whether different people share a matter
// (the text and the setting, not the people).
var (
	personFeatures = []string{"id_number", "phone", "name", "name_sound"}
	matterFeatures = search.FeatureNames()
	groupFeatures  = []string{"subject_sim", "text_sim", "shared_terms", "address_sim", "address_diff", "respondent", "time_gap", "same_channel"}
)

// fit learns the three models, keeps the thresholds of base, and writes
// the configuration as JSON.
func (p *pairLog) fit(base search.Config, path string, out io.Writer) error {
	cfg := base
	cfg.Person = search.Fit(p.person, personFeatures, 1)
	cfg.Matter = search.Fit(p.matter, matterFeatures, 1)
	cfg.Group = search.Fit(p.grp, groupFeatures, 1)
	for _, m := range []struct {
		name    string
		old, nu search.Model
		s       []search.Sample
	}{{"person", base.Person, cfg.Person, p.person}, {"matter", base.Matter, cfg.Matter, p.matter}, {"group", base.Group, cfg.Group, p.grp}} {
		pos := 0
		for _, s := range m.s {
			if s.Label {
				pos++
			}
		}
		fmt.Fprintf(out, "fit %-6s on %6d pairs (%5d positive): log loss %.4f → %.4f\n", m.name, len(m.s), pos,
			search.LogLoss(m.old, m.s), search.LogLoss(m.nu, m.s))
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
