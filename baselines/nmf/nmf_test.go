package nmf

import (
	"testing"

	"nmfbench/methods"
)

func TestParamsValidate(t *testing.T) {
	bad := []Params{
		{Loss: "kl", MaxIter: 0, Init: RandomInit, Eps: 1e-10},
		{Loss: "kl", MaxIter: methods.MaxIterLimit + 1, Init: RandomInit, Eps: 1e-10},
		{Loss: "kl", MaxIter: 1, Init: RandomInit, Eps: 0},
		{Rank: -1, Loss: "kl", MaxIter: 1, Init: RandomInit, Eps: 1e-10},
	}
	for _, p := range bad {
		if err := p.Validate(); err == nil {
			t.Errorf("%+v: no error", p)
		}
	}
	def := Defaults
	if err := def.Validate(); err != nil {
		t.Errorf("defaults invalid: %v", err)
	}
}

func TestBuildRejectsUnknownChoices(t *testing.T) {
	for _, params := range []string{"{loss: l1}", "{init: nndsvd}", "{rank: 2.5}", "{max_iter: 1e3}"} {
		if _, err := methods.Default.BuildYAML("NMF", params); err == nil {
			t.Errorf("%s: no error", params)
		} else {
			t.Logf("%s: %v", params, err)
		}
	}
	c, err := methods.Default.BuildYAML("NMF", "{loss: KL}")
	if err != nil || c.Params["loss"] != "kl" {
		t.Fatalf("loss: KL → %v, %v", c, err)
	}
}
