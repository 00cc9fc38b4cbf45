package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/emprises/emprises/internal/site"
)

// propertiesStart finds where a feature's properties object opens, in the text PostgreSQL
// writes ("properties" : {).
var propertiesStart = regexp.MustCompile(`"properties"\s*:\s*\{`)

// withFrenchLabels returns a site-part feature with the French labels of its coded
// properties beside the codes (status_label, geometry_quality_label, modality_label), for
// the people who open the download in a GIS. The store keeps to codes: the labels are
// the HTTP layer's. A feature with no properties object, or no code, is returned as it is.
func withFrenchLabels(feature []byte) ([]byte, error) {
	var f struct {
		Properties struct {
			Status          string `json:"status"`
			GeometryQuality string `json:"geometry_quality"`
			Modality        string `json:"modality"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(feature, &f); err != nil {
		return nil, fmt.Errorf("export: read a feature: %w", err)
	}
	loc := propertiesStart.FindIndex(feature)
	if loc == nil {
		return feature, nil
	}
	labels := map[string]string{}
	p := f.Properties
	if l := site.Status(p.Status).Label(); l != "" {
		labels["status_label"] = l
	}
	if l := qualityLabels[p.GeometryQuality]; l != "" {
		labels["geometry_quality_label"] = l
	}
	if l := site.Modality(p.Modality).Label(); l != "" {
		labels["modality_label"] = l
	}
	if len(labels) == 0 {
		return feature, nil
	}
	text, err := json.Marshal(labels) // keys sorted: a stable file
	if err != nil {
		return nil, err
	}
	inner := text[1 : len(text)-1]
	var out bytes.Buffer
	out.Grow(len(feature) + len(inner) + 1)
	out.Write(feature[:loc[1]])
	out.Write(inner)
	if rest := bytes.TrimLeft(feature[loc[1]:], " \n\t"); len(rest) > 0 && rest[0] != '}' {
		out.WriteByte(',')
	}
	out.Write(feature[loc[1]:])
	return out.Bytes(), nil
}
