package site

import "testing"

func TestSourceOfArea(t *testing.T) {
	t.Parallel()
	declared := 45000.0
	tests := []struct {
		quality  GeometryQuality
		declared *float64
		want     AreaSource
	}{
		{QualitySurveyed, nil, AreaSurveyed},
		{QualityCadastre, &declared, AreaCadastre},
		{QualityApproximate, &declared, AreaDeclared},
		{QualityApproximate, nil, AreaNominal},
		{QualityUnlocated, nil, AreaUnknown},
		{QualityUnlocated, &declared, AreaUnknown},
	}
	for _, tt := range tests {
		t.Run(string(tt.quality)+" "+string(tt.want), func(t *testing.T) {
			if got := SourceOfArea(tt.quality, tt.declared); got != tt.want {
				t.Errorf("SourceOfArea(%s, %v) = %s; want %s", tt.quality, tt.declared, got, tt.want)
			}
		})
	}
}

// TestAccountAreas: unknown areas are counted as unknown, not as zero; estimates are
// told apart from measures; what is not ceded is held by Paris.
func TestAccountAreas(t *testing.T) {
	t.Parallel()
	d := Dashboard{ByStatus: []StatusArea{{Status: StatusInUse}, {Status: StatusCeded}},
		ByDepartment: []DepartmentArea{{Department: "DPE"}}}
	d.AccountAreas([]PartArea{
		{Status: StatusInUse, Department: "DPE", Source: AreaSurveyed, AreaM2: 1000},
		{Status: StatusInUse, Department: "DPE", Source: AreaDeclared, AreaM2: 2000},
		{Status: StatusInUse, Source: AreaUnknown, AreaM2: 0},
		{Status: StatusCeded, Source: AreaNominal, AreaM2: 5000},
		{Status: StatusCeded, Source: AreaCadastre, AreaM2: 300.04},
	})
	tests := []struct {
		name string
		got  Area
		want Area
	}{
		{"in use", d.ByStatus[0].Area, Area{Parts: 3, AreaM2: 3000, EstimatedM2: 2000, UnknownParts: 1}},
		{"ceded by status", d.ByStatus[1].Area, Area{Parts: 2, AreaM2: 5300, EstimatedM2: 5000, NominalParts: 1}},
		{"ceded to date", d.CededToDate, Area{Parts: 2, AreaM2: 5300, EstimatedM2: 5000, NominalParts: 1}},
		{"DPE", d.ByDepartment[0].Area, Area{Parts: 2, AreaM2: 3000, EstimatedM2: 2000}},
		{"held by Paris", d.HeldByParis, Area{Parts: 3, AreaM2: 3000, EstimatedM2: 2000, UnknownParts: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("%+v; want %+v", tt.got, tt.want)
			}
		})
	}
	want := Totals{Parts: 5, LocatedParts: 4, UnlocatedParts: 1, AreaM2: 8300, EstimatedM2: 7000, NominalParts: 1}
	if d.Totals != want {
		t.Errorf("totals %+v; want %+v", d.Totals, want)
	}
	if m := d.HeldByParis.MeasuredM2(); m != 1000 {
		t.Errorf("held measured = %v; want 1000", m)
	}
}
