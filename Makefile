# Emprises — two commands do everything on a fresh Debian machine:
#   make run    installs what is missing, builds, serves on the embedded default
#   make test   installs what is missing, runs every test
SHELL := /bin/bash
.DEFAULT_GOAL := build

GO       ?= go
BIN      := bin/emprises
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian packages, each with a file that tells whether it is installed.
PG_BIN    := /usr/lib/postgresql/15/bin/initdb
POSTGIS   := /usr/share/postgresql/15/extension/postgis.control
OGRINFO   := /usr/bin/ogrinfo
CHROMIUM  := /usr/bin/chromium
QGIS      := /usr/lib/python3/dist-packages/qgis/__init__.py

.PHONY: build run test test-go test-replica test-fuzz bench deps-run deps-test web-deps vet fmt clean

## build: compile bin/emprises
build: web-deps
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/emprises

## run: install what is missing, build, and serve on the private PostGIS cluster in ./.data
run: deps-run build
	./$(BIN) serve

## test: install what is missing and run every test (Go, PostGIS, GDAL, headless Chromium)
test: deps-test web-deps vet test-go test-replica test-fuzz

# test-replica has its own target (and test-go leaves it out, not to run it twice).
test-go:
	$(GO) test -count=1 -timeout 15m $$($(GO) list ./... | grep -v '/internal/replica$$')

## test-replica: a primary and its streaming replica (two private clusters, pg_basebackup -R)
## under two instances: read-your-writes, lag in /healthz and /metrics, the primary stopped
## and started again (see README, "Deployment")
test-replica: deps-run
	$(GO) test -count=1 -timeout 3m -v -run 'TestTwoInstancesOverPrimaryAndReplica' ./internal/replica/

# Each fuzz target runs a few seconds on top of its committed seed corpus. The budget is a
# count of inputs, not a duration: with a duration, a new input still being minimised when
# time runs out fails the run with "context deadline exceeded" (a flake of Go's fuzzer).
FUZZTIME ?= 20000x
test-fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$target"; \
	    $(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

## bench: synthetic portfolio benchmarks (see README); the API side by side with
## pg_featureserv when PG_FEATURESERV names its binary
bench: deps-test build
	$(GO) run ./cmd/emprises-bench api
	$(GO) run ./cmd/emprises-bench cadastre
	$(GO) run ./cmd/emprises-bench replica
	$(GO) run ./cmd/emprises-bench growth
	EMPRISES_TIMING_BARS=1 $(GO) test -count=1 -v -run 'TestParcelsFastOverDenseCadastre$$' ./internal/e2e/

deps-run: $(PG_BIN) $(POSTGIS) go-toolchain
deps-test: $(PG_BIN) $(POSTGIS) $(OGRINFO) $(CHROMIUM) $(QGIS) go-toolchain

$(PG_BIN) $(POSTGIS):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15-postgis-3
	@# Debian starts a system cluster on port 5432; Emprises does not use it.

$(OGRINFO):
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gdal-bin || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gdal-bin; }

# QGIS's Python bindings: a test builds QGIS's vector-tile layer from the TileJSON and draws it.
$(QGIS):
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-qgis || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-qgis; }

$(CHROMIUM):
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

.PHONY: go-toolchain
go-toolchain:
	@command -v $(GO) >/dev/null || { echo "Go $$(sed -n 's/^go //p' go.mod) is needed (https://go.dev/dl), then re-run make"; exit 1; }

## web-deps: the page's libraries, from npm at the exact versions of web/package-lock.json,
## copied into web/vendor/ (embedded by web/web.go) with their licences
web-deps: web/vendor/.copied

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; }
	cd web && npm ci --no-audit --no-fund
	@touch $@

# Only the files the page loads are copied, each library with its LICENSE (the MIT and BSD
# licences ask for their notice to travel with the code, served as /vendor/<name>/LICENSE):
# - leaflet: its whole dist/ (scripts, stylesheet, images the stylesheet refers to);
# - leaflet-geoman: the minified script (no eval, no inline style, so it runs under the
#   CSP) and its stylesheet;
# - @mapbox/vector-tile, pbf and @mapbox/point-geometry: the ES modules the parcel tiles'
#   worker (web/static/js/parcels-worker.js) imports. vector-tile imports point-geometry by
#   bare name, which a browser cannot resolve (a worker has no import map, and the CSP
#   refuses inline ones): that one import is pointed at the copy beside it, and the copy
#   fails if the import is no longer there to rewrite (a new version to look at).
# protomaps-leaflet, which drew the parcels before the worker, is removed from older copies.
# The stamp starts with a dot, so go:embed leaves it out.
NPM    := web/node_modules
VENDOR := web/vendor
VENDORED := leaflet leaflet-geoman vector-tile pbf point-geometry
web/vendor/.copied: web/node_modules/.package-lock.json Makefile
	rm -rf $(addprefix $(VENDOR)/,$(VENDORED) protomaps-leaflet)
	mkdir -p $(addprefix $(VENDOR)/,$(VENDORED))
	cp -R $(NPM)/leaflet/dist/. $(NPM)/leaflet/LICENSE $(VENDOR)/leaflet/
	cp $(NPM)/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.min.js \
	   $(NPM)/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css \
	   $(NPM)/@geoman-io/leaflet-geoman-free/LICENSE $(VENDOR)/leaflet-geoman/
	cp $(NPM)/pbf/index.js $(NPM)/pbf/LICENSE $(VENDOR)/pbf/
	cp $(NPM)/@mapbox/point-geometry/index.js $(NPM)/@mapbox/point-geometry/LICENSE $(VENDOR)/point-geometry/
	cp $(NPM)/@mapbox/vector-tile/LICENSE.txt $(VENDOR)/vector-tile/LICENSE
	grep -q "^import Point from '@mapbox/point-geometry';$$" $(NPM)/@mapbox/vector-tile/index.js
	sed "s|^import Point from '@mapbox/point-geometry';$$|import Point from '../point-geometry/index.js';|" \
	   $(NPM)/@mapbox/vector-tile/index.js > $(VENDOR)/vector-tile/index.js
	@touch $@

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin
