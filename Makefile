# monitor-token: `make install` and `make test` are the two commands a fresh
# machine needs; `make demo` shows the whole flow without an IBM Cloud account.

PREFIX  ?= $(HOME)/.local
BINDIR  := $(PREFIX)/bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
# urfave_cli_no_docs drops urfave/cli's man-page and markdown generators,
# which monitor-token never uses (a smaller binary and less start-up on every
# call; docs/performance.md measures what it is worth).
TAGS    := urfave_cli_no_docs
LDFLAGS := -s -w -X github.com/monitor-token/monitor-token/internal/cmdutil.version=$(VERSION)
GO      ?= go
FUZZTIME ?= 30s

.PHONY: all build install uninstall test demo bench fuzz clean dist

all: build

build:
	$(GO) build -trimpath -tags '$(TAGS)' -ldflags '$(LDFLAGS)' -o bin/monitor-token .

# The links give the binary its other personalities: kubectl finds
# kubectl-monitor_token on PATH, and asks kubectl_complete-monitor_token
# for `kubectl monitor-token <TAB>`; git finds git-credential-monitor-token.
# install-links makes them, and the completion scripts under $(PREFIX)/share
# (what `go install` users run by hand); it refuses to replace files that are
# not monitor-token's.
install: build
	install -d '$(BINDIR)'
	install -m 0755 bin/monitor-token '$(BINDIR)/monitor-token'
	'$(BINDIR)/monitor-token' install-links --dir '$(BINDIR)'
	@echo "installed $(BINDIR)/monitor-token $(VERSION), with kubectl-monitor_token, kubectl_complete-monitor_token and git-credential-monitor-token"
	@case ":$$PATH:" in *":$(BINDIR):"*) ;; *) echo "note: $(BINDIR) is not on your PATH; add it: export PATH=\"$(BINDIR):\$$PATH\"";; esac

# install-links --remove takes away only what is monitor-token's. A binary
# already removed by hand is no error (what it linked is then left).
uninstall:
	if [ -x '$(BINDIR)/monitor-token' ]; then '$(BINDIR)/monitor-token' install-links --remove --dir '$(BINDIR)'; fi
	rm -f '$(BINDIR)/monitor-token'

test:
	./scripts/test.sh

demo: build
	$(GO) build -o bin/monitor-emulator ./cmd/monitor-emulator
	./scripts/demo.sh

# The performance budget's figures (docs/performance.md) on a real keyring and
# the emulator (scripts/bench.sh):
# BENCH_RUNS (default 50) runs of each command. The floor is built as the
# release binary is (-trimpath -s -w), so the two compare like for like.
# proxy-profile keeps its symbols, for go tool pprof
# (BENCH_PROXY_PROFILE=FILE, scripts/bench-proxy.sh).
bench: build
	$(GO) build -o bin/monitor-emulator ./cmd/monitor-emulator
	$(GO) build -trimpath -ldflags '-s -w' -o bin/floor ./bench/floor
	$(GO) build -o bin/keyring-session ./bench/keyring-session
	$(GO) build -trimpath -ldflags '-s -w' -o bin/proxy-floor ./bench/proxy-floor
	$(GO) build -trimpath -tags '$(TAGS)' -o bin/proxy-profile ./bench/proxy-profile
	./scripts/bench.sh
	./scripts/bench-providers.sh
	./scripts/bench-proxy.sh
	./scripts/bench-watch.sh

# The release, as .goreleaser.yaml describes it, in dist/: archives for
# linux, darwin and windows (amd64, arm64), the krew archives and manifest,
# the Homebrew formula, .deb and .rpm, SBOMs and checksums.txt
# (docs/releasing.md). GoReleaser runs at a pinned version through `go run`,
# so it never enters the binary's module graph. VERSION names the release
# only when given on the command line (`make dist VERSION=v1.2.3`);
# otherwise GoReleaser names a development snapshot from the last tag.
# RELEASE_URL_BASE is where the archives will be downloaded from.
GORELEASER ?= github.com/goreleaser/goreleaser/v2@v2.17.0
# krew wants spec.version as semver with a leading v, and the archive and
# package names are made from it: anything else is refused before a build.
# VERSION and RELEASE_URL_BASE reach GoReleaser through the environment, as
# make exports variables given on its command line; the Makefile's own
# VERSION default (git describe) does not.
SEMVER_RE := ^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$$
dist:
	@if [ '$(filter command line environment,$(origin VERSION))' ] && ! printf '%s\n' "$$VERSION" | grep -Eq '$(SEMVER_RE)'; then \
	  echo "make dist: VERSION=$$VERSION is not a semantic version with a leading v, such as v1.2.3 or v1.2.3-rc.1; give one, or leave VERSION out for a development snapshot" >&2; \
	  exit 2; \
	fi
	RELEASE_DATE="$$(git log -1 --format=%cI)" RELEASE_TIMESTAMP="$$(git log -1 --format=%ct)" \
	  RELEASE_COMMIT="$$(git rev-parse --short=12 HEAD)" \
	  $(GO) run $(GORELEASER) release --snapshot --clean

# Each fuzz target for FUZZTIME (go test -fuzz takes one target and one
# package at a time).
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$target ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

clean:
	rm -rf bin dist build
