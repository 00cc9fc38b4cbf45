// Package e2e drives the map page in a real headless Chromium against the whole service
// on a real PostGIS database. It has tests only; see browser_test.go for the harness.
package e2e
