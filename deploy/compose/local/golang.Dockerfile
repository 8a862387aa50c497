# Stand-in for golang:1.26-bookworm where no registry is reachable: the Go toolchain
# scripts/setup.sh installed (from the Go module proxy, the same release the golang image ships),
# on the local Debian base (scripts/deploy_check.sh). Context: a folder holding that toolchain as go/.
ARG DEBIAN_IMAGE=debian:bookworm-slim
FROM ${DEBIAN_IMAGE}
# What the deploy check compares to skip copying and hashing the toolchain again (about 20 s).
ARG GO_VERSION=unknown
LABEL org.clipstream.go-version=${GO_VERSION}
COPY go /usr/local/go
ENV PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
