package blasbackend

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestDoctor runs the doctor on small shapes and checks the report has every
// line and ends with the verdict.
func TestDoctor(t *testing.T) {
	var buf bytes.Buffer
	shapes := []Shape{{Name: "tiny", M: 64, K: 64, N: 64, MinPeak: 0.01}, {Name: "rank-r", M: 100, K: 80, N: 5}}
	v, err := Doctor(context.Background(), &buf, DoctorOptions{Shapes: shapes, Time: 30 * time.Millisecond, Elementwise: func() string { return "elementwise line" }})
	if err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	t.Logf("\n%s", out)
	for _, want := range []string{"backend:", "detected core:", "CPU:", "features:", "avx512vl", "threads:", "FMA peak:", "verification:", "tiny", "elementwise line", "verdict: "} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if openblas && !strings.Contains(out, "OpenBLAS core:") {
		t.Error("report lacks the OpenBLAS core")
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if last := lines[len(lines)-1]; last != "verdict: "+v.Line() || v.OK != (v.Line() == "OK") {
		t.Errorf("last line %q, verdict %+v", last, v)
	}
	if len(v.Rates) != len(shapes) || v.Rates[0].GFLOPS <= 0 {
		t.Errorf("rates %+v", v.Rates)
	}
	if v.Verify != nil {
		t.Errorf("active BLAS fails verification: %v", v.Verify)
	}
}

func TestAdvice(t *testing.T) {
	if !openblas {
		if a := advice(Info{Backend: name}, nil, nil); len(a) != 1 || !strings.Contains(a[0], "libopenblas-dev") {
			t.Errorf("pure Go advice %q", a)
		}
		return
	}
	for _, c := range []struct {
		in   Info
		slow []string
		want string
	}{
		{Info{Backend: name, Core: "SkylakeX", DetectedCore: "SkylakeX", CoreSource: SourceOpenBLAS}, nil, ""},
		{Info{Backend: name, Core: "Prescott", DetectedCore: "SkylakeX", CoreSource: SourceOpenBLAS}, nil, "set OPENBLAS_CORETYPE=SkylakeX"},
		{Info{Backend: name, Core: "Haswell", DetectedCore: "SkylakeX", CoreSource: SourceUser, Env: map[string]string{EnvCoreType: "Haswell"}}, nil, "set OPENBLAS_CORETYPE=SkylakeX (it is set to Haswell"},
		{Info{Backend: name, Core: "SkylakeX", DetectedCore: "SkylakeX", CoreSource: SourceOpenBLAS}, []string{"big 40% < 60%"}, "re-run on an idle machine"},
	} {
		got := strings.Join(advice(c.in, nil, c.slow), "; ")
		if c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("advice(%+v) = %q, want %q", c.in, got, c.want)
		}
	}
}
